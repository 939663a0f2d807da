"""Text sources a watcher polls: RSS/Atom feeds (and the article each entry links to), web pages, and
folders that report files are dropped into.

Each poll returns ``Item``s: one document (or none, when the item is unreadable) with the key the
source records it as seen under, so an item is fetched and stored once. The readers are those of
``forcewatch ingest``: ``reports.feed_entries`` for feeds, ``reports.html_document`` for pages,
``reports.read_reports`` for files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest import InputError
from forcewatch.ingest.http import FetchError, HttpClient, Response
from forcewatch.records import Document

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class Item:
    """One new thing a source found: a document to ingest (None: nothing readable) under ``key``."""

    key: str
    document: Document | None = None
    error: str | None = None


@dataclass
class Poll:
    """What one poll of a source gave: its new items, its validators to keep, and an error line if any."""

    items: list[Item] = field(default_factory=list)
    state: dict = field(default_factory=dict)  # etag, last_modified (feeds, pages); files seen (folders)
    not_modified: bool = False
    error: str | None = None


def _conditional_get(client: HttpClient, url: str, state: dict, stop, accept: str) -> tuple[Response, Poll]:
    """A GET that sends the validators last seen (ETag, Last-Modified) and keeps the new ones; a
    304 is a poll with nothing new."""
    r = client.get(url, state.get("etag"), state.get("last_modified"), stop=stop, accept=accept)
    poll = Poll(state=_validators(r, state), not_modified=r.status == 304)
    return r, poll


def _validators(r: Response, old: dict) -> dict:
    return {"etag": r.etag or old.get("etag"), "last_modified": r.last_modified or old.get("last_modified")}


def poll_feed(client: HttpClient, url: str, state: dict, seen: Callable[[Iterable[str]], set[str]],
              fetch_articles: bool = True, stop: threading.Event | None = None) -> Poll:
    """New entries of a feed (conditional GET on its validators); for each, the article page it links
    to, its text extracted, when that gives more text than the entry itself."""
    from forcewatch.ingest.reports import feed_entries, html_document

    r, poll = _conditional_get(client, url, state, stop, FEED_ACCEPT)
    if poll.not_modified:
        return poll
    try:
        entries = list(feed_entries(r.text(), url))
    except InputError as exc:
        poll.error = str(exc)
        return poll
    known = seen(k for k, _ in entries)
    for key, doc in entries:
        if key in known:
            continue
        if fetch_articles and doc.url and doc.url.startswith(("http://", "https://")):
            try:
                page = client.get(doc.url, stop=stop, accept=PAGE_ACCEPT)
                article = html_document(page.text(), doc.url)
                if len(article.text) > len(doc.text):
                    doc = Document(id=article.id, text=article.text, path=url, url=doc.url,
                                   title=doc.title or article.title, published=doc.published or article.published,
                                   outlet=doc.outlet or article.outlet, media_type="html")
            except FetchError as exc:
                poll.error = f"{exc} (the entry's own text is used)"
            except Exception as exc:  # noqa: BLE001  (a page trafilatura cannot read: the entry's text stands)
                poll.error = f"{doc.url}: article unreadable ({type(exc).__name__}); the entry's own text is used"
        poll.items.append(Item(key, doc if doc.text.strip() else None,
                               None if doc.text.strip() else f"{url}: entry {key} has no text"))
    return poll


def poll_page(client: HttpClient, url: str, state: dict, stop: threading.Event | None = None) -> Poll:
    """A web page as one document when it changed (conditional GET); the key is its text's id, so a
    page whose markup changes but not its article is not stored again."""
    from forcewatch.ingest.reports import html_document

    r, poll = _conditional_get(client, url, state, stop, PAGE_ACCEPT)
    if poll.not_modified:
        return poll
    try:
        doc = html_document(r.text(), url)
    except Exception as exc:  # noqa: BLE001
        poll.error = f"{url}: page unreadable ({type(exc).__name__})"
        return poll
    if not doc.text.strip():
        poll.error = f"{url}: no article text in the page"
        return poll
    doc.url = doc.url or url
    poll.items.append(Item(doc.id, doc))
    return poll


def scan_folder(folder: Path, state: dict, seen: Callable[[Iterable[str]], set[str]], suffixes: frozenset[str]) -> Poll:
    """Report files new in a folder (its tree) since they were last seen, once their size and time have
    held still for one scan (a file being written is read when complete). ``state``: path -> [size,
    mtime_ns] of the last scan. The key is path, size and time: a file rewritten is read again (its
    documents, by their text, are stored once)."""
    from forcewatch.ingest.reports import read_reports

    poll = Poll(state={})
    if not folder.is_dir():
        poll.error = f"{folder}: not a folder"
        poll.state = state
        return poll
    found: dict[str, tuple[int, int]] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            p = Path(root, name)
            if name.startswith(".") or p.suffix.lower() not in suffixes or name.endswith(".meta.json"):
                continue
            try:
                st = p.stat()
            except OSError:
                continue
            found[str(p)] = (st.st_size, st.st_mtime_ns)
    poll.state = {k: list(v) for k, v in found.items()}
    stable = {p: v for p, v in found.items() if list(v) == list(state.get(p, []))}
    keys = {f"{p}:{v[0]}:{v[1]}": p for p, v in stable.items()}
    known = seen(keys)
    for key, p in keys.items():
        if key in known:
            continue
        errors: list[str] = []
        try:
            docs = read_reports(p, None, errors)
        except InputError as exc:
            docs, errors = [], [str(exc)]
        except Exception as exc:  # noqa: BLE001  (one file's fault is that file's alone)
            docs, errors = [], [f"{p}: could not be read ({type(exc).__name__})"]
        if not docs:
            poll.items.append(Item(key, None, "; ".join(errors) or f"{p}: no report in the file"))
        for k, doc in enumerate(docs):
            poll.items.append(Item(key if k == len(docs) - 1 else f"{key}#{k}", doc, "; ".join(errors) or None))
    return poll

"""Readers for written reports: plain text, HTML pages, RSS/Atom feeds and JSON lines.

Each reader turns a file into Documents and finds the publication date, since
relative dates ("on Friday") mean nothing without it. Order of trust for the
date: the user's ``--published``, a ``NAME.meta.json`` beside the file, the
page's or feed's own metadata; otherwise it stays unknown.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import trafilatura

from forcewatch.ingest import InputError, checked_text, loads
from forcewatch.limits import DEFAULT, Limits
from forcewatch.plugins import reader, reader_suffixes, readers
from forcewatch.records import Document

_SURROGATE = re.compile("[\ud800-\udfff]")
_ENTITY = re.compile(r"<!ENTITY", re.I)


def report_suffixes() -> frozenset[str]:
    """Suffixes of the report files a folder is searched for: every registered reader's."""
    return reader_suffixes()


MAX_REPORT_BYTES = DEFAULT.report_bytes  # larger is no report (a disk image, a log): refused unread
# Publication dates outside these are typing errors or attacks (0001-01-01, 9999-12-31).
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)


def read_text_file(path: Path, max_bytes: int = MAX_REPORT_BYTES) -> str:
    """File contents as text, refusing what is empty, binary, not UTF-8, over ``max_bytes`` or not a regular file."""
    from forcewatch.ingest.files import regular

    if (why := regular(path)) is not None:
        raise InputError(f"{path}: {why}")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(raw) > max_bytes:
        raise InputError(f"{path}: over {_size(max_bytes)}, too large for a report")
    if not raw.strip():
        raise InputError(f"{path}: file is empty")
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path}: binary file, not a report")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_date(value: object) -> date | None:
    """A date from ISO 8601, RFC 822 (feeds) or a datetime; None if it is not one, or not one between
    EARLIEST and LATEST."""
    found = _parse_date(value)
    return found if found is not None and EARLIEST <= found <= LATEST else None


def checked_date(value: object, what: str = "published") -> date | None:
    """A date a user wrote (a sidecar, a JSON line): None when absent; ValueError when it is no date."""
    if value is None or value == "":
        return None
    if not isinstance(value, (str, date)):
        raise ValueError(f"{what} must be a date string, not {type(value).__name__}")
    found = parse_date(value)
    if found is None:
        shown = str(value)[:40]
        raise ValueError(f"{what} {shown!r} is not a date between {EARLIEST} and {LATEST}")
    return found


def _parse_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def sidecar_meta(path: Path, limits: Limits = DEFAULT) -> dict:
    """The ``NAME.meta.json`` beside a report, if any."""
    meta_path = path.with_name(path.stem + ".meta.json")
    if not meta_path.exists():
        return {}
    try:
        meta = loads(read_text_file(meta_path, limits.report_bytes), limits.json_depth)
    except ValueError as exc:
        raise InputError(f"{meta_path}: unreadable metadata ({_one_line(exc)})") from exc
    if not isinstance(meta, dict):
        raise InputError(f"{meta_path}: metadata must be a JSON object")
    try:
        checked = {k: checked_text(meta.get(k), k) for k in ("source", "outlet", "title", "url")}
        checked["published"] = checked_date(meta.get("published"))
    except ValueError as exc:
        raise InputError(f"{meta_path}: {exc}") from exc
    return {**meta, **checked}


def _size(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n} bytes"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def read_reports(path: str | Path, published: date | None = None,
                 errors: list[str] | None = None, limits: Limits = DEFAULT) -> list[Document]:
    """All documents in one file; raises InputError naming the file when it cannot be read.

    With ``errors``, a part of the file that cannot be read (a bad JSON line, an entry without text)
    adds its one-line error there and the rest of the file is still read; without, the first raises."""
    path = Path(path)
    if path.name.endswith(".meta.json"):
        return []
    text = read_text_file(path, limits.report_bytes)
    meta = sidecar_meta(path, limits)
    head = text.lstrip()[:500].lower()
    spec = next(r for r in readers() if r.fallback or r.claims(path, head))
    docs = []
    takes_limits = "limits" in inspect.signature(spec.read).parameters  # a plugin's reader may not
    for item in (spec.read(path, text, limits=limits) if takes_limits else spec.read(path, text)):
        if isinstance(item, InputError) or not item.text.strip():
            problem = item if isinstance(item, InputError) else \
                InputError(f"{path}: no text in document {item.title or item.url or ''}".rstrip())
            if errors is None:
                raise problem
            errors.append(str(problem))
            continue
        docs.append(item)
    if not docs and errors:
        raise InputError(errors.pop())
    for doc in map(mend, docs):
        if published is not None:
            doc.published = published
        elif meta.get("published"):
            doc.published = meta["published"]
        # what the user wrote beside the file wins over what the page or feed says of itself
        doc.outlet = meta.get("source") or meta.get("outlet") or doc.outlet
        doc.title = meta.get("title") or doc.title
        doc.url = meta.get("url") or doc.url
    return docs


def mend(doc: Document) -> Document:
    """The document with lone surrogates in its title, address and outlet (entities such as &#xD800;
    decode to them) replaced, so it can be stored as text."""
    for name in ("title", "url", "outlet"):
        if isinstance(value := getattr(doc, name), str) and _SURROGATE.search(value):
            setattr(doc, name, _SURROGATE.sub("\ufffd", value))
    return doc


@reader("text", suffixes=(".txt", ".text", ".md"), fallback=True)
def _text_documents(path: Path, text: str) -> Iterator[Document]:
    """The whole file is one report."""
    yield Document(id=Document.make_id(text), text=text, path=str(path), media_type="text")


@reader("jsonl", suffixes=(".jsonl", ".ndjson", ".json"), order=100)
def _jsonl_documents(path: Path, text: str, limits: Limits = DEFAULT) -> Iterator[Document]:
    """One report per line: {"text": ..., "title", "url", "published", "outlet"}; a bad line yields its
    InputError (read_reports reports it and keeps the other lines)."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = loads(line, limits.json_depth)
        except ValueError as exc:
            yield InputError(f"{path}:{lineno}: not valid JSON ({getattr(exc, 'msg', None) or _one_line(exc)})")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            yield InputError(f"{path}:{lineno}: each line needs a \"text\" string")
            continue
        try:
            body = checked_text(obj["text"], "text").replace("\r\n", "\n")
            fields = {k: checked_text(obj.get(k), k) for k in ("url", "title", "outlet", "source")}
            when = checked_date(obj.get("published") or obj.get("date"))
        except ValueError as exc:
            yield InputError(f"{path}:{lineno}: {exc}")
            continue
        yield Document(
            id=Document.make_id(body), text=body, path=str(path), url=fields["url"], title=fields["title"],
            published=when, outlet=fields["outlet"] or fields["source"], media_type="jsonl",
        )


# Boilerplate removal on (menus, related and most-read lists, captions, cookie banners, footers
# never become text); the page's date from its markup only, never guessed from words in the page.
_EXTRACTION = dict(favor_precision=True, include_comments=False, include_tables=False, include_images=False,
                   include_links=False, date_extraction_params={"original_date": True, "extensive_search": False})
# The elements of trafilatura's output tree that start a paragraph.
_BLOCKS = {"body", "p", "head", "list", "item", "quote", "code", "table", "row", "lb"}


def _flatten(el, out: list[str]) -> None:
    block = el.tag in _BLOCKS
    out += ["\n" if block else "", el.text or ""]
    for child in el:
        _flatten(child, out)
        out.append(child.tail or "")
    out.append("\n" if block else "")


def _paragraphs(body) -> list[str]:
    """The text of trafilatura's output tree, one entry per paragraph, heading, list item or line."""
    out: list[str] = []
    if body is not None:
        _flatten(body, out)
    lines = (re.sub(r"\s+", " ", line).strip() for line in _SURROGATE.sub("\ufffd", "".join(out)).split("\n"))
    return [line for line in lines if line]


def _headed(title: str | None, paragraphs: list[str]) -> str:
    """"headline\n\nparagraph\n\nparagraph", the headline not repeated when the body opens with it."""
    if title and paragraphs and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    return "\n\n".join([title, *paragraphs] if title else paragraphs)


def _fragment_paragraphs(html: str) -> list[str]:
    """Paragraphs of an HTML fragment (a feed entry's body or title)."""
    extracted = trafilatura.bare_extraction(f"<html><body>{html}</body></html>", **_EXTRACTION)
    return _paragraphs(extracted.body) if extracted is not None else []


@reader("html", suffixes=(".html", ".htm"), order=300,
        sniff=lambda head: head.startswith("<!doctype html") or head.startswith("<html"))
def _html_documents(path: Path, text: str) -> Iterator[Document]:
    yield html_document(text, path)


def html_document(html: str, path: str | Path | None = None) -> Document:
    """A page as a Document: its article text (headline first) and the title, date, outlet and
    address its metadata gives (og: and JSON-LD, <time>, <link rel=canonical>)."""
    page = trafilatura.bare_extraction(html, with_metadata=True, **_EXTRACTION)
    if page is None:  # nothing trafilatura would call an article
        return Document(id=Document.make_id(""), text="", path=str(path) if path else None, media_type="html")
    title = re.sub(r"\s+", " ", page.title or "").strip() or None
    paragraphs = _paragraphs(page.body)
    text = _headed(title, paragraphs) if paragraphs else ""  # a headline alone is no report
    outlet, url = (page.sitename or "").strip(), (page.url or "").strip()
    return Document(
        id=Document.make_id(text), text=text, path=str(path) if path else None, title=title,
        published=parse_date(page.date), url=url if re.match(r"https?://", url) else None,
        outlet=outlet if outlet and "://" not in outlet else None,  # article:publisher is often a profile URL
        media_type="html",
    )


def _plain(detail) -> str:
    """A feed's text construct (title, summary, content) as plain text."""
    value = _SURROGATE.sub("\ufffd", (detail or {}).get("value") or "")
    if (detail or {}).get("type", "text/plain") == "text/plain":
        return value.strip()
    return "\n\n".join(_fragment_paragraphs(value))


def _feed_date(entry) -> date | None:
    # The date as written first (it keeps the outlet's own day), then feedparser's UTC reading.
    for key in ("published", "updated"):
        if found := parse_date(entry.get(key)):
            return found
        if parsed := entry.get(f"{key}_parsed"):
            return date(*parsed[:3])
    return None


@reader("feed", suffixes=(".xml", ".rss", ".atom"), by_suffix=False, order=200,
        sniff=lambda head: head.startswith("<?xml") or "<rss" in head or "<feed" in head)
def _feed_documents(path: Path, text: str) -> Iterator[Document]:
    """RSS and Atom entries, one document each: the entry's title, then its body as paragraphs."""
    for _, doc in feed_entries(text, path):
        yield doc


def feed_entries(text: str, where: str | Path) -> Iterator[tuple[str, Document]]:
    """(entry key, document) for each RSS or Atom entry of a feed's text; the key is the entry's id,
    else its link, else the document id, so a watcher knows an entry it has seen (ingest/web.py).
    ``where``: the file or URL the feed came from, for errors and the documents' path."""
    if _ENTITY.search(text):  # the billion laughs and its kin: expansion is exponential or quadratic
        raise InputError(f"{where}: XML declares entities (<!ENTITY>), refused: no feed needs them")
    # from bytes (never a URL or a file name feedparser would open), as the UTF-8 read_text_file checked
    feed = feedparser.parse(io.BytesIO(text.encode("utf-8", "replace")),
                            response_headers={"content-type": "application/xml; charset=utf-8"})
    if not feed.entries:
        if feed.bozo:
            problem = " ".join(str(feed.get("bozo_exception") or "unreadable").split())
            raise InputError(f"{where}: not a readable RSS or Atom feed ({problem})")
        raise InputError(f"{where}: XML file has no RSS items or Atom entries")
    outlet = _plain(feed.feed.get("title_detail")) or None  # RSS <channel><title>, Atom <feed><title>
    for entry in feed.entries:
        title = " ".join(_plain(entry.get("title_detail")).split()) or None
        bodies = [*entry.get("content", []), entry.get("summary_detail")]  # content:encoded or Atom content first
        body = next((b for b in map(_plain, bodies) if b), "")
        full = _headed(title, body.split("\n\n") if body else [])
        doc = Document(
            id=Document.make_id(full), text=full, path=str(where), url=entry.get("link"), title=title,
            published=_feed_date(entry), outlet=(entry.get("source") or {}).get("title") or outlet,
            media_type="rss",
        )
        yield str(entry.get("id") or entry.get("link") or doc.id), doc

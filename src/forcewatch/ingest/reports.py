"""Readers for written reports: plain text, HTML pages, RSS/Atom feeds and JSON lines.

Each reader turns a file into Documents and finds the publication date, since
relative dates ("on Friday") mean nothing without it. Order of trust for the
date: the user's ``--published``, a ``NAME.meta.json`` beside the file, the
page's or feed's own metadata; otherwise it stays unknown.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from forcewatch.ingest import InputError
from forcewatch.plugins import reader, reader_suffixes, readers
from forcewatch.records import Document

def report_suffixes() -> frozenset[str]:
    """Suffixes of the report files a folder is searched for: every registered reader's."""
    return reader_suffixes()


def read_text_file(path: Path) -> str:
    """File contents as text, refusing what is empty, binary or not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
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
    """A date from ISO 8601, RFC 822 (feeds) or a datetime; None if it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
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
    except (TypeError, ValueError, IndexError):
        return None


def sidecar_meta(path: Path) -> dict:
    """The ``NAME.meta.json`` beside a report, if any."""
    meta_path = path.with_name(path.stem + ".meta.json")
    if not meta_path.exists():
        return {}
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{meta_path}: unreadable metadata ({exc})") from exc
    if not isinstance(meta, dict):
        raise InputError(f"{meta_path}: metadata must be a JSON object")
    return meta


def read_reports(path: str | Path, published: date | None = None) -> list[Document]:
    """All documents in one file; raises InputError naming the file when it cannot be read."""
    path = Path(path)
    if path.name.endswith(".meta.json"):
        return []
    text = read_text_file(path)
    meta = sidecar_meta(path)
    head = text.lstrip()[:500].lower()
    spec = next(r for r in readers() if r.fallback or r.claims(path, head))
    docs = list(spec.read(path, text))
    for doc in docs:
        if not doc.text.strip():
            raise InputError(f"{path}: no text in document {doc.title or doc.url or ''}".rstrip())
        if published is not None:
            doc.published = published
        elif meta.get("published"):
            doc.published = parse_date(meta["published"]) or doc.published
        # what the user wrote beside the file wins over what the page or feed says of itself
        doc.outlet = meta.get("source") or meta.get("outlet") or doc.outlet
        doc.title = meta.get("title") or doc.title
        doc.url = meta.get("url") or doc.url
    return docs


@reader("text", suffixes=(".txt", ".text", ".md"), fallback=True)
def _text_documents(path: Path, text: str) -> Iterator[Document]:
    """The whole file is one report."""
    yield Document(id=Document.make_id(text), text=text, path=str(path), media_type="text")


@reader("jsonl", suffixes=(".jsonl", ".ndjson", ".json"), order=100)
def _jsonl_documents(path: Path, text: str) -> Iterator[Document]:
    """One report per line: {"text": ..., "title", "url", "published", "outlet"}."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(f"{path}:{lineno}: each line needs a \"text\" string")
        body = obj["text"].replace("\r\n", "\n")
        yield Document(
            id=Document.make_id(body), text=body, path=str(path), url=obj.get("url"),
            title=obj.get("title"), published=parse_date(obj.get("published") or obj.get("date")),
            outlet=obj.get("outlet") or obj.get("source"), media_type="jsonl",
        )


class _HTMLText(HTMLParser):
    """Visible text of a page, by block, plus its title, date, outlet and address metadata."""

    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section",
              "header", "footer", "blockquote", "figcaption", "title"}
    SKIP = {"script", "style", "noscript", "template", "svg", "nav"}
    DATE_KEYS = {"article:published_time", "og:published_time", "date", "pubdate", "publishdate",
                 "dc.date", "dc.date.issued", "datepublished", "sailthru.date", "parsely-pub-date"}
    # The outlet as the page names itself: the source registry grades it (resolve/sources.py).
    OUTLET_KEYS = ("og:site_name", "application-name", "publisher", "dc.publisher", "article:publisher")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if key and attrs.get("content"):
                self.meta.setdefault(key, attrs["content"])
        elif tag == "time" and attrs.get("datetime"):
            self.meta.setdefault("time", attrs["datetime"])
        elif tag == "link" and "canonical" in (attrs.get("rel") or "").lower().split() and attrs.get("href"):
            self.meta.setdefault("canonical", attrs["href"])
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in joined.split("\n"))
        return "\n".join(line for line in lines if line)

    def published(self) -> date | None:
        for key in self.DATE_KEYS:
            if key in self.meta and (d := parse_date(self.meta[key])):
                return d
        return parse_date(self.meta.get("time"))

    def page_title(self) -> str:
        return self.meta.get("og:title") or self.title.strip()

    def outlet(self) -> str | None:
        for key in self.OUTLET_KEYS:
            value = self.meta.get(key, "").strip()
            if value and not re.match(r"https?://", value):  # article:publisher is often a profile URL
                return value
        return None

    def url(self) -> str | None:
        value = self.meta.get("og:url") or self.meta.get("canonical") or ""
        return value.strip() if re.match(r"https?://", value.strip()) else None


def _parse_html(html: str) -> _HTMLText:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser


def html_to_text(html: str) -> tuple[str, str, date | None]:
    """(text, title, published) of an HTML page or fragment."""
    parser = _parse_html(html)
    return parser.text(), parser.page_title(), parser.published()


@reader("html", suffixes=(".html", ".htm"), order=300,
        sniff=lambda head: head.startswith("<!doctype html") or head.startswith("<html"))
def _html_documents(path: Path, text: str) -> Iterator[Document]:
    yield html_document(text, path)


def html_document(html: str, path: str | Path | None = None) -> Document:
    """A page as a Document: its visible text, title, date, outlet and address."""
    parser = _parse_html(html)
    text = parser.text()
    return Document(
        id=Document.make_id(text), text=text, path=str(path) if path else None,
        title=parser.page_title() or None, published=parser.published(),
        outlet=parser.outlet(), url=parser.url(), media_type="html",
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


@reader("feed", suffixes=(".xml", ".rss", ".atom"), by_suffix=False, order=200,
        sniff=lambda head: head.startswith("<?xml") or "<rss" in head or "<feed" in head)
def _feed_documents(path: Path, text: str) -> Iterator[Document]:
    """RSS 2.0 items and Atom entries, one document each (title and body)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"{path}: not well-formed XML ({exc})") from exc
    items = [el for el in root.iter() if _local(el.tag) in ("item", "entry")]
    if not items:
        raise InputError(f"{path}: XML file has no RSS items or Atom entries")
    # The feed's own title names the outlet (RSS <channel><title>, Atom <feed><title>).
    channel = next((el for el in root.iter() if _local(el.tag) in ("channel", "feed")), root)
    outlet = next(((c.text or "").strip() for c in channel if _local(c.tag) == "title"), "") or None
    for item in items:
        fields: dict[str, str] = {}
        for child in item:
            name = _local(child.tag)
            value = (child.text or "").strip()
            if name == "link" and not value:
                value = child.attrib.get("href", "")
            if value and name not in fields:
                fields[name] = value
        body_html = fields.get("encoded") or fields.get("content") or fields.get("description") or fields.get("summary") or ""
        body, _, _ = html_to_text(body_html)
        title = fields.get("title")
        full = f"{title}\n{body}" if title and body else (title or body)
        yield Document(
            id=Document.make_id(full), text=full, path=str(path), url=fields.get("link"), title=title,
            published=parse_date(fields.get("pubdate") or fields.get("published") or fields.get("updated") or fields.get("date")),
            outlet=fields.get("source") or outlet, media_type="rss",
        )

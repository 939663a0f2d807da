"""Web archives (WARC, ISO 28500, as crawlers and archives write them): the HTML pages a crawl
stored, each read as ``forcewatch ingest`` reads an HTML file (reports.html_document).

warcio does the format (gzip members, record headers, chunked and compressed HTTP bodies); here
only which records are reports, and one-line errors that name the file and the record.
"""

from __future__ import annotations

import codecs
import re
from datetime import date
from pathlib import Path

from forcewatch.ingest import InputError, shown
from forcewatch.limits import DEFAULT, Limits
from forcewatch.records import Document

WARC_SUFFIXES = (".warc", ".warc.gz")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def is_warc(path: str | Path) -> bool:
    """Whether a file is a web archive, by its name (``.warc``, ``.warc.gz``)."""
    return str(path).lower().endswith(WARC_SUFFIXES)


def read_warc(path: str | Path, published: date | None = None, errors: list[str] | None = None,
              limits: Limits = DEFAULT, notes: list[str] | None = None) -> list[Document]:
    """The documents of a web archive's HTML responses (status 2xx), in archive order.

    A record that cannot be read adds a one-line error naming the file and the record number to
    ``errors`` and the rest is still read (a broken archive: what came before it); without
    ``errors`` the first raises InputError. Pages with no article text (index pages, errors a
    site served with status 200) are no fault of the archive: one line in ``notes`` counts them."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    path = Path(path)
    where = shown(path)
    docs: list[Document] = []
    problems: list[str] = []
    empty = 0

    def problem(message: str) -> None:
        if errors is None:
            raise InputError(message)
        problems.append(message)

    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror or exc})") from exc
    with fh:
        number = 0
        # digests checked where the archive has them (crawlers write them): a cut-off download is found
        records = iter(ArchiveIterator(fh, check_digests="raise"))
        while True:
            number += 1
            try:
                record = next(records, None)
                if record is None:
                    number -= 1
                    break
                html = _page(record, limits.report_bytes)
            except InputError as exc:
                problem(f"{where}: record {number}: {exc}")
                continue
            except ArchiveLoadFailed as exc:
                problem(f"{where}: record {number}: not a readable WARC record ({_one_line(exc)}); "
                        "the records after it are not read")
                break
            except Exception as exc:  # noqa: BLE001  (truncated gzip, a bad chunked body, headers warcio trips on)
                problem(f"{where}: record {number}: cannot be read ({type(exc).__name__}: {_one_line(exc)}); "
                        "the records after it are not read")
                break
            if html is None:
                continue
            from forcewatch.ingest.reports import html_document, mend

            doc = mend(html_document(html, path))
            if not doc.text.strip():
                empty += 1
                continue
            doc.url = doc.url or _target(record)
            if published is not None:
                doc.published = published
            docs.append(doc)
    if number == 0 and not problems:
        problem(f"{where}: no WARC records (an empty file?)")
    if errors is not None:
        errors += problems
    if empty and notes is not None:
        notes.append(f"{where}: {empty} HTML page(s) without article text left out")
    return docs


def _page(record, max_bytes: int) -> str | None:
    """The HTML of a successful response record, decoded; None for any other record."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    status = record.http_headers.get_statuscode() or ""
    kind = (record.http_headers.get_header("Content-Type") or "").lower()
    if not status.startswith("2") or not kind.startswith(_HTML_TYPES):
        return None
    raw = record.content_stream().read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InputError(f"page over {max_bytes >> 20} MB, too large for a report")
    if getattr(record.raw_stream, "limit", 0) > 0:  # the file ended before the record's Content-Length
        raise EOFError(f"the archive ends {record.raw_stream.limit} byte(s) before the record does (cut off?)")
    charset = _CHARSET.search(kind)
    if charset and _known(charset.group(1)):
        return raw.decode(charset.group(1), errors="replace")
    from trafilatura.utils import decode_file  # UTF-8, else the encoding the page itself declares or looks like

    return decode_file(raw)


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _target(record) -> str | None:
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    return uri if re.match(r"https?://", uri) else None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__

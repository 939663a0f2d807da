"""Web archives: the HTML responses of a WARC are reports, read as an HTML file is; a broken
archive is named with the record, and what came before it is kept."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from forcewatch.ingest import InputError
from forcewatch.ingest.feeds import gather
from forcewatch.ingest.reports import html_document, report_suffixes
from forcewatch.ingest.warc import is_warc, read_warc

DEMO = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo"
PAGE = (DEMO / "libya-airbridge.html").read_bytes()
ARTICLE = ("<html><head><title>Frigates leave Tartus</title></head><body><article><h1>Frigates leave Tartus</h1>"
           "<p>Two Russian frigates left the port of Tartus on Monday, satellite images showed, and sailed west "
           "towards the central Mediterranean.</p><p>The Russian defence ministry did not comment on café "
           "reports of the move.</p></article></body></html>")


def warc(path: Path, pages, compress: bool = True) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=compress)
        for url, status, kind, body in pages:
            headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return path


def test_html_responses_are_read_as_the_html_reader_reads_a_file(tmp_path):
    path = warc(tmp_path / "crawl.warc.gz", [
        ("https://example.org/libya", "200 OK", "text/html; charset=utf-8", PAGE),
        ("https://example.org/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("https://example.org/gone", "404 Not Found", "text/html", b"<html><body><p>gone</p></body></html>"),
        ("https://example.org/menu", "200 OK", "text/html", b"<html><body><script>load()</script></body></html>"),
        ("https://example.org/tartus", "200 OK", "text/html; charset=windows-1252", ARTICLE.encode("cp1252")),
    ])
    errors, notes = [], []
    docs = read_warc(path, errors=errors, notes=notes)
    assert errors == [] and notes == [f"{path}: 1 HTML page(s) without article text left out"]
    assert [d.url for d in docs] == ["https://example.org/libya", "https://example.org/tartus"]
    page = html_document(PAGE.decode("utf-8"))
    assert (docs[0].id, docs[0].text, docs[0].title, docs[0].published, docs[0].outlet) == \
        (page.id, page.text, page.title, page.published, page.outlet)
    assert docs[0].path == str(path) and docs[0].media_type == "html"
    assert "café" in docs[1].text  # the charset the response declares


def test_a_broken_archive_is_named_with_its_record_and_what_came_before_is_kept(tmp_path):
    whole = warc(tmp_path / "whole.warc", [
        ("https://example.org/libya", "200 OK", "text/html", PAGE),
        ("https://example.org/tartus", "200 OK", "text/html", ARTICLE.encode()),
    ], compress=False)
    raw = whole.read_bytes()
    second = raw.index(b"WARC/1", 10)
    for name, broken in (("cut.warc", raw[:-40]),  # a download that stopped inside the last page
                         ("odd.warc", raw[:second] + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 9\r\n\r\n<html>")):
        (tmp_path / name).write_bytes(broken)
        errors = []
        docs = read_warc(tmp_path / name, errors=errors)
        assert len(docs) == 1 and len(errors) == 1 and errors[0].startswith(f"{tmp_path / name}: record 2: "), errors

    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(gzip.compress(b"this is no archive\n" * 10))
    errors = []
    assert read_warc(junk, errors=errors) == []
    assert len(errors) == 1 and errors[0].startswith(f"{junk}: record 1: not a readable WARC record ("), errors
    assert errors[0].endswith("the records after it are not read")
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="no WARC records"):
        read_warc(empty)


def test_folders_give_their_archives_apart_from_reports_and_feeds(tmp_path):
    warc(tmp_path / "a.warc.gz", [("https://example.org/x", "200 OK", "text/html", ARTICLE.encode())])
    warc(tmp_path / "b.WARC", [("https://example.org/y", "200 OK", "text/html", ARTICLE.encode())], compress=False)
    (tmp_path / "c.txt").write_text("Two frigates left Tartus on Monday.")
    found = gather([tmp_path], None, report_suffixes(), archive=is_warc)
    assert sorted(p.name for p in found.archives) == ["a.warc.gz", "b.WARC"]
    assert [p.name for p in found.reports] == ["c.txt"] and not found.skipped
    plain = gather([tmp_path], None, report_suffixes())  # without archive=: as `forcewatch ingest` walks
    assert plain.archives == [] and sum(plain.skipped.values()) == 2

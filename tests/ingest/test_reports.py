import json
from datetime import date

import pytest

from forcewatch.ingest import InputError
from forcewatch.ingest.reports import parse_date, read_reports


def test_text_file_takes_date_and_outlet_from_meta_sidecar(tmp_path):
    report = tmp_path / "convoy.txt"
    report.write_text("A convoy left the base on Friday.\n", "utf-8")
    (tmp_path / "convoy.meta.json").write_text(json.dumps({"published": "2023-05-06", "source": "Desk"}))
    [doc] = read_reports(report)
    assert doc.published == date(2023, 5, 6)
    assert doc.outlet == "Desk"
    assert doc.text.startswith("A convoy")
    # The command-line date wins over the sidecar.
    [doc] = read_reports(report, published=date(2023, 1, 1))
    assert doc.published == date(2023, 1, 1)


def test_without_any_date_the_publication_date_stays_unknown(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("Ships anchored off the coast on Monday.", "utf-8")
    assert read_reports(report)[0].published is None


def test_html_page_gives_article_text_title_and_date(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>T</title><meta property='article:published_time' content='2022-02-24T04:00:00Z'>"
        "<style>p {color: red}</style></head><body><nav>Menu</nav><p>Troops crossed the border.</p>"
        "<p>Tanks &amp; trucks followed.</p><script>var x = 1;</script></body></html>", "utf-8")
    [doc] = read_reports(page)
    assert doc.text == "T\n\nTroops crossed the border.\n\nTanks & trucks followed."  # headline first
    assert doc.published == date(2022, 2, 24)
    assert doc.title == "T"
    assert doc.media_type == "html"


def test_html_page_names_its_outlet_and_address(tmp_path):
    """og:site_name (or the publisher) is the outlet the source registry grades; a profile URL is not."""
    page = tmp_path / "wire.html"
    page.write_text(
        "<html><head><meta property='og:site_name' content='Reuters'>"
        "<meta property='article:publisher' content='https://www.facebook.com/Reuters'>"
        "<link rel='canonical' href='https://www.example.com/world/frigates'></head>"
        "<body><p>Two frigates left Tartus.</p></body></html>", "utf-8")
    [doc] = read_reports(page)
    assert (doc.outlet, doc.url) == ("Reuters", "https://www.example.com/world/frigates")
    page.write_text("<html><head><meta property='article:publisher' content='https://facebook.com/x'></head>"
                    "<body><p>Ships.</p></body></html>", "utf-8")
    assert read_reports(page)[0].outlet is None
    page.write_text("<html><head><meta name='publisher' content='Harbour Gazette'></head><body><p>Ships.</p>"
                    "</body></html>", "utf-8")
    assert read_reports(page)[0].outlet == "Harbour Gazette"
    page.write_text("<html><body><p>Ships.</p></body></html>", "utf-8")
    assert read_reports(page)[0].outlet is None
    # the user's sidecar wins over what the page says of itself
    page.write_text("<html><head><meta property='og:site_name' content='Aggregator'></head><body><p>Ships.</p>"
                    "</body></html>", "utf-8")
    (tmp_path / "wire.meta.json").write_text('{"source": "Reuters", "url": "https://example.org/a"}', "utf-8")
    assert (read_reports(page)[0].outlet, read_reports(page)[0].url) == ("Reuters", "https://example.org/a")


def test_rss_items_become_documents(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>C</title>"
        "<item><title>Frigate sails</title><link>https://example.org/1</link>"
        "<description>&lt;p&gt;A frigate left port.&lt;/p&gt;</description>"
        "<pubDate>Tue, 10 Dec 2024 08:00:00 GMT</pubDate></item>"
        "<item><title>Jets land</title><description>Two jets landed.</description></item>"
        "</channel></rss>", "utf-8")
    docs = read_reports(feed)
    assert [d.title for d in docs] == ["Frigate sails", "Jets land"]
    assert docs[0].text == "Frigate sails\n\nA frigate left port."
    assert docs[0].url == "https://example.org/1"
    assert docs[0].published == date(2024, 12, 10)
    assert docs[1].published is None
    assert [d.outlet for d in docs] == ["C", "C"]  # the channel's title


def test_jsonl_lines_are_documents_and_a_bad_line_names_file_and_line(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "One.", "published": "2024-01-02"}\n\n{"text": "Two.", "title": "t"}\n', "utf-8")
    docs = read_reports(good)
    assert [d.text for d in docs] == ["One.", "Two."]
    assert docs[0].published == date(2024, 1, 2)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "One."}\n{"text": \n', "utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: not valid JSON"):
        read_reports(bad)


@pytest.mark.parametrize("content, problem", [
    (b"", "file is empty"),
    (b"   \n", "file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
    (b"caf\xe9 au lait", "not UTF-8"),
])
def test_unreadable_files_get_one_line_errors_naming_them(tmp_path, content, problem):
    path = tmp_path / "broken.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_reports(path)
    message = str(info.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_reports(tmp_path / "nope.txt")


def test_parse_date_accepts_iso_and_rfc822():
    assert parse_date("2024-12-14") == date(2024, 12, 14)
    assert parse_date("2024-12-14T23:10:00+02:00") == date(2024, 12, 14)
    assert parse_date("Sat, 14 Dec 2024 10:00:00 +0000") == date(2024, 12, 14)
    assert parse_date("next week") is None


"""News pages and feeds as the readers see them: the article, never the page furniture.

Every page and feed here is written for these tests. The furniture (menu, related and most-read
lists, photo caption, cookie banner, footer) is written as military news too, so that text taken
from it would show up as events.
"""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from forcewatch.ingest import InputError
from forcewatch.ingest.reports import html_document, read_reports

HEADLINE = "Armoured column moves towards the Latvian border"
BODY = [
    "A column of about forty Russian tanks left the garrison at Pskov on Wednesday and drove south towards "
    "the Latvian border, according to residents who filmed the vehicles.",
    "The regional governor said the movement was part of a scheduled exercise and that the units would "
    "return to their barracks within two weeks.",
    "Analysts said it was the largest deployment seen in the region since the autumn.",
]
FURNITURE = {
    "menu": ["Home", "World", "Defence", "Opinion", "Sport"],
    "related": ["Related articles", "Six Russian bombers landed at Engels air base on Monday",
                "Two frigates sailed from Tartus to the eastern Mediterranean"],
    "most read": ["Most read", "A destroyer arrived in Limassol on Sunday",
                  "Iranian troops withdrew from Deir ez-Zor province"],
    "caption": ["Three Russian warships docked at Sevastopol in a file photo taken last year."],
    "cookies": ["We use cookies to improve your experience of our site. By continuing to browse you "
                "accept our cookie policy.", "Accept all cookies"],
    "footer": ["© 2024 Northern Ledger. All rights reserved.",
               "Chinese submarines deployed to the South China Sea: subscribe to our defence newsletter."],
}


def links(items: list[str]) -> str:
    return "".join(f"<li><a href='/story/{i}'>{item}</a></li>" for i, item in enumerate(items))


def page(head: str = "", article_extra: str = "") -> str:
    """A news page around BODY, with every kind of furniture."""
    menu, related, most_read = FURNITURE["menu"], FURNITURE["related"], FURNITURE["most read"]
    cookies, footer = FURNITURE["cookies"], FURNITURE["footer"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{HEADLINE} | Northern Ledger</title>{head}
<style>.cookie-banner {{ position: fixed }}</style>
</head><body>
<div id="cookie-banner" class="cookie-banner"><p>{cookies[0]}</p><button>{cookies[1]}</button></div>
<header class="site-header"><a href="/" class="logo">Northern Ledger</a>
<nav class="main-menu"><ul>{links(menu)}</ul></nav></header>
<main>
<article>
<h1>{HEADLINE}</h1>
<p class="byline">By Kari Nordmann</p>
<p>{BODY[0]}</p>
<figure><img src="/img/column.jpg" alt=""><figcaption>{FURNITURE["caption"][0]}</figcaption></figure>
<p>{BODY[1]}</p>
<p>{BODY[2]}</p>{article_extra}
<div class="share"><a href="/share/x">Share on X</a><a href="/share/fb">Share on Facebook</a></div>
</article>
<aside class="related-articles"><h2>{related[0]}</h2><ul>{links(related[1:])}</ul></aside>
<section class="most-read"><h2>{most_read[0]}</h2><ol>{links(most_read[1:])}</ol></section>
</main>
<footer class="site-footer"><p>{footer[0]}</p><p>{footer[1]}</p></footer>
<script>window.analytics = {{"page": "article"}};</script>
</body></html>"""


def div_page() -> str:
    """The same story on a page of bare divs: no <nav>, <article>, <aside>, <figure> or <footer> to go by."""
    menu, related, most_read = FURNITURE["menu"], FURNITURE["related"], FURNITURE["most read"]
    body = "".join(f"<p>{p}</p>" + (f"<div class='caption'>{FURNITURE['caption'][0]}</div>" if i == 0 else "")
                   for i, p in enumerate(BODY))
    return f"""<html><head><title>{HEADLINE} - Northern Ledger</title></head><body>
<div class="top"><div class="menu">{" | ".join(f"<a href='/{m}'>{m}</a>" for m in menu)}</div></div>
<div class="wrapper"><div class="content"><h1>{HEADLINE}</h1><div class="story-body">{body}</div></div>
<div class="sidebar"><h3>{most_read[0]}</h3>{"".join(f"<div><a href='/c'>{m}</a></div>" for m in most_read[1:])}</div>
<div class="related"><h3>{related[0]}</h3>{"".join(f"<p><a href='/e'>{r}</a></p>" for r in related[1:])}</div></div>
<div id="footer">{" ".join(FURNITURE["footer"])}</div>
<div class="gdpr-notice">{FURNITURE["cookies"][0]} <a href="/privacy">{FURNITURE["cookies"][1]}</a></div>
</body></html>"""


METADATA = """
<meta property="og:title" content="{headline}">
<meta property="og:site_name" content="Northern Ledger">
<meta property="og:url" content="https://ledger.example.com/world/2024/03/14/armoured-column">
<link rel="canonical" href="https://ledger.example.com/world/2024/03/14/armoured-column">
<meta property="article:published_time" content="2024-03-14T07:30:00+00:00">
""".format(headline=HEADLINE)


def furniture_lines() -> list[str]:
    return [line for lines in FURNITURE.values() for line in lines]


def assert_article_only(text: str) -> None:
    assert text == "\n\n".join([HEADLINE, *BODY])
    for line in furniture_lines():
        assert line not in text, line
    # no word of it either: "Sevastopol", "Engels", "Limassol", "cookie", "Share" are furniture only
    for word in ("Sevastopol", "Engels", "Limassol", "Deir ez-Zor", "cookie", "Share", "Sport", "newsletter", "©"):
        assert word not in text, word


def test_a_page_gives_its_article_and_none_of_its_furniture(tmp_path):
    path = tmp_path / "column.html"
    path.write_text(page(METADATA), "utf-8")
    [doc] = read_reports(path)
    assert_article_only(doc.text)  # "headline\n\nparagraph\n\nparagraph", as a .txt report is written
    assert doc.title == HEADLINE
    assert doc.published == date(2024, 3, 14)
    assert doc.outlet == "Northern Ledger"
    assert doc.url == "https://ledger.example.com/world/2024/03/14/armoured-column"
    assert doc.media_type == "html" and doc.path == str(path)


def test_a_page_of_bare_divs_too():
    doc = html_document(div_page())
    assert_article_only(doc.text)
    assert doc.title == HEADLINE and doc.published is None and doc.url is None


def test_metadata_from_json_ld_and_time_and_canonical_link():
    json_ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": HEADLINE,
               "datePublished": "2024-03-13T22:15:00Z",
               "publisher": {"@type": "Organization", "name": "Baltic Ledger"}}
    doc = html_document(page(f"<script type='application/ld+json'>{json.dumps(json_ld)}</script>"
                             "<link rel='canonical' href='https://baltic.example.org/news/column'>"))
    assert (doc.title, doc.published, doc.outlet, doc.url) == (
        HEADLINE, date(2024, 3, 13), "Baltic Ledger", "https://baltic.example.org/news/column")
    assert_article_only(doc.text)
    # only a <time> in the byline dates this one
    doc = html_document(page().replace("By Kari Nordmann", "By Kari Nordmann, <time datetime='2024-03-12'>"
                                                            "12 March 2024</time>"))
    assert doc.published == date(2024, 3, 12)
    assert doc.title == HEADLINE  # the <title> without the site's name
    assert doc.url is None


def test_no_date_is_guessed_from_the_words_of_a_page():
    """Without date markup the date stays unknown: a footer's year or a date in the body is no publication date."""
    doc = html_document(page(article_extra="<p>The previous exercise, on 5 June 2023, was smaller.</p>"))
    assert doc.published is None


def test_an_outlet_is_a_name_not_a_profile_address():
    publisher = "<meta property='article:publisher' content='https://www.facebook.com/ledger'>"
    assert html_document(page(publisher)).outlet is None
    assert html_document(page("<meta name='publisher' content='Harbour Gazette'>")).outlet == "Harbour Gazette"


def test_a_page_of_furniture_only_is_a_one_line_error_and_the_batch_goes_on(tmp_path):
    from forcewatch.serve.cli import read_all

    empty = tmp_path / "empty.html"
    empty.write_text("<!DOCTYPE html><html><head><title>Nothing</title></head><body>"
                     "<script>var x = 1;</script></body></html>", "utf-8")
    good = tmp_path / "good.html"
    good.write_text(page(METADATA), "utf-8")
    docs, failures = read_all([empty, good], None)
    assert failures == 1 and [d.path for d in docs] == [str(good)]
    with pytest.raises(InputError) as info:
        read_reports(empty)
    assert str(info.value).startswith(f"{empty}: no text") and "\n" not in str(info.value)


# --- feeds ------------------------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour Gazette &amp; Shipping News</title><link>https://harbour.example.com/</link>
<description>Ships &amp; ports</description>
<item>
  <title>Frigates &amp; a tanker leave Tartus</title>
  <link>https://harbour.example.com/2024/12/10/frigates</link>
  <guid isPermaLink="false">harbour-1234</guid>
  <pubDate>Tue, 10 Dec 2024 23:30:00 -0500</pubDate>
  <description>&lt;p&gt;Two Russian frigates &amp;amp; a tanker left &lt;b&gt;Tartus&lt;/b&gt; on Monday.&lt;/p&gt;&lt;p&gt;They sailed west.&lt;/p&gt;</description>
</item>
<item>
  <title>Jets land at Hmeimim</title>
  <description>Four jets landed at Hmeimim on Sunday &#8211; a local source said.</description>
  <content:encoded><![CDATA[<p>Four Russian jets landed at Hmeimim air base on Sunday, a local source said.</p>
<figure><img src="x.jpg"><figcaption>Bombers at Engels air base.</figcaption></figure>
<p>The aircraft came from southern Russia.</p>]]></content:encoded>
  <dc:date>2024-12-08T09:00:00Z</dc:date>
</item>
<item><title>Headline only</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Baltic Watch</title>
  <link rel="self" href="https://baltic.example.net/feed.atom"/>
  <link rel="alternate" href="https://baltic.example.net/"/>
  <id>tag:baltic.example.net,2024:feed</id>
  <updated>2024-05-03T10:00:00Z</updated>
  <entry>
    <title type="html">Corvettes &amp;amp; tugs leave &lt;em&gt;Baltiysk&lt;/em&gt;</title>
    <link rel="self" href="https://baltic.example.net/api/entries/7"/>
    <link rel="alternate" type="text/html" href="https://baltic.example.net/2024/05/02/corvettes"/>
    <id>tag:baltic.example.net,2024:7</id>
    <published>2024-05-02T23:30:00-05:00</published>
    <updated>2024-05-03T09:00:00Z</updated>
    <summary>Corvettes left port.</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
      <p>Three Russian corvettes left <em>Baltiysk</em> on Thursday &amp; headed west.</p>
      <p>Two tugs went with them.</p>
    </div></content>
  </entry>
  <entry>
    <title>Patrol aircraft over Gotland</title>
    <link href="https://baltic.example.net/2024/05/01/patrol"/>
    <id>tag:baltic.example.net,2024:6</id>
    <updated>2024-05-01T08:00:00Z</updated>
    <content type="html">&lt;p&gt;A patrol aircraft flew over Gotland.&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_rss_items_with_entities_and_html_descriptions(tmp_path):
    path = tmp_path / "harbour.xml"
    path.write_text(RSS, "utf-8")
    first, second, third = read_reports(path)
    assert first.title == "Frigates & a tanker leave Tartus"
    assert first.text == ("Frigates & a tanker leave Tartus\n\n"
                          "Two Russian frigates & a tanker left Tartus on Monday.\n\nThey sailed west.")
    assert first.url == "https://harbour.example.com/2024/12/10/frigates"
    assert first.published == date(2024, 12, 10)  # the outlet's own day, not UTC's 11th
    # content:encoded wins over the description; its caption does not become text
    assert second.text == ("Jets land at Hmeimim\n\nFour Russian jets landed at Hmeimim air base on Sunday, "
                           "a local source said.\n\nThe aircraft came from southern Russia.")
    assert second.published == date(2024, 12, 8) and second.url is None
    assert third.text == "Headline only" and third.published is None
    assert {d.outlet for d in (first, second, third)} == {"Harbour Gazette & Shipping News"}
    assert {d.media_type for d in (first, second, third)} == {"rss"}


def test_atom_entries_with_xhtml_content_and_alternate_links(tmp_path):
    path = tmp_path / "baltic.atom"
    path.write_text(ATOM, "utf-8")
    first, second = read_reports(path)
    assert first.title == "Corvettes & tugs leave Baltiysk"
    assert first.text == ("Corvettes & tugs leave Baltiysk\n\n"
                          "Three Russian corvettes left Baltiysk on Thursday & headed west.\n\nTwo tugs went with them.")
    assert first.url == "https://baltic.example.net/2024/05/02/corvettes"  # rel=alternate, not rel=self
    assert first.published == date(2024, 5, 2)  # published before updated
    assert second.url == "https://baltic.example.net/2024/05/01/patrol"  # a link without rel is the alternate
    assert second.text == "Patrol aircraft over Gotland\n\nA patrol aircraft flew over Gotland."
    assert second.published == date(2024, 5, 1)
    assert first.outlet == second.outlet == "Baltic Watch"


@pytest.mark.parametrize("content, problem", [
    ("<?xml version='1.0'?><catalog><book>Dune</book></catalog>", "no RSS items or Atom entries"),
    ("<?xml version='1.0'?><rss><channel><title>C</title", "not a readable RSS or Atom feed"),
])
def test_a_bad_feed_is_a_one_line_error_naming_it(tmp_path, content, problem):
    path = tmp_path / "bad.xml"
    path.write_text(content, "utf-8")
    with pytest.raises(InputError) as info:
        read_reports(path)
    assert str(info.value).startswith(str(path)) and problem in str(info.value) and "\n" not in str(info.value)


# --- through the pipeline ---------------------------------------------------------------------------------

def test_extract_codes_the_article_and_nothing_from_the_furniture(tmp_path):
    from forcewatch.serve.cli import app

    path = tmp_path / "column.html"
    path.write_text(page(METADATA), "utf-8")
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records, "the body's movement is an event"
    assert any("Pskov" in r["sentence"] and r["type"] for r in records)
    for record in records:
        assert record["sentence"] in "\n\n".join([HEADLINE, *BODY]), record["sentence"]
        assert record["doc"]["published"] == "2024-03-14"


def test_the_furniture_would_be_events_if_it_were_text(pipeline):
    """The check above means something: as a plain report the furniture is coded."""
    from forcewatch.records import Document

    text = "\n\n".join(furniture_lines())
    analysis = pipeline(Document(id=Document.make_id(text), text=text, published=date(2024, 3, 14)))
    assert len({e.sentence for e in analysis.events}) >= 5


def test_reading_pages_and_feeds_opens_no_connection(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("a reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name, content in (("p.html", page(METADATA)), ("f.xml", RSS), ("a.atom", ATOM)):
        (tmp_path / name).write_text(content, "utf-8")
        assert read_reports(tmp_path / name)

"""extract/dates: which date expressions are found, as written, on sentences written for these tests.

The parse is spaCy's blank English tokenizer (no entities), so only the patterns speak, except where a
test sets an entity itself."""

from __future__ import annotations

import pytest
import spacy

from forcewatch.extract.dates import find_dates
from forcewatch.extract.nlp import ParsedSentence, split_sentences
from forcewatch.records import Analysis, Document


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def dates(blank, text: str, parsed=None, ents=()):
    analysis = Analysis(document=Document(id="t", text=text), sentences=split_sentences(text))
    analysis.parse = {}
    for i, (s, e) in enumerate(analysis.sentences):
        if parsed is None or i in parsed:
            doc = blank(text[s:e])
            doc.ents = [doc.char_span(a, b, label="DATE") for a, b in ents]
            analysis.parse[i] = ParsedSentence(index=i, offset=s, doc=doc)
    find_dates(analysis)
    return [(m.label, m.text) for m in analysis.mentions if m.kind == "date"], analysis


def test_weekday_and_month_day(blank):
    found, _ = dates(blank, "The frigates left Tartus on Sunday, December 8, 2024, officials said.")
    assert found == [("WEEKDAY", "on Sunday"), ("DATE", "December 8, 2024")]


@pytest.mark.parametrize("text,expected", [
    ("They met on Sept. 5 in Moscow.", [("DATE", "Sept. 5")]),
    ("They met on 5th of March in Moscow.", [("DATE", "5th of March")]),
    ("The log is dated 2024-12-09.", [("DATE", "2024-12-09")]),
    ("Flights resumed in early January.", [("MONTH", "in early January")]),
    ("Flights resumed in late-March 2022.", [("MONTH", "late-March 2022")]),
    ("Flights resumed last month.", [("MONTH", "last month")]),
    ("The convoy moved late Saturday night.", [("WEEKDAY", "late Saturday night")]),
    ("The jets arrived two days ago.", [("RELATIVE", "two days ago")]),
    ("The jets arrived 8 days ago.", [("RELATIVE", "8 days ago")]),
    ("The jets arrived eight days ago.", []),  # in words, only up to seven
    ("The base grew last year.", [("RELATIVE", "last year")]),
])
def test_patterns(blank, text, expected):
    assert dates(blank, text)[0] == expected


def test_years_with_a_preposition_and_its_word(blank):
    found, analysis = dates(blank, "Moscow signed a 49-year lease in 2017, and since 2015 its jets have flown.")
    assert found == [("YEAR", "2017"), ("YEAR", "2015")]
    assert [m.data.get("prep") for m in analysis.mentions] == ["in", "since"]


def test_counts_are_not_years(blank):
    assert dates(blank, "Around 2000 troops and a force of 1500 soldiers stayed.")[0] == []
    assert dates(blank, "The base lies 2015 km away.")[0] == []


def test_ranges_and_eras(blank):
    assert dates(blank, "The lease ran between 2014 and 2016.")[0] == [("RANGE", "between 2014 and 2016")]
    assert dates(blank, "The 2014-16 build-up was large.")[0] == [("RANGE", "2014-16")]
    assert dates(blank, "Russia has used the port since the early Cold War.")[0] == [
        ("ERA", "since the early Cold War")]
    assert dates(blank, "Cold War-era bombers flew over.")[0] == []  # a label, not a time


def test_only_parsed_sentences_are_searched(blank):
    found, _ = dates(blank, "The ships left on Monday. They returned on Friday.", parsed={1})
    assert found == [("WEEKDAY", "on Friday")]


def test_model_entities_add_dates_the_patterns_miss_but_not_durations(blank):
    text = "The drills lasted five years and ended the weekend before the talks."
    start = text.index("the weekend before")
    found, _ = dates(blank, text, ents=[(text.index("five years"), text.index("five years") + 10),
                                        (start, start + len("the weekend before"))])
    assert found == [("DATE_NER", "the weekend before")]

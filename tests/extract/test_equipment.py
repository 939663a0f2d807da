"""extract/equipment: catalogue names and counts on sentences written for these tests."""

from __future__ import annotations

import re

import pytest

from forcewatch.extract.equipment import Catalogue, catalogue_matches, find_equipment

CATALOGUE = Catalogue.packaged()


def found(text: str):
    return [(e.name, e.count, e.count_qualifier) for e in find_equipment(text, CATALOGUE)]


@pytest.mark.parametrize("text,expected", [
    ("Two An-124s landed.", [("An-124", 2, "exact")]),
    ("At least two Antonov AN-124s landed.", [("An-124", 2, "at_least")]),
    ("A Ruslan landed.", [("An-124", 1, "exact")]),
    ("twelve Su-24s took off", [("Su-24", 12, "exact")]),
    ("more than twenty tanks moved", [("tank", 20, "at_least")]),
    ("about 1,500 troops stayed", [("troops", 1500, "about")]),
    ("up to 40 helicopters", [("helicopter", 40, "at_most")]),
    ("a dozen frigates", [("frigate", 12, "exact")]),
    ("a pair of Su-35s", [("Su-35", 2, "exact")]),
    ("dozens of trucks", [("logistics vehicle", 24, "about")]),
    ("several warships", [("warship", None, None)]),
    ("frigates sailed", [("frigate", None, None)]),
])
def test_counts(text, expected):
    assert found(text) == expected


def test_a_part_of_a_whole_counts_the_part():
    assert found("5 of the 12 frigates left port") == [("frigate", 5, "exact")]
    assert found("at least three of Russia's 11 submarines sailed") == [("submarine", 3, "at_least")]


def test_an_article_counts_one_only_before_a_singular_noun():
    assert found("an oil ship docked") == [("tanker", 1, "exact")]
    assert found("a convoy of trucks") == [("logistics vehicle", None, None)]


def test_dates_and_years_are_not_counts():
    assert found("Images dated December 9 showed frigates") == [("frigate", None, None)]
    assert found("Images dated December 9 showed two frigates") == [("frigate", 2, "exact")]
    assert found("Built in 2017 warships were") == [("warship", None, None)]


def test_the_longest_catalogue_name_wins():
    items = find_equipment("Two guided-missile frigates left.", CATALOGUE)
    assert [(e.name, e.text, e.count) for e in items] == [("guided-missile frigate", "guided-missile frigates", 2)]


def test_a_generic_word_after_a_type_is_the_same_mention():
    items = find_equipment("Three Il-76 transport planes landed, then a Su-34.", CATALOGUE)
    assert [(e.name, e.text, e.count) for e in items] == [("Il-76", "Il-76 transport planes", 3), ("Su-34", "Su-34", 1)]


def test_spans_carry_the_offset():
    (item,) = find_equipment("two frigates", CATALOGUE, offset=100)
    assert item.span == (104, 112) and item.text == "frigates" and item.category == "ship"


def test_a_user_catalogue_is_read_instead_of_the_packaged_one():
    mine = Catalogue([{"name": "Zephyr-9", "category": "aircraft", "patterns": [r"zephyr-9s?"]}])
    assert [(e.name, e.count) for e in find_equipment("Three Zephyr-9s landed.", mine)] == [("Zephyr-9", 3)]
    assert find_equipment("Three Zephyr-9s landed.", CATALOGUE) == []


def _each_entry_scanned(text: str, catalogue: Catalogue) -> list[tuple[int, int, str]]:
    """The matches as they were found before the one scan for starts: each entry's finditer in turn."""
    low = text.lower()
    if len(low) == len(text):
        return [(m.start(), m.end(), e["name"]) for p, (_, e) in zip(catalogue.lower_case, catalogue.entries)
                for m in p.finditer(low)]
    return [(m.start(), m.end(), e["name"]) for p, e in catalogue.entries for m in p.finditer(text)]


@pytest.mark.parametrize("text", [
    "At least two Antonov AN-124s and an An-124 landed at Hmeimim; Ruslans, Il-76 transport planes and MiG-31Ks too.",
    "Antonov an-124 an-124s an-124-based an124 -an-124 x-an-124 an-1245",  # overlapping starts, hyphens, digits
    "Patriot missile batteries, patriots, two Patriots air defence units and S-400 Triumf systems.",
    "İzmir saw four Su-35s, a Tu-95MS and Mi-8AMTSh helicopters",  # "İ" lower-cases longer: the text as written
    "The guided-missile frigates, a frigate, attack helicopters and transport helicopters; drones, UAVs.",
    "Nothing here names any equipment at all.",
    "",
])
def test_one_scan_for_starts_finds_what_each_entry_scanned_for_found(text):
    assert [(m.start(), m.end(), e["name"]) for m, e in catalogue_matches(text, CATALOGUE)] == \
        _each_entry_scanned(text, CATALOGUE)
    assert catalogue_matches("The Antonov An-124 landed.", CATALOGUE)


def test_one_scan_for_starts_with_a_user_pattern_written_in_capitals():
    catalogue = Catalogue([{"name": "Kilo", "category": "ship", "patterns": ["Kilo(?:-class)?", "kilos"]},
                           {"name": "tank", "category": "vehicle", "patterns": ["tanks?"]}])
    assert catalogue.lower_starts.flags & re.IGNORECASE
    for text in ("Two KILO-class boats and a kilo-class one, kilos, tanks", "İki Kilo tanks"):
        assert [(m.start(), m.end(), e["name"]) for m, e in catalogue_matches(text, catalogue)] == \
            _each_entry_scanned(text, catalogue)

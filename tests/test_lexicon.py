"""The shared word lists (forcewatch.lexicon), on names and words written for these tests."""

from __future__ import annotations

import re
from datetime import date

from forcewatch.lexicon import (
    MONTH_ABBREVIATIONS, MONTH_NUMBER, MONTH_PATTERN, MONTHS, NEEDS_ENTITIES, NUMBER_WORDS, SKIPPED_SPEAKER_LABELS,
    SPEAKER_LABELS, WEEKDAY_NUMBER, WEEKDAY_PATTERN, WEEKDAYS, fold,
)


def test_fold_makes_spellings_of_one_name_meet():
    assert fold("Dara'a") == fold("Daraa") == "daraa"
    assert fold("Tal Rifa’at") == fold("tal rifaat")
    assert fold("Al-Qusayr") == "al qusayr"
    assert fold("Ṭarṭūs") == "tartus"
    assert fold("Łódź") == "lodz"
    assert fold("Straße") == "strasse"
    assert fold("The Hague") == "hague"
    assert fold("Deir  ez-Zor ") == "deir ez zor"


def test_fold_spells_out_leading_abbreviations_only():
    assert fold("St. Petersburg") == fold("Saint Petersburg") == "saint petersburg"
    assert fold("Ft. Worth") == "fort worth"
    assert fold("Mt Hermon") == "mount hermon"
    assert fold("Great St Bernard") == "great st bernard"  # not at the start: left as written
    assert fold("Stuttgart") == "stuttgart"


def test_month_numbers_take_names_and_short_forms():
    assert MONTH_NUMBER["january"] == 1 and MONTH_NUMBER["jan"] == 1
    assert MONTH_NUMBER["may"] == 5
    assert MONTH_NUMBER["sept"] == MONTH_NUMBER["sep"] == MONTH_NUMBER["september"] == 9
    assert MONTH_NUMBER["dec"] == 12
    assert len(MONTH_NUMBER) == 24  # twelve names, eleven short forms and "sept"
    assert all(MONTHS[MONTH_NUMBER[s.lower()] - 1].startswith(s) for s in MONTH_ABBREVIATIONS)


def test_month_pattern_takes_the_whole_name():
    month = re.compile(MONTH_PATTERN)
    for written in ("September", "Sept.", "Sept", "Sep.", "Sep", "Jan.", "May", "March", "Mar."):
        assert month.fullmatch(written), written
    for written in ("Ma", "Mayo", "May.", "Septe", "january"):
        assert not month.fullmatch(written), written
    assert month.match("Sept. 5").group() == "Sept."
    assert month.match("September 5").group() == "September"
    assert re.compile(MONTH_PATTERN, re.I).fullmatch("january")


def test_weekdays_count_from_monday_like_the_calendar():
    assert WEEKDAY_NUMBER["monday"] == date(2024, 12, 9).weekday() == 0
    assert WEEKDAY_NUMBER["sunday"] == date(2024, 12, 15).weekday() == 6
    assert [WEEKDAY_NUMBER[d.lower()] for d in WEEKDAYS] == list(range(7))
    assert re.fullmatch(WEEKDAY_PATTERN, "Thursday") and not re.fullmatch(WEEKDAY_PATTERN, "Thurs")


def test_number_words_are_cardinals_only():
    assert NUMBER_WORDS["one"] == 1 and NUMBER_WORDS["twelve"] == 12 and NUMBER_WORDS["hundred"] == 100
    assert NUMBER_WORDS["fifteen"] == 15 and NUMBER_WORDS["fifty"] == 50
    assert "thirteen" not in NUMBER_WORDS
    for counting_word in ("a", "an", "pair", "dozen", "several"):  # the equipment counter adds these
        assert counting_word not in NUMBER_WORDS


def test_speaker_labels():
    assert set(SKIPPED_SPEAKER_LABELS) == set(SPEAKER_LABELS) - {"SENSOR"}
    assert "NO_COMMENT" not in SPEAKER_LABELS


def test_needs_entities_finds_reporting_words():
    assert NEEDS_ENTITIES.search("Two officials told Reuters the ships had left.")
    assert NEEDS_ENTITIES.search("Satellite images SHOWED the frigates gone.")
    assert NEEDS_ENTITIES.search("A ministry spokeswoman declined to comment.")
    assert not NEEDS_ENTITIES.search("The frigates left Tartus on Sunday.")
    assert not NEEDS_ENTITIES.search("The showroom in Latakia stayed shut.")  # whole words only

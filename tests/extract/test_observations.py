"""Acts stated without an action verb (data/observations.yaml): every pattern's example and
counter-example, run through the coder; sentences written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from forcewatch.data import packaged
from forcewatch.records import Document

RULES = packaged("observations.yaml")


def _events(pipeline_all, text):
    return pipeline_all(Document(id="t", text=text, published=date(2024, 12, 12))).events


def _kinds(events):
    return {(e.type, e.subtype or "") for e in events}


def _then(rule):
    kind, _, subtype = rule["then"].partition("/")
    return kind, subtype


@pytest.mark.parametrize("rule", RULES, ids=[r["name"] for r in RULES])
def test_each_pattern_codes_its_example(pipeline_all, rule):
    assert _then(rule) in _kinds(_events(pipeline_all, rule["example"]))


@pytest.mark.parametrize("rule", RULES, ids=[r["name"] for r in RULES])
def test_each_pattern_leaves_its_counter_example(pipeline_all, rule):
    assert _then(rule) not in _kinds(_events(pipeline_all, rule["not"]))


def test_observations_keep_equipment_place_and_source(pipeline):
    text = ("Satellite images taken on Friday show two An-124s on the tarmac at Engels air base. "
            "Four Russian frigates are at anchor off Sevastopol, the images show.")
    events = _events(pipeline, text)
    presence = next(e for e in events if e.subtype == "presence")
    assert presence.equipment and presence.equipment[0].count == 2 and "Engels" in presence.location.name
    assert presence.source.kind == "imagery" and presence.time.start == date(2024, 12, 6)
    anchor = next(e for e in events if e.subtype == "anchor")
    assert anchor.equipment[0].category == "ship" and "Sevastopol" in anchor.location.name


def test_what_a_movement_passes_is_not_what_moves(pipeline_all):
    (flight,) = [e for e in _events(pipeline_all, "Two missiles flew over the frigate on Monday.") if e.subtype == "transit"]
    assert not any(q.category == "ship" for q in flight.equipment)


def test_one_sentence_of_what_is_at_a_place_is_one_presence(pipeline):
    one = _events(pipeline, "Turkish soldiers were guarding the perimeter and two drones stood on the apron.")
    assert [e.subtype for e in one] == ["presence"] and {q.category for q in one[0].equipment} >= {"aircraft"}
    two = _events(pipeline, "Turkish soldiers patrolled the air base at Tiyas, and Turkish drones were parked on "
                            "the tarmac in Qamishli.")
    assert [e.subtype for e in two] == ["presence", "presence"]


def test_a_sentence_without_the_words_of_any_pattern_has_no_match(resources):
    """The words observed() looks for before asking the Matcher: every example holds those of its
    pattern, and a sentence the Matcher finds anything in always holds those of one pattern."""
    from spacy.matcher import Matcher

    lexicons, nlp = resources.lexicons, resources.nlp
    cues = lexicons.observation_cues()
    strings = nlp.vocab.strings
    assert (0, frozenset({strings["gone"]})) in cues[[r["name"] for r in RULES].index("gone")]
    matcher = Matcher(nlp.vocab)
    for i, rule in enumerate(lexicons.observations):
        matcher.add(str(i), [rule.pattern])
    texts = [r["example"] for r in RULES] + [r["not"] for r in RULES] + [
        "The troops were gone by Monday and the bunkers stood empty.", "Nothing was seen; the ships sailed on.",
        "The frigate lay at anchor off Tartus.", "Two jets sat on the tarmac.", "The base was home to 500 troops."]
    for doc in nlp.pipe(texts):
        have = ({t.lower for t in doc}, {t.lemma for t in doc})
        cued = [i for i, needs in enumerate(cues) if all(have[column] & words for column, words in needs)]
        assert {int(strings[m]) for m, _, _ in matcher(doc)} <= set(cued), doc.text
        if doc.text in {r["example"] for r in RULES}:
            assert cued and matcher(doc), doc.text

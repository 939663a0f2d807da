"""The sense rules of data/senses.yaml: every rule's example and counter-example, run through the coder."""

from __future__ import annotations

from datetime import date

import pytest

from forcewatch.data import packaged
from forcewatch.records import Document

RULES = packaged("senses.yaml")


def _events(pipeline_all, text):
    return pipeline_all(Document(id="t", text=text, published=date(2024, 5, 10))).events


def _words(rule):
    return None if "*" in rule["lemmas"] else set(rule["lemmas"])


def _hits(rule, events, nlp, example=True):
    """Events the rule is about: those whose trigger has one of its lemmas; for "*" rules, in the
    example the trigger its ``word`` names, in the counter-example any."""
    lemmas = _words(rule)
    if lemmas is None:
        return [e for e in events if not example or e.trigger.lower() == rule["word"].lower()]
    return [e for e in events if nlp(e.trigger)[0].lemma_.lower() in lemmas]


@pytest.mark.parametrize("rule", RULES, ids=[r["name"] for r in RULES])
def test_each_rule_applies_to_its_example(pipeline_all, resources, rule):
    hits = _hits(rule, _events(pipeline_all, rule["example"]), resources.nlp)
    if rule["then"] == "none":
        assert not [e for e in hits if e.type != "OTHER"], [(e.trigger, e.type) for e in hits]
    else:
        kind, _, subtype = rule["then"].partition("/")
        assert any(e.type == kind and (e.subtype or "") == subtype for e in hits), [(e.trigger, e.type) for e in hits]


@pytest.mark.parametrize("rule", RULES, ids=[r["name"] for r in RULES])
def test_each_rule_leaves_its_counter_example(pipeline_all, resources, rule):
    hits = _hits(rule, _events(pipeline_all, rule["not"]), resources.nlp, example=False)
    assert hits, f"{rule['name']}: no event in {rule['not']!r}"
    if rule["then"] != "none":
        kind, _, subtype = rule["then"].partition("/")
        if subtype:  # a rule that only settles the subtype leaves the type be
            assert (kind, subtype) not in {(e.type, e.subtype) for e in hits}
        else:
            assert kind not in {e.type for e in hits}


@pytest.mark.parametrize("text,kind,subtype", [
    ("Two F-16s intercepted a pair of bombers near the coast on Monday.", "MOBILIZE", None),
    ("A frigate escorted the submarine through the strait.", "MOBILIZE", None),
    ("The corvette shadowed the carrier group for two days.", "MOBILIZE", None),
    ("The army was put on full combat readiness on Sunday.", "MOBILIZE", None),
    ("Most allied troops have already exited the country.", "RETREAT", "withdraw"),
    ("Navy patrol boats were operating near the disputed reef.", "MOBILIZE", "presence"),
    ("Marines are protecting the airport while talks go on.", "MOBILIZE", "presence"),
    ("Norway will contribute troops to the exercise.", "MOBILIZE", "deploy"),
    ("Images show damage to three hangars at the air base.", "ASSAULT", None),
    ("One of the drones was downed by the frigate's guns.", "ASSAULT", None),
    ("A drone strike hit the depot on Friday.", "ASSAULT", None),
    ("Russian and Belarusian troops will hold a joint exercise near the border in February.", "MOBILIZE", None),
])
def test_force_posture_acts_without_the_usual_verbs(pipeline, text, kind, subtype):
    events = _events(pipeline, text)
    assert any(e.type == kind and e.subtype == subtype for e in events), [(e.trigger, e.type, e.subtype) for e in events]


def test_a_strike_is_an_attack_unless_workers_strike(pipeline_all):
    assert {e.type for e in _events(pipeline_all, "The air base was hit in a missile strike overnight.")} >= {"ASSAULT"}
    assert "ASSAULT" not in {e.type for e in _events(pipeline_all, "Dock workers went on strike over pay.")}
    army = _events(pipeline_all, "The Turkish army rarely comments on its strikes in northern Iraq.")
    assert "PROTEST" not in {e.type for e in army}  # "on its strikes" is no "on strike"


def test_a_date_word_is_no_trigger(pipeline):
    events = _events(pipeline, "The frigate has patrolled the gulf since its departure from the base on March 11.")
    assert not [e for e in events if e.trigger == "March"]


@pytest.mark.parametrize("text,trigger,modality", [
    ("Britain refused to rule out sending troops to the border.", "sending", "hedged"),  # two refusals cancel
    ("Further departures of Russian ships are expected in the coming days.", "departures", "future"),
    ("The Russian army is to withdraw from the town by the end of January.", "withdraw", "future"),
    ("The battalion would take time to disengage from the front.", "disengage", "future"),
    ("There was no reduction or pull-back of troops by either side.", "reduction", "negated"),
    ("The Russian battalion is believed to have moved to the border.", "moved", "hedged"),
    ("Russian troops never left the base, the ministry said.", "left", "negated"),
    ("Most foreign troops have left the country or are nearing a departure.", "left", "hedged"),  # one of two
    ("The frigates are now about to sail around the peninsula.", "sail", "future"),
    ("The navy aborted its plan to send two frigates to the strait.", "send", "negated"),
])
def test_modality_of_the_clause(pipeline_all, text, trigger, modality):
    events = {e.trigger: e for e in _events(pipeline_all, text)}
    assert events[trigger].modality == modality


def test_a_strike_that_kills_people_is_no_protest(pipeline_all):
    for text in ("An Israeli strike killed five people in Gaza.", "A strike on the power plant left people without heat."):
        assert "PROTEST" not in {e.type for e in _events(pipeline_all, text)}, text


def test_an_unknown_condition_in_a_sense_rule_is_a_clear_error():
    from forcewatch.extract.events import SenseRule

    with pytest.raises(ValueError, match="unknown condition"):
        SenseRule.from_data({"name": "x", "lemmas": ["leave"], "when": {"colour": "red"}, "then": "none"})


@pytest.mark.parametrize("text", [
    "The air force has carried out dozens of strikes in the east on rebel targets, including supply convoys.",
    "Artillery shelled a column of trucks on the road to the port.",
])
def test_a_movement_an_attack_is_aimed_at_is_its_target(pipeline, text):
    events = _events(pipeline, text)
    assert "ASSAULT" in {e.type for e in events}
    assert not [e for e in events if e.subtype == "transit"], [(e.trigger, e.type, e.subtype) for e in events]


def test_a_movement_beside_an_attack_is_still_a_movement(pipeline):
    events = _events(pipeline, "The convoy of tanks left the base a day after the attack on the airfield.")
    assert {e.type for e in events} >= {"ASSAULT"} and any(e.subtype in ("depart", "withdraw", "transit") for e in events)

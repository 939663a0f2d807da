"""Sources, modality and Admiralty grades on sentences written for these tests, and on the sample."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from forcewatch.config import Settings
from forcewatch.pipeline import Pipeline
from forcewatch.records import Document, Event, Source
from forcewatch.resolve.sources import SourceRegistry, grade_reliability

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared")) / "samples" / "russia-syria-bases.txt"
COMPONENTS = ["attribution", "events", "no_comment", "resolve_sources"]
PACKAGED = SourceRegistry.load()

TEXTS = {
    "anon": "Two Ukrainian officials, speaking on condition of anonymity, told AP that Russian troops had withdrawn "
            "from the village.",
    "maxar": "According to Maxar imagery, at least four warships left the port on Tuesday.",
    "pentagon": "A spokesperson for the Pentagon declined to comment on the deployment of the bombers.",
    "nested": "A Ukrainian commander said a captured soldier told him that his unit had withdrawn from the town.",
    "trailing": "Russia withdrew its troops from the island, two Western diplomats said.",
    "suggests": "Satellite imagery suggests that the brigade deployed to the border region.",
    "deny": "The Israeli military denied that its troops had entered the buffer zone.",
    "peskov": "Kremlin spokesman Dmitry Peskov said the troops would stay in Belarus.",
    "verify": "The footage, which could not be independently verified, shows troops moving toward the border.",
    "adsb": "Flight-tracking data from Flightradar24 showed two Il-76 transport planes landing at the airfield.",
    "analyst": "Maria Lopez, a defense analyst at the Lisbon Security Institute, said the navy had likely moved "
               "the submarines north.",
    "later": "Chinese warships arrived in the port on Sunday. AP could not independently verify the report.",
    "believe": "Officials believe the regiment was redeployed to the south.",
    "he": "\u201cWe will not withdraw our forces from the city,\u201d the minister said. He added that more troops "
          "would arrive next week.",
    "sources": "Iraqi security sources told AP that Turkish troops had crossed the border. The sources said the "
               "troops would withdraw within days.",
    "only": "Thousands of troops are being deployed to the northern border. Officials told AP.",
    "appears": "Video posted on social media appears to show a column of troops crossing the bridge.",
    "seen": "An AP reporter said that a convoy of military trucks could be seen heading towards the port. "
            "The trucks later arrived at the port.",
    "own": "The navy deployed two frigates to the gulf in 2019.",
    "nameless": "The ministry said troops would withdraw from the border area.",
    "aside": "The Kremlin said Russian troops would stay in the region, while the defense ministry declined to "
             "comment on the withdrawal of the brigade.",
    "quote": "\u201cWe are leaving the base,\u201d the officer said. \u201cThe troops will withdraw to the north "
             "tomorrow.\u201d",
    "verified": "Russian forces have withdrawn from the town, Ukrainian officials said. The withdrawal could not "
                "be independently verified.",
    "dismissed": "The Kremlin dismissed reports that Russian troops had withdrawn from the base.",
    "framed": "Satellite images may show Russian bombers parked at the air base, according to an analyst.",
    "accuse": "Georgia accused Russia of moving troops across the boundary line on Tuesday.",
    "promise": "The pullout came weeks ahead of Prime Minister Ana Ruiz's promise that the troops would be "
               "home by June.",
    "surname": "The mission was praised by Defence Minister Karl Lindqvist at a ceremony in Visby. "
               "Lindqvist said the deployment of the regiment was a milestone.",
    "released": "The announcement by the air command was released while the bombers were crossing the Baltic Sea.",
    "reach": "The ministry said troops were deployed to the border. AP could not immediately reach the ministry "
             "for comment on the withdrawal.",
}


@pytest.fixture(scope="module")
def analyses(resources):
    docs = [Document(id=k, text=t, outlet="AP", published=date(2025, 3, 6)) for k, t in TEXTS.items()]
    return {a.document.id: a for a in Pipeline(resources, COMPONENTS).analyze(docs)}


def event(a, trigger: str) -> Event:
    found = [e for e in a.events if e.trigger.startswith(trigger)]
    assert found, f"no event {trigger!r} in {[e.trigger for e in a.events]}"
    return found[0]


def test_anonymous_officials_are_anonymous_with_affiliation(analyses):
    e = event(analyses["anon"], "withdrawn")
    assert (e.source.kind, e.source.affiliation, e.source.anonymous) == ("anonymous", "Ukrainian", True)
    assert e.source.text == "Two Ukrainian officials, speaking on condition of anonymity"
    assert e.modality == "asserted"
    # AP is B in the registry: an unnamed source it vouches for is one grade lower.
    assert e.credibility.code == "C3"
    assert "one grade below" in e.credibility.basis


def test_according_to_imagery_names_the_provider(analyses):
    e = event(analyses["maxar"], "left")
    assert (e.source.kind, e.source.name, e.source.cue) == ("imagery", "Maxar", "according to")
    assert e.credibility.code == "B2"


def test_declined_to_comment_is_an_official_no_comment(analyses):
    a = analyses["pentagon"]
    assert a.events and all(e.modality == "no_comment" for e in a.events)
    e = a.events[0]
    assert (e.source.kind, e.source.name) == ("official", "Pentagon")
    assert e.credibility.information == 6


def test_nested_attribution_goes_to_the_inner_speaker_via_the_outer(analyses):
    e = event(analyses["nested"], "withdrawn")
    assert e.source.text == "a captured soldier" and e.source.kind == "anonymous"
    assert e.source.nested_via is not None and e.source.nested_via.text == "A Ukrainian commander"


def test_trailing_attribution(analyses):
    e = event(analyses["trailing"], "withdrew")
    assert (e.source.kind, e.source.affiliation) == ("anonymous", "Western")


def test_hedging_verb_raises_asserted_to_hedged(analyses):
    e = event(analyses["suggests"], "deployed")
    assert e.source.kind == "imagery" and e.modality == "hedged"
    assert e.credibility.code == "B3"
    assert event(analyses["believe"], "redeployed").modality == "hedged"
    e = event(analyses["appears"], "crossing")
    assert e.source.kind == "imagery" and e.modality == "hedged"
    assert e.source.reliability == "C"  # footage of unknown origin, not satellite imagery


def test_denial_negates_the_claim_but_not_the_denial(analyses):
    a = analyses["deny"]
    e = event(a, "entered")
    assert (e.source.kind, e.source.name, e.modality) == ("official", "Israeli military", "negated")
    denial = [x for x in a.events if x.trigger == "denied"]
    assert all(x.modality == "asserted" for x in denial)


def test_named_spokesman_is_an_official_with_affiliation(analyses):
    e = event(analyses["peskov"], "stay")
    assert (e.source.kind, e.source.name, e.source.affiliation) == ("official", "Dmitry Peskov", "Kremlin")


def test_could_not_be_verified(analyses):
    e = event(analyses["verify"], "moving")
    assert e.modality == "unconfirmed" and e.credibility.information == 6
    e = event(analyses["later"], "arrived")
    assert e.modality == "unconfirmed"
    assert (e.source.kind, e.source.name) == ("organization", "AP")


def test_sensor_feed(analyses):
    e = event(analyses["adsb"], "landing")
    assert (e.source.kind, e.source.name, e.credibility.code) == ("sensor", "Flightradar24", "B2")


def test_named_analyst_with_affiliation_and_hedge(analyses):
    e = event(analyses["analyst"], "moved")
    assert (e.source.kind, e.source.name, e.source.affiliation) == ("analyst", "Maria Lopez", "Lisbon Security Institute")
    assert e.modality == "hedged" and e.credibility.code == "C4"


def test_pronoun_and_definite_back_references_carry_the_source(analyses):
    e = event(analyses["he"], "arrive")
    assert e.source.text == "He" and e.source.refers_to == "the minister" and e.source.kind == "official"
    e = event(analyses["sources"], "withdraw")
    assert e.source.text.startswith("The sources")
    assert (e.source.kind, e.source.affiliation) == ("anonymous", "Iraqi security")
    assert e.source.refers_to.startswith("Iraqi security sources")


def test_attribution_only_sentence_covers_the_sentence_before(analyses):
    e = event(analyses["only"], "deployed")
    assert e.source.kind == "anonymous" and e.source.text == "Officials"


def test_could_be_seen_is_an_observation_and_the_description_continues(analyses):
    a = analyses["seen"]
    heading = event(a, "heading")
    assert heading.source.kind == "journalist" and heading.source.name == "AP"
    assert heading.modality == "asserted" and heading.credibility.code == "B2"
    later = event(a, "arrived")
    assert later.span[0] > heading.span[1]
    assert later.source.kind == "journalist" and later.source.text == "An AP reporter"


def test_unattributed_is_the_outlets_own_and_institutions_are_officials(analyses):
    e = event(analyses["own"], "deployed")
    assert (e.source.kind, e.source.name, e.credibility.code) == ("organization", "AP", "B3")
    e = event(analyses["nameless"], "withdraw")
    assert (e.source.kind, e.source.name, e.modality) == ("official", "ministry", "future")


def test_no_comment_covers_its_own_clause_only(analyses):
    a = analyses["aside"]
    assert event(a, "stay").modality == "future" and event(a, "stay").source.name == "Kremlin"
    e = event(a, "withdrawal")
    assert (e.source.kind, e.source.name, e.modality) == ("official", "defense ministry", "no_comment")
    assert e.source.nested_via is None  # an aside, not something the Kremlin reported
    e = event(analyses["reach"], "withdrawal")
    assert (e.source.name, e.modality) == ("ministry", "no_comment")
    assert event(analyses["reach"], "deployed").modality == "asserted"


def test_quotation_continues_its_speaker(analyses):
    e = event(analyses["quote"], "withdraw")
    assert e.source.text == "the officer" and e.source.kind == "anonymous" and e.modality == "future"


def test_could_not_be_verified_covers_the_claim_before(analyses):
    e = event(analyses["verified"], "withdrawn")
    assert (e.source.kind, e.source.affiliation, e.modality) == ("anonymous", "Ukrainian", "unconfirmed")


def test_dismissed_reports_are_negated(analyses):
    e = event(analyses["dismissed"], "withdrawn")
    assert (e.source.name, e.modality) == ("Kremlin", "negated")


def test_according_to_frames_the_rest_of_the_sentence(analyses):
    e = event(analyses["framed"], "parked")
    assert e.source.kind == "imagery" and e.modality == "hedged"
    assert e.source.nested_via is not None and e.source.nested_via.kind == "analyst"
    assert e.source.reliability == "C"  # imagery (B) known only through an analyst (C)


def test_reliability_rules_and_user_registry(tmp_path):
    def grade(source, outlet, registry=PACKAGED):
        return grade_reliability(registry, source, outlet)[0]

    assert grade(Source("anonymous", anonymous=True), "Reuters") == "C"
    assert grade(Source("anonymous", anonymous=True), "Unknown Gazette") == "F"
    assert grade(Source("anonymous", anonymous=True), "Al Jazeera") == "D"
    assert grade(Source("official", "Kremlin"), "TASS") == "D"  # capped by the relaying outlet
    assert grade(Source("imagery", "Planet Labs"), "TASS") == "B"
    inner = Source("named", "A B", nested_via=Source("anonymous", anonymous=True, text="a source"))
    assert grade(inner, "Reuters") == "C"
    user = tmp_path / "mine.yaml"
    user.write_text("outlets:\n  Unknown Gazette: C\nbodies:\n  Kremlin: E\n")
    mine = SourceRegistry.load(user)
    assert grade(Source("anonymous", anonymous=True), "Unknown Gazette", mine) == "D"
    assert grade(Source("official", "Kremlin"), "Reuters", mine) == "E"
    # Several files, the later winning; the packaged registry is untouched by either.
    later = tmp_path / "later.yaml"
    later.write_text("bodies:\n  Kremlin: D\n")
    assert grade(Source("official", "Kremlin"), "Reuters", SourceRegistry.load(user, later)) == "D"
    assert grade(Source("anonymous", anonymous=True), "Unknown Gazette") == "F"


def test_two_configurations_grade_independently_in_one_process(resources, tmp_path):
    """Two pipelines with different source registries, side by side: each grades by its own."""
    user = tmp_path / "regrade.yaml"
    user.write_text("outlets:\n  Harbour Gazette: A\n")
    text = "Two Russian frigates anchored off Tartus on Monday."  # the outlet's own report: its grade
    doc = Document(id=Document.make_id(text), text=text, outlet="Harbour Gazette", published=date(2025, 3, 6))
    packaged = Pipeline(resources, COMPONENTS)
    regraded = Pipeline(resources.with_settings(sources=(user,)), COMPONENTS)
    first, second, again = packaged(doc), regraded(doc), packaged(doc)
    assert [e.source.reliability for e in first.events] == [e.source.reliability for e in again.events]
    assert first.events and {e.source.reliability for e in first.events} == {"F"}  # an outlet nobody graded
    assert {e.source.reliability for e in second.events} == {"A"}


def test_settings_read_the_source_lists_of_the_environment_and_a_config_file(tmp_path):
    user, extra = tmp_path / "a.yaml", tmp_path / "b.yaml"
    config = tmp_path / "forcewatch.toml"
    config.write_text('sources = ["b.yaml"]\n')
    settings = Settings.load(config, environ={"FORCEWATCH_SOURCES": str(user), "FORCEWATCH_CACHE": str(tmp_path)})
    assert settings.sources == (user, extra) and settings.cache_dir == tmp_path


# --- the sample report ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(resources):
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} not present")
    from forcewatch.ingest.reports import read_reports

    return Pipeline(resources, COMPONENTS)(read_reports(SAMPLE)[0])


def in_sentence(a, words: str) -> list[Event]:
    return [e for e in a.events if words in e.sentence]


def test_sample_sources_and_modalities(sample):
    for words in ("Satellite footage on Friday", "Planet Labs", "Syrian military and security sources",
                  "But the sources", "Al-Khadim", "A Reuters journalist said", "Reuters saw", "Kremlin said"):
        assert in_sentence(sample, words), f"no event in the sentence with {words!r}"
    for e in in_sentence(sample, "Satellite footage on Friday"):
        assert e.source.kind == "imagery" and e.modality == "hedged"
    for e in in_sentence(sample, "Planet Labs"):
        assert (e.source.kind, e.source.name) == ("imagery", "Planet Labs") and e.modality == "asserted"
    for e in in_sentence(sample, "Syrian military and security sources"):
        assert (e.source.kind, e.source.affiliation) == ("anonymous", "Syrian military and security")
    for e in in_sentence(sample, "But the sources"):
        assert e.source.kind == "anonymous" and e.source.affiliation == "Syrian military and security"
        assert e.modality in ("negated", "future")
    for e in in_sentence(sample, "the official said"):
        assert e.source.kind == "anonymous" and e.source.affiliation == "armed opposition"
    ministry = [e for e in in_sentence(sample, "Defense Ministry") if e.subtype == "no_comment"]
    assert ministry and all(e.source.kind == "official" and e.modality == "no_comment" for e in ministry)
    route = [e for e in in_sentence(sample, "Al-Khadim") if e.subtype == "transit"]
    assert route and all((e.source.kind, e.source.name, e.source.affiliation, e.modality) ==
                         ("analyst", "Yoruk Işık", "Bosphorus Observer", "hedged") for e in route)
    for words in ("A Reuters journalist said", "Reuters saw", "The convoy had stopped"):
        for e in in_sentence(sample, words):
            assert (e.source.kind, e.source.name, e.modality) == ("journalist", "Reuters", "asserted"), words
    for e in in_sentence(sample, "withdrawing its forces from the front lines in northern"):
        assert e.source.text == "Officials" and e.source.kind == "anonymous"
    for e in in_sentence(sample, "Ali Halloum"):
        assert (e.source.kind, e.source.name) == ("named", "Ali Halloum")
    for e in in_sentence(sample, "listening sites"):
        assert (e.source.kind, e.source.affiliation) == ("anonymous", "Syrian military and Western intelligence")


def test_sample_grades_are_explained(sample):
    for e in sample.events:
        assert e.credibility.reliability in tuple("ABCDEF") and e.credibility.information in range(1, 7)
        assert e.credibility.reliability == e.source.reliability
        assert e.credibility.basis.startswith(e.credibility.reliability + ":")
        assert f" {e.credibility.information} (" in e.credibility.basis
        if e.source.span is not None:
            assert sample.document.text[e.source.span[0]:e.source.span[1]] == e.source.text
    assert not any(e.credibility.reliability == "F" for e in sample.events)  # Reuters relays every source


def test_attribution_outside_the_clause_tree_terminates(pipeline_all):
    """An attribution verb that is not an ancestor of another once sent the parent search round the
    parse's root forever; the sentence must now come back, graded, within seconds."""
    import signal

    def hang(*_):
        raise AssertionError("source resolution did not terminate")

    text = ("A German minister has called off a planned visit to Niger after a state of emergency was declared "
            "in the former colony, the ministry said on Friday.")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(20)
    try:
        analysis = pipeline_all(Document(id=Document.make_id(text), text=text, published=date(2020, 1, 1)))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert analysis.events and all(e.source.kind == "official" for e in analysis.events)


def test_outlet_named_at_length_is_found_in_the_registry():
    outlet_entry = PACKAGED.outlet_entry
    assert outlet_entry("Reuters: World News")[2] == "Reuters"
    assert outlet_entry("The Guardian - World")[2] == "The Guardian"
    assert outlet_entry("BBC News")[2] == "BBC"
    assert outlet_entry("Al Jazeera English")[2] == "Al Jazeera"
    assert outlet_entry("RAPID news") is None and outlet_entry("Harbour Gazette") is None
    assert outlet_entry("Reuters Institute") is None and outlet_entry("The Guardian Nigeria") is None


def _sources(pipeline, text):
    from datetime import date

    from forcewatch.records import Document

    events = pipeline(Document(id="t", text=text, published=date(2024, 12, 12))).events
    return {e.trigger: (e.source.kind, e.source.name) for e in events}


def test_it_said_and_it_added_go_to_the_body_named_before(pipeline):
    text = ("The defence ministry said two Russian frigates left Tartus on Monday. "
            "It added that a cargo plane took off from Hmeimim.")
    assert _sources(pipeline, text)["took off"] == ("official", "defence ministry")
    text = "It was reported that two Russian frigates left Tartus on Monday."  # no one: the outlet's own
    assert _sources(pipeline, text)["left"][0] == "organization"


@pytest.mark.parametrize("text,name", [
    ("Two Il-76s were loading at Hmeimim, said Ann Lee, an analyst at the satellite company Maxar.", "Maxar"),
    ("Two Il-76s were loading at Hmeimim, said an analyst at the imagery firm Orbital Eye.", "Orbital Eye"),
])
def test_an_imagery_companys_analyst_speaks_for_imagery(pipeline, text, name):
    assert _sources(pipeline, text)["loading"] == ("imagery", name)


def test_a_think_tanks_analyst_stays_an_analyst(pipeline):
    text = "Two Il-76s were loading at Hmeimim, said Ann Lee, an analyst at the Caspian Policy Institute."
    assert _sources(pipeline, text)["loading"][0] == "analyst"


def test_an_accusation_is_the_accusing_governments_claim(analyses):
    moving = event(analyses["accuse"], "moving")
    assert moving.source.kind == "official" and moving.source.name == "Georgia"


def test_a_promise_that_is_the_claim_of_whose_promise_it_is(analyses):
    home = [e for e in analyses["promise"].events if e.type == "RETREAT" and "pullout" not in e.trigger]
    pullout = event(analyses["promise"], "pullout")
    assert pullout.source.kind != "official"  # the outlet's own report
    assert all(e.source.kind == "official" and "Ruiz" in e.source.name for e in home)


def test_a_surname_is_the_person_named_in_full_before(analyses):
    deployment = event(analyses["surname"], "deployment")
    assert deployment.source.kind == "official" and deployment.source.name == "Karl Lindqvist"


def test_a_statement_that_was_published_claims_only_itself(analyses):
    crossing = event(analyses["released"], "crossing")
    assert crossing.source.kind == "organization" and crossing.source.name == "AP"

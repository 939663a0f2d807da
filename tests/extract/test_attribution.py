"""Attribution cues found in sentences written for these tests (no outlet text)."""

from __future__ import annotations

from datetime import date

import pytest

from forcewatch.pipeline import Pipeline
from forcewatch.records import Document

TEXTS = {
    "told": "Two Ukrainian officials, speaking on condition of anonymity, told AP that Russian troops had withdrawn "
            "from the village.",
    "according": "According to Maxar imagery, at least four warships left the port on Tuesday.",
    "not_a_source": "The brigade will redeploy its troops according to what the situation on the front requires.",
    "no_comment": "A spokesperson for the Pentagon declined to comment on the deployment of the bombers.",
    "nested": "A Ukrainian commander said a captured soldier told him that his unit had withdrawn from the town.",
    "trailing": "Russia withdrew its troops from the island, two Western diplomats said.",
    "imagery": "Satellite images taken by Planet Labs on March 3 showed two frigates anchored off the naval base.",
    "sensor": "Flight-tracking data from Flightradar24 showed two Il-76 transport planes landing at the airfield.",
    "saw": "At the harbor, an AP photographer saw dozens of Russian troops boarding a landing ship.",
    "unconfirmed": "The footage, which could not be independently verified, shows troops moving toward the border.",
    "backref": "A senior NATO official, who asked not to be named, said Russian bombers had been moved to the north. "
               "The official said the bombers would stay there.",
    "negated_say": "The ministry did not say whether the troops would withdraw from the base.",
}


@pytest.fixture(scope="module")
def analyses(resources):
    docs = {k: Document(id=k, text=t, outlet="AP", published=date(2025, 3, 6)) for k, t in TEXTS.items()}
    pipe = Pipeline(resources, ["attribution"])
    return {a.document.id: a for a in pipe.analyze(docs.values())}


def speakers(a):
    return [m for m in a.mentions if m.kind == "attribution" and m.label in ("SAY", "ACCORDING", "IMAGERY", "SENSOR", "SEE")]


def cues(a, label):
    return [m for m in a.mentions if m.kind == "attribution" and m.label == label]


def test_span_is_exactly_the_speaker_phrase_and_verb_span_the_verb(analyses):
    a = analyses["told"]
    (m,) = speakers(a)
    assert m.label == "SAY"
    assert m.text == "Two Ukrainian officials, speaking on condition of anonymity"
    assert a.document.text[m.span[0]:m.span[1]] == m.text
    v0, v1 = m.data["verb_span"]
    assert a.document.text[v0:v1] == "told"
    assert m.data["anonymous_cue"] is True
    assert m.data["plural"] is True and m.data["head"] == "official"


def test_according_to_and_what_is_not_a_source(analyses):
    (m,) = speakers(analyses["according"])
    assert m.label == "ACCORDING" and m.text == "Maxar imagery"
    assert m.data["claim_span"] == list(analyses["according"].sentences[0])
    assert speakers(analyses["not_a_source"]) == []


def test_no_comment_cue(analyses):
    (cue,) = cues(analyses["no_comment"], "NO_COMMENT")
    assert cue.text == "declined to comment"


def test_nested_attribution_records_both_speakers_with_nested_claims(analyses):
    outer, inner = sorted(speakers(analyses["nested"]), key=lambda m: m.span[0])
    assert outer.text == "A Ukrainian commander" and inner.text == "a captured soldier"
    o0, o1 = outer.data["claim_span"]
    i0, i1 = inner.data["claim_span"]
    assert o0 <= i0 and i1 <= o1 and (i1 - i0) < (o1 - o0)


def test_trailing_attribution_covers_the_whole_sentence(analyses):
    a = analyses["trailing"]
    (m,) = speakers(a)
    assert m.text == "two Western diplomats"
    c0, c1 = m.data["claim_span"]
    withdrew = a.document.text.index("withdrew")
    assert c0 == a.sentences[0][0] and c0 <= withdrew < c1


def test_imagery_sensor_and_own_observation_labels(analyses):
    (img,) = speakers(analyses["imagery"])
    assert img.label == "IMAGERY" and img.text == "Satellite images taken by Planet Labs on March 3"
    (sen,) = speakers(analyses["sensor"])
    assert sen.label == "SENSOR" and "Flightradar24" in sen.text
    (saw,) = speakers(analyses["saw"])
    assert saw.label == "SEE" and saw.text == "an AP photographer"


def test_unconfirmed_cue_in_a_relative_clause_covers_the_sentence(analyses):
    a = analyses["unconfirmed"]
    (cue,) = cues(a, "UNCONFIRMED")
    assert cue.text == "could not be independently verified"
    assert cue.data["scope"] == list(a.sentences[0])
    (m,) = speakers(a)
    assert m.label == "IMAGERY"


def test_definite_speaker_is_marked_as_a_back_reference(analyses):
    first, second = sorted(speakers(analyses["backref"]), key=lambda m: m.span[0])
    assert not first.data["backref"] and first.data["anonymous_cue"]
    assert second.text == "The official" and second.data["backref"]


def test_negated_speech_verb_is_no_attribution(analyses):
    assert speakers(analyses["negated_say"]) == []


def test_a_reported_clause_parsed_as_a_second_subject_is_not_the_speaker(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = "A drone strike killed at least four members of the militia near the border on Sunday, officials said."
    (event,) = [e for e in pipeline(Document(id="t", text=text, published=date(2024, 5, 10))).events
                if e.trigger == "killed"]
    assert event.source.kind == "anonymous" and event.source.text == "officials"


def test_a_dateline_is_not_parsed_as_the_subject(pipeline):
    from datetime import date

    from forcewatch.records import Document

    for text in ("KIRKUK, Iraq: A drone strike killed at least four members of the militia on Sunday, officials said.",
                 "KIRKUK, Iraq (Reuters) - A drone strike killed at least four members of the militia on Sunday."):
        events = pipeline(Document(id="t", text=text, published=date(2024, 5, 10))).events
        assert [e.trigger for e in events if e.type == "ASSAULT"] == ["killed"], text


def test_imagery_is_the_source_when_the_parser_misses_the_verb(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = "Satellite images taken on April 30 and May 13 show damage at the air base."
    (event,) = pipeline(Document(id="t", text=text, published=date(2025, 5, 20))).events
    assert event.source.kind == "imagery"


def test_an_outlet_named_as_the_source_is_an_organization(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = "Radio Free Asia reported that the Russian ships had left the base."
    (event,) = pipeline(Document(id="t", text=text, published=date(2024, 5, 10))).events
    assert event.source.kind == "organization" and event.source.name == "Radio Free Asia"


def test_the_author_of_a_post_or_statement_is_the_source(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = ("Two Chinese warships were first seen at the port on Monday in a Facebook post by the defence "
            "minister saying that they were there for training.")
    (event,) = pipeline(Document(id="t", text=text, published=date(2024, 5, 10))).events
    assert event.source.kind == "official" and "minister" in event.source.text


def test_a_passive_by_is_no_author(pipeline):
    from datetime import date

    from forcewatch.records import Document

    text = "Two soldiers were released by the rebels near the border on Monday."
    analysis = pipeline(Document(id="t", text=text, published=date(2024, 5, 10)))
    assert not [m for m in analysis.mentions if m.kind == "attribution" and m.label == "ACCORDING"]


def test_hyphenated_leaders_are_no_dateline():
    from forcewatch.extract.nlp import DATELINE

    assert DATELINE.match("KIRKUK, Iraq (Reuters) - A drone").end() == len("KIRKUK, Iraq (Reuters) - ")
    assert DATELINE.match("NATO-led troops crossed the river.") is None
    assert DATELINE.match("U.S.-led coalition forces withdrew.") is None
    assert DATELINE.match("AB" + " " * 3000 + "x") is None

"""The relevance screen: which documents are on topic and which sentences get parsed.

Sentences here are written for these tests; none comes from a bench or gold set.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from forcewatch.extract.events import Lexicons
from forcewatch.extract.nlp import split_sentences
from forcewatch.extract.screen import Screen
from forcewatch.gazetteer.sites import load_sites
from forcewatch.records import Analysis, Document, Site

SCREEN = Screen(Lexicons.packaged(), load_sites())
cues, screen = SCREEN.cues, SCREEN


def analysis(text: str) -> Analysis:
    return Analysis(document=Document(id=Document.make_id(text), text=text), sentences=split_sentences(text))


@pytest.mark.parametrize("text", [
    "Two Chinese destroyers were spotted off Okinawa on Tuesday.",
    "The battalion pulled back from the river crossing overnight.",
    "Ukrainian drones hit an oil depot near Belgorod.",  # weak cue (drones) with an actor
    "A Turkish column crossed into Idlib province at dawn.",
    "Satellite photos show the regiment's tents have gone.",
    "Three Su-35s were parked on the apron.",  # a catalogued model designator
    "Nothing has moved at the 720th Material-Technical Support Point this week.",  # a watched site's name
    "Two planes left Khmeimim at dawn.",  # a one-word site name is a weak cue, here with another one
    "Islamic State fighters attacked the checkpoint.",  # an armed group's name of two words
    "HTS took the town overnight.",  # an armed group's abbreviation, in capitals
    "Hezbollah said it had fired at the positions.",  # an armed group
    "Türkiye said it would attack the positions.",  # an actor in any script, with a fighting word
    "The carrier group left the port on Sunday.",  # two different weak cues
    "Moscow signed a 25-year lease on the harbour.",  # an actor with a force-posture trigger
])
def test_military_reports_are_on_topic(text):
    assert cues(text, split_sentences(text)).on_topic(), text
    assert screen(analysis(text)) == [0]


@pytest.mark.parametrize("text", [
    "The flight to Denver was delayed and the plane stayed at the gate.",
    "Firefighters arrived at the warehouse within minutes.",
    "Students in K-12 schools along I-95 will sit the exam in May.",  # designator-shaped, not equipment
    "The school board approved the budget on Tuesday.",
    "The French president met the German chancellor in Berlin on Monday.",  # diplomacy, no military word
    "Shares fell after the company reported lower aircraft deliveries.",
    "One ship sank while other ships waited for the tide.",  # one weak cue, written twice
    "Marx and Engels wrote the manifesto together.",  # a one-word site name alone
    "The Kurdish restaurant opened in Berlin.",  # a people, not an armed group
    "The hts file was corrupt.",  # an armed group's abbreviation only counts in capitals
    "Mexican police arrested two suspects.",  # arrests, bans and threats need a force cue
])
def test_everyday_news_is_off_topic(text):
    assert not cues(text, split_sentences(text)).on_topic(), text
    assert screen(analysis(text)) == []


def test_scope_all_parses_political_events_in_off_topic_documents():
    text = "The French president met the German chancellor in Berlin on Monday. The weather was fine."
    assert screen(analysis(text)) == []
    assert screen(analysis(text), "all") == [0]


def test_only_candidate_sentences_and_their_attributions_are_parsed():
    text = ("Russian troops left the northern outpost on Friday. "
            "Officials said so. "
            "The town's bakery reopened after the holidays. "
            "Prices at the market were stable.")
    assert screen(analysis(text)) == [0, 1]


def test_pipeline_stores_an_off_topic_document_without_events(pipeline, pipeline_all):
    doc = Document(id="d1", text="The French president met the German chancellor in Berlin on Monday.",
                   published=date(2025, 3, 4))
    off = pipeline(doc)
    assert off.relevant == [] and off.events == []
    coded = pipeline_all(doc)
    assert [e.type for e in coded.events] == ["CONSULT"]


def test_unknown_scope_is_refused(resources):
    from forcewatch.pipeline import Pipeline

    with pytest.raises(ValueError, match="scope"):
        Pipeline(resources, components=[], scope="military")


def test_the_screen_reads_the_sites_it_is_given():
    """A site the configuration watches is a cue for that screen only: no process-wide word list."""
    text = "Nothing has moved at the Qwertyville Logistics Point this week."
    mine = Screen(Lexicons.packaged(), [*load_sites(), Site(id="qw", name="Qwertyville Logistics Point",
                                                           kind="base", lat=1.0, lon=2.0)])
    assert mine(analysis(text)) == [0]
    assert SCREEN(analysis(text)) == []


def test_every_report_written_for_the_benches_is_on_topic():
    """The force-posture and attribution cases (bench/data, written for forcewatch) are all military
    reports: the screen must let each one through, or its events are silently lost."""
    import json

    import yaml

    data = Path(__file__).resolve().parents[2] / "bench" / "data"
    texts = [c["text"] for c in yaml.safe_load((data / "force_posture_cases.yaml").read_text("utf-8"))]
    for path in sorted(data.glob("attribution_*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line.strip()]
    assert len(texts) > 100
    missed = [t for t in texts if not cues(t, split_sentences(t)).on_topic()]
    assert not missed, missed


def test_a_joint_exercise_and_a_sentence_naming_the_exercise_again_are_parsed():
    text = ("Two armies will hold a joint exercise near the border in March. "
            "The exercise, due to start next week, will last a month. Ticket prices rose.")
    assert screen(analysis(text)) == [0, 1]

"""One act, one event: mentions of the same act in one report are linked (resolve/acts.py)."""

from __future__ import annotations

from datetime import date

from forcewatch.records import Document


def _events(pipeline, text):
    return pipeline(Document(id="t", text=text, published=date(2024, 12, 11))).events


def test_the_headline_and_the_body_state_one_withdrawal(pipeline):
    text = ("Russian troops leave Syrian base\n\n"
            "Russian troops withdrew from the base near Palmyra on Sunday, pulling out their last tanks.")
    headline, body = _events(pipeline, text)
    assert headline.duplicate_of is None and body.duplicate_of == headline.id


def test_different_places_or_modes_are_different_acts(pipeline):
    text = ("Russian troops withdrew from the base near Palmyra on Sunday. "
            "Russian troops withdrew from the port of Tartus on Sunday. "
            "Russian troops will not withdraw from Latakia.")
    assert [e.duplicate_of for e in _events(pipeline, text)] == [None, None, None]


def test_posture_counts_an_act_once():
    from forcewatch.fuse.posture import detect
    from forcewatch.records import Credibility, Event, Place, Site, TimeSpan

    site = Site(id="s", name="Base", kind="base", lat=35.0, lon=36.0, radius_km=5.0)
    place = Place("Base", 35.0, 36.0, "base", "site", 2.0)
    first = Event(id="a", doc_id="d", type="RETREAT", subtype="withdraw", trigger="withdrew", trigger_span=(0, 8),
                  sentence="x", span=(0, 1), location=place, time=TimeSpan(date(2024, 12, 1), date(2024, 12, 1)),
                  credibility=Credibility("B", 3))
    again = Event(**{**first.__dict__, "id": "b", "duplicate_of": "a"})
    assert not detect([first, again], [site])  # one probably-true withdrawal is below the threshold
    assert detect([first, Event(**{**first.__dict__, "id": "c", "doc_id": "e"})], [site])


def test_a_definite_restatement_is_its_own_mention_linked_to_the_first(pipeline):
    """"The withdrawal" said again with a new source and date keeps its evidence, linked, not dropped."""
    text = ("Britain completes its withdrawal from Oman\n\n"
            "On Monday the ministry in London announced that the withdrawal of British troops from Oman is complete.")
    events = [e for e in _events(pipeline, text) if e.subtype == "withdraw"]
    assert len(events) == 2
    headline, body = sorted(events, key=lambda e: e.trigger_span)
    assert body.duplicate_of == headline.id and body.source is not None

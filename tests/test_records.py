from datetime import date, datetime

from forcewatch.records import (
    Actor, Credibility, Document, Equipment, Event, Place, Position, Source, TimeSpan, Track, content_id,
)


def make_event() -> Event:
    return Event(
        id="e1", doc_id="d1", type="MOBILIZE", subtype="anchor", trigger="anchored", trigger_span=(40, 48),
        sentence="Two frigates anchored off the port.", span=(27, 62),
        actor=Actor("Russia", "RUS"),
        equipment=[Equipment("frigate", "ship", 2, "exact", "frigates", (31, 39))],
        location=Place("Tartus", 34.89, 35.87, "city", "city", 10.0, "SY", 173482, "the port", (53, 61)),
        time=TimeSpan(date(2024, 12, 9), date(2024, 12, 9), "day", "December 9", (0, 10)),
        source=Source("imagery", "Planet Labs", reliability="B", text="Satellite images", span=(0, 16)),
        credibility=Credibility("B", 2, "B: Planet Labs is graded B. 2 (probably true): seen by the source itself."),
    )


def test_event_round_trips_through_plain_json():
    event = make_event()
    data = event.to_dict()
    assert data["time"]["start"] == "2024-12-09"
    assert data["equipment"][0] == {
        "name": "frigate", "category": "ship", "count": 2, "count_qualifier": "exact",
        "text": "frigates", "span": [31, 39], "operator": None,
    }
    back = Event.from_dict(data)
    assert back == Event.from_dict(back.to_dict())
    assert back.time.start == date(2024, 12, 9)
    assert back.location.span == (53, 61)
    assert back.equipment[0].span == (31, 39)
    assert isinstance(back.source, Source) and back.source.name == "Planet Labs"
    assert back == event


def test_credibility_is_written_with_its_code_and_read_without_it():
    grade = Credibility("B", 2, "seen by the source itself")
    assert grade.code == "B2"
    data = make_event().to_dict()
    assert data["credibility"] == {"reliability": "B", "information": 2, "code": "B2",
                                   "basis": "B: Planet Labs is graded B. 2 (probably true): seen by the source itself."}
    assert "credibility_basis" not in data
    assert Credibility.from_dict({**grade.to_dict(), "code": "F6"}) == grade  # the code is derived
    assert Event.from_dict({**data, "credibility": None}).credibility is None


def test_events_stored_with_a_code_and_basis_are_read_as_credibility():
    """Databases keep records written when the grade was a string and its reason a second field."""
    new = make_event()
    old = {**new.to_dict(), "credibility": "B2", "credibility_basis": new.credibility.basis}
    assert Event.from_dict(old) == new
    assert Event.upgrade(old) == new.to_dict() and "credibility_basis" in old  # a copy, the input untouched
    ungraded = {**old, "credibility": None, "credibility_basis": None}
    assert Event.from_dict(ungraded).credibility is None and "credibility_basis" not in Event.upgrade(ungraded)
    current = new.to_dict()
    assert Event.upgrade(current) is current


def test_credibility_codes_split_into_letter_and_digit():
    assert Credibility.split("B2") == ("B", 2) and Credibility.split("B") == ("B", None)
    assert Credibility.parse("C3", "why") == Credibility("C", 3, "why")
    assert Credibility.parse("C") == Credibility("C", 6)  # no digit: truth cannot be judged


def test_fusion_replaces_its_note_and_keeps_the_letter():
    graded = Credibility("D", 3, "D: relayed. 3 (possibly true): reported")
    once = graded.fused(1, "corroborated by 2")
    assert once == Credibility("D", 1, "D: relayed. 3 (possibly true): reported; fusion: corroborated by 2")
    assert once.fused(5, "contradicted by 1") == Credibility(
        "D", 5, "D: relayed. 3 (possibly true): reported; fusion: contradicted by 1")
    assert Credibility("B", 2).fused(1, "corroborated by 1") == Credibility("B", 1, "fusion: corroborated by 1")


def test_track_positions_keep_datetimes():
    track = Track("t1", "vessel", "273000001", positions=[Position(datetime(2024, 12, 9, 6, 0), 34.9, 35.8, speed_kn=0.1)])
    back = Track.from_dict(track.to_dict())
    assert back.positions[0].t == datetime(2024, 12, 9, 6, 0)
    assert back.positions[0].speed_kn == 0.1


def test_ids_depend_on_content_only():
    assert Document.make_id("Some report.\n") == Document.make_id("Some report.")
    assert Document.make_id("Some report.") != Document.make_id("Another report.")
    assert Event.make_id("d", (1, 5), "RETREAT", "withdraw") == Event.make_id("d", (1, 5), "RETREAT", "withdraw")
    assert Event.make_id("d", (1, 5), "RETREAT", "withdraw") != Event.make_id("d", (1, 6), "RETREAT", "withdraw")
    assert len(content_id("x")) == 16

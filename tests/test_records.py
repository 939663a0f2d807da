from datetime import date, datetime

from forcewatch.records import (
    Actor, Document, Equipment, Event, Place, Position, Source, TimeSpan, Track, content_id,
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
        credibility="B2",
    )


def test_event_round_trips_through_plain_json():
    event = make_event()
    data = event.to_dict()
    assert data["time"]["start"] == "2024-12-09"
    assert data["equipment"][0] == {
        "name": "frigate", "category": "ship", "count": 2, "count_qualifier": "exact",
        "text": "frigates", "span": [31, 39],
    }
    back = Event.from_dict(data)
    assert back == Event.from_dict(back.to_dict())
    assert back.time.start == date(2024, 12, 9)
    assert back.location.span == (53, 61)
    assert back.equipment[0].span == (31, 39)
    assert isinstance(back.source, Source) and back.source.name == "Planet Labs"


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

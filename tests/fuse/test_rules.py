"""Standing rules over stored events: what must fire does, what must not (a routine shuttle) does not,
and evaluating the same events again raises nothing new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forcewatch.fuse.rules import Rule, RuleError, builtin_rules, evaluate
from forcewatch.gazetteer.sites import load_sites
from forcewatch.records import Credibility, Document, Equipment, Event, Place, Position, Source, TimeSpan, Track
from forcewatch.sensors import read_feed
from forcewatch.sensors.registry import Registry
from forcewatch.store import Store

DEMO = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo" / "feeds"
SITES = load_sites()
HMEIMIM = next(s for s in SITES if s.id == "hmeimim")

WITHDRAWAL = Rule.parse({
    "name": "transports-left-hmeimim", "severity": "high", "predicate": "count", "where": "hmeimim",
    "subtype": "depart", "category": "aircraft", "military": True, "min_count": 3, "window": "24h",
    "net_of": ["arrive"], "baseline_days": 7,
})


def sensor_event(n: int, subtype: str, at: datetime, track: str, gear: str = "Il-76", place: Place | None = None,
                 trigger: str | None = None, end: datetime | None = None) -> Event:
    place = place or Place(HMEIMIM.name, HMEIMIM.lat, HMEIMIM.lon, "airfield", "site", HMEIMIM.radius_km)
    return Event(
        id=f"s{n}", doc_id="feed", type="MOBILIZE", subtype=subtype, trigger=trigger or subtype, trigger_span=(0, 4),
        sentence=f"Aircraft {track} {subtype} at {place.name}.", span=(0, 4), location=place,
        equipment=[Equipment(gear, "aircraft", 1)],
        time=TimeSpan(at.date(), (end or at).date(), start_time=at, end_time=end or at),
        source=Source("sensor", name="ADS-B"), credibility=Credibility("B", 2), track_id=track,
    )


def store_with(events: list[Event], military: dict[str, bool]) -> Store:
    store = Store(":memory:")
    t0 = datetime(2024, 12, 1, tzinfo=UTC)
    store.add_tracks([Track(tid, "aircraft", tid, military=flag, positions=[Position(t0, 35.4, 35.9)])
                      for tid, flag in military.items()])
    store.add_document(Document("feed", "sensor feed"), events)
    return store


def test_three_military_departures_in_a_day_fire_once_and_not_again():
    t = datetime(2024, 12, 14, 6, tzinfo=UTC)
    events = [sensor_event(i, "depart", t + timedelta(hours=2 * i), f"t{i}") for i in range(3)]
    store = store_with(events, {"t0": True, "t1": True, "t2": True})
    alerts = evaluate([WITHDRAWAL], events, SITES, store)
    assert [a.rule for a in alerts] == ["transports-left-hmeimim"]
    assert sorted(alerts[0].event_ids) == ["s0", "s1", "s2"]
    assert alerts[0].evidence[0]["doc_id"] == "feed" and alerts[0].evidence[0]["text"].startswith("Aircraft t0")
    store.add_alerts(alerts)
    assert evaluate([WITHDRAWAL], events, SITES, store) == []  # the same events: counted once


def test_civil_or_two_departures_do_not_fire():
    t = datetime(2024, 12, 14, 6, tzinfo=UTC)
    events = [sensor_event(i, "depart", t + timedelta(hours=i), f"t{i}") for i in range(3)]
    assert evaluate([WITHDRAWAL], events, SITES, store_with(events, {"t0": True, "t1": True, "t2": False})) == []


def test_routine_daily_shuttle_is_not_a_withdrawal():
    """Three transports land and leave every day for a week: as many departures in a day as the
    withdrawal rule asks for, but each comes back, and it is the site's routine."""
    events, n = [], 0
    for day in range(7):
        for k in range(3):
            land = datetime(2024, 12, 8 + day, 8 + k, tzinfo=UTC)
            events += [sensor_event(n, "arrive", land, f"t{k}"), sensor_event(n + 1, "depart", land + timedelta(hours=3), f"t{k}")]
            n += 2
    store = store_with(events, {"t0": True, "t1": True, "t2": True})
    assert evaluate([WITHDRAWAL], events, SITES, store) == []
    # Net of returns alone it would not fire either; on the baseline alone neither (departures only seen):
    departures = [e for e in events if e.subtype == "depart"]
    only_out = store_with(departures, {"t0": True, "t1": True, "t2": True})
    fired = evaluate([WITHDRAWAL], departures, SITES, only_out)
    assert len(fired) == 1 and fired[0].start.day == 8  # the first day had no routine to compare with
    # ...and the withdrawal that does come, three more leaving on one day without return, fires.
    out = [sensor_event(900 + k, "depart", datetime(2024, 12, 15, 1 + k, tzinfo=UTC), f"t{k}") for k in range(3)]
    store.add_document(Document("feed2", "more"), out)
    # the routine is out-and-back (net 0 a day): three departures undone by no arrival exceed it
    fired = evaluate([WITHDRAWAL], out, SITES, store)
    assert len(fired) == 1 and {"s900", "s901", "s902"} <= set(fired[0].event_ids)
    assert "net of 3 arrive" in fired[0].title


def test_demo_shuttle_raises_no_withdrawal_and_no_posture_change():
    registry = Registry.default([DEMO / "aircraft-registry.csv"], [DEMO / "vessel-registry.csv"])
    feed = read_feed(DEMO / "hmeimim-2024-12-09_14.sbs", registry=registry, sites=SITES)
    store = Store(":memory:")
    store.add_tracks(feed.tracks)
    store.add_document(feed.document, feed.events)
    shuttle = Rule.parse({"name": "w", "predicate": "count", "where": "hmeimim", "subtype": "depart",
                          "equipment": "Il-76", "military": True, "min_count": 2, "window": "24h", "net_of": "arrive"})
    one_off = Rule.parse({"name": "ruslan", "predicate": "count", "where": "hmeimim", "subtype": "depart",
                          "equipment": "An-124", "military": True, "min_count": 1, "net_of": "arrive"})
    alerts = evaluate([shuttle, one_off, *builtin_rules()], feed.events, SITES, store)
    # the Il-76 lands and leaves every day: no alert; the An-124 leaves once and does not come back
    assert [a.rule for a in alerts if a.rule in ("w", "ruslan", "posture-withdrawal")] == ["ruslan"]


def test_dark_period_near_tartus_fires_and_a_short_one_does_not():
    registry = Registry.default([DEMO / "aircraft-registry.csv"], [DEMO / "vessel-registry.csv"])
    feed = read_feed(DEMO / "tartus-2024-12-09_14.nmea", registry=registry, sites=SITES)
    store = Store(":memory:")
    store.add_tracks(feed.tracks)
    store.add_document(feed.document, feed.events)
    near = {"lat": 34.8915, "lon": 35.873, "radius_km": 25}
    dark = Rule.parse({"name": "dark-tartus", "predicate": "dark", "where": near, "min_dark": "6h"})
    long_only = Rule.parse({"name": "dark-long", "predicate": "dark", "where": near, "min_dark": "9h"})
    fired = evaluate([dark, long_only], feed.events, SITES, store)
    assert {a.rule for a in fired} == {"dark-tartus"}
    assert len(fired) == 6 and all("went dark" in a.title and a.evidence[0]["text"].startswith("Vessel 273219770") for a in fired)


def test_new_type_at_a_watched_site():
    t = datetime(2024, 12, 10, 8, tzinfo=UTC)
    old = [sensor_event(i, "arrive", t + timedelta(days=i), "t1") for i in range(3)]
    new = sensor_event(50, "arrive", t + timedelta(days=4), "t9", gear="An-124 Ruslan")
    store = store_with(old + [new], {"t1": True, "t9": True})
    rule = Rule.parse({"name": "new-type", "predicate": "new_type", "where": "hmeimim", "category": "aircraft"})
    fired = evaluate([rule], old + [new], SITES, store)
    assert [(a.key, a.event_ids) for a in fired] == [("hmeimim:An-124 Ruslan", ["s50"])]


def late_fix(store: Store, at: datetime, track: str = "late") -> datetime:
    """Sensor time moved to ``at``: a track whose last fix is then; returns sensor time before."""
    before = store.sensor_clock()
    store.add_tracks([Track(f"{track}-{at:%d%H}", "aircraft", track, positions=[Position(at, 35.4, 35.9)])])
    return before


def test_claim_without_track_support_is_judged_when_its_window_closes():
    day = datetime(2024, 12, 14, 7, tzinfo=UTC)
    seen = sensor_event(1, "presence", day + timedelta(hours=1), "t1")  # the sensors watched the site that day
    claim = Event(id="c1", doc_id="report", type="MOBILIZE", subtype="withdraw", trigger="withdrew",
                  trigger_span=(0, 8), sentence="Russia withdrew its Il-76 from Hmeimim.", span=(0, 39),
                  equipment=[Equipment("Il-76", "aircraft", 1)],
                  location=Place(HMEIMIM.name, HMEIMIM.lat, HMEIMIM.lon, "airfield", "site", 3.0),
                  time=TimeSpan(day.date(), day.date()), source=Source("anonymous", anonymous=True))
    rule = Rule.parse({"name": "unsupported", "predicate": "claim_without_track_support", "subtype": "withdraw"})
    store = store_with([seen], {"t1": True})
    late_fix(store, day + timedelta(hours=12))
    store.add_document(Document("report", claim.sentence), [claim])
    assert evaluate([rule], [claim], SITES, store) == []  # sensor time is in the claim's day: not judged yet
    since = late_fix(store, day + timedelta(days=1, hours=16))  # the day after: still inside its window
    assert evaluate([rule], [], SITES, store, sensor_since=since) == []
    since = late_fix(store, day + timedelta(days=2))  # past the day after: judged now, once
    fired = evaluate([rule], [], SITES, store, sensor_since=since)
    assert [(a.rule, a.event_ids) for a in fired] == [("unsupported", ["c1"])]
    assert store.add_alerts(fired) == fired
    since = late_fix(store, day + timedelta(days=3))
    assert evaluate([rule], [], SITES, store, sensor_since=since) == []  # judged already
    assert store.add_alerts(evaluate([rule], [claim], SITES, store)) == []  # the report again: no new alert


def test_claims_against_tracks():
    t = datetime(2024, 12, 14, 7, tzinfo=UTC)
    track = sensor_event(1, "presence", t, "t1")
    claim = Event(id="c1", doc_id="report", type="MOBILIZE", subtype="depart", trigger="left", trigger_span=(0, 4),
                  sentence="Two Il-76 left Hmeimim.", span=(0, 23), equipment=[Equipment("Il-76", "aircraft", 2)],
                  location=Place(HMEIMIM.name, HMEIMIM.lat, HMEIMIM.lon, "airfield", "site", 3.0),
                  time=TimeSpan(t.date(), t.date()), source=Source("anonymous", anonymous=True))
    denial = Event(**{**claim.__dict__, "id": "c2", "modality": "negated", "contradicted_by": ["s1"]})
    store = store_with([track], {"t1": True})
    late_fix(store, t + timedelta(days=2))  # sensor time past the claim's window: it is judged
    store.add_document(Document("report", "Two Il-76 left Hmeimim."), [claim, denial])
    rules = [Rule.parse({"name": "unsupported", "predicate": "claim_without_track_support"}),
             Rule.parse({"name": "contradicted", "predicate": "claim_contradicted_by_track"})]
    fired = {a.rule: a for a in evaluate(rules, [claim, denial], SITES, store)}
    assert fired["unsupported"].event_ids == ["c1"]
    assert set(fired["contradicted"].event_ids) == {"c2", "s1"}


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "predicate": "often"}, "predicate 'often' is not one of"),
    ({"name": "x", "window": "soon"}, "x: window: 'soon' is not a duration"),
    ({"name": "x", "where": {"lat": 95, "lon": 0, "radius_km": 5}}, "out of range"),
    ({"name": "x", "colour": "red"}, "unknown key(s) colour"),
    ({"name": "has space"}, "name must be a word"),
])
def test_bad_rules_are_one_line_errors(data, message):
    with pytest.raises(RuleError) as exc:
        Rule.parse(data, "watch.yaml: rules[0]")
    assert message in str(exc.value) and "\n" not in str(exc.value)

"""A scripted day around Hmeimim and Tartus comes out as the right events on the timeline."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from forcewatch.gazetteer.sites import load_sites
from forcewatch.records import Site
from forcewatch.sensors import read_feed
from forcewatch.sensors.activity import ActivityParams, FeedContext, detect_events
from forcewatch.sensors.registry import Registry
from forcewatch.sensors.tracks import TrackBuilder

REPO = Path(__file__).resolve().parents[2]
DAY = date(2024, 12, 14)  # a Saturday


def _scenario():
    spec = importlib.util.spec_from_file_location("make_demo_feeds", REPO / "bench" / "make_demo_feeds.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


scenario = _scenario()


def at(hh: int, mm: int) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    d = tmp_path_factory.mktemp("reg")
    (d / "a.csv").write_text(scenario.AIRCRAFT_REGISTRY_CSV)
    (d / "v.csv").write_text(scenario.VESSEL_REGISTRY_CSV)
    return Registry.default([d / "a.csv"], [d / "v.csv"])


@pytest.fixture(scope="module")
def air(tmp_path_factory, registry):
    path = tmp_path_factory.mktemp("feeds") / "hmeimim.sbs"
    lines = scenario.sbs_day(DAY)
    lines[10:10] = ["MSG,3,1,1,NOTHEX,1,2024/12/14,00:10:00.000,,,,,,,,,,,0,0,0,0", "###", "MSG,3"]
    path.write_text("\n".join(lines) + "\n")
    return read_feed(path, registry=registry, sites=load_sites())


@pytest.fixture(scope="module")
def sea(tmp_path_factory, registry):
    path = tmp_path_factory.mktemp("feeds") / "tartus.nmea"
    lines = scenario.nmea_day(DAY)
    lines[50:50] = ["!AIVDM,1,1,,A,1P00,0*00", "\\broken tag block !AIVDM", "!AIVDM,2,2,7,A,0000,2*00"]
    path.write_text("\n".join(lines) + "\n")
    return read_feed(path, registry=registry, sites=load_sites())


def of(result, subtype, ident):
    return [e for e in result.events if e.subtype == subtype and any(
        t.id == e.track_id and t.ident == ident for t in result.tracks)]


def near(dt: datetime, target: datetime, minutes: float = 3) -> bool:
    return abs((dt - target).total_seconds()) <= minutes * 60


def test_an124_takes_off_from_hmeimim_heading_sw(air):
    (dep,) = of(air, "depart", "15a0b1")
    assert dep.location.name == "Hmeimim Air Base" and dep.origin.name == "Hmeimim Air Base"
    assert near(dep.time.start_time, at(7, 40)) and dep.time.start == DAY
    assert dep.equipment[0].name == "An-124 Ruslan" and dep.equipment[0].category == "aircraft"
    assert "heading SW" in dep.sentence and "RA-82041" in dep.sentence
    assert dep.source.kind == "sensor" and dep.source.name == "ADS-B" and dep.type == "MOBILIZE"
    (on_ground,) = of(air, "presence", "15a0b1")
    assert on_ground.time.end_time <= dep.time.start_time
    assert not of(air, "arrive", "15a0b1")  # it never landed in view


def test_il76_lands_and_leaves(air):
    (arr,) = of(air, "arrive", "154c2d")
    (dep,) = of(air, "depart", "154c2d")
    assert near(arr.time.start_time, at(10, 41)) and near(dep.time.start_time, at(13, 31))
    assert arr.destination.name == "Hmeimim Air Base"
    (stay,) = of(air, "presence", "154c2d")
    assert "on the ground" in stay.sentence


def test_overflight_is_not_an_event(air):
    assert not [e for e in air.events if any(t.id == e.track_id and t.ident == "4bb123" for t in air.tracks)]
    assert air.stats["bad:hex"] == 1 and air.stats["bad:short_line"] == 2


def test_three_ships_anchor_13_km_nw_of_tartus(sea):
    anchored = [e for e in sea.events if e.subtype == "anchor" and e.location.kind == "relative"]
    assert len(anchored) == 3
    for e in anchored:
        assert e.location.anchor == "Tartus naval facility"
        assert 12 <= e.location.distance_km <= 14 and e.location.name.startswith("13 km NW of Tartus")
        assert e.equipment[0].category == "ship" and e.source.name == "AIS"
        assert (e.time.end_time - e.time.start_time).total_seconds() >= 3 * 3600
    (frigate,) = of(sea, "anchor", "273456780")[:1]
    assert near(frigate.time.start_time, at(3, 0), 5) and near(frigate.time.end_time, at(14, 0), 5)
    assert frigate.sentence.startswith("Vessel 273456780 (ADMIRAL GRIGOROVICH, frigate")
    assert "anchored 13 km NW of Tartus naval facility from 2024-12-14 03:0" in frigate.sentence
    assert frigate.equipment[0].name == "frigate"
    assert frigate.actor.country == "RUS"


def test_frigate_leaves_and_returns_to_port(sea):
    (dep,) = of(sea, "depart", "273456780")
    (arr,) = of(sea, "arrive", "273456780")
    assert near(dep.time.start_time, at(2, 8), 5) and near(arr.time.start_time, at(14, 45), 5)
    assert dep.location.name == arr.location.name == "Tartus naval facility"
    visits = of(sea, "presence", "273456780")
    assert len(visits) == 2
    moored = [e for e in of(sea, "anchor", "273456780") if e.trigger == "moored"]
    assert len(moored) == 1 and moored[0].location.name == "Tartus naval facility"


def test_dark_period_near_tartus(sea):
    (dark,) = [e for e in sea.events if e.trigger == "went dark"]
    assert any(t.ident == "273219770" and t.id == dark.track_id for t in sea.tracks)
    assert (dark.time.end_time - dark.time.start_time).total_seconds() >= 6 * 3600
    assert "near Tartus naval facility" in dark.sentence


def test_transiting_tanker_gives_nothing(sea):
    assert not [e for e in sea.events if any(t.id == e.track_id and t.ident == "636019825" for t in sea.tracks)]


def test_every_event_keeps_its_provenance(air, sea):
    for res in (air, sea):
        summary = res.document.text
        assert res.document.media_type in ("ais", "adsb")
        assert summary.startswith(("AIS feed tartus.nmea: 4 vessels", "ADS-B feed hmeimim.sbs: 3 aircraft"))
        ids = [e.id for e in res.events]
        assert len(ids) == len(set(ids))
        for e in res.events:
            assert e.doc_id == res.document.id and e.span == (0, len(summary)) == e.trigger_span
            assert e.track_id in {t.id for t in res.tracks} and e.modality == "asserted"
            assert e.time.start <= e.time.end and e.location.lat is not None
    assert sea.stats["bad:checksum"] == 2 and sea.stats["bad:tag_block"] == 1


def test_thresholds_are_parameters_and_user_sites_count(registry):
    b = TrackBuilder("vessel", doc_id="x")
    t0 = datetime(2024, 12, 14, tzinfo=timezone.utc).timestamp()
    for k in range(0, 2 * 3600 + 1, 180):  # stopped for 2 h only
        b.add("273000001", t0 + k, 35.20, 35.50, speed=0.0)
    tracks = b.build()
    ctx = FeedContext("x", "AIS feed x: 1 vessels, 41 messages", "AIS", registry)
    assert not [e for e in detect_events(tracks, [], ctx) if e.subtype == "anchor"]
    (e,) = [e for e in detect_events(tracks, [], ctx, ActivityParams(stop_min_s=3600)) if e.subtype == "anchor"]
    assert e.location.name == "35.2000N 35.5000E" and e.location.precision == "site"
    box = Site(id="box", name="Test anchorage", kind="anchorage", lat=35.2, lon=35.5,
               polygon=[(35.1, 35.4), (35.3, 35.4), (35.3, 35.6), (35.1, 35.6)])
    got = detect_events(tracks, [box], ctx, ActivityParams(stop_min_s=3600))
    assert {e.subtype for e in got} == {"anchor", "presence"}
    assert all(e.location.name == "Test anchorage" for e in got)
    assert load_sites()  # the packaged sites load


def test_loitering_and_take_off_below_the_horizon(registry):
    t0 = datetime(2024, 12, 14, tzinfo=timezone.utc).timestamp()
    ctx = FeedContext("x", "feed summary", "AIS", registry)
    sites = load_sites()
    b = TrackBuilder("vessel", doc_id="x")
    for k in range(0, 4 * 3600 + 1, 120):  # 1.2 kn, drifting back and forth within ~2 km
        lat = 34.99 + 0.01 * ((k // 3600) % 2) + 0.0001 * (k % 3600) / 120
        b.add("273000002", t0 + k, lat, 35.70, speed=1.2)
    (loiter,) = detect_events(b.build(), sites, ctx, raw=b.raw)
    assert loiter.subtype == "presence" and loiter.trigger == "loitered"
    assert loiter.location.kind == "relative" and loiter.location.anchor == "Tartus naval facility"
    # A track first heard at 3000 ft 5 km from Hmeimim and climbing: a take-off the receiver did not see.
    a = TrackBuilder("aircraft", doc_id="y")
    for k, (dlat, alt) in enumerate([(0.05, 3000), (0.10, 6000), (0.20, 11000), (0.40, 20000)]):
        a.add("15a0b1", t0 + 60 * k, 35.4011 - dlat, 35.9487, alt=alt, speed=250)
    (dep,) = detect_events(a.build(), sites, FeedContext("y", "s", "ADS-B", registry))
    assert dep.subtype == "depart" and "first heard climbing through 3,000 ft" in dep.sentence


def test_aircraft_orbit_near_a_site_but_not_a_straight_flight(registry):
    import math

    t0 = datetime(2024, 12, 14, tzinfo=timezone.utc).timestamp()
    ctx = FeedContext("z", "s", "ADS-B", registry)
    sites = load_sites()
    b = TrackBuilder("aircraft", doc_id="z")
    for k in range(0, 90 * 60, 20):  # a 15 km racetrack 40 km west of Tartus for 90 min, FL240
        ang = 2 * math.pi * k / 1200
        b.add("43c123", t0 + k, 34.90 + 0.13 * math.sin(ang), 35.43 + 0.16 * math.cos(ang), alt=24000, speed=300)
    for k in range(0, 90 * 60, 20):  # a straight transit past Tartus at 450 kn
        b.add("4bb999", t0 + k, 34.0 + 0.0021 * k / 20 * 1.0, 35.60, alt=35000, speed=450)
    tracks = [registry.enrich(t) for t in b.build()]
    (orbit,) = detect_events(tracks, sites, ctx, raw=b.raw)
    assert orbit.trigger == "orbited" and orbit.location.anchor == "Tartus naval facility"
    assert (orbit.time.end_time - orbit.time.start_time).total_seconds() >= 80 * 60
    assert "military" in orbit.sentence  # 43c123: in the UK military address block


def test_csv_and_aiscatcher_feeds_give_the_same_anchoring(tmp_path, registry):
    import json

    t0 = datetime(2024, 12, 14, tzinfo=timezone.utc)
    lat, lon = scenario.anchor_points()[0]
    steps = range(0, 4 * 3600 + 1, 180)
    csv_path = tmp_path / "ais.csv"
    csv_path.write_text("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status\n" + "".join(
        f"273456780,{datetime.fromtimestamp(t0.timestamp() + k, timezone.utc):%Y-%m-%dT%H:%M:%S},{lat:.5f},{lon:.5f},"
        f"0.0,0,511,ADMIRAL GRIGOROVICH,,,35,1\n" for k in steps))
    js_path = tmp_path / "aiscatcher.json"
    js_path.write_text("".join(json.dumps({
        "class": "AIS", "rxuxtime": t0.timestamp() + k, "type": 1, "mmsi": 273456780, "status": 1, "speed": 0.0,
        "lat": round(lat, 5), "lon": round(lon, 5), "course": 0, "heading": 511}) + "\n" for k in steps))
    got = []
    for path in (csv_path, js_path):
        res = read_feed(path, registry=registry, sites=load_sites())
        (e,) = [e for e in res.events if e.subtype == "anchor"]
        got.append((res.format, e.location.name, e.time.start_time, e.time.end_time, e.equipment[0].name))
    assert got[0][0] == "ais-csv" and got[1][0] == "ais-catcher"
    assert got[0][1:] == got[1][1:] == ("13 km NW of Tartus naval facility", t0, at(4, 0), "frigate")

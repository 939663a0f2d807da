"""The sensors stage end to end: a decoded feed becomes a document, tracks and events; garbage never crashes it."""

from __future__ import annotations

import gzip
import json

import pytest

from forcewatch.gazetteer.sites import load_sites
from forcewatch.ingest.feeds import decode_feed
from forcewatch.sensors import FeedResult, process_feed, read_feed
from forcewatch.sensors.registry import Registry

SBS = [
    "MSG,1,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,RFF7123,,,,,,,,0,0,0,0",
    "MSG,4,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,,,150,177.0,,,1200,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:40:01.500,2024/12/14,07:40:01.500,,1500,,,35.39000,35.94900,,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:41:01.500,2024/12/14,07:41:01.500,,2500,,,35.36000,35.95000,,,0,0,0,0",
    "MSG,3,1,1,ZZZZZZ,1,2024/12/14,07:40:03.000,2024/12/14,07:40:03.000,,1500,,,35.3,35.9,,,0,0,0,0",
]
EVEN = "8D40621D58C382D690C8AC2863A7"


def test_process_feed_is_read_feed_in_two_steps(tmp_path):
    path = tmp_path / "hmeimim.sbs"
    path.write_text("\n".join(SBS) + "\n")
    registry, sites = Registry.default(), load_sites()
    a = read_feed(path, registry=registry, sites=sites)
    b = process_feed(decode_feed(path), registry, sites)
    assert isinstance(a, FeedResult) and a.format == b.format == "sbs"
    assert a.document == b.document and a.document.id == decode_feed(path).doc_id
    assert a.document.text == "ADS-B feed hmeimim.sbs: 1 aircraft, 4 messages" and a.document.media_type == "adsb"
    assert a.document.outlet == "ADS-B" and str(a.document.published) == "2024-12-14"
    assert [t.id for t in a.tracks] == [t.id for t in b.tracks] and [e.id for e in a.events] == [e.id for e in b.events]
    assert a.tracks[0].military is True  # RFF callsign prefix, from the packaged registry data
    assert a.report() == b.report() == f"{path}: sbs, 4 messages, 1 tracks, {len(a.events)} events; 1 bad lines skipped (hex 1)"


def test_registry_and_sites_are_required(tmp_path):
    path = tmp_path / "hmeimim.sbs"
    path.write_text("\n".join(SBS) + "\n")
    with pytest.raises(TypeError):
        read_feed(path)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        read_feed(path, registry=Registry.default())  # type: ignore[call-arg]


def test_trace_new_leg_cuts_the_track(tmp_path):
    trace = {"icao": "15a0b1", "r": "RA-82041", "t": "A124", "dbFlags": 1, "timestamp": 1734134400.0, "trace": [
        [27000.0, 35.405, 35.945, "ground", 0.0, 90.0, 0, None, {"flight": "RFF7123 "}, "adsb_icao"],
        [27600.0, 35.39, 35.949, 1500, 150.0, 177.0, 2, 1200, None, "adsb_icao", 1550, 1216, 140, 0.5, "x", 7],
    ]}
    # readsb writes traces gzip-compressed, often without a .gz suffix.
    path = tmp_path / "trace_full_15a0b1.json"
    path.write_bytes(gzip.compress(json.dumps(trace).encode()))
    res = read_feed(path, registry=Registry.default(), sites=[])
    assert res.format == "readsb-trace"
    # The new-leg flag cuts the track even without a time gap; dbFlags & 1 makes it military.
    assert len(res.tracks) == 2 and res.tracks[0].military is True


@pytest.mark.parametrize("fmt", ["sbs", "aircraft-json", "readsb-trace", "modes-hex", "nmea", "ais-catcher",
                                 "ais-csv"])
def test_garbage_never_crashes_a_reader(tmp_path, fmt):
    import random

    rng = random.Random(fmt)
    alphabet = "0123456789ABCDEFabcdef,.:;*!\\\"{}[]-_ MSGAIVDMmsilatontrace\t\x07é"
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(300)]
    valid = [SBS[2], f"1446332400.0 {EVEN}", "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24",
             "MMSI,BaseDateTime,LAT,LON", '{"now": 1, "aircraft": [{"hex": "abcdef", "lat": 1}]}',
             '{"class":"AIS","type":1,"mmsi":"x","lat":"n"}', '{"icao":"abc","trace":[[1,2]]}']
    for i, v in enumerate(valid * 6):
        lines.insert(i * 7, v)
    path = tmp_path / "fuzz.dat"
    path.write_text("\n".join(lines), encoding="utf-8")
    res = read_feed(path, fmt=fmt, registry=Registry.default(), sites=[])
    assert res.format == fmt and res.stats["lines"] >= 1

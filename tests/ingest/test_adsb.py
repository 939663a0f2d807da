"""ADS-B readers: SBS, aircraft.json, readsb traces, raw Mode S hex (pyModeS CPR), and bad input."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from forcewatch.ingest.adsb import read_aircraft_json, read_modes_hex, read_sbs, read_trace
from forcewatch.ingest.feeds import decode_feed

SBS = [
    "MSG,1,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,RFF7123,,,,,,,,0,0,0,0",
    "MSG,4,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,,,150,177.0,,,1200,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:40:01.500,2024/12/14,07:40:01.500,,1500,,,35.39000,35.94900,,,0,0,0,0",
    "MSG,2,1,1,154C2D,1,2024/12/14,07:40:02.000,2024/12/14,07:40:02.000,,,12,90.0,35.40500,35.94500,,,,,,-1",
    "MSG,3,1,1,ZZZZZZ,1,2024/12/14,07:40:03.000,2024/12/14,07:40:03.000,,1500,,,35.3,35.9,,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/13/45,07:40:03.000,,,,1500,,,35.3,35.9,,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:40:04.000,2024/12/14,07:40:04.000,,abc,,,35.3,35.9,,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:40:05.000,2024/12/14,07:40:05.000,,1600,,,95.3,35.9,,,0,0,0,0",
    "MSG,3,1,1,15A0",
    "random text, that is, not sbs, at all, nor, anything, else, really, 1, 2, 3",
    "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
    "",
]


def test_sbs_positions_carry_speed_track_and_ground():
    stats = Counter()
    out = list(read_sbs(SBS, stats))
    fixes = [m for m in out if m[0] == "F"]
    assert fixes[0] == ("F", "15a0b1", 1734162001.5, 35.39, 35.949, 1500.0, 150.0, 177.0, False, False)
    assert fixes[1] == ("F", "154c2d", 1734162002.0, 35.405, 35.945, None, 12.0, 90.0, True, False)
    assert ("I", "15a0b1", "RFF7123", None, None, None) in out
    assert len(fixes) == 2
    assert stats["bad:hex"] == 1 and stats["bad:time"] == 1 and stats["bad:altitude"] == 1
    assert stats["bad:position_range"] == 1 and stats["bad:short_line"] == 1 and stats["bad:not_sbs"] == 1


def test_aircraft_json_snapshot_with_ground_and_dbflags():
    snap = {"now": 1734162000.0, "messages": 10, "aircraft": [
        {"hex": "15a0b1", "flight": "RFF7123 ", "r": "RA-82041", "t": "A124", "dbFlags": 1, "alt_baro": "ground",
         "gs": 3.1, "track": 90, "lat": 35.405, "lon": 35.945, "seen_pos": 2.0},
        {"hex": "~2d0001", "alt_baro": 12000, "lat": 35.6, "lon": 36.1},  # TIS-B, non-ICAO
        {"hex": "4bb123", "flight": "THY7AB", "alt_baro": 36000},  # no position
        {"hex": "nothex"},
        "not an object",
    ]}
    stats = Counter()
    out = list(read_aircraft_json([json.dumps(snap), "{broken"], stats))
    fixes = [m for m in out if m[0] == "F"]
    assert fixes[0] == ("F", "15a0b1", 1734161998.0, 35.405, 35.945, 0.0, 3.1, 90.0, True, False)
    assert fixes[1][1] == "2d0001" and fixes[1][5] == 12000.0
    assert ("I", "15a0b1", "RFF7123", "A124", "RA-82041", 1) in out
    assert stats["bad:snapshot"] == 1 and stats["bad:aircraft"] == 2


def test_trace_tolerates_extra_elements_and_marks_new_leg(tmp_path):
    trace = {"icao": "15a0b1", "r": "RA-82041", "t": "A124", "dbFlags": 1, "timestamp": 1734134400.0, "trace": [
        [27000.0, 35.405, 35.945, "ground", 0.0, 90.0, 0, None, {"flight": "RFF7123 "}, "adsb_icao"],
        [27600.0, 35.39, 35.949, 1500, 150.0, 177.0, 2, 1200, None, "adsb_icao", 1550, 1216, 140, 0.5, "x", 7],
        [27620.0, "bad", 35.9, 1600, 150.0, 177.0, 0],
        [27640.0, 35.37],
    ]}
    stats = Counter()
    out = list(read_trace(json.dumps(trace), stats))
    fixes = [m for m in out if m[0] == "F"]
    assert [f[2] for f in fixes] == [1734161400.0, 1734162000.0]
    assert fixes[0][8] is True and fixes[0][9] is False
    assert fixes[1][9] is True  # flags & 2: a new leg starts here
    assert ("I", "15a0b1", "RFF7123", None, None, None) in out
    assert stats["bad:trace_entry"] == 2
    # readsb writes traces gzip-compressed, often without a .gz suffix.
    path = tmp_path / "trace_full_15a0b1.json"
    path.write_bytes(gzip.compress(json.dumps(trace).encode()))
    reading = decode_feed(path)
    assert (reading.format, reading.platform, reading.sensor) == ("readsb-trace", "aircraft", "ADS-B")
    assert [m[9] for m in reading.messages if m[0] == "F"] == [False, True]
    assert reading.stats["bad:trace_entry"] == 2


# Known DF17 airborne position pair (pyModeS documentation): even then odd frame of 40621D.
EVEN, ODD = "8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6"


def test_modes_hex_resolves_cpr_pair_and_skips_bad_lines():
    lines = [
        f"1446332400.0 {EVEN}",
        f"1446332405000,*{ODD};",  # milliseconds, AVR framing
        "8D4840D6202CC371C32CE0576098 1446332406.5",  # identification (callsign), time after
        "1446332407 8D40621D58C382D690C8AC2863A8",  # one bit flipped: CRC fails
        "1446332407.5 A0001838CA3E51F0A8000047A36A",  # DF20 Comm-B: address in the parity, not an error
        "1446332408 ZZZZ",
        "8D485020994409940838175B284F",  # no time
        "",
    ]
    stats = Counter()
    out = list(read_modes_hex(lines, stats))
    fixes = [m for m in out if m[0] == "F"]
    assert len(fixes) == 2
    for f in fixes:
        assert f[1] == "40621d"
        assert f[3] == pytest.approx(52.2658, abs=1e-3) and f[4] == pytest.approx(3.9389, abs=1e-3)
        assert f[5] == 38000.0
    assert ("I", "4840d6", "KLM1023", None, None, None) in out
    assert stats["bad:crc"] == 1 and stats["bad:line"] == 1 and stats["bad:no_time"] == 1
    assert stats["messages"] == 4


def test_pretty_printed_and_line_delimited_snapshots(tmp_path):
    snap = {"now": 1734162000.0, "aircraft": [{"hex": "15a0b1", "alt_baro": 3000, "lat": 35.3, "lon": 35.9}]}
    pretty = tmp_path / "aircraft.json"
    pretty.write_text(json.dumps(snap, indent=2))
    lines = tmp_path / "history.jsonl"
    lines.write_text("\n".join(json.dumps({**snap, "now": snap["now"] + 60 * k}) for k in range(5)) + "\n")
    a, b = decode_feed(pretty), decode_feed(lines)
    fixes_a, fixes_b = ([m for m in r.messages if m[0] == "F"] for r in (a, b))
    assert (a.format, a.stats["messages"], len(fixes_a)) == ("aircraft-json", 1, 1)
    assert (b.format, b.stats["messages"], len(fixes_b)) == ("aircraft-json", 5, 5)

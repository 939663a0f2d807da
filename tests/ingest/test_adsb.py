"""ADS-B readers: SBS, aircraft.json, readsb traces, raw Mode S hex (pyModeS CPR), and bad input."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from forcewatch.ingest import InputError
from forcewatch.ingest.adsb import read_aircraft_json, read_modes_hex, read_sbs, read_trace
from forcewatch.ingest.feeds import detect_format, read_feed
from forcewatch.ingest.registry import Registry

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
    assert stats["bad:hex"] == 1 and stats["bad:time"] == 1 and stats["bad:field"] == 1
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
    res = read_feed(path, registry=Registry.default(), sites=[])
    assert res.format == "readsb-trace"
    # The new-leg flag cuts the track even without a time gap.
    assert len(res.tracks) == 2 and res.tracks[0].military is True


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


def test_detect_formats():
    assert detect_format("\n".join(SBS[:4])) == "sbs"
    assert detect_format(f"1446332400.0 {EVEN}\n1446332405.0 {ODD}\n") == "modes-hex"
    assert detect_format(json.dumps({"now": 1, "aircraft": []})) == "aircraft-json"
    assert detect_format(json.dumps({"icao": "abc123", "timestamp": 1, "trace": []})) == "readsb-trace"
    assert detect_format('{"class":"AIS","mmsi":1,"type":1}') == "ais-catcher"
    assert detect_format("!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24") == "nmea"
    assert detect_format("\\s:a,c:1*00\\!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24") == "nmea"
    assert detect_format("MMSI,BaseDateTime,LAT,LON,SOG\n1,2024-01-01T00:00:00,1,2,3") == "ais-csv"
    assert detect_format("Russian transports took off from Hmeimim on Saturday.") is None
    assert detect_format('{"text": "a report", "url": "x"}') is None


def test_unreadable_feed_is_one_line_error(tmp_path):
    with pytest.raises(InputError, match=r"missing\.sbs: cannot read"):
        read_feed(tmp_path / "missing.sbs", fmt="sbs", registry=Registry.default(), sites=[])
    binary = tmp_path / "x.sbs"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match=r"x\.sbs: binary file"):
        read_feed(binary, registry=Registry.default(), sites=[])
    prose = tmp_path / "report.log"
    prose.write_text("nothing to see here\n")
    with pytest.raises(InputError, match=r"report\.log: not a recognised sensor feed"):
        read_feed(prose, registry=Registry.default(), sites=[])
    with pytest.raises(InputError, match=r"unknown feed format"):
        read_feed(prose, fmt="kml", registry=Registry.default(), sites=[])
    corrupt = tmp_path / "trace_full_15a0b1.json"
    corrupt.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(InputError, match=r"trace_full_15a0b1\.json: "):
        read_feed(corrupt, registry=Registry.default(), sites=[])


def test_pretty_printed_and_line_delimited_snapshots(tmp_path):
    snap = {"now": 1734162000.0, "aircraft": [{"hex": "15a0b1", "alt_baro": 3000, "lat": 35.3, "lon": 35.9}]}
    pretty = tmp_path / "aircraft.json"
    pretty.write_text(json.dumps(snap, indent=2))
    lines = tmp_path / "history.jsonl"
    lines.write_text("\n".join(json.dumps({**snap, "now": snap["now"] + 60 * k}) for k in range(5)) + "\n")
    a = read_feed(pretty, registry=Registry.default(), sites=[])
    b = read_feed(lines, registry=Registry.default(), sites=[])
    assert (a.format, a.stats["messages"], len(a.tracks[0].positions)) == ("aircraft-json", 1, 1)
    assert (b.format, b.stats["messages"], len(b.tracks[0].positions)) == ("aircraft-json", 5, 5)


def test_registry_military_rules(tmp_path):
    db = tmp_path / "aircraft.csv"
    db.write_text("hex,reg,icaotype,ownOp,dbFlags\n15a0b1,RA-82041,A124,Russian Air Force,1\n"
                  "4bb123,TC-JHA,B738,Turkish Airlines,0\n")
    reg = Registry.default(aircraft_db=[db])
    assert reg.is_military_aircraft("15a0b1") is True  # registry dbFlags & 1
    assert reg.is_military_aircraft("4bb123") is False
    assert reg.is_military_aircraft("ae1234") is True  # US military hex block
    assert reg.is_military_aircraft("150000", type_code="SU34") is True  # type list
    assert reg.is_military_aircraft("150000", callsign="RFF7000") is True  # callsign prefix
    assert reg.is_military_aircraft("150000", db_flags=1) is True  # feed's dbFlags
    assert reg.is_military_aircraft("150000", type_code="A320", callsign="AFL100") is None
    with pytest.raises(InputError, match="no icao column"):
        bad = tmp_path / "bad.csv"
        bad.write_text("name,value\na,b\n")
        reg.load_aircraft_csv(bad)


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

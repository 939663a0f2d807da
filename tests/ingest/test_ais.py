"""AIS readers: our bit-slicing decoder against pyais, tag-block time, multipart, CSV, AIS-catcher, bad lines."""

from __future__ import annotations

import json
from collections import Counter
from functools import reduce
from operator import xor
from pathlib import Path

import pyais
import pytest
from pyais import encode_dict

from forcewatch.ingest.ais import decode_payload, read_ais_csv, read_aiscatcher, read_nmea

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SAMPLE = SHARED / "eval" / "ais" / "nmea_data_sample.txt"


def tagged(sentence: str, c: int | str) -> str:
    tag = f"s:rx1,c:{c}"
    return f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\{sentence}"


def with_checksum(body: str) -> str:
    return f"!{body}*{reduce(xor, body.encode(), 0):02X}"


def test_position_types_match_pyais():
    cases = [
        {"type": 1, "mmsi": 273456780, "status": 1, "speed": 0.1, "lat": 34.974512, "lon": 35.773301,
         "course": 312.4, "heading": 310},
        {"type": 3, "mmsi": 211234567, "status": 0, "speed": 14.3, "lat": -33.8568, "lon": -151.2153,
         "course": 0.0, "heading": 511},
        {"type": 18, "mmsi": 338123456, "speed": 5.5, "lat": 47.5, "lon": -122.35, "course": 181.1, "heading": 180},
        {"type": 19, "mmsi": 338123457, "speed": 2.2, "lat": 47.51, "lon": -122.36, "course": 90.0, "heading": 91,
         "shipname": "BLUE HERON", "ship_type": 37},
    ]
    for fields in cases:
        sentence = encode_dict(fields, talker_id="AI", sentence_type="VDM")[0]
        ref = pyais.decode(sentence)
        out = list(read_nmea([sentence]))
        pos = out[0]
        assert pos[0] == "P" and pos[1] == str(ref.mmsi)
        assert pos[3] == pytest.approx(ref.lat, abs=1e-6) and pos[4] == pytest.approx(ref.lon, abs=1e-6)
        assert pos[5] == pytest.approx(ref.speed)
        assert pos[6] == pytest.approx(ref.course)
        assert pos[7] == (None if ref.heading == 511 else ref.heading)
        if fields["type"] == 19:
            assert out[1][:4] == ("S", str(ref.mmsi), ref.shipname, int(ref.ship_type))


def test_static_types_match_pyais_multipart():
    five = encode_dict({"type": 5, "mmsi": 273456780, "shipname": "ADMIRAL GRIGOROVICH", "ship_type": 35,
                        "callsign": "RXGA", "imo": 9123456, "destination": "TARTUS"},
                       talker_id="AI", sentence_type="VDM", seq_id=3)
    assert len(five) == 2  # a two-sentence message
    ref = pyais.decode(*five)
    (static,) = list(read_nmea(five))
    assert static == ("S", "273456780", ref.shipname, 35, ref.callsign, "9123456")
    a = encode_dict({"type": 24, "mmsi": 273000001, "partno": 0, "shipname": "PATROL 7"}, talker_id="AI",
                    sentence_type="VDM")
    b = encode_dict({"type": 24, "mmsi": 273000001, "partno": 1, "ship_type": 35, "callsign": "UBC7"},
                    talker_id="AI", sentence_type="VDM")
    assert list(read_nmea(a + b)) == [("S", "273000001", "PATROL 7", None, None, None),
                                      ("S", "273000001", None, 35, "UBC7", None)]


def test_tag_block_seconds_or_milliseconds_and_bad_lines():
    s = encode_dict({"type": 1, "mmsi": 1, "lat": 10.0, "lon": 20.0, "speed": 1.0}, talker_id="AI",
                    sentence_type="VDM")[0]
    broken_checksum = s[:-2] + ("00" if s[-2:] != "00" else "11")
    five = encode_dict({"type": 5, "mmsi": 2, "shipname": "X"}, talker_id="AI", sentence_type="VDM", seq_id=1)
    lines = [
        tagged(s, 1733724600),
        tagged(s, 1733724660123),  # milliseconds
        f"{s},1733724720",  # trailing epoch, as some loggers write
        broken_checksum,
        "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0",  # no checksum
        "garbage line",
        with_checksum("AIVDM,1,1,,A,1%%%%%%%%%%%%%%%%%%%%%%%%%%%,0"),  # outside the 6-bit armour
        with_checksum("AIVDM,1,1,,A,1P00,0"),  # too short for a position report
        five[1],  # second part without the first
        five[0],  # first part, never completed
        "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
        s,  # untimed
    ]
    stats = Counter()
    out = list(read_nmea(lines, stats))
    assert [m[2] for m in out] == [1733724600.0, 1733724660.123, 1733724720.0, None]
    assert stats["bad:checksum"] == 1
    assert stats["bad:not_nmea"] == 3  # no checksum, garbage, a GPS sentence
    assert stats["bad:payload"] == 2
    assert stats["bad:incomplete_multipart"] == 2
    assert stats["messages"] == 4


def test_base_station_clock_times_untagged_feed():
    clock = encode_dict({"type": 4, "mmsi": 2470001, "year": 2024, "month": 12, "day": 9, "hour": 6,
                         "minute": 10, "second": 0, "lat": 34.9, "lon": 35.8}, talker_id="AI",
                        sentence_type="VDM")[0]
    pos = encode_dict({"type": 1, "mmsi": 5, "lat": 34.95, "lon": 35.78}, talker_id="AI", sentence_type="VDM")[0]
    out = list(read_nmea([pos, clock, pos]))
    assert out[0][2] is None
    assert out[1][2] == 1733724600.0  # 2024-12-09T06:10:00Z


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared AIS sample not present")
def test_real_sample_matches_pyais():
    lines = SAMPLE.read_text().splitlines()
    stats = Counter()
    ours = [m for m in read_nmea(lines, stats) if m[0] == "P"]
    ref = []
    for line in lines:
        try:
            msg = pyais.decode(line)
        except Exception:
            continue
        if msg.msg_type in (1, 2, 3, 18, 19):
            ref.append(msg)
    assert len(ours) == len(ref) > 700
    for mine, theirs in zip(ours, ref):
        assert mine[1] == str(theirs.mmsi)
        if theirs.lat is not None and abs(theirs.lat) <= 90 and abs(theirs.lon) <= 180:
            assert mine[3] == pytest.approx(theirs.lat, abs=1e-6)
            assert mine[4] == pytest.approx(theirs.lon, abs=1e-6)
        else:
            assert mine[3] is None
        assert mine[5] == (None if theirs.speed >= 102.3 else pytest.approx(theirs.speed))
    assert stats["bad:empty_payload"] == 100  # the sample's empty sentences are counted, not fatal
    assert stats["bad:incomplete_multipart"] == 20  # it holds first halves of type 5 only


def test_decode_payload_rejects_garbage():
    with pytest.raises(ValueError):
        decode_payload("1" * 10)  # too short for a position report
    with pytest.raises(ValueError):
        decode_payload("1" + "~" * 27)  # outside the 6-bit armour
    assert decode_payload("8" + "0" * 27) is None  # type 8: not used for tracks


def test_csv_both_header_spellings_and_bad_rows():
    head_old = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TranscieverClass"
    head_new = head_old.replace("TranscieverClass", "TransceiverClass")
    rows = [
        "273456780,2024-12-09T06:10:00,34.9745,35.7733,0.1,312.4,511,ADMIRAL GRIGOROVICH,IMO9123456,RXGA,35,at anchor,125,15,5,,A",
        "273456780,2024-12-09T06:13:00,34.9746,35.7734,0.0,311.0,310,ADMIRAL GRIGOROVICH,IMO9123456,RXGA,35,1,125,15,5,,A",
        "notanmmsi,2024-12-09T06:13:00,34.9,35.7,0,0,0,,,,,,,,,,A",
        "273456780,yesterday,34.9,35.7,0,0,0,,,,,,,,,,A",
        "273456780,2024-12-09T06:20:00,134.9,35.7,0,0,0,,,,,,,,,,A",
        "273456780,2024-12-09",
        '273456780,"2024-12-09\x00T06:20:00",34.9,35.7,0,0,0,,,,,,,,,,A',
        '273456780,"' + "x" * 140_000 + '",34.9,35.7,0,0,0,,,,,,,,,,A',  # over csv's field size limit
    ]
    for head in (head_old, head_new):
        stats = Counter()
        out = list(read_ais_csv([head, *rows], stats))
        pos = [m for m in out if m[0] == "P"]
        assert [p[2] for p in pos] == [1733724600.0, 1733724780.0]
        assert pos[0][7] is None and pos[1][7] == 310.0  # heading 511: not available
        assert pos[0][8] == 1 and pos[1][8] == 1
        static = [m for m in out if m[0] == "S"]
        assert static == [("S", "273456780", "ADMIRAL GRIGOROVICH", 35, "RXGA", "9123456")]
        assert stats["bad:row"] == 4 and stats["bad:short_row"] == 1 and stats["bad:csv"] == 1


def test_aiscatcher_json_lines():
    nmea = encode_dict({"type": 1, "mmsi": 273219770, "lat": 34.98, "lon": 35.76, "speed": 0.0},
                       talker_id="AI", sentence_type="VDM")
    lines = [
        json.dumps({"class": "AIS", "device": "AIS-catcher", "rxtime": "20241209061000", "scaled": True,
                    "channel": "A", "type": 1, "mmsi": 273456780, "status": 1, "speed": 0.1, "lon": 35.7733,
                    "lat": 34.9745, "course": 312.4, "heading": 310}),
        json.dumps({"class": "AIS", "rxuxtime": 1733724660, "type": 5, "mmsi": 273456780,
                    "shipname": "ADMIRAL GRIGOROVICH", "shiptype": 35, "callsign": "RXGA", "imo": 9123456}),
        json.dumps({"class": "AIS", "rxuxtime": 1733724700, "nmea": nmea}),
        "{not json",
        "[1, 2]",
    ]
    stats = Counter()
    out = list(read_aiscatcher(lines, stats))
    assert out[0] == ("P", "273456780", 1733724600.0, 34.9745, 35.7733, 0.1, 312.4, 310, 1)
    assert out[1] == ("S", "273456780", "ADMIRAL GRIGOROVICH", 35, "RXGA", "9123456")
    assert out[2][1] == "273219770" and out[2][2] == 1733724700.0
    assert stats["bad:json"] == 2

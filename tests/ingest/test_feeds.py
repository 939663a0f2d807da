"""Feed files: format recognised from content, sniffing, folder splitting, decoding, errors naming the file."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from forcewatch.ingest import InputError
from forcewatch.ingest.feeds import FORMATS, decode_feed, detect_format, sniff, split_paths
from forcewatch.records import content_id

SBS = [
    "MSG,1,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,RFF7123,,,,,,,,0,0,0,0",
    "MSG,4,1,1,15A0B1,1,2024/12/14,07:40:00.000,2024/12/14,07:40:00.000,,,150,177.0,,,1200,,0,0,0,0",
    "MSG,3,1,1,15A0B1,1,2024/12/14,07:40:01.500,2024/12/14,07:40:01.500,,1500,,,35.39000,35.94900,,,0,0,0,0",
    "MSG,2,1,1,154C2D,1,2024/12/14,07:40:02.000,2024/12/14,07:40:02.000,,,12,90.0,35.40500,35.94500,,,,,,-1",
]
# Known DF17 airborne position pair (pyModeS documentation): even then odd frame of 40621D.
EVEN, ODD = "8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6"
NMEA = "!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24"

# One small file per format: (file name, text, platform).
SAMPLES = {
    "sbs": ("hmeimim.sbs", "\n".join(SBS) + "\n", "aircraft"),
    "aircraft-json": ("aircraft.json", json.dumps({"now": 1734162000.0, "aircraft": [
        {"hex": "15a0b1", "alt_baro": 3000, "lat": 35.3, "lon": 35.9}]}, indent=2), "aircraft"),
    "readsb-trace": ("trace_full_15a0b1.json", json.dumps({"icao": "15a0b1", "timestamp": 1734134400.0, "trace": [
        [27000.0, 35.405, 35.945, "ground", 0.0, 90.0, 0, None, None, "adsb_icao"]]}), "aircraft"),
    "modes-hex": ("capture.hex", f"1446332400.0 {EVEN}\n1446332405.0 {ODD}\n", "aircraft"),
    "nmea": ("tartus.nmea", f"\\s:rx1,c:1734162000*03\\{NMEA}\n{NMEA} 1734162060\n", "vessel"),
    "ais-catcher": ("aiscatcher.json", "".join(json.dumps({
        "class": "AIS", "rxuxtime": 1734162000 + 60 * k, "type": 1, "mmsi": 273456780, "status": 1, "speed": 0.0,
        "lat": 34.95, "lon": 35.75, "course": 0, "heading": 511}) + "\n" for k in range(3)), "vessel"),
    "ais-csv": ("marinecadastre.csv", "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,Status\n"
                "273456780,2024-12-14T00:00:00,34.95,35.75,0.0,0,511,ADMIRAL GRIGOROVICH,1\n"
                "273456780,2024-12-14T00:03:00,34.95,35.75,0.1,0,511,ADMIRAL GRIGOROVICH,1\n", "vessel"),
}


def test_detect_formats():
    assert detect_format("\n".join(SBS[:4])) == "sbs"
    assert detect_format(f"1446332400.0 {EVEN}\n1446332405.0 {ODD}\n") == "modes-hex"
    assert detect_format(json.dumps({"now": 1, "aircraft": []})) == "aircraft-json"
    assert detect_format(json.dumps({"icao": "abc123", "timestamp": 1, "trace": []})) == "readsb-trace"
    assert detect_format('{"class":"AIS","mmsi":1,"type":1}') == "ais-catcher"
    assert detect_format(NMEA) == "nmea"
    assert detect_format(f"\\s:a,c:1*00\\{NMEA}") == "nmea"
    assert detect_format("MMSI,BaseDateTime,LAT,LON,SOG\n1,2024-01-01T00:00:00,1,2,3") == "ais-csv"
    assert detect_format("Russian transports took off from Hmeimim on Saturday.") is None
    assert detect_format('{"text": "a report", "url": "x"}') is None
    assert detect_format("") is None


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_each_format_is_recognised_from_a_file_and_decoded(tmp_path, fmt):
    name, text, platform = SAMPLES[fmt]
    path = tmp_path / name
    path.write_text(text, "utf-8")
    assert sniff(path) == fmt
    reading = decode_feed(path)
    assert (reading.path, reading.format, reading.platform) == (path, fmt, platform)
    assert reading.sensor == ("AIS" if platform == "vessel" else "ADS-B") and reading.is_ais == (platform == "vessel")
    assert reading.doc_id == content_id("sensor-feed", hashlib.sha256(path.read_bytes()).hexdigest())
    assert reading.stats["messages"] == 0  # nothing is read until the messages are asked for
    kinds = {m[0] for m in reading.messages}
    assert kinds & ({"P"} if platform == "vessel" else {"F", "I"})
    assert reading.stats["messages"] >= 1 and not any(k.startswith("bad:") for k in reading.stats)
    # --format overrides recognition; the id depends on the bytes only.
    assert decode_feed(path, fmt).doc_id == reading.doc_id


def test_sniff_gzip_binary_empty_and_prose(tmp_path):
    gz = tmp_path / "trace_full_15a0b1"  # readsb writes traces gzip-compressed, often without .gz
    gz.write_bytes(gzip.compress(SAMPLES["readsb-trace"][1].encode()))
    assert sniff(gz) == "readsb-trace"
    assert decode_feed(gz).format == "readsb-trace"
    sbs_gz = tmp_path / "hmeimim.sbs.gz"
    sbs_gz.write_bytes(gzip.compress("\n".join(SBS).encode()))
    assert sniff(sbs_gz) == "sbs"
    binary = tmp_path / "x.sbs"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert sniff(binary) is None
    broken_gz = tmp_path / "broken.gz"
    broken_gz.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    assert sniff(broken_gz) is None
    empty = tmp_path / "empty.sbs"
    empty.write_bytes(b"")
    assert sniff(empty) is None
    prose = tmp_path / "report.txt"
    prose.write_text("Russian transports took off from Hmeimim on Saturday.\n")
    assert sniff(prose) is None
    assert sniff(tmp_path / "missing.sbs") is None


def test_split_paths_on_a_folder(tmp_path):
    folder = tmp_path / "in"
    (folder / "feeds").mkdir(parents=True)
    for fmt in ("sbs", "nmea", "ais-csv"):
        name, text, _ = SAMPLES[fmt]
        (folder / "feeds" / name).write_text(text, "utf-8")
    (folder / "report.txt").write_text("Russian transports took off from Hmeimim on Saturday.\n")
    (folder / "report.txt.meta.json").write_text('{"published": "2024-12-14"}')
    (folder / "notes.csv").write_text("a,b\n1,2\n")  # a CSV that is not AIS, and not a report suffix
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n")
    single = tmp_path / "one.log"
    single.write_text("\n".join(SBS) + "\n")
    feeds, reports = split_paths([folder, single], report_suffixes={".txt", ".html"})
    assert feeds == [(folder / "feeds" / "hmeimim.sbs", "sbs"), (folder / "feeds" / "marinecadastre.csv", "ais-csv"),
                     (folder / "feeds" / "tartus.nmea", "nmea"), (single, "sbs")]
    assert reports == [folder / "report.txt"]
    # --format: every file of a folder is a feed of that format; a single path too.
    feeds, reports = split_paths([folder / "feeds", single], fmt="sbs")
    assert [f for _, f in feeds] == ["sbs"] * 4 and reports == []
    # A file that is not a feed, given by name, is a report whatever its suffix.
    assert split_paths([tmp_path / "in" / "notes.csv"]) == ([], [tmp_path / "in" / "notes.csv"])


def test_decode_errors_name_the_file(tmp_path):
    with pytest.raises(InputError, match=r"missing\.sbs: cannot read"):
        decode_feed(tmp_path / "missing.sbs", fmt="sbs")
    binary = tmp_path / "x.sbs"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match=r"x\.sbs: binary file"):
        decode_feed(binary)
    prose = tmp_path / "report.log"
    prose.write_text("nothing to see here\n")
    with pytest.raises(InputError, match=r"report\.log: not a recognised sensor feed \(use --format sbs\|"):
        decode_feed(prose)
    with pytest.raises(InputError, match=r"report\.log: unknown feed format 'kml'"):
        decode_feed(prose, fmt="kml")
    corrupt = tmp_path / "trace_full_15a0b1.json"
    corrupt.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(InputError, match=r"trace_full_15a0b1\.json: "):
        decode_feed(corrupt)
    assert set(FORMATS) == set(SAMPLES)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _catcher_line(k: int, **extra) -> str:
    return json.dumps({"class": "AIS", "rxuxtime": 1734162000 + 60 * k, "type": 1, "mmsi": 273456780, "status": 0,
                       "speed": 5.0, "lat": 34.95 + k * 0.001, "lon": 35.75, "course": 90, "heading": 90, **extra})


def test_a_feed_line_nested_too_deep_is_one_file_line_error_and_the_rest_goes_in(tmp_path, resources):
    """Limits.json_depth holds for JSON feeds as for reports: the line past it is named by file and
    line on one line, the feed's other lines are stored as if it were not there."""
    from forcewatch.service import Ingester, ingest_paths
    from forcewatch.store import Store

    good = [_catcher_line(k) for k in range(8)]
    hostile = tmp_path / "catcher.jsonl"
    hostile.write_text("\n".join(good[:2] + ['{"class": "AIS", "x": ' + _nested(5000) + "}"] + good[2:]) + "\n")
    clean = tmp_path / "clean" / "catcher.jsonl"
    clean.parent.mkdir()
    clean.write_text("\n".join(good) + "\n")
    ingester, said = Ingester(resources), []
    with Store(tmp_path / "fw.duckdb") as store:
        batch = ingest_paths(ingester, store, [hostile], echo=said.append)
        stored = store.count("positions")
        assert store.has_document(decode_feed(hostile).doc_id)
    assert batch.failures == [f"{hostile}:3: JSON nested too deeply, line skipped"]
    assert f"error: {hostile}:3: JSON nested too deeply, line skipped" in said
    with Store(tmp_path / "clean.duckdb") as store:
        assert ingest_paths(ingester, store, [clean], echo=said.append).failures == []
        assert store.count("positions") == stored > 0


def test_every_json_feed_reader_takes_the_depth_limit(tmp_path):
    """aircraft.json lines, AIS-catcher lines and readsb trace entries nested past a (lowered) limit are
    refused by line, or by entry for a trace, counted bad:deep_json; a line cut for its length before
    them does not shift the numbers."""
    from forcewatch.limits import Limits

    limits = Limits(json_depth=6, feed_line=400)
    catcher = tmp_path / "catcher.jsonl"
    catcher.write_text("\n".join([_catcher_line(0), _catcher_line(1, pad="x" * 500), _catcher_line(2),
                                  _catcher_line(3, deep=json.loads(_nested(8))), _catcher_line(4),
                                  _catcher_line(5, deep=json.loads(_nested(9)))]) + "\n")
    snap = {"now": 1734162000.0, "aircraft": [{"hex": "15a0b1", "alt_baro": 3000, "lat": 35.3, "lon": 35.9}]}
    acj = tmp_path / "aircraft.json"
    acj.write_text("\n".join([json.dumps(snap), json.dumps({**snap, "x": json.loads(_nested(7))}),
                              json.dumps({**snap, "now": 1734162005.0})]) + "\n")
    trace = tmp_path / "trace_full_15a0b1.json"
    trace.write_text(json.dumps({"icao": "15a0b1", "timestamp": 1734134400.0, "trace": [
        [27000.0 + k, 35.4 + k * 0.01, 35.9, 1000, 200.0, 90.0, 0, None, json.loads(_nested(5)) if k == 1 else None]
        for k in range(3)]}))
    got = {}
    for path in (catcher, acj, trace):
        reading = decode_feed(path, limits=limits)
        messages = list(reading.messages)
        got[path.name] = (reading.refusals(), reading.stats["bad:deep_json"], sum(m[0] in "FP" for m in messages))
    assert got == {
        "catcher.jsonl": ([f"{catcher}:4: JSON nested deeper than 6 levels, line skipped (and 1 more such line(s): 6)"],
                          2, 3),
        "aircraft.json": ([f"{acj}:2: JSON nested deeper than 6 levels, line skipped"], 1, 2),
        "trace_full_15a0b1.json": ([f"{trace}: JSON nested deeper than 6 levels, trace entry 2 skipped"], 1, 2),
    }  # with the default limit, every line but the long one goes in:
    reading = decode_feed(catcher, limits=Limits(feed_line=400))
    assert sum(m[0] == "P" for m in reading.messages) == 5 and not reading.refusals()

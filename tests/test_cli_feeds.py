"""`forcewatch ingest` with sensor feeds: detection, --format, --sites, registries, no duplicates on re-ingest."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import reduce
from operator import xor

import pytest
from pyais import encode_dict
from typer.testing import CliRunner

from forcewatch.serve.cli import app
from forcewatch.store import Store

T0 = datetime(2024, 12, 9, 0, 0, tzinfo=timezone.utc).timestamp()


def nmea_anchoring(mmsi=273456780, lat=34.9745, lon=35.7733, hours=5) -> list[str]:
    """A vessel stopped for `hours`, a fix every 3 minutes, with tag-block times."""
    out = []
    for k in range(0, hours * 3600 + 1, 180):
        for s in encode_dict({"type": 1, "mmsi": mmsi, "status": 1, "speed": 0.0, "lat": lat, "lon": lon},
                             talker_id="AI", sentence_type="VDM"):
            tag = f"c:{int(T0 + k)}"
            out.append(f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\{s}")
    return out


@pytest.fixture
def runner():
    return CliRunner()


def test_feed_detected_stored_once_with_its_document(runner, tmp_path):
    feed = tmp_path / "tartus.nmea"
    feed.write_text("\n".join(nmea_anchoring() + ["!AIVDM,broken"]) + "\n")
    vessels = tmp_path / "vessels.csv"
    vessels.write_text("mmsi,name,ship_type,flag\n273456780,ADMIRAL GRIGOROVICH,frigate,RU\n")
    db = tmp_path / "fw.duckdb"
    res = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--vessel-db", str(vessels)])
    assert res.exit_code == 0, res.output
    assert "1 bad lines skipped (not_nmea 1)" in res.output
    with Store(db, read_only=True) as store:
        events = store.events(source_kind="sensor")
        n_tracks, n_pos = store.count("tracks"), store.count("positions")
        (track_id,) = store.con.execute("SELECT id FROM tracks").fetchone()
        first = store.track_fixes(track_id, limit=1)[0]
        track_row = store.con.execute("SELECT name, type_code, flag, military, n_positions FROM tracks").fetchone()
        (anchor,) = [e for e in events if e.subtype == "anchor"]
        doc = store.document(anchor.doc_id)
    assert "13 km NW of Tartus naval facility" in anchor.sentence and "ADMIRAL GRIGOROVICH, frigate" in anchor.sentence
    assert doc.media_type == "ais" and doc.text == "AIS feed tartus.nmea: 1 vessel, 101 messages"
    assert doc.text[slice(*anchor.span)] == doc.text
    assert anchor.time.start_time.isoformat() == "2024-12-09T00:00:00+00:00"
    assert n_tracks == 1 and n_pos == 101
    assert (first.t, first.lat, first.lon, first.speed_kn, first.status) == (
        datetime(2024, 12, 9, 0, 0, tzinfo=timezone.utc), 34.9745, 35.7733, 0.0, "at_anchor")  # UTC, as sent
    assert track_row == ("ADMIRAL GRIGOROVICH", "frigate", "RU", True, 101)
    # Same file again: nothing new.
    res = runner.invoke(app, ["ingest", str(feed), "--db", str(db)])
    assert res.exit_code == 0 and "0 sensor feed(s) stored" in res.output and "1 already stored" in res.output
    with Store(db, read_only=True) as store:
        assert store.count("events") == len(events) and store.count("tracks") == 1 and store.count("positions") == 101


def test_forced_format_user_sites_and_errors(runner, tmp_path):
    feed = tmp_path / "feed.dat"
    feed.write_text("\n".join(nmea_anchoring(mmsi=211000001, lat=54.32, lon=10.15, hours=4)) + "\n")
    sites = tmp_path / "sites.yaml"
    sites.write_text("- {id: kiel, name: Kiel anchorage, kind: anchorage, lat: 54.32, lon: 10.15, radius_km: 2}\n")
    db = tmp_path / "fw.duckdb"
    res = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--format", "nmea", "--sites", str(sites)])
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as store:
        found = store.events(source_kind="sensor")
    assert {e.subtype for e in found} == {"anchor", "presence"}
    assert all(e.location.name == "Kiel anchorage" for e in found)
    res = runner.invoke(app, ["ingest", str(tmp_path / "nope.sbs"), "--db", str(db), "--format", "sbs"])
    assert res.exit_code == 1 and "nope.sbs: cannot read" in res.output
    res = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--format", "kml"])
    assert res.exit_code != 0 and "kml" in res.output


def test_directory_with_sbs_and_aircraft_json(runner, tmp_path):
    d = tmp_path / "feeds"
    d.mkdir()
    lines = []
    for k in range(0, 600, 60):  # on the ground at Hmeimim, then climbing away
        hh, mm = divmod(k // 60, 60)
        lines.append(f"MSG,3,1,1,15A0B1,1,2024/12/14,07:{mm:02d}:00.000,2024/12/14,07:{mm:02d}:00.000,RFF7123,"
                     f",,,35.40110,35.94870,,,0,0,0,-1")
    for k, (lat, alt) in enumerate([(35.38, 2500), (35.35, 5000), (35.30, 9000)]):
        lines.append(f"MSG,3,1,1,15A0B1,1,2024/12/14,07:{10 + k:02d}:00.000,2024/12/14,07:{10 + k:02d}:00.000,,"
                     f"{alt},,,{lat:.5f},35.94870,,,0,0,0,0")
    (d / "hmeimim.sbs").write_text("\n".join(lines) + "\n")
    (d / "aircraft.json").write_text(json.dumps({"now": T0 + 3600, "aircraft": [
        {"hex": "154c2d", "t": "IL76", "alt_baro": "ground", "lat": 35.405, "lon": 35.945, "gs": 0}]}))
    db = tmp_path / "fw.duckdb"
    res = runner.invoke(app, ["ingest", str(d), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "2 sensor feed(s) stored" in res.output
    with Store(db, read_only=True) as store:
        deps = store.events(subtype="depart")
        assert store.count("tracks") == 2
    (dep,) = deps
    assert dep.source.name == "ADS-B" and dep.location.name == "Hmeimim Air Base"
    assert dep.time.start_time.isoformat() == "2024-12-14T07:10:00+00:00"
    # No registry and no type in SBS: a generic aircraft, military by its RFF callsign.
    assert dep.equipment[0].name == "aircraft" and "callsign RFF7123, military" in dep.sentence

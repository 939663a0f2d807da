"""The fix archive (store/fixes.py): tracks' fixes as Parquet by day and source, readable by any Parquet
reader, listed in the store's transaction, replaced whole, swept after a kill, migrated from the old
positions table."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

import forcewatch_test_stores as stores  # registered by tests/conftest.py
from forcewatch.records import Position, Track
from forcewatch.store import Store

T0 = datetime(2024, 12, 9, 23, 30, tzinfo=timezone.utc)


def vessel(k: int, n: int = 60, lat: float = 34.9) -> Track:
    """A vessel heard every minute from 23:30: its fixes fall on two days."""
    return Track(id=f"ais:27300000{k}", platform="vessel", ident=f"27300000{k}", source="feed.nmea",
                 positions=[Position(T0 + timedelta(minutes=i), lat + i / 1000, 35.8, speed_kn=float(i % 7),
                                     course_deg=None if i % 2 else 90.0, on_ground=None,
                                     status="moored" if i % 3 == 0 else None) for i in range(n)])


def aircraft() -> Track:
    return Track(id="adsb:4b1805", platform="aircraft", ident="4b1805", source="feed.sbs",
                 positions=[Position(T0 + timedelta(seconds=10 * i), 35.4, 35.9, altitude_ft=1000.0 * i,
                                     on_ground=i == 0) for i in range(5)])


def parquet_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_fixes_round_trip_through_parquet_partitioned_by_day_and_source(tmp_path):
    db = tmp_path / "fw.duckdb"
    tracks = [vessel(1), vessel(2), aircraft()]
    with Store(db) as store:
        assert store.add_tracks(tracks) == 3
        root = store.fixes.root
        assert root == Path(str(db) + ".fixes")
        assert store.count("positions") == store.count("fixes") == 125
        assert store.track_fixes("ais:273000001") == tracks[0].positions  # every field, times in UTC
        assert store.track_fixes("adsb:4b1805") == tracks[2].positions
        window = store.track_fixes("ais:273000002", since=datetime(2024, 12, 10), until=T0 + timedelta(minutes=40),
                                   limit=5)
        assert [p.t for p in window] == [datetime(2024, 12, 10, tzinfo=timezone.utc) + timedelta(minutes=i)
                                         for i in range(5)]
        assert store.track_fixes("nope") == []
        assert not store.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'positions'").fetchone()
    files = parquet_files(root)
    assert [f.rsplit("/", 1)[0] for f in files] == ["day=2024-12-09/source=adsb", "day=2024-12-09/source=ais",
                                                    "day=2024-12-10/source=ais"]
    assert all(f.rsplit("/", 1)[1].startswith(f"fixes-{os.getpid()}-") for f in files)  # one batch: one name
    assert not (tmp_path / "fw.duckdb.scratch").exists()


def test_the_archive_is_a_hive_dataset_any_parquet_reader_reads(tmp_path):
    import pandas as pd

    db = tmp_path / "fw.duckdb"
    with Store(db) as store:
        store.add_tracks([vessel(1), aircraft()])
    root = Path(str(db) + ".fixes")
    rows = duckdb.sql(f"SELECT day::VARCHAR, source, track_id, count(*), min(t), bool_or(on_ground)"
                      f" FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)"
                      f" GROUP BY ALL ORDER BY ALL").fetchall()
    assert [r[:4] for r in rows] == [("2024-12-09", "adsb", "adsb:4b1805", 5), ("2024-12-09", "ais", "ais:273000001", 30),
                                     ("2024-12-10", "ais", "ais:273000001", 30)]
    df = pd.read_parquet(root)  # pyarrow: the partition columns from the folder names
    assert set(df.columns) == {"track_id", "ident", "t", "lat", "lon", "altitude_ft", "speed_kn", "course_deg",
                               "on_ground", "status", "day", "source"}
    assert str(df["t"].dt.tz) == "UTC" and df["t"].min() == pd.Timestamp(T0)
    assert df.groupby(["source"], observed=True).size().to_dict() == {"adsb": 5, "ais": 60}
    assert df[df.track_id == "adsb:4b1805"].altitude_ft.tolist() == [0.0, 1000.0, 2000.0, 3000.0, 4000.0]
    assert set(df[df.source == "ais"].ident) == {"273000001"}


def test_a_track_stored_again_replaces_its_fixes_and_its_files(tmp_path):
    """Its old listing goes in the same transaction, its old files after the commit; a file it shared with
    another track is written again without it, so a plain reader of the folder sees no fix twice."""
    db = tmp_path / "fw.duckdb"
    with Store(db) as store:
        store.add_tracks([vessel(1), vessel(2)])
        root = store.fixes.root
        before = parquet_files(root)
        again = vessel(1, n=10, lat=10.0)  # shorter, elsewhere: all on the first day
        store.add_tracks([again])
        assert store.track_fixes("ais:273000001") == again.positions
        assert store.track_fixes("ais:273000002") == vessel(2).positions
        assert store.count("positions") == 70 and store.count("tracks") == 2
        assert store.track("ais:273000001")["n_positions"] == 10
        listed = {p for (p,) in store.con.execute("SELECT path FROM fix_files").fetchall()}
    after = parquet_files(root)
    assert not set(before) & set(after) and set(after) == listed  # the old files are gone
    plain = duckdb.sql(f"SELECT track_id, count(*) FROM read_parquet('{root}/**/*.parquet') GROUP BY 1 ORDER BY 1")
    assert plain.fetchall() == [("ais:273000001", 10), ("ais:273000002", 60)]


def test_a_batch_with_one_id_twice_keeps_the_last(tmp_path):
    with Store(tmp_path / "fw.duckdb") as store:
        store.add_tracks([vessel(1), vessel(1, n=3, lat=1.0)])
        assert store.track_fixes("ais:273000001") == vessel(1, n=3, lat=1.0).positions
        assert store.count("fixes") == 3


def test_a_failed_transaction_leaves_no_fixes_and_no_files(tmp_path):
    db = tmp_path / "fw.duckdb"
    with Store(db) as store:
        store.add_tracks([vessel(2)])
        kept = parquet_files(store.fixes.root)
        with pytest.raises(RuntimeError):
            with store.transaction():  # as a feed is stored: its tracks, then its document
                store.add_tracks([vessel(1), vessel(2, n=5)])
                raise RuntimeError("the document could not be stored")
        assert store.count("tracks") == 1 and store.track_fixes("ais:273000001") == []
        assert store.track_fixes("ais:273000002") == vessel(2).positions  # the replacement rolled back too
        assert parquet_files(store.fixes.root) == kept


# A writer killed between writing its fixes' files and committing their listing: the files are in place,
# the rows in an open transaction when SIGKILL comes.
WRITER = """
import sys, time
from datetime import datetime, timedelta, timezone
from forcewatch.records import Position, Track
from forcewatch.store import Store

t0 = datetime(2024, 12, 9, tzinfo=timezone.utc)
track = Track(id="killed", platform="vessel", ident="273000009",
              positions=[Position(t=t0 + timedelta(seconds=i), lat=34.9, lon=35.8) for i in range(1000)])
store = Store(sys.argv[1], shared=True)
with store.transaction():
    store.add_tracks([track])
    print("listed, not committed", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_before_its_commit_leaves_no_fixes_and_its_files_are_swept(tmp_path):
    db = tmp_path / "fw.duckdb"
    with Store(db) as store:
        store.add_tracks([vessel(1)])
        root = store.fixes.root
    kept = parquet_files(root)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], env=stores.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "listed, not committed", proc.stderr.read()
        left = [f for f in parquet_files(root) if f not in kept]
        assert left and all(f"fixes-{proc.pid}-" in f for f in left)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert parquet_files(root) == sorted(kept + left)  # what the kill left
    with Store(db, read_only=True) as store:  # a reader sees nothing of it (and sweeps nothing)
        assert store.track("killed") is None and store.track_fixes("killed") == [] and store.count("fixes") == 60
    assert parquet_files(root) == sorted(kept + left)
    with Store(db) as store:  # the next opening for writing sweeps them
        assert parquet_files(root) == kept
        assert store.track_fixes("ais:273000001") == vessel(1).positions


def test_a_living_writers_unlisted_files_are_left_alone(tmp_path):
    db = tmp_path / "fw.duckdb"
    Store(db).close()
    root = Path(str(db) + ".fixes")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        part = root / "day=2024-12-09" / "source=ais"
        part.mkdir(parents=True)
        for name in (f"fixes-{other.pid}-abc.parquet", f".fixes-{other.pid}-abd.parquet.tmp",
                     "fixes-999999999-abc.parquet", ".fixes-999999999-abd.parquet.tmp", "notes.txt"):
            (part / name).write_bytes(b"x")
        Store(db).close()
        assert sorted(os.listdir(part)) == sorted([f"fixes-{other.pid}-abc.parquet", f".fixes-{other.pid}-abd.parquet.tmp",
                                                   "notes.txt"])
    finally:
        other.kill()
        other.wait()
    Store(db).close()
    assert os.listdir(part) == ["notes.txt"]  # not the archive's: never touched


OLD_SCHEMA = """
CREATE TABLE tracks (id VARCHAR PRIMARY KEY, platform VARCHAR, ident VARCHAR, name VARCHAR, type_code VARCHAR,
    registration VARCHAR, operator VARCHAR, flag VARCHAR, military BOOLEAN, source VARCHAR,
    t_start TIMESTAMP, t_end TIMESTAMP, n_positions INTEGER);
CREATE TABLE positions (track_id VARCHAR, t TIMESTAMP, lat DOUBLE, lon DOUBLE, altitude_ft DOUBLE,
    speed_kn DOUBLE, course_deg DOUBLE, on_ground BOOLEAN, status VARCHAR);
"""


def old_store(db: Path, tracks: list[Track]) -> None:
    """A store as forcewatch wrote it before the archive: the fixes in a positions table."""
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE tracks; DROP TABLE fix_files;" + OLD_SCHEMA)
    con.execute("UPDATE schema_version SET version = 1")  # the version before the archive
    for tr in tracks:
        times = [p.t.replace(tzinfo=None) for p in tr.positions]
        con.execute("INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [tr.id, tr.platform, tr.ident, None, None, None, None, None, None, tr.source,
                     min(times), max(times), len(times)])
        con.executemany("INSERT INTO positions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(tr.id, p.t.replace(tzinfo=None), p.lat, p.lon, p.altitude_ft, p.speed_kn, p.course_deg,
                          p.on_ground, p.status) for p in tr.positions])
    con.execute("INSERT INTO positions VALUES ('orphan', '2024-12-09 10:00:00', 1, 2, NULL, NULL, NULL, NULL, NULL)")
    con.close()


def test_an_old_store_is_read_as_it_is_then_migrated_once_when_opened_for_writing(tmp_path):
    db = tmp_path / "old.duckdb"
    tracks = [vessel(1), aircraft()]
    old_store(db, tracks)
    root = Path(str(db) + ".fixes")
    with Store(db, read_only=True) as store:  # not migrated: read from the positions table
        assert store.count("positions") == 66
        assert store.track_fixes("ais:273000001") == tracks[0].positions
        assert store.track_fixes("adsb:4b1805", since=T0 + timedelta(seconds=20)) == tracks[1].positions[2:]
    assert not root.exists()
    with Store(db) as store:  # migrated: written to the archive, listed, the table dropped
        assert not store.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'positions'").fetchone()
        assert store.count("positions") == 66
        assert store.track_fixes("ais:273000001") == tracks[0].positions
        assert store.track_fixes("adsb:4b1805") == tracks[1].positions
        assert store.track_fixes("orphan")[0].lat == 1  # fixes of no stored track move too
        store.add_tracks([vessel(1, n=2)])  # and a migrated track is replaced as any other
        assert store.track_fixes("ais:273000001") == vessel(1, n=2).positions
    assert [f.rsplit("/", 1)[0] for f in parquet_files(root)] == [
        "day=2024-12-09/source=adsb", "day=2024-12-09/source=ais", "day=2024-12-09/source=other"]
    with Store(db) as store:  # once
        assert store.count("positions") == 2 + 5 + 1


def test_the_archive_can_live_elsewhere_and_a_memory_store_has_its_own(tmp_path):
    elsewhere = tmp_path / "archive"
    with Store(tmp_path / "fw.duckdb", fixes=elsewhere) as store:
        store.add_tracks([aircraft()])
        assert store.track_fixes("adsb:4b1805") == aircraft().positions
    assert parquet_files(elsewhere) and not Path(str(tmp_path / "fw.duckdb") + ".fixes").exists()
    store = Store(":memory:")
    store.add_tracks([aircraft()])
    root = store.fixes.root
    assert store.track_fixes("adsb:4b1805") == aircraft().positions and parquet_files(root)
    assert Store(":memory:").fixes.root != root
    store.close()
    del store
    gc.collect()
    assert not root.exists()  # removed with the store


def test_settings_and_the_cli_name_the_archive(tmp_path):
    from typer.testing import CliRunner

    from forcewatch.config import Settings
    from forcewatch.serve.cli import app

    config = tmp_path / "forcewatch.toml"
    config.write_text('fixes = "archive"\n')
    assert Settings.load(config).fixes == tmp_path / "archive"
    feed = stores.DEMO / "feeds" / "tartus-2024-12-09_14.nmea"
    db, archive = tmp_path / "fw.duckdb", tmp_path / "cli-archive"
    res = CliRunner().invoke(app, ["ingest", str(feed), "--db", str(db), "--fixes", str(archive)])
    assert res.exit_code == 0, res.output
    assert list(archive.glob("day=*/source=ais/*.parquet"))
    with Store(db, read_only=True, fixes=archive) as store:
        (track_id,) = store.con.execute("SELECT id FROM tracks LIMIT 1").fetchone()
        assert store.count("fixes") > 0 and store.track_fixes(track_id)


def test_compaction_merges_a_days_files_into_one_and_the_fixes_stay_the_same(tmp_path):
    from typer.testing import CliRunner

    from forcewatch.serve.cli import app
    from forcewatch.store.fixes import compact

    db = tmp_path / "fw.duckdb"
    with Store(db) as store:
        for k in range(4):  # as a live watcher stores them: a commit's closed tracks at a time
            store.add_tracks([vessel(k), aircraft() if k == 0 else vessel(k + 10)])
        root = store.fixes.root
        expected = {tid: store.track_fixes(tid) for (tid,) in store.con.execute("SELECT id FROM tracks").fetchall()}
        assert len(parquet_files(root)) == 4 + 4 + 1
        assert compact(store, before=datetime(2024, 12, 10).date()) == 4  # the 10th is left
        assert [f.rsplit("/", 1)[0] for f in parquet_files(root)] == ["day=2024-12-09/source=adsb", "day=2024-12-09/source=ais"] + [
            "day=2024-12-10/source=ais"] * 4
        assert compact(store) == 4 and compact(store) == 0
        assert len(parquet_files(root)) == 3
        assert {tid: store.track_fixes(tid) for tid in expected} == expected
        assert store.count("fixes") == sum(map(len, expected.values()))
        assert store.con.execute("SELECT count(*) FROM fix_files").fetchone()[0] == 7 * 2 + 1  # a row per track and day
        store.add_tracks([vessel(1, n=2)])  # a track of a merged file stored again: the file is written without it
        assert store.track_fixes("ais:273000001") == vessel(1, n=2).positions
        assert store.track_fixes("ais:273000002") == expected["ais:273000002"]
    plain = duckdb.sql(f"SELECT count(*) FROM read_parquet('{root}/**/*.parquet')").fetchone()[0]
    assert plain == sum(map(len, expected.values())) - 60 + 2
    with Store(db) as store:
        store.add_tracks([vessel(20)])
    # the 9th: the merged file written again without the track, the track's new file, vessel 20's; the 10th: two
    res = CliRunner().invoke(app, ["fixes", "compact", "--db", str(db)])
    assert res.exit_code == 0 and "5 fix file(s) merged" in res.output, res.output
    assert len(parquet_files(root)) == 3

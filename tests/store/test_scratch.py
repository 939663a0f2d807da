"""The temporary CSVs tracks go into the store through: written beside the database, never in the
system's temporary folder, and removed by the next opening of the store when their writer was
killed mid-write (kill -9 of a real process), while a living writer's files are left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import forcewatch_test_stores as stores  # registered by tests/conftest.py

# A writer that stalls halfway through its tracks: the CSVs exist, half written, when it is killed.
WRITER = """
import sys, time
from datetime import datetime, timedelta, timezone
from forcewatch.records import Position, Track
from forcewatch.store import Store

def tracks():
    t0 = datetime(2024, 12, 9, tzinfo=timezone.utc)
    for k in range(3):
        yield Track(id=f"t{k}", platform="vessel", ident=f"27300000{k}", source="feed.nmea",
                    positions=[Position(t=t0 + timedelta(seconds=i), lat=34.9, lon=35.8) for i in range(5000)])
    print("halfway", flush=True)
    time.sleep(120)
    yield Track(id="never", platform="vessel", ident="1", positions=[])

with Store(sys.argv[1]) as store:
    store.add_tracks(tracks())
"""


def _csvs(folder) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".csv")) if folder.exists() else []


def test_csvs_of_a_writer_killed_mid_write_are_swept_at_the_next_open(tmp_path):
    from forcewatch.store import Store

    db, systmp = tmp_path / "fw.duckdb", tmp_path / "systmp"
    systmp.mkdir()
    Store(db).close()
    scratch = Store(db).scratch
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], env={**stores.env(), "TMPDIR": str(systmp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "halfway", proc.stderr.read()
        left = _csvs(scratch)
        assert len(left) == 1 and all(f"-{proc.pid}-" in n for n in left)  # the positions (tracks go in as rows)
        assert os.path.getsize(scratch / next(n for n in left if n.startswith("positions"))) > 100_000
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert _csvs(scratch) == left  # what the kill left, and nothing in the system's temporary folder
    assert os.listdir(systmp) == []
    with Store(db) as store:  # the next opening sweeps them
        assert not scratch.exists()
        assert store.count("tracks") == 0  # the killed write stored nothing
        from datetime import datetime, timezone

        from forcewatch.records import Position, Track

        t0 = datetime(2024, 12, 9, tzinfo=timezone.utc)
        assert store.add_tracks([Track(id="t", platform="vessel", ident="273000000",
                                       positions=[Position(t=t0, lat=34.9, lon=35.8)])]) == 1
        assert store.count("positions") == 1
    assert not scratch.exists()  # and a write that finishes leaves nothing behind


def test_a_living_writers_scratch_files_are_left_alone(tmp_path):
    from forcewatch.store import Store

    db = tmp_path / "fw.duckdb"
    Store(db).close()
    scratch = Store(db).scratch
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        scratch.mkdir()
        (scratch / f"positions-{other.pid}-abc.csv").write_text("x\n")
        (scratch / "positions-999999999-abc.csv").write_text("x\n")  # no such process
        Store(db).close()
        assert _csvs(scratch) == [f"positions-{other.pid}-abc.csv"]
    finally:
        other.kill()
        other.wait()
    time.sleep(0.1)
    Store(db).close()
    assert not scratch.exists()

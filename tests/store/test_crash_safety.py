"""kill -9 at any moment of a mixed ingest, then a rerun: the store equals a clean run's, with the
same corroboration links, grades and happenings, and no half-stored feed is ever seen."""

from __future__ import annotations

import random
import signal
import time

import pytest


import forcewatch_test_stores as stores  # registered by tests/conftest.py
consistent, dump, forcewatch, ingest, mixed_inputs = (
    stores.consistent, stores.dump, stores.forcewatch, stores.ingest, stores.mixed_inputs)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The inputs, a clean run's store dump, and when in that run the store file appeared and the
    run ended (seconds after the start)."""
    folder = tmp_path_factory.mktemp("crash")
    inputs = mixed_inputs(folder / "in")
    db = folder / "clean.duckdb"
    start = time.monotonic()
    proc = forcewatch("ingest", "--db", str(db), *inputs)
    appeared = None
    while proc.poll() is None:
        if appeared is None and db.exists():
            appeared = time.monotonic() - start
        time.sleep(0.01)
    took = time.monotonic() - start
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    expected = dump(db)
    assert stores.archive_problems(db) == []
    assert len(expected["documents"]) == 13 and expected["tracks"] and expected["clusters"]
    assert any(e["corroborated_by"] for _, _, e in expected["events"]), "the batch must corroborate"
    return folder, inputs, expected, appeared or 0.0, took


def kill_and_rerun(clean, kills: int, seed: int, new_database=None) -> list[str]:
    """Kill an ingest ``kills`` times, at a random moment (seeded) in each of ``kills`` equal stretches
    of the clean run from the store's creation to its end, rerun each, and return what differed
    (empty: every store equalled the clean one). ``new_database``: makes each killed run's store (a
    PostgreSQL database's URL) instead of a DuckDB file; it is compared with the clean DuckDB run."""
    folder, inputs, expected, appeared, took = clean
    rng = random.Random(seed)
    moments = [appeared + (k + rng.random()) / kills * (took - appeared) for k in range(kills)]
    differences = []
    for k, moment in enumerate(moments):
        db = new_database() if new_database else folder / f"killed-{seed}-{k}.duckdb"
        proc = forcewatch("ingest", "--db", str(db), *inputs)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        if new_database or db.exists():
            differences += [f"kill {k} at {moment:.2f} s: {p}" for p in consistent(db)]
        again = ingest(db, inputs)
        assert again.returncode == 0, again.stderr
        got = dump(db)
        differences += [f"kill {k} at {moment:.2f} s: {p}" for p in stores.archive_problems(db)]
        for table in expected:
            if got[table] != expected[table]:
                differences.append(f"kill {k} at {moment:.2f} s ({'killed' if proc.returncode else 'finished'}): "
                                   f"{table} differ")
    return differences


def test_three_kills_then_reruns_equal_a_clean_run(clean):
    assert kill_and_rerun(clean, 3, seed=14) == []


def test_kills_into_postgresql_then_reruns_equal_a_clean_run(clean, postgres_databases):
    """The same on a PostgreSQL store: what a killed ingest left and its rerun finished is what a
    clean ingest into a DuckDB file holds."""
    assert kill_and_rerun(clean, 3, seed=21, new_database=postgres_databases) == []


@pytest.mark.slow
def test_ten_kills_then_reruns_equal_a_clean_run(clean):
    assert kill_and_rerun(clean, 10, seed=6) == []


def test_a_feed_read_with_the_wrong_format_is_not_stored_and_goes_in_with_the_right_one(tmp_path):
    feed = str(stores.DEMO / "feeds" / "tartus-2024-12-09_14.nmea")
    db = tmp_path / "fw.duckdb"
    wrong = ingest(db, ["--format", "sbs", feed])
    assert wrong.returncode == 1 and "no sbs message could be read" in wrong.stderr
    right = ingest(db, ["--format", "nmea", feed])
    assert right.returncode == 0, right.stderr
    assert "1 sensor feed(s) stored" in right.stderr
    assert dump(db)["tracks"]

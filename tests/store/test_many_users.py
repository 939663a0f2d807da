"""Many users of one store file: `serve` answers while `ingest` writes (and shows what it wrote),
two ingests at once both succeed with nothing stored twice, and an ingest that cannot get the file
waits, says who holds it, and gives up after the configured wait. Real processes throughout."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest


import forcewatch_test_stores as stores  # registered by tests/conftest.py


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The mixed inputs and a clean run's dump of them."""
    folder = tmp_path_factory.mktemp("users")
    inputs = stores.mixed_inputs(folder / "in")
    done = stores.ingest(folder / "clean.duckdb", inputs)
    assert done.returncode == 0, done.stderr
    return folder, inputs, stores.dump(folder / "clean.duckdb")


@pytest.mark.parametrize("token", [None, "t0ken"], ids=["read-only", "with-token"])
def test_serve_answers_while_ingest_writes_and_then_shows_the_new_events(batch, backend_db, token):
    """With a token the server opens the file read-write for its requests, without one read-only:
    either way it holds it only while a request reads. On PostgreSQL, readers never wait."""
    folder, inputs, clean = batch
    db = backend_db
    from forcewatch.store import open_store

    open_store(db).close()
    server = stores.Serving(db, *(["--token", token] if token else []))
    try:
        proc = stores.forcewatch("ingest", "--db", str(db), *inputs)
        answers, slowest = [], 0.0
        while proc.poll() is None:
            start = time.monotonic()
            status, body = server.get("/api/events?limit=5")
            slowest = max(slowest, time.monotonic() - start)
            answers.append((status, body.get("total")))
            time.sleep(0.05)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert answers and all(status == 200 for status, _ in answers), answers
        totals = [t for _, t in answers]
        assert totals == sorted(totals)  # each answer a committed state, never one rolled back
        status, meta = server.get("/api/meta")
        assert status == 200 and meta["counts"] == {"events": len(clean["events"]), "documents": len(clean["documents"])}
        status, page = server.get("/api/clusters?limit=1")
        assert status == 200 and page["total"] == len(clean["clusters"])
        print(f"{len(answers)} API answers during the ingest, the slowest in {slowest * 1000:.0f} ms")
    finally:
        server.stop()
    assert stores.dump(db) == clean


def test_two_ingests_at_once_both_succeed_and_store_nothing_twice(batch, backend_db):
    """On a shared file and on a PostgreSQL server: what two ingests of the same inputs at once store
    is what one stores (into a DuckDB file: the comparison also checks the backends agree)."""
    folder, inputs, clean = batch
    db = backend_db
    procs = [stores.forcewatch("ingest", "--db", str(db), *inputs) for _ in range(2)]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    assert [rc for _, _, rc in results] == [0, 0], [err for _, err, _ in results]
    got = stores.dump(db)
    for table in ("documents", "tracks", "positions"):
        assert got[table] == clean[table], table
    if not str(db).startswith("postgresql://"):  # both wrote fix files; the one that lost the race removed its own
        assert stores.archive_problems(db) == []
    assert [e[0] for e in got["events"]] == [e[0] for e in clean["events"]]
    assert sorted(m[0] for m in got["members"]) == sorted(m[0] for m in clean["members"])


def test_an_ingest_waits_for_the_process_holding_the_store_then_says_who_it_is(batch, tmp_path):
    folder, inputs, clean = batch
    db = tmp_path / "fw.duckdb"
    config = tmp_path / "forcewatch.toml"
    config.write_text("lock_wait = 2.0\n")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(db)!r})\nprint('held', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        proc = stores.forcewatch("--config", str(config), "ingest", "--db", str(db), *inputs)
        out, err = proc.communicate(timeout=120)
        waited = time.monotonic() - start
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 2, err
    assert f"in use by process {holder.pid}" in err and "waiting for" in err and "waited 2 s" in err
    assert waited < 30
    # once the holder is gone, the same command goes in
    again = stores.ingest(db, inputs)
    assert again.returncode == 0, again.stderr

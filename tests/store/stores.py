"""Helpers for the tests that run real `forcewatch` processes on one store: a mixed batch of inputs
(the demo's reports, variants of them from other outlets, and its ADS-B and AIS feeds), the command
that ingests it, and a canonical dump of a store (its fix archive included) to compare two stores by."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"
OUTLETS = ("Reuters", "Associated Press", "Agence France-Presse", "Kyiv Independent")


def mixed_inputs(folder: Path) -> list[str]:
    """Command-line arguments of a mixed ingest: reports (the demo's and each told again by other
    outlets, dated one day later), then the demo's two sensor feeds with their registries."""
    reports = folder / "reports"
    reports.mkdir(parents=True)
    for txt in sorted(DEMO.glob("*.txt")) + sorted(DEMO.glob("*.html")):
        shutil.copy(txt, reports / txt.name)
        meta = txt.with_suffix(".meta.json")
        if meta.exists():
            shutil.copy(meta, reports / meta.name)
        if txt.suffix != ".txt":
            continue
        base = json.loads(meta.read_text()) if meta.exists() else {}
        for i, outlet in enumerate(OUTLETS):
            name = f"{txt.stem}-{i}.txt"
            (reports / name).write_text(f"{txt.read_text()}\n\n{outlet} contributed to this report.\n")
            (reports / f"{txt.stem}-{i}.meta.json").write_text(json.dumps(
                {**base, "file": name, "source": outlet}))
    feeds = sorted((DEMO / "feeds").glob("*.sbs")) + sorted((DEMO / "feeds").glob("*.nmea"))
    return [str(reports), *map(str, feeds), "--aircraft-db", str(DEMO / "feeds" / "aircraft-registry.csv"),
            "--vessel-db", str(DEMO / "feeds" / "vessel-registry.csv")]


def env() -> dict[str, str]:
    """The environment of a child `forcewatch`: this checkout's sources first."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))
    out.pop("FORCEWATCH_DB", None)
    return out


def forcewatch(*args: str, **popen) -> subprocess.Popen:
    """``python -m forcewatch.serve.cli ARGS`` as a child process."""
    return subprocess.Popen([sys.executable, "-m", "forcewatch.serve.cli", *args], env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def ingest(db: Path, inputs: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    proc = forcewatch("ingest", "--db", str(db), *inputs)
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _connect(db):
    """A read-only connection to a store of either backend (SQL common to both is asked of it)."""
    if str(db).startswith("postgresql://"):
        import psycopg

        con = psycopg.connect(str(db), autocommit=True)
        con.execute("SET default_transaction_read_only = on")
        return con
    return duckdb.connect(str(db), read_only=True)


FIX_SUMS = ("count(*), CAST(round(sum(lat) * 1e6) AS BIGINT), CAST(round(sum(lon) * 1e6) AS BIGINT),"
            " CAST({first} AS VARCHAR), CAST({last} AS VARCHAR)")


UTC = "timezone('UTC', {})"  # a TIMESTAMPTZ as the UTC wall clock


def _fixes(con, db) -> list:
    """Per track, the count, sums of lat and lon and first and last time of its fixes: on PostgreSQL from
    its positions table, on a DuckDB file from the fix archive (store/fixes.py), reading only what
    fix_files lists for each track (times as the UTC wall clock, as PostgreSQL gives them)."""
    if str(db).startswith("postgresql://"):
        return [list(r) for r in con.execute(
            f"SELECT track_id, {FIX_SUMS.format(first='min(t)', last='max(t)')} FROM positions GROUP BY 1 ORDER BY 1").fetchall()]
    root = Path(str(db) + ".fixes")
    paths = sorted({r[0] for r in con.execute("SELECT path FROM fix_files").fetchall()})
    if not paths:
        return []
    files = ", ".join("'" + str(root / p).replace("'", "''") + "'" for p in paths)
    prefix = str(root).replace("'", "''") + "/"
    return [list(r) for r in con.execute(
        f"SELECT f.track_id, {FIX_SUMS.format(first=UTC.format('min(t)'), last=UTC.format('max(t)'))}"
        f" FROM read_parquet([{files}], filename = true) f JOIN fix_files l"
        f" ON l.track_id = f.track_id AND f.filename = '{prefix}' || l.path GROUP BY 1 ORDER BY 1").fetchall()]


def archive_problems(db) -> list[str]:
    """What is wrong in a DuckDB store's fix archive after a run: files listed but missing, rows whose
    count is not their file's, and Parquet files no row lists (a killed writer's, left unswept). None
    for a PostgreSQL store (its fixes are rows)."""
    if str(db).startswith("postgresql://"):
        return []
    root = Path(str(db) + ".fixes")
    con = duckdb.connect(str(db), read_only=True)
    try:
        listed = con.execute("SELECT track_id, path, n FROM fix_files").fetchall()
    finally:
        con.close()
    problems = []
    paths = {p for _, p, _ in listed}
    missing = sorted(p for p in paths if not (root / p).exists())
    if missing:
        problems.append(f"{len(missing)} listed fix files missing")
    on_disk = {str(p.relative_to(root)) for p in root.glob("day=*/source=*/*.parquet")} if root.exists() else set()
    if on_disk - paths:
        problems.append(f"{len(on_disk - paths)} fix files nobody lists")
    if paths and not missing:
        files = ", ".join("'" + str(root / p).replace("'", "''") + "'" for p in sorted(paths))
        counts = dict(((t, f), n) for t, f, n in duckdb.sql(
            f"SELECT track_id, filename, count(*) FROM read_parquet([{files}], filename = true) GROUP BY ALL").fetchall())
        wrong = [(t, p) for t, p, n in listed if counts.get((t, str(root / p))) != n]
        if wrong:
            problems.append(f"{len(wrong)} fix_files rows whose count is not their file's")
    return problems


def dump(db) -> dict[str, list]:
    """Everything a store holds (a DuckDB file or a PostgreSQL URL), in a canonical order, without the
    times rows were stored: documents, events (their records: corroboration links and grades), tracks
    with their fixes (a DuckDB file's from its fix archive), happenings."""
    con = _connect(db)
    try:
        def rows(sql: str) -> list:
            return [list(r) for r in con.execute(sql).fetchall()]

        def records(value) -> object:
            return json.loads(value) if isinstance(value, str) else value

        return {
            "documents": rows("SELECT id, path, url, title, CAST(published AS VARCHAR), outlet, media_type, md5(text),"
                              " scope, coalesce(fused, true) FROM documents ORDER BY id"),
            "events": [[i, d, records(r)] for i, d, r in rows(
                f"SELECT id, doc_id, record FROM {'events_full' if str(db).startswith('postgresql') else 'events'}"
                " ORDER BY id")],
            "tracks": rows("SELECT id, platform, ident, name, type_code, registration, operator, flag, military, source,"
                           " n_positions, CAST(t_start AS VARCHAR), CAST(t_end AS VARCHAR) FROM tracks ORDER BY id"),
            "positions": _fixes(con, db),
            "clusters": [[i, records(r)] for i, r in rows("SELECT id, record FROM clusters ORDER BY id")],
            "members": rows("SELECT event_id, cluster_id FROM cluster_members ORDER BY 1"),
        }
    finally:
        con.close()


def consistent(db: Path) -> list[str]:
    """What is wrong in a store left by a killed process: tracks of a feed whose document is not
    stored, fixes without their track (a DuckDB file: listed fix files without their track or their file),
    events without their document."""
    postgres = str(db).startswith("postgresql://")
    con = _connect(db)
    try:
        problems = []
        for what, sql in (
            ("tracks of a feed not stored", "SELECT count(*) FROM tracks WHERE source NOT IN"
             " (SELECT path FROM documents WHERE media_type IN ('ais', 'adsb'))"),
            ("positions without a track", "SELECT count(*) FROM positions WHERE track_id NOT IN (SELECT id FROM tracks)")
            if postgres else
            ("fix files listed without a track", "SELECT count(*) FROM fix_files WHERE track_id NOT IN (SELECT id FROM tracks)"),
            ("events without a document", "SELECT count(*) FROM events WHERE doc_id NOT IN (SELECT id FROM documents)"),
        ):
            n = con.execute(sql).fetchone()[0]
            if n:
                problems.append(f"{n} {what}")
        if not postgres:
            root = Path(str(db) + ".fixes")
            missing = [p for (p,) in con.execute("SELECT DISTINCT path FROM fix_files").fetchall()
                       if not (root / p).exists()]
            if missing:
                problems.append(f"{len(missing)} listed fix files missing")
        return problems
    except duckdb.CatalogException:  # killed before the schema was made
        return []
    finally:
        con.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    """`forcewatch serve` in a child process on a free loopback port, until ``stop()``."""

    def __init__(self, db: Path, *args: str, config: Path | None = None):
        import http.client
        import time

        self.port = free_port()
        import tempfile

        folder = Path(tempfile.gettempdir()) if str(db).startswith("postgresql://") else Path(db).parent
        self.log = folder / f"serve-{self.port}.log"
        pre = ["--config", str(config)] if config else []
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "forcewatch.serve.cli", *pre, "serve", "--db", str(db), "--host", "127.0.0.1",
                 "--port", str(self.port), *args], env=env(), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"forcewatch serve exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/api/meta")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"forcewatch serve did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict]:
        import http.client

        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"{}")
        finally:
            c.close()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

"""What ten new reports cost to store and corroborate, into an empty store and into one of a million
events, on DuckDB and (with --postgres) PostgreSQL: the cost must not grow with the store.

    python bench/ingest_cost.py                                  # 1,000,000 events, DuckDB
    python bench/ingest_cost.py --events 200000 --rounds 3
    python bench/ingest_cost.py --postgres postgresql://user@127.0.0.1:5432/   # also PostgreSQL (a server
                                                                 # where the role may CREATE DATABASE)

The large store is bench/api.py's generated one (events spread over 2015-2025 around ten places,
the dates the reports carry among them). The ten reports are the first ten of ../shared/eval/real-news/
(read there, never copied; the demo's reports when it is absent), coded once by the real pipeline
before any timing: what is timed is ``Ingester.documents`` replaying those analyses, i.e. storing the
documents and events and fusing them with what is stored. Each round starts from a fresh copy of each
store. CPU is this process's; PostgreSQL's own work shows in the wall time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from api import build, load_postgres

from forcewatch.config import Resources
from forcewatch.ingest.reports import read_reports
from forcewatch.pipeline import Pipeline
from forcewatch.service import Ingester
from forcewatch.store import open_store

REPO = Path(__file__).resolve().parents[1]
REAL_NEWS = REPO.parent / "shared" / "eval" / "real-news"
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"


def reports(n: int):
    paths = sorted(REAL_NEWS.glob("[0-9][0-9]-*.txt"))[:n] or sorted(DEMO.glob("*.txt")) + sorted(DEMO.glob("*.html"))
    return [doc for p in paths for doc in read_reports(p)][:n]


class Replay:
    """A pipeline that hands back analyses made before (so only storing and fusion are timed)."""

    scope = "force"
    batch_docs = 1

    def __init__(self, analyses):
        self.by_id = {a.document.id: a for a in analyses}

    def analyze(self, docs):
        for d in docs:
            yield self.by_id[d.id]


def _postgres_copy(server: str, template: str | None) -> str:
    import psycopg

    name = f"fw_bench_{os.getpid()}_{time.monotonic_ns()}"
    with psycopg.connect(server + "postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return server + name


def _drop(server: str, url: str) -> None:
    import psycopg

    with psycopg.connect(server + "postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/forcewatch-bench.duckdb"), help="the large DuckDB store")
    ap.add_argument("--reuse", action="store_true", help="use --db as it is if it exists")
    ap.add_argument("--reports", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's base URL, ending in '/'")
    args = ap.parse_args(argv)
    if not (args.reuse and args.db.exists()):
        build(args.db, args.events)
    with open_store(args.db, read_only=True) as s:
        n_big = s.count("events")
    resources = Resources()
    docs = reports(args.reports)
    t0 = time.perf_counter()
    analyses = list(Pipeline(resources).analyze(docs))
    print(f"{len(docs)} reports, {sum(len(a.events) for a in analyses)} events, coded in "
          f"{time.perf_counter() - t0:.1f} s (not timed below)", file=sys.stderr)
    server = args.postgres.rstrip("/") + "/" if args.postgres else None
    big_pg = None
    if server:
        big_pg = _postgres_copy(server, None)
        load_postgres(args.db, big_pg)
        template = big_pg.rsplit("/", 1)[1]
    rows: dict[str, list[tuple[float, float]]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="fw-ingest-cost-"))
    try:
        for r in range(args.rounds):
            cases = [("DuckDB, empty", lambda: str(scratch / f"empty-{r}.duckdb"), None),
                     (f"DuckDB, {n_big:,} events", lambda: str(shutil.copy(args.db, scratch / f"big-{r}.duckdb")), None)]
            if server:
                cases += [("PostgreSQL, empty", lambda: _postgres_copy(server, None), True),
                          (f"PostgreSQL, {n_big:,} events", lambda: _postgres_copy(server, template), True)]
            for name, make, pg in cases:
                db = make()
                ingester = Ingester(resources, pipeline=Replay(analyses))
                with open_store(db, shared=True) as store:
                    w0, c0 = time.perf_counter(), time.process_time()
                    result = ingester.documents(store, docs)
                    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                assert result.added == len(docs), result
                rows.setdefault(name, []).append((wall, cpu))
                print(f"  round {r + 1} {name:32s} {wall:6.2f} s wall {cpu:6.2f} s CPU "
                      f"({result.linked} linked)", file=sys.stderr, flush=True)
                if pg:
                    _drop(server, db)
                else:
                    Path(db).unlink(missing_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if big_pg:
            _drop(server, big_pg)
    print(f"\nforcewatch ingest cost: {len(docs)} reports (coded before), median of {args.rounds} rounds, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print(f"| {'store':32s} | {'wall s':>7s} | {'CPU s':>7s} |")
    print(f"|{'-' * 34}|{'-' * 8}:|{'-' * 8}:|")
    medians = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
    for name, (wall, cpu) in medians.items():
        print(f"| {name:32s} | {wall:7.2f} | {cpu:7.2f} |")
    names = list(medians)
    for a, b in zip(names[::2], names[1::2]):
        print(f"\n{b} / {a}: wall {medians[b][0] / medians[a][0]:.2f}x, CPU {medians[b][1] / medians[a][1]:.2f}x "
              "(target: within 1.20x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

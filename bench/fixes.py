"""What storing tracks costs: a live commit's few closed tracks, and a bulk feed of many fixes.

    python bench/fixes.py                 # shared store (as `forcewatch watch` opens it)
    python bench/fixes.py --held          # one connection held for the run
    python bench/fixes.py --bulk 2000000  # fixes of the bulk feed

Live: ``--commits`` calls of ``Store.add_tracks`` with ``--tracks`` tracks of ``--fixes`` fixes each,
each in its own transaction as the watcher's writer does (median and p95 ms per call, and the fix
files the archive holds after). Bulk: one call with ``--bulk`` fixes of 500 vessels over a week
(fixes/s). Then the time to read one track's fixes back (``Store.track_fixes``, when the store has
it). Nothing here is a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from forcewatch.records import Position, Track  # noqa: E402
from forcewatch.store import Store  # noqa: E402

T0 = datetime(2024, 12, 9, tzinfo=timezone.utc)


def track(k: int, n: int, start: datetime, step_s: float, platform: str = "aircraft") -> Track:
    return Track(id=f"{platform}:{k}", platform=platform, ident=f"{k:06x}", name=f"C{k}", source="bench",
                 positions=[Position(start + timedelta(seconds=i * step_s), 35.0 + i * 1e-4, 35.9 - i * 1e-4,
                                     altitude_ft=1000.0 + i, speed_kn=250.0, course_deg=90.0, on_ground=False)
                            for i in range(n)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--tracks", type=int, default=3, help="closed tracks per live commit")
    ap.add_argument("--fixes", type=int, default=300, help="fixes per live track")
    ap.add_argument("--bulk", type=int, default=1_000_000, help="fixes of the bulk feed (0: none)")
    ap.add_argument("--held", action="store_true", help="a held store, not shared")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forcewatch-bench-fixes-"))
    store = Store(tmp / "f.duckdb", shared=not args.held)
    took = []
    for c in range(args.commits):
        batch = [track(c * args.tracks + j, args.fixes, T0 + timedelta(minutes=c), 1.0) for j in range(args.tracks)]
        t = time.perf_counter()
        with store.transaction():
            store.add_tracks(batch)
        took.append((time.perf_counter() - t) * 1000)
    took.sort()
    files = len(list(tmp.glob("f.duckdb.fixes/**/*.parquet")))
    print(f"live: {args.commits} commits of {args.tracks} tracks x {args.fixes} fixes, {'held' if args.held else 'shared'}"
          f" store: median {statistics.median(took):.1f} ms, p95 {took[int(0.95 * len(took))]:.1f} ms per add_tracks;"
          f" {files} fix files")
    if args.bulk:
        per = 2000
        bulk = [track(10_000_000 + k, per, T0 + timedelta(hours=k % 24), 300.0, "vessel") for k in range(args.bulk // per)]
        t = time.perf_counter()
        with store.transaction():
            store.add_tracks(bulk)
        dt = time.perf_counter() - t
        print(f"bulk: {len(bulk) * per:,} fixes of {len(bulk)} vessels over {per * 300 / 86400:.1f} days in {dt:.2f} s"
              f" ({len(bulk) * per / dt:,.0f} fixes/s)")
    reader = getattr(store, "track_fixes", None)
    if reader is not None:
        t = time.perf_counter()
        n = sum(len(reader(f"aircraft:{k}")) for k in range(0, args.commits * args.tracks, max(1, args.tracks * 10)))
        k = len(range(0, args.commits * args.tracks, max(1, args.tracks * 10)))
        print(f"read: {k} tracks' fixes ({n:,}) in {(time.perf_counter() - t) * 1000 / k:.1f} ms each")
    size = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file()) / 2**20
    print(f"on disk: {size:.0f} MB (database {sum(f.stat().st_size for f in tmp.glob('f.duckdb*') if f.is_file()) / 2**20:.0f} MB)")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

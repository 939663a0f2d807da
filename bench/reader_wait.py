"""How long `serve` keeps a reader waiting while a large ingest writes the same store.

    python bench/reader_wait.py [--docs 2000] [--src PATH] [--interval 0.05] [--json FILE]

Writes ``--docs`` reports (the demo's, each told again by many outlets, so fusion has work),
starts `forcewatch serve` on a fresh store (127.0.0.1, read-only) and `forcewatch ingest` of the
reports into it, and asks ``GET /api/events?limit=5`` every ``--interval`` seconds until the ingest
ends. Prints the answers' count, their latency (median, p99, max) and statuses, and the ingest's
wall time. ``--src``: the forcewatch sources the child processes run (another checkout, to compare
before and after a change).

Measured 2026-12-02, 400 reports, 2 shared cores (the ingest and serve pinned to one), answers every
50 ms: before fusion left the write transaction (main at c64fd84) 187 answers, median 264 ms, p99
3.9 s, max 28.9 s (the reader held for the whole fusion), ingest 126 s; after (branch hostfin) 382
answers, median 267 ms, p99 2.4 s, max 3.2 s, ingest 164 s (twice the answers competing for the
same core; not measured apart). The 2,000-report run is the default, not yet measured.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"


def reports(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    texts = sorted(DEMO.glob("*.txt"))
    for i in range(n):
        src = texts[i % len(texts)]
        meta = src.with_suffix(".meta.json")
        base = json.loads(meta.read_text()) if meta.exists() else {}
        name = f"{src.stem}-{i:05d}"
        (folder / f"{name}.txt").write_text(f"{src.read_text()}\n\nDesk {i} contributed to this report.\n")
        (folder / f"{name}.meta.json").write_text(json.dumps({**base, "source": f"Outlet {i % 97}"}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--src", type=Path, default=REPO / "src")
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fwwait-"))
    env = {**os.environ, "PYTHONPATH": str(args.src)}
    env.pop("FORCEWATCH_DB", None)
    cli = [sys.executable, "-m", "forcewatch.serve.cli"]
    try:
        reports(root / "in", args.docs)
        db = root / "fw.duckdb"
        subprocess.run([*cli, "ingest", "--db", str(db), str(DEMO / "hmeimim-airlift.txt")], env=env, check=True,
                       capture_output=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([*cli, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def get() -> int:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                c.request("GET", "/api/events?limit=5")
                r = c.getresponse()
                r.read()
                return r.status
            finally:
                c.close()

        deadline = time.monotonic() + 60
        while True:
            try:
                if get() == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not start")
            time.sleep(0.1)
        t0 = time.monotonic()
        ingest = subprocess.Popen([*cli, "ingest", "--db", str(db), str(root / "in")], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        waits, statuses = [], {}
        while ingest.poll() is None:
            start = time.monotonic()
            try:
                status = get()
            except OSError as exc:
                status = type(exc).__name__
            waits.append(time.monotonic() - start)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            time.sleep(args.interval)
        took = time.monotonic() - t0
        err = ingest.stderr.read()
        server.terminate()
        server.wait(10)
        waits.sort()
        out = {"docs": args.docs, "src": str(args.src), "ingest_s": round(took, 1), "exit": ingest.returncode,
               "answers": len(waits), "statuses": statuses,
               "median_ms": round(1000 * waits[len(waits) // 2]) if waits else None,
               "p99_ms": round(1000 * waits[int(len(waits) * 0.99)]) if waits else None,
               "max_ms": round(1000 * waits[-1]) if waits else None,
               "over_1s": sum(w > 1 for w in waits)}
        print(json.dumps(out))
        if ingest.returncode:
            print(err[-2000:], file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps(out) + "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Extraction throughput: articles per second for the whole text pipeline on one core.

    python bench/extract.py [--repeat N]

Reads the bundled demo reports and, when ../shared is present, the sample
report; prints documents, events and articles/s (start-up and model loading
reported separately, since a long-running ingest pays them once).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="times to run over the report set")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from forcewatch.config import Resources
    from forcewatch.ingest.reports import read_reports
    from forcewatch.pipeline import Pipeline

    paths = sorted((REPO / "src/forcewatch/data/demo").glob("*.txt")) + sorted((REPO / "src/forcewatch/data/demo").glob("*.html"))
    sample = SHARED / "samples" / "russia-syria-bases.txt"
    if sample.exists():
        paths.append(sample)
    docs = [d for p in paths for d in read_reports(p)]
    resources = Resources()
    pipeline = Pipeline(resources)
    resources.nlp  # noqa: B018  (loaded in start-up time)
    startup = time.perf_counter() - t0

    # Distinct texts each round, so nothing is cached between repeats.
    from dataclasses import replace

    batch = [replace(d, text=d.text + f"\n({i})", id=f"{d.id}-{i}") for i in range(args.repeat) for d in docs]
    t1 = time.perf_counter()
    n_events = sum(len(a.events) for a in pipeline.analyze(batch))
    elapsed = time.perf_counter() - t1
    chars = sum(len(d.text) for d in batch)
    print(f"reports: {len(docs)} distinct x {args.repeat} = {len(batch)} articles, {chars / len(batch):.0f} chars each")
    print(f"start-up (imports, gazetteer, model): {startup:.2f} s")
    print(f"events: {n_events} ({n_events / len(batch):.1f} per article)")
    print(f"throughput: {len(batch) / elapsed:.1f} articles/s on one process ({elapsed:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())

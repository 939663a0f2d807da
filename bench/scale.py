"""forcewatch batch: documents per second with 1 and with 2 Ray workers on the same corpus.

    python bench/scale.py                  # ~200 documents, workers 1 then 2, and the ratio
    python bench/scale.py --docs 400 --workers 1,2,4
    python bench/scale.py --source demo    # the bundled demo reports, not ../shared/eval/real-news

The corpus is made in memory: the real-news excerpts of ../shared/eval/real-news/ (read there, never
copied; the bundled demo reports when that folder is absent, or with --source demo), each told again
with a closing line from another outlet so every copy is its own document, until --docs. Each
worker count codes the whole corpus into a fresh DuckDB store in a temporary folder, on one local
Ray started once (bound to 127.0.0.1, as many CPUs as the largest count). Figures per run: the
documents per second from the workers' start to the last document stored (what a user waits for:
the actors' pipelines load first), the steady rate between the first and the last document back,
and the seconds the driver spent storing and fusing; first, for scale, `forcewatch ingest`'s way in
one process (Ingester.documents: one pipeline, one fusion at the end). Nothing here is a test: it prints and exits 0.

The last run (2 cores shared with other jobs, load average 4; docs/scale.md has all five, whose ratio
went from 0.84 to 1.48): ingest 4.0 docs/s; 1 worker 7.2 overall, 10.7 steady; 2 workers 7.1 and
10.5; ratio 0.98 and 0.98.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from forcewatch.config import Resources
from forcewatch.records import Document
from forcewatch.scale import Corpus, ray_cluster, run
from forcewatch.service import Ingester, read_documents
from forcewatch.store import open_store

REPO = Path(__file__).resolve().parents[1]
REAL_NEWS = REPO.parent / "shared" / "eval" / "real-news"
DEMO = REPO / "src" / "forcewatch" / "data" / "demo"
OUTLETS = ("Reuters", "Associated Press", "Agence France-Presse", "Kyiv Independent", "BBC Monitoring",
           "Deutsche Welle", "Al Jazeera", "Jane's", "Defense News", "Naval News")


def originals(source: str) -> tuple[str, list[Document]]:
    if source == "real-news" and REAL_NEWS.is_dir():
        files, where = sorted(REAL_NEWS.glob("[0-9][0-9]-*.txt")), f"{REAL_NEWS} (excerpts, read in place)"
    else:
        files, where = sorted(DEMO.glob("*.txt")) + sorted(DEMO.glob("*.html")), "the bundled demo reports"
    docs, failures = read_documents(files, echo=lambda _: None)
    assert docs and not failures, failures
    return where, docs


def corpus(docs: list[Document], n: int) -> Corpus:
    """``n`` documents: the originals, then each again with an outlet's closing line, round after round."""
    out: list[Document] = []
    round_ = 0
    while len(out) < n:
        for doc in docs:
            if len(out) == n:
                break
            if round_ == 0:
                out.append(doc)
                continue
            outlet = OUTLETS[(round_ - 1) % len(OUTLETS)]
            text = f"{doc.text.rstrip()}\n\n{outlet} contributed to this report ({round_}).\n"
            out.append(replace(doc, id=Document.make_id(text), text=text, outlet=outlet))
        round_ += 1
    return Corpus(documents=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents in the corpus (default 200)")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (default 1,2)")
    parser.add_argument("--source", choices=("real-news", "demo"), default="real-news")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    where, docs = originals(args.source)
    work = corpus(docs, args.docs)
    chars = sum(len(d.text) for d in work.documents)
    print(f"corpus: {len(work.documents)} documents ({chars / len(work.documents):,.0f} characters each on average) "
          f"from {len(docs)} originals: {where}")
    resources = Resources()
    resources.gazetteer  # noqa: B018  (built before any worker opens it)
    figures: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="forcewatch-bench-scale-") as tmp:  # the same work without Ray
        with open_store(Path(tmp) / "ingest.duckdb", shared=True) as store:
            began = time.perf_counter()
            ingester = Ingester(resources)
            done = ingester.documents(store, work.documents)
            took = time.perf_counter() - began
    print(f"ingest in this process (no Ray, one pipeline): {done.added} documents, {done.events} events in {took:.1f} s: "
          f"{done.added / took:.2f} docs/s")
    started = time.perf_counter()
    with ray_cluster(workers=max(counts)), tempfile.TemporaryDirectory(prefix="forcewatch-bench-scale-") as tmp:
        print(f"local Ray with {max(counts)} CPUs up in {time.perf_counter() - started:.1f} s")
        for workers in counts:
            back: list[float] = []
            with open_store(Path(tmp) / f"w{workers}.duckdb", shared=True) as store:
                result = run(resources, store, work, workers=workers, echo=print,
                             on_document=lambda _: back.append(time.perf_counter()))
            steady = (len(back) - 1) / (back[-1] - back[0]) if len(back) > 1 and back[-1] > back[0] else 0.0
            figures[workers] = (result.rate, steady)
            print(f"{workers} worker(s): {result.added} documents, {result.events} events in {result.seconds:.1f} s: "
                  f"{result.rate:.2f} docs/s overall, {steady:.2f} docs/s steady; "
                  f"storing and fusing {result.writing:.1f} s; {len(result.failures)} failed")
    base = counts[0]
    for workers in counts[1:]:
        overall, steady = (figures[workers][i] / figures[base][i] if figures[base][i] else 0.0 for i in (0, 1))
        print(f"ratio {workers} workers / {base}: {overall:.2f}x overall, {steady:.2f}x steady")


if __name__ == "__main__":
    main()

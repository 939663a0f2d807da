"""Event coding accuracy and speed: PLOVER gold records and forcewatch's force-posture cases.

    python bench/events.py [--plover PATH] [--cases PATH] [--errors]

PLOVER: the gold standard records in ../shared/eval/plover-gsr/gsr-dev.json (210
sentences, one gold event each; older names mapped DEMAND->REQUEST,
DISAPPROVE->ACCUSE, INVESTIGATE->ACCUSE, FIGHT->ASSAULT; CRIME skipped). Each
sentence goes through the whole text pipeline (screen, parse, code) as a
document dated with the record's date, with scope="all": the records are general
political news, which forcewatch codes only on request (``--all-events``); by
default a document with no military content is not coded at all
(extract/screen.py). The bench measures the coder, so it asks for every
document, and prints how many records the default scope would code. The predicted label of a sentence is its
main event (the trigger highest in the dependency tree; ties: the first), as
the gold records code the main event of the sentence, in the PLOVER category
the codebook gives it (events.plover_type: stated intentions to cooperate are
AGREE, to act against someone THREATEN, "X must ..." REQUEST). Reported: per-type
precision/recall/F1 and macro F1 over the gold types, "any" recall (the gold
type among all events coded), source-actor accuracy, and sentences/s. The
records were seen while writing the lexicon, so the figures are also given
separately for the even and odd records as a check on over-fitting.

Force posture: bench/data/force_posture_cases.yaml, written for forcewatch.
Every expected event is matched to a coded event of the same type and subtype;
per-label P/R/F1 and the share of matched events with the right actor,
modality, equipment and date.

The anchor figure: the public NGEC/POLECAT demo classifiers reach macro F1 = 0.52
on a 500-story news holdout (PLOVER types).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
PLOVER = SHARED / "eval" / "plover-gsr" / "gsr-dev.json"
CASES = REPO / "bench" / "data" / "force_posture_cases.yaml"
OLD_NAMES = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}
ANCHOR_MACRO_F1 = 0.52


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main_event(analysis):
    """The event whose trigger stands highest in its sentence's parse (ties: the earliest)."""
    from forcewatch.extract.nlp import token_at

    best, best_key = None, None
    for e in analysis.events:
        if e.type == "OTHER":
            continue
        parsed = (analysis.parse or {}).get(analysis.sentences.index(e.span))
        tok = token_at(parsed, e.trigger_span[0], exact=True)
        depth = 99 if tok is None else sum(1 for _ in tok.ancestors)
        key = (depth, e.trigger_span[0])
        if best_key is None or key < best_key:
            best, best_key = e, key
    return best


def plover_records(path: Path) -> list[dict]:
    records = []
    for r in json.loads(path.read_text("utf-8")):
        gold = OLD_NAMES.get(r["event"], r["event"])
        if gold == "CRIME":
            continue
        records.append({**r, "gold": gold})
    return records


def table(rows: dict[str, list[int]], title: str) -> float:
    print(f"\n{title}")
    print(f"  {'type':<12} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}")
    f1s = []
    for label in sorted(rows):
        tp, fp, fn = rows[label]
        p, r, f = prf(tp, fp, fn)
        if tp + fn:
            f1s.append(f)
        print(f"  {label:<12} {p:6.2f} {r:6.2f} {f:6.2f} {tp + fn:5d} {tp + fp:5d}")
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    print(f"  {'macro F1':<12} {macro:20.3f}   (over {len(f1s)} gold types)")
    return macro


@functools.cache
def _resources():
    """One configuration for both benches of this process (the packaged one)."""
    from forcewatch.config import Resources

    return Resources()


def bench_plover(path: Path, show_errors: bool) -> dict:
    from forcewatch.extract.events import plover_type
    from forcewatch.pipeline import Pipeline
    from forcewatch.records import Document

    records = plover_records(path)
    docs = [Document(id=r["id"], text=r["text"], published=date.fromisoformat(r["date"][:10])) for r in records]
    resources = _resources()
    pipeline = Pipeline(resources, scope="all")
    pipeline(Document(id="warm", text="Russian troops withdrew.", published=date(2024, 1, 1)))  # load the model
    t0 = time.perf_counter()
    analyses = list(pipeline.analyze(docs))
    elapsed = time.perf_counter() - t0
    default_scope = Pipeline(resources, components=[])
    on_topic = sum(bool(default_scope.prepare(d).relevant) for d in docs)

    halves = {"all": range(len(records)), "even": range(0, len(records), 2), "odd": range(1, len(records), 2)}
    results = {}
    for name, idx in halves.items():
        rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        any_hit = actor_hit = actor_n = 0
        for i in idx:
            r, a = records[i], analyses[i]
            gold = r["gold"]
            main = main_event(a)
            pred = plover_type(main, a) if main else None
            rows[gold]  # every gold type gets a row
            if pred == gold:
                rows[gold][0] += 1
            else:
                rows[gold][2] += 1
                if pred:
                    rows[pred][1] += 1
                if show_errors and name == "all":
                    print(f"  [{gold} -> {pred}] {r['eventText']!r}: {r['text'][:150]}")
            if any(plover_type(e, a) == gold for e in a.events):
                any_hit += 1
            codes = {s.get("code") for s in (r.get("source") or []) if s.get("code")}
            if codes and main is not None and pred == gold:
                actor_n += 1
                actor_hit += bool(main.actor and main.actor.country in codes)
        if name == "all":
            macro = table(rows, f"PLOVER gold records ({len(idx)} sentences, main event per sentence)")
        else:
            f1s = [prf(*v)[2] for k, v in rows.items() if v[0] + v[2]]
            macro = sum(f1s) / len(f1s)
        results[name] = {"macro_f1": macro, "any_recall": any_hit / len(idx),
                         "actor_acc": actor_hit / actor_n if actor_n else 0.0,
                         "accuracy": sum(v[0] for v in rows.values()) / len(idx)}
    a = results["all"]
    print(f"  accuracy {a['accuracy']:.3f}; gold type among all coded events {a['any_recall']:.3f}; "
          f"source actor right (when type right) {a['actor_acc']:.3f}")
    print(f"  even records macro F1 {results['even']['macro_f1']:.3f}, odd records {results['odd']['macro_f1']:.3f}")
    print(f"  anchor (NGEC/POLECAT demo classifiers, news holdout): macro F1 {ANCHOR_MACRO_F1:.2f}")
    print(f"  default scope: {on_topic} of {len(docs)} records are on topic for the default scope (coded without --all-events)")
    print(f"  speed: {len(docs) / elapsed:.1f} sentences/s (whole text pipeline, model loaded, 1 thread)")
    results["sentences_per_s"] = len(docs) / elapsed
    return results


def bench_cases(path: Path, show_errors: bool) -> dict:
    import yaml

    from forcewatch.pipeline import Pipeline
    from forcewatch.records import Document

    cases = yaml.safe_load(path.read_text("utf-8"))
    docs = [Document(id=f"case-{i}", text=c["text"], published=c["published"]) for i, c in enumerate(cases)]
    pipeline = Pipeline(_resources())
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    checks = Counter()
    totals = Counter()
    t0 = time.perf_counter()
    analyses = list(pipeline.analyze(docs))
    elapsed = time.perf_counter() - t0
    for case, a in zip(cases, analyses):
        coded = [e for e in a.events]
        free = list(coded)
        for exp in case["events"]:
            label = exp["subtype"] or exp["type"]
            match = next((e for e in free if e.type == exp["type"] and e.subtype == exp["subtype"]), None)
            if match is None:
                rows[label][2] += 1
                if show_errors:
                    print(f"  missed {label}: {case['text']}")
                continue
            free.remove(match)
            rows[label][0] += 1
            totals["actor"] += 1
            checks["actor"] += (match.actor.country if match.actor else None) == exp.get("actor")
            totals["modality"] += 1
            checks["modality"] += match.modality == exp.get("modality", "asserted")
            if exp.get("equipment"):
                totals["equipment"] += 1
                checks["equipment"] += set(exp["equipment"]) <= {q.name for q in match.equipment}
            if exp.get("date"):
                totals["date"] += 1
                checks["date"] += match.time is not None and match.time.start == exp["date"]
            if show_errors:
                got = (match.actor.country if match.actor else None, match.modality, [q.name for q in match.equipment],
                       match.time and match.time.start.isoformat())
                want = (exp.get("actor"), exp.get("modality"), exp.get("equipment"), exp.get("date") and str(exp["date"]))
                if got[0] != want[0] or got[1] != want[1] or (want[2] and not set(want[2]) <= set(got[2])) or (
                        want[3] and got[3] != want[3]):
                    print(f"  {label}: got {got} want {want}: {case['text'][:90]}")
        for e in free:
            label = e.subtype or e.type
            rows[label][1] += 1
            if show_errors:
                print(f"  extra {label} [{e.trigger}]: {case['text'][:90]}")
    n_expected = sum(len(c["events"]) for c in cases)
    macro = table(rows, f"Force-posture cases ({len(cases)} texts, {n_expected} events; label = subtype or type)")
    for k in ("actor", "modality", "equipment", "date"):
        if totals[k]:
            print(f"  {k:<10} right on {checks[k]}/{totals[k]} matched events ({checks[k] / totals[k]:.2f})")
    print(f"  speed: {len(docs) / elapsed:.1f} texts/s")
    return {"macro_f1": macro, **{k: checks[k] / totals[k] for k in totals}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plover", type=Path, default=PLOVER)
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--errors", action="store_true", help="print every miss")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    out = {}
    if args.plover.exists():
        out["plover"] = bench_plover(args.plover, args.errors)
    else:
        print(f"{args.plover} not present: PLOVER bench skipped", file=sys.stderr)
    out["force_posture"] = bench_cases(args.cases, args.errors)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

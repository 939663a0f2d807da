"""Bench: who says so and how sure — source kind and modality accuracy.

    python bench/attribution.py [--full] [--verbose] [--json OUT]

Three parts, each printed with its own figures:

1. ``bench/data/attribution_cases.jsonl``: sentences written for this bench
   (no outlet text), one expected event each: its trigger, source kind and
   modality, and where it matters the source's name, affiliation and who
   relays it (``via``). They were written by the author of the rules while
   writing them, so they measure coverage of the cues documented in
   docs/credibility.md, not performance on unseen news.
   ``bench/data/attribution_heldout{,2,3}.jsonl``: 30 more each, written
   later, one set at a time, with other phrasings ("TASS quoted the ministry
   as saying", "a source close to", "It was unclear whether"), labelled
   before their first run; the figures of those first runs are kept in
   docs/credibility.md (the rules were fixed against each set afterwards).
2. The sample report ``../shared/samples/russia-syria-bases.txt`` (skipped
   when absent), with expected labels declared below, per sentence and
   trigger.
3. Any attribution gold set under ``../shared/eval/`` (a folder whose name
   contains "attribution", with JSON lines holding ``text``, ``trigger``,
   ``kind``, ``modality``); none exists as of writing, and the bench says so.

Accuracy is given over the expected events the event coder produced
("found"), and over all expected events (a missing event counts wrong);
the two differ only by the event coder's recall.

By default the bench runs the attribution, event and source stages alone
(no gazetteer needed); ``--full`` runs the whole default pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
CASES = REPO / "bench" / "data" / "attribution_cases.jsonl"
HELDOUT = REPO / "bench" / "data" / "attribution_heldout.jsonl"
HELDOUT2 = REPO / "bench" / "data" / "attribution_heldout2.jsonl"
HELDOUT3 = REPO / "bench" / "data" / "attribution_heldout3.jsonl"
SAMPLE = SHARED / "samples" / "russia-syria-bases.txt"

# The sample: (words of the sentence, trigger prefix, kind, modality, name or None).
SAMPLE_EXPECTED = [
    ("withdrawing its forces from the front lines in northern Syria", "withdrawing", "anonymous", "asserted", None),
    ("withdrawing its forces from the front lines in northern Syria", "leave", "anonymous", "negated", None),
    ("Satellite footage on Friday", "loading", "imagery", "hedged", None),
    ("Syrian security official stationed", "took off", "anonymous", "asserted", None),
    ("Syrian security official stationed", "heading", "anonymous", "asserted", None),
    ("Syrian military and security sources", "withdrawing", "anonymous", "asserted", None),
    ("But the sources", "withdraw", "anonymous", "negated", None),
    ("senior Syrian army officer", "shipped", "anonymous", "asserted", None),
    ("senior Syrian army officer", "regroup", "anonymous", "future", None),
    ("senior Syrian army officer", "redeploy", "anonymous", "future", None),
    ("armed opposition official close", "discussion", "anonymous", "negated", None),
    ("the official said", "established", "anonymous", "asserted", None),
    ("The Kremlin said", "discussions", "official", "asserted", "Kremlin"),
    ("Defense Ministry did not respond", "did not respond", "official", "no_comment", "Russian Defense Ministry"),
    ("A Russian source", "discussions", "anonymous", "asserted", None),
    ("A Russian source", "withdraw", "anonymous", "negated", None),
    ("Yoruk", "sending", "analyst", "hedged", "Yoruk Işık"),
    ("A Reuters journalist said", "convoy", "journalist", "asserted", "Reuters"),
    ("A Reuters journalist said", "heading", "journalist", "asserted", "Reuters"),
    ("The convoy had stopped", "convoy", "journalist", "asserted", "Reuters"),
    ("Ali Halloum", "persecuting", "named", "asserted", "Ali Halloum"),
    ("Reuters saw", "walking", "journalist", "asserted", "Reuters"),
    ("Planet Labs", "anchored", "imagery", "asserted", "Planet Labs"),
    ("Planet Labs", "ships", "imagery", "asserted", "Planet Labs"),
    ("listening sites", "stations", "anonymous", "asserted", None),
    ("Putin, whose intervention", "intervention", "organization", "asserted", "Reuters"),
    ("free 49-year lease", "granted", "organization", "asserted", "Reuters"),
]


def components(full: bool):
    return None if full else ["attribution", "events", "no_comment", "resolve_sources"]


def pick(events, trigger: str, words: str | None = None):
    trigger = trigger.lower()
    for e in events:
        if (words is None or words in e.sentence) and e.trigger.lower().startswith(trigger):
            return e
    return None


class Score:
    def __init__(self, name: str):
        self.name = name
        self.rows: list[dict] = []

    def add(self, case_id: str, expected: dict, event) -> None:
        row = {"id": case_id, "expected": expected, "found": event is not None}
        if event is not None:
            src = event.source
            got = {"kind": src.kind if src else None, "modality": event.modality,
                   "name": src.name if src else None, "affiliation": src.affiliation if src else None,
                   "via": src.nested_via.kind if src and src.nested_via else None,
                   "credibility": event.credibility.code if event.credibility else None}
            row["got"] = got
            row["kind_ok"] = got["kind"] == expected["kind"]
            row["modality_ok"] = got["modality"] == expected["modality"]
            for key in ("name", "affiliation", "via"):
                if expected.get(key) is not None:
                    row[f"{key}_ok"] = (got[key] or "").lower() == str(expected[key]).lower()
        self.rows.append(row)

    def figures(self) -> dict:
        n = len(self.rows)
        found = [r for r in self.rows if r["found"]]
        out = {"expected": n, "found": len(found)}
        for key in ("kind", "modality"):
            ok = sum(1 for r in found if r[f"{key}_ok"])
            out[f"{key}_acc_found"] = ok / len(found) if found else None
            out[f"{key}_acc_all"] = ok / n if n else None
        both = sum(1 for r in found if r["kind_ok"] and r["modality_ok"])
        out["both_acc_found"] = both / len(found) if found else None
        for key in ("name", "affiliation", "via"):
            scored = [r for r in found if f"{key}_ok" in r]
            if scored:
                out[f"{key}_acc"] = sum(r[f"{key}_ok"] for r in scored) / len(scored)
                out[f"{key}_n"] = len(scored)
        return out

    def report(self, verbose: bool) -> dict:
        f = self.figures()
        pct = lambda x: "  n/a" if x is None else f"{100 * x:5.1f}%"  # noqa: E731
        print(f"\n== {self.name}: {f['found']}/{f['expected']} expected events produced by the event coder")
        print(f"   source kind  {pct(f['kind_acc_found'])} of found   {pct(f['kind_acc_all'])} of all")
        print(f"   modality     {pct(f['modality_acc_found'])} of found   {pct(f['modality_acc_all'])} of all")
        print(f"   both         {pct(f['both_acc_found'])} of found")
        for key in ("name", "affiliation", "via"):
            if f"{key}_acc" in f:
                print(f"   {key:<12} {pct(f[f'{key}_acc'])} of {f[f'{key}_n']} declared")
        confusion = Counter()
        for r in self.rows:
            if not r["found"]:
                if verbose:
                    print(f"   - {r['id']}: no event {r['expected']['trigger']!r}")
                continue
            bad = [k for k in ("kind", "modality", "name", "affiliation", "via") if r.get(f"{k}_ok") is False]
            for k in ("kind", "modality"):
                if r.get(f"{k}_ok") is False:
                    confusion[(k, r["expected"][k], r["got"][k])] += 1
            if bad and verbose:
                exp = {k: r["expected"].get(k) for k in bad}
                got = {k: r["got"].get(k) for k in bad}
                print(f"   x {r['id']}: expected {exp} got {got}")
        if confusion:
            print("   errors: " + ", ".join(f"{k} {a}->{b} x{n}" for (k, a, b), n in sorted(confusion.items())))
        return f


def run_cases(pipe, path: Path, name: str, outlet: str = "AP") -> Score:
    from forcewatch.records import Document

    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    docs = [Document(id=c.get("id", str(i)), text=c["text"], outlet=c.get("outlet", outlet),
                     published=date(2025, 3, 6)) for i, c in enumerate(cases)]
    analyses = {a.document.id: a for a in pipe.analyze(docs)}
    score = Score(name)
    for c, d in zip(cases, docs):
        score.add(d.id, c, pick(analyses[d.id].events, c["trigger"]))
    return score


def run_sample(pipe, verbose: bool) -> Score | None:
    if not SAMPLE.exists():
        print(f"\n== sample: {SAMPLE} not present, skipped")
        return None
    from forcewatch.ingest.reports import read_reports

    a = pipe(read_reports(SAMPLE)[0])
    score = Score("sample russia-syria-bases (labels declared in bench/attribution.py)")
    declared = set()
    for words, trigger, kind, modality, name in SAMPLE_EXPECTED:
        e = pick(a.events, trigger, words)
        if e is not None:
            declared.add(e.id)
        exp = {"trigger": trigger, "kind": kind, "modality": modality}
        if name:
            exp["name"] = name
        score.add(f"{words[:30]}/{trigger}", exp, e)
    if verbose:
        for e in a.events:
            if e.id not in declared:
                print(f"   (undeclared) {e.trigger!r} {e.source.kind} {e.modality} {e.credibility.code if e.credibility else None} in "
                      f"{e.sentence[:60]!r}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="run the whole default pipeline (needs the gazetteer)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    from forcewatch.config import Resources
    from forcewatch.pipeline import Pipeline

    pipe = Pipeline(Resources(), components(args.full))
    results = {}
    results["cases"] = run_cases(pipe, CASES, f"own cases ({CASES.relative_to(REPO)})").report(args.verbose)
    results["heldout"] = run_cases(pipe, HELDOUT, f"held-out cases ({HELDOUT.relative_to(REPO)})").report(args.verbose)
    results["heldout2"] = run_cases(pipe, HELDOUT2, f"held-out cases 2 ({HELDOUT2.relative_to(REPO)})").report(args.verbose)
    results["heldout3"] = run_cases(pipe, HELDOUT3, f"held-out cases 3 ({HELDOUT3.relative_to(REPO)})").report(args.verbose)
    sample = run_sample(pipe, args.verbose)
    if sample is not None:
        results["sample"] = sample.report(args.verbose)
    gold = sorted(p for p in (SHARED / "eval").glob("*attribution*/*.jsonl")) if (SHARED / "eval").exists() else []
    if not gold:
        print(f"\n== shared gold sets: no attribution gold set under {SHARED / 'eval'}")
    for path in gold:
        results[str(path)] = run_cases(pipe, path, f"gold {path.name}").report(args.verbose)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

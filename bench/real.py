"""Events right on real reporting: the real-news set's analyst gold held against what forcewatch emits.

    python bench/real.py [--dir PATH] [--errors] [--doc NN] [--json PATH]

Each article of ../shared/eval/real-news/ (25 excerpts, 133 required and 174
optional gold events; its README gives the format and matching rules) is read
as `forcewatch extract` reads it, dated by its ``.meta.json``, and coded in the
default scope. Every emitted event is turned into the public record
(serve/output.event_record) and held against the gold exactly as the README
says:

- a gold event is *found* when an emitted event's sentence holds its cue;
- *fully right* when one such event has a type or subtype in the family and
  every field the gold sets right: loc (any of location/origin/destination
  within the tolerance), date (the time range covers the gold date at its
  precision), kind (source.kind among the kinds), modality (among the listed,
  else ``asserted``);
- an emitted event *matches* a gold event (required or optional) when its
  sentence holds the cue, its type or subtype is in the family and, where both
  give a place, the place is within the tolerance; one that matches none is
  spurious.

Printed: per document and in total fully right R/133, precision M/E, found,
per-field accuracy among found gold events that set the field (the best
candidate of each gold event is the one with the most fields right), and the
count of emitted events more than 500 km from every gold place given for
their sentence (the places issue's "wrong continent" count). ``--errors`` lists
every required gold event not fully right and every spurious event.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORCEWATCH_SHARED", REPO.parent / "shared"))
REAL = SHARED / "eval" / "real-news"
FIELDS = ("type", "loc", "date", "kind", "modality")
FAR_KM = 500.0


def _points(event: dict) -> list[tuple[float, float]]:
    return [(p["lat"], p["lon"]) for p in (event.get("location"), event.get("origin"), event.get("destination"))
            if p and p.get("lat") is not None]


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    from forcewatch.geo import geodesic_km

    return geodesic_km(a[0], a[1], b[0], b[1])


def type_right(event: dict, gold: dict) -> bool:
    family = set(gold["family"])
    return event["type"] in family or (event.get("subtype") or "") in family


def loc_right(event: dict, gold: dict) -> bool:
    lat, lon, tol = gold["loc"]
    return any(_distance(p, (lat, lon)) <= tol for p in _points(event))


def date_right(event: dict, gold: dict) -> bool:
    t = event.get("time")
    if not t:
        return False
    g = gold["date"]
    start, end = t["start"], t["end"] or t["start"]
    n = len(g)  # "YYYY" 4, "YYYY-MM" 7, "YYYY-MM-DD" 10: compare at the gold's precision
    return start[:n] <= g <= end[:n]


def kind_right(event: dict, gold: dict) -> bool:
    return (event.get("source") or {}).get("kind") in gold["kinds"]


def modality_right(event: dict, gold: dict) -> bool:
    return event.get("modality", "asserted") in (gold.get("modality") or ["asserted"])


CHECKS = {"loc": (lambda g: g.get("loc") is not None, loc_right),
          "date": (lambda g: g.get("date") is not None, date_right),
          "kind": (lambda g: g.get("kinds") is not None, kind_right),
          "modality": (lambda g: True, modality_right)}


def fields(event: dict, gold: dict) -> dict[str, bool]:
    """Which fields of one candidate are right (only those the gold sets)."""
    out = {"type": type_right(event, gold)}
    for name, (applies, right) in CHECKS.items():
        if applies(gold):
            out[name] = right(event, gold)
    return out


def holds(event: dict, gold: dict) -> bool:
    return gold["cue"].lower() in (event.get("sentence") or "").lower()


def matches(event: dict, gold: dict) -> bool:
    if not holds(event, gold) or not type_right(event, gold):
        return False
    return gold.get("loc") is None or not _points(event) or loc_right(event, gold)


def score_document(events: list[dict], gold_events: list[dict]) -> dict:
    required = [g for g in gold_events if not g.get("optional")]
    tally = Counter(required=len(required), emitted=len(events))
    field_n, field_ok = Counter(), Counter()
    misses = []
    for g in required:
        candidates = [e for e in events if holds(e, g)]
        if not candidates:
            misses.append((g, None, "not found"))
            continue
        tally["found"] += 1
        best = max((fields(e, g) for e in candidates), key=lambda f: (f["type"], sum(f.values())))
        for name, ok in best.items():
            field_n[name] += 1
            field_ok[name] += ok
        if all(best.values()):
            tally["fully_right"] += 1
        else:
            wrong = [k for k, ok in best.items() if not ok]
            shown = max(candidates, key=lambda e: (type_right(e, g), sum(fields(e, g).values())))
            misses.append((g, shown, "wrong " + ", ".join(wrong)))
    spurious, far = [], []
    for e in events:
        if any(matches(e, g) for g in gold_events):
            tally["matched"] += 1
        else:
            spurious.append(e)
        sentence_places = [g["loc"] for g in gold_events if g.get("loc") and holds(e, g)]
        if sentence_places and _points(e) and all(
                _distance(p, (lat, lon)) > FAR_KM for p in _points(e) for lat, lon, _ in sentence_places):
            tally["far"] += 1
            far.append(e)
    return {"tally": tally, "field_n": field_n, "field_ok": field_ok, "misses": misses, "spurious": spurious,
            "far": far}


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/0"


def _describe(e: dict) -> str:
    loc = e.get("location") or e.get("destination") or e.get("origin")
    where = loc["name"] if loc else "-"
    when = e["time"]["start"] if e.get("time") else "-"
    kind = (e.get("source") or {}).get("kind")
    return f"{e['type']}/{e.get('subtype')} [{e['trigger']}] at {where} on {when}, {kind}, {e.get('modality')}"


def load_set(folder: Path) -> list[tuple[Path, dict]]:
    pairs = []
    for text in sorted(folder.glob("[0-9][0-9]-*.txt")):
        gold = folder / f"gold-{text.name[:2]}.json"
        if gold.exists():
            pairs.append((text, json.loads(gold.read_text("utf-8"))))
    return pairs


def run(folder: Path, only: str | None = None, show_errors: bool = False) -> dict:
    from forcewatch.config import Resources
    from forcewatch.ingest.reports import read_reports
    from forcewatch.pipeline import Pipeline
    from forcewatch.serve.output import event_record

    pairs = [(p, g) for p, g in load_set(folder) if only is None or p.name.startswith(only)]
    pipeline = Pipeline(Resources())
    total = Counter()
    field_n, field_ok = Counter(), Counter()
    per_doc = []
    elapsed = 0.0
    print(f"{'doc':<48} {'right':>7} {'found':>7} {'match':>7}  far")
    for path, gold in pairs:
        (doc,) = read_reports(path, date.fromisoformat(gold["published"]))
        t0 = time.perf_counter()
        analysis = pipeline(doc)
        elapsed += time.perf_counter() - t0
        events = [event_record(e, analysis.document) for e in analysis.events]
        result = score_document(events, gold["events"])
        t = result["tally"]
        total.update(t)
        field_n.update(result["field_n"])
        field_ok.update(result["field_ok"])
        per_doc.append({"doc": path.name, **t})
        print(f"{path.stem[:48]:<48} {t['fully_right']:>3}/{t['required']:<3} {t['found']:>3}/{t['required']:<3} "
              f"{t['matched']:>3}/{t['emitted']:<3} {t['far']:>3}")
        if show_errors:
            for g, e, why in result["misses"]:
                want = f"{g['family']} loc={g.get('loc')} date={g.get('date')} kinds={g.get('kinds')} mod={g.get('modality')}"
                print(f"    MISS {g['id']} {why}: {g['cue']!r}\n         want {want}")
                if e is not None:
                    print(f"         got  {_describe(e)}")
            for e in result["spurious"]:
                print(f"    SPURIOUS {_describe(e)}: {e['sentence'][:110]!r}")
            for e in result["far"]:
                print(f"    FAR {_describe(e)}: {e['sentence'][:110]!r}")
    print()
    print(f"fully right {_pct(total['fully_right'], total['required'])}")
    print(f"precision   {_pct(total['matched'], total['emitted'])}")
    print(f"found       {_pct(total['found'], total['required'])}")
    for name in FIELDS:
        print(f"  {name:<9} right for {_pct(field_ok[name], field_n[name])} found gold events that set it")
    print(f"events more than {FAR_KM:.0f} km from every gold place of their sentence: {total['far']}")
    print(f"speed: {len(pairs) / elapsed:.1f} documents/s (model loaded, 1 thread)")
    return {"fully_right": total["fully_right"], "required": total["required"], "matched": total["matched"],
            "emitted": total["emitted"], "found": total["found"], "far": total["far"],
            "fields": {k: [field_ok[k], field_n[k]] for k in FIELDS}, "documents": per_doc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=REAL)
    parser.add_argument("--doc", help="only the documents whose name starts with this (e.g. 05)")
    parser.add_argument("--errors", action="store_true", help="list every miss and every spurious event")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if not args.dir.exists():
        print(f"{args.dir} not present: real-news bench skipped", file=sys.stderr)
        return
    out = run(args.dir, args.doc, args.errors)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

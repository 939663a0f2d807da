"""Geoparsing benchmark: recognition + resolution, end to end, on public gold sets.

    python bench/geo.py                 # GeoWebNews, LGL and the event-location set
    python bench/geo.py --subset 40     # quick: the first 40 documents of each set
    python bench/geo.py --sets gwn      # one set; --ner adds the spaCy model (slower)
    python bench/geo.py --half test     # only the held-out half of GeoWebNews and LGL

Halves (the place ranker's split, bench/train_ranker.py): article *i* of a set's XML, counted from 0
in file order, is in the ``train`` half when *i* is even and in the ``test`` half when *i* is odd.
The shipped ranker (src/forcewatch/data/ranker.json) was fitted on the train halves only, so figures
on ``--half test`` are held-out figures; ``--half all`` (the default) scores every article.

Sets are read from ../shared/eval/ (or $FORCEWATCH_EVAL); a missing set is skipped.
Figures per set:

* recall: share of gold toponyms (with coordinates) that a predicted mention overlaps;
* acc@161: of those recognised, the share resolved within 161 km of the gold point
  (Mordecai3's published figures are this, with gold toponyms given);
* e2e@161: share of all gold toponyms recognised *and* resolved within 161 km;
* median km: median error of recognised toponyms (unresolved ones count as 20,000 km);
* precision: share of predicted, resolved mentions that overlap an annotated toponym;
* docs/s: documents per second of the geoparser (gazetteer already loaded);
* given@161: acc@161 when the gold toponym spans are given and only resolution runs, the setting of
  Mordecai3's published figures (GeoWebNews 94.1 %, LGL 82.7 %).

Event-location set (Halterman 2019): for every sentence with an annotated event place,
is the place forcewatch picks for the event verb the annotated one (span overlap)?
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from forcewatch.records import Document  # noqa: E402
from forcewatch.geo import haversine_km  # noqa: E402

MORDECAI3 = {"gwn": 94.1, "lgl": 82.7}
HALVES = ("all", "train", "test")


def in_half(index: int, half: str) -> bool:
    """The fixed split: even article indices (0-based, file order) train, odd ones test."""
    return half == "all" or (index % 2 == 0) == (half == "train")


def halve(items, half: str) -> list:
    return [item for i, item in enumerate(items) if in_half(i, half)]


def eval_dir() -> Path:
    env = os.environ.get("FORCEWATCH_EVAL")
    return Path(env) if env else ROOT.parent / "shared" / "eval"


def _load(path: Path, coordinates):
    """(text, gold toponyms with coordinates, every annotated span) per article of a GeoNames-style
    XML gold set; ``coordinates`` reads (lat, lon) strings from one toponym element."""
    for art in ET.parse(path).getroot().findall("article"):
        text = art.findtext("text") or ""
        gold, spans = [], []
        for t in art.find("toponyms"):
            s, e = int(t.findtext("start")), int(t.findtext("end"))
            spans.append((s, e))
            lat, lon = coordinates(t)
            if lat and lon:
                gold.append((s, e, float(lat), float(lon)))
        yield text, gold, spans


def load_gwn(path: Path):
    return _load(path, lambda t: (t.findtext("latitude"), t.findtext("longitude")))


def load_lgl(path: Path):
    def gaztag(t):
        g = t.find("gaztag")
        return (g.findtext("lat"), g.findtext("lon")) if g is not None else (None, None)

    return _load(path, gaztag)


def bench_toponyms(name: str, items, gazetteer, nlp=None) -> dict:
    from forcewatch.resolve.geoparse import geoparse

    docs = [Document(id=str(i), text=text) for i, (text, _, _) in enumerate(items)]
    t0 = time.perf_counter()
    analyses = list(geoparse(docs, gazetteer, nlp=nlp))
    elapsed = time.perf_counter() - t0
    n_gold = found = correct = 0
    errors = []
    predicted = predicted_ok = 0
    for (text, gold, spans), analysis in zip(items, analyses):
        places = [p for p in analysis.places if p.span]
        for p in places:
            if p.lat is None:
                continue
            predicted += 1
            if any(p.span[0] < e and s < p.span[1] for s, e in spans):
                predicted_ok += 1
        for s, e, lat, lon in gold:
            n_gold += 1
            hits = [p for p in places if p.span[0] < e and s < p.span[1]]
            if not hits:
                continue
            found += 1
            hit = min(hits, key=lambda p: (p.lat is None, abs(p.span[0] - s) + abs(p.span[1] - e)))
            err = haversine_km(lat, lon, hit.lat, hit.lon) if hit.lat is not None else 20000.0
            errors.append(err)
            correct += err <= 161
    given = resolve_gold_spans(items, gazetteer)
    return {
        "set": name, "docs": len(docs), "gold": n_gold, "given161": given,
        "recall": 100 * found / n_gold if n_gold else 0.0,
        "acc161": 100 * correct / found if found else 0.0,
        "e2e161": 100 * correct / n_gold if n_gold else 0.0,
        "median_km": statistics.median(errors) if errors else float("nan"),
        "precision": 100 * predicted_ok / predicted if predicted else 0.0,
        "docs_s": len(docs) / elapsed if elapsed else 0.0,
    }


def gold_analysis(i: int, text: str, gold, gazetteer):
    """A document's Analysis with the gold toponym spans as its place mentions (a demonym when it is
    one, else a name, fuzzy lookup allowed); the rest of the document's recognised places stay, to
    give context, as they would in use."""
    from forcewatch.extract.nlp import split_sentences
    from forcewatch.extract.places import demonyms, find_places
    from forcewatch.lexicon import fold
    from forcewatch.records import Analysis, Mention

    analysis = Analysis(document=Document(id=str(i), text=text), sentences=split_sentences(text))
    analysis.parse = {}
    find_places(analysis, gazetteer)
    spans = [(s, e) for s, e, _, _ in gold]
    kept = [m for m in analysis.mentions if not any(m.span[0] < e and s < m.span[1] for s, e in spans)]
    gold_mentions = []
    for s, e in spans:
        phrase = text[s:e]
        iso = demonyms().get(fold(phrase))
        if iso:
            data = {"place": iso[1:]} if iso.startswith("@") else {"country": iso}
            m = Mention("place", phrase, (s, e), "DEMONYM", None, {"name": phrase, **data})
        else:
            m = Mention("place", phrase, (s, e), "NAME", None, {"name": phrase, "fuzzy": True})
        gold_mentions.append(m)
    analysis.mentions = sorted(kept + gold_mentions, key=lambda m: m.span[0])
    return analysis


def resolve_gold_spans(items, gazetteer) -> float:
    """acc@161 with the gold toponyms given (Mordecai3's setting): resolution alone.

    Each gold span becomes a place mention (a demonym when it is one); the rest of the document's
    recognised places still give context, as they would in use."""
    from forcewatch.resolve.places import place_mentions

    correct = total = 0
    for i, (text, gold, _) in enumerate(items):
        analysis = gold_analysis(i, text, gold, gazetteer)
        by_span = {tuple(m.span): p for m, p in place_mentions(analysis, gazetteer)}
        for s, e, lat, lon in gold:
            total += 1
            p = by_span.get((s, e))
            if p is not None and p.lat is not None and haversine_km(lat, lon, p.lat, p.lon) <= 161:
                correct += 1
    return 100 * correct / total if total else 0.0


def char_span(text: str, span: dict, tokenizer) -> tuple[int, int]:
    """A span's characters. About 900 of the set's LOCATION spans give token indices in
    ``start``/``end`` (they equal ``token_start``/``token_end``: "Algiers" as 15..15); those are
    mapped through spaCy's English tokenizer, which the set's token indices follow."""
    if span["start"] == span.get("token_start") and span["end"] == span.get("token_end"):
        tokens = tokenizer(text)
        if span["token_end"] < len(tokens):
            first, last = tokens[span["token_start"]], tokens[span["token_end"]]
            return first.idx, last.idx + len(last)
    return span["start"], span["end"]


def bench_event_location(path: Path, gazetteer, subset: int | None) -> dict:
    """Is the place chosen for the event verb the annotated one?"""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    from forcewatch.extract.places import find_places
    from forcewatch.records import Analysis
    from forcewatch.resolve.places import choose_event_mention, place_mentions

    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    rows = [r for r in rows if any(s["label"] == "VERB" for s in r["spans"])]
    if subset:
        rows = rows[: subset * 25]
    with_loc = right = picked_none = 0
    without_loc = false_pick = 0
    t0 = time.perf_counter()
    for i, r in enumerate(rows):
        text = r["text"]
        verb = next(s for s in r["spans"] if s["label"] == "VERB")
        gold = [char_span(text, s, tokenizer) for s in r["spans"] if s["label"] == "LOCATION"]
        analysis = Analysis(document=Document(id=str(i), text=text), sentences=[(0, len(text))])
        find_places(analysis, gazetteer)
        cands = [(m, p) for m, p in place_mentions(analysis, gazetteer) if p is not None]
        choice = choose_event_mention(text, (verb["start"], verb["end"]), (0, len(text)), cands,
                                      gazetteer.capitals())
        if gold:
            with_loc += 1
            if choice is None:
                picked_none += 1
            elif any(choice[0].span[0] < e and s < choice[0].span[1] for s, e in gold):
                right += 1
        else:
            without_loc += 1
            false_pick += choice is not None
    elapsed = time.perf_counter() - t0
    return {
        "set": "event-location", "sentences": len(rows), "with_place": with_loc,
        "accuracy": 100 * right / with_loc if with_loc else 0.0,
        "none_picked": 100 * picked_none / with_loc if with_loc else 0.0,
        "false_place": 100 * false_pick / without_loc if without_loc else 0.0,
        "sent_s": len(rows) / elapsed if elapsed else 0.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subset", type=int, default=None, help="only the first N documents of each set")
    ap.add_argument("--sets", default="gwn,lgl,events", help="comma-separated: gwn, lgl, events")
    ap.add_argument("--ner", action="store_true", help="use spaCy NER as extra evidence (slower)")
    ap.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    ap.add_argument("--half", choices=HALVES, default="all",
                    help="GeoWebNews and LGL articles to score: all, train (even indices) or test (odd, held out)")
    args = ap.parse_args(argv)

    from forcewatch.config import Resources

    t0 = time.perf_counter()
    resources = Resources()
    gazetteer = resources.gazetteer
    gazetteer.keys()
    from forcewatch.resolve.geoparse import geoparse

    # warm up: lazy tables (skeletons, demonyms, countries) load once per process
    list(geoparse([Document(id="warm", text="Russian ships left Tartous for Sevastopol, Ukraine.")], gazetteer))
    gazetteer.fuzzy("Khmeimim")
    load = time.perf_counter() - t0
    base = eval_dir()
    results = []
    sets = args.sets.split(",")
    for key, rel, loader in (("gwn", "geowebnews/GWN.xml", load_gwn), ("lgl", "lgl/lgl.xml", load_lgl)):
        if key not in sets:
            continue
        path = base / rel
        if not path.exists():
            print(f"{key}: {path} not found, skipped", file=sys.stderr)
            continue
        items = halve(list(loader(path)), args.half)
        items = items[: args.subset] if args.subset else items
        result = bench_toponyms(key, items, gazetteer, resources.nlp if args.ner else None)
        result["half"] = args.half
        results.append(result)
    if "events" in sets:
        path = base / "event-location" / "dev.jsonl"
        if path.exists():
            results.append(bench_event_location(path, gazetteer, args.subset))
        else:
            print(f"events: {path} not found, skipped", file=sys.stderr)
    if args.json:
        for r in results:
            print(json.dumps(r))
        return 0
    print(f"gazetteer loaded in {load:.1f} s; mode: {'gazetteer + spaCy NER' if args.ner else 'gazetteer + rules (no NER)'}")
    if any(r["set"] in ("gwn", "lgl") for r in results):
        print(f"half scored: {args.half}" + {"all": " (every article)", "train": " (even article indices: the ranker's "
              "training half)", "test": " (odd article indices: held out from the ranker's training)"}[args.half])
    print(f"{'set':8} {'docs':>5} {'gold':>5} {'recall':>7} {'acc@161':>8} {'e2e@161':>8} {'median km':>9} "
          f"{'precision':>9} {'docs/s':>7} {'given@161':>9}  Mordecai3 acc@161 (gold toponyms given)")
    for r in results:
        if r["set"] == "event-location":
            continue
        print(f"{r['set']:8} {r['docs']:>5} {r['gold']:>5} {r['recall']:>6.1f}% {r['acc161']:>7.1f}% {r['e2e161']:>7.1f}% "
              f"{r['median_km']:>9.1f} {r['precision']:>8.1f}% {r['docs_s']:>7.1f} {r['given161']:>8.1f}%  "
              f"{MORDECAI3.get(r['set'], '')}%")
    for r in results:
        if r["set"] == "event-location":
            print(f"event-location: {r['sentences']} sentences, {r['with_place']} with an annotated place: "
                  f"right place {r['accuracy']:.1f}%, none picked {r['none_picked']:.1f}%; "
                  f"a place picked where none is annotated {r['false_place']:.1f}%; {r['sent_s']:.0f} sentences/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The fitted place ranker: the shipped model, its features, and the training script on a tiny
synthetic gold set. Sentences and gold points here are written for these tests."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from forcewatch.extract.nlp import split_sentences
from forcewatch.extract.places import find_places
from forcewatch.records import Analysis, Document
from forcewatch.resolve.places import Context, Ranker, choose, features, place_mentions, ranker, score

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "src" / "forcewatch" / "data" / "ranker.json"


def resolved(text: str, gaz) -> dict:
    analysis = Analysis(document=Document(id="t", text=text), sentences=split_sentences(text))
    analysis.parse = {}
    find_places(analysis, gaz)
    return {m.text: p for m, p in place_mentions(analysis, gaz) if p is not None}


def test_the_shipped_model_loads_and_is_a_dot_product(gaz):
    data = json.loads(MODEL.read_text("utf-8"))
    model = Ranker.packaged()
    assert set(model.weights) == set(data["features"]) and all(math.isfinite(w) for w in model.weights.values())
    assert data["training"]["split"].startswith("article index") and "gwn/test" in data["figures"]["fitted"]
    entry = next(e for e in gaz.lookup("Berlin") if e.country == "DE")
    ctx = Context(countries=Counter({"DE": 2.0}))
    f = features(entry, ctx, None, None, None, "berlin", entry.population)
    assert set(f) <= set(model.weights)  # every feature computed has a shipped weight
    assert score(entry, ctx, None, None, None, "berlin", entry.population) == \
        model.intercept + sum(model.weights[k] * v for k, v in f.items())
    assert ranker() == model


def test_a_capital_beats_its_namesake_villages_when_the_document_is_about_its_country(gaz):
    entries = gaz.lookup("Berlin")
    ctx = Context(countries=Counter({"DE": 3.0}))
    best = choose(entries, None, ctx, None, None, "Berlin")
    assert best.country == "DE" and best.feature == "PPLC"
    # the same in a document written for this test
    places = resolved("Ministers met in Hamburg and Munich on Monday, then flew to Berlin for the summit.", gaz)
    assert places["Berlin"].country == "DE" and abs(places["Berlin"].lat - 52.52) < 0.3


def test_the_written_container_overrides_the_capital(gaz):
    places = resolved("Students drove from Pullman to Moscow, Idaho, for the game.", gaz)
    assert places["Moscow"].country == "US"
    assert abs(places["Moscow"].lat - 46.73) < 0.5


def test_other_mentions_of_the_same_name_are_no_context_for_each_other():
    ctx = Context(countries=Counter({"GB": 2.0, "US": 1.0}))
    ctx.own = {(0, 6): "london", (20, 26): "london", (40, 47): "detroit"}
    ctx.votes_of = {"london": (Counter({"GB": 2.0}), Counter()), "detroit": (Counter({"US": 1.0}), Counter())}
    assert ctx.share("US", (0, 6)) == 1.0  # only Detroit's vote counts for a London
    assert ctx.share("GB", (40, 47)) == 1.0  # both Londons count for Detroit


GWN_ARTICLES = [  # (text, [(name, lat, lon)])
    ("Officials in Lyon and Marseille said the parade in Paris would go ahead.",
     [("Lyon", 45.76, 4.83), ("Marseille", 43.30, 5.37), ("Paris", 48.857, 2.352)]),
    ("The sheriff drove from Dallas to Paris, Texas, after the storm hit Sherman.",
     [("Dallas", 32.78, -96.81), ("Paris", 33.66, -95.56), ("Sherman", 33.64, -96.61)]),
    ("Fans travelled from Manchester and Liverpool to London for the final.",
     [("Manchester", 53.48, -2.24), ("Liverpool", 53.41, -2.98), ("London", 51.507, -0.128)]),
    ("Farmers from Sarnia and Kitchener sold their produce in London, Ontario.",
     [("Sarnia", 42.98, -82.40), ("Kitchener", 43.45, -80.49), ("London", 42.98, -81.25)]),
]


def _offsets(text, names):
    out, pos = [], 0
    for name, lat, lon in names:
        start = text.index(name, pos)
        out.append((start, start + len(name), name, lat, lon))
        pos = start + len(name)
    return out


def write_synthetic_sets(root: Path) -> None:
    from xml.sax.saxutils import escape

    gwn, lgl = ["<articles>"], ["<articles>"]
    for text, names in GWN_ARTICLES:
        spans = _offsets(text, names)
        gwn.append(f"<article><text>{escape(text)}</text><toponyms>" + "".join(
            f"<toponym><extractedName>{n}</extractedName><type>Literal</type><start>{s}</start><end>{e}</end>"
            f"<latitude>{la}</latitude><longitude>{lo}</longitude></toponym>" for s, e, n, la, lo in spans)
            + "</toponyms></article>")
        lgl.append(f"<article><text>{escape(text)}</text><toponyms>" + "".join(
            f"<toponym><start>{s}</start><end>{e}</end><phrase>{n}</phrase><gaztag geonameid=\"1\"><name>{n}</name>"
            f"<lat>{la}</lat><lon>{lo}</lon></gaztag></toponym>" for s, e, n, la, lo in spans)
            + "</toponyms></article>")
    (root / "geowebnews").mkdir(parents=True)
    (root / "lgl").mkdir()
    (root / "geowebnews" / "GWN.xml").write_text("\n".join(gwn + ["</articles>"]), "utf-8")
    (root / "lgl" / "lgl.xml").write_text("\n".join(lgl + ["</articles>"]), "utf-8")


def test_the_training_script_runs_on_a_tiny_synthetic_set(tmp_path):
    write_synthetic_sets(tmp_path / "eval")
    out = tmp_path / "ranker.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(REPO / "bench" / "train_ranker.py"), "--eval", str(tmp_path / "eval"),
                          "--out", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "gwn/test" in run.stdout and "lgl/train" in run.stdout and "given@161" in run.stdout
    model = json.loads(out.read_text("utf-8"))
    assert set(model["weights"]) == set(model["features"]) and model["intercept"] == 0.0
    assert all(math.isfinite(w) for w in model["weights"].values())
    assert set(model["figures"]["fitted"]) == {"gwn/train", "gwn/test", "lgl/train", "lgl/test"}
    assert model["figures"]["fitted"]["gwn/train"]["docs"] == 2  # articles 0 and 2
    Ranker.from_dict(model)  # loads as the shipped one does
    # the benchmark scores the held-out half alone, and says so
    bench = subprocess.run([sys.executable, str(REPO / "bench" / "geo.py"), "--half", "test", "--sets", "gwn,lgl"],
                           capture_output=True, text=True, env={**env, "FORCEWATCH_EVAL": str(tmp_path / "eval")},
                           timeout=600)
    assert bench.returncode == 0, bench.stderr[-2000:]
    assert "half scored: test" in bench.stdout
    assert [line.split()[1] for line in bench.stdout.splitlines() if line.startswith(("gwn ", "lgl "))] == ["2", "2"]

"""Fit the place ranker (src/forcewatch/data/ranker.json) on the train halves of GeoWebNews and LGL.

    python bench/train_ranker.py                 # fit, score both halves, write the model
    python bench/train_ranker.py --dry-run       # fit and score, write nothing
    python bench/train_ranker.py --eval DIR      # gold sets from DIR (default ../shared/eval or $FORCEWATCH_EVAL)

Data (GPL-3.0, read from ../shared at training time, never copied into the repository):
``geowebnews/GWN.xml`` and ``lgl/lgl.xml``. Split, fixed: article *i* of each file (0-based, file
order) is in the train half when *i* is even, in the test half when *i* is odd (bench/geo.py
``--half``). Only train-half articles are used for fitting and for choosing the regularisation.

Examples: every gold toponym with coordinates that is not a demonym is given as a place mention
(its gold span, as bench/geo.py's given@161 setting does: the document's other recognised places
stay for context); each candidate the gazetteer gives it, with its feature vector
(forcewatch.resolve.places.features) in the settled document context, is labelled 1 when it is the
candidate nearest the gold point (or within 5 km of that one's distance: duplicates) and within
161 km of it, else 0 (``--label within``: every candidate within 161 km is right; "nearest" tells
the city from the province named after it; on the train halves both give given@161 within 0.1 point). A toponym whose
candidates are all right or all wrong says nothing about ranking and is left out.

Model (``--model listwise``, the default): a conditional logit, i.e. per toponym the softmax over
its candidates' scores, maximising the probability of the right ones, with an L2 pull towards the
hand-set weights of the code before (in standardised units; strength chosen by cross-validation):
the hand weights are the prior and the data move them as far as they bear out. Fitted with
scipy's L-BFGS (scipy comes with scikit-learn, in the optional extra ``train``). ``--model
pairwise``: scikit-learn's LogisticRegression on (right - wrong) feature differences, half of them
sign-flipped (fixed seed), no intercept, C by cross-validation; it cross-validated worse.
Either way each toponym weighs the same within its set and the two sets weigh the same (LGL's
local US news would otherwise outvote GeoWebNews); features are standardised for the fit and the
weights mapped back to raw units, so that the shipped model is a plain dot product; a feature
that never varies among the training candidates (curated sites, kinds an event asks for) keeps
its hand-set weight. The regularisation is chosen by two-fold cross-validation inside the train
half (blocks of 50 toponyms in document order, alternating between the folds), scored by how
often the top-ranked candidate is right (mean over the two sets).

The context a candidate's features are computed in depends on the ranker (the first guesses of
the other names vote for countries and points), so fitting runs in rounds: round 1 computes
features with the hand-set weights of the old code, each further round with the previous fit.

Printed and written into the model: given@161 and e2e@161 on each half of each set, for the
hand-set weights and for the fitted ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

import geo as bench_geo  # noqa: E402  (bench/geo.py: loaders, the split, given@161)

from forcewatch.geo import haversine_km  # noqa: E402

SEED = 13
KM = 161.0
LABEL = "nearest"  # or "within": every candidate within 161 km of the gold point is right
NEAREST_SLACK_KM = 5.0  # candidates this close to the nearest one's distance are right too (duplicates)
SETS = (("gwn", "geowebnews/GWN.xml", bench_geo.load_gwn), ("lgl", "lgl/lgl.xml", bench_geo.load_lgl))
OUT = ROOT / "src" / "forcewatch" / "data" / "ranker.json"

# The weights the code had before the ranker was fitted (forcewatch 0.1 resolve/places.py: prior + score).
HAND = {
    "log_population": 1.0, "site": 7.5, "region_or_sea": 6.5, "country": 6.0, "admin": 4.0,
    "admin_log_radius": 0.5, "big_city": 1.0, "airfield": 1.0, "own_name": 1.5, "alternate_name_only": -2.0,
    "wanted_kind": 9.0, "within_agrees": 12.0, "country_share": 6.0, "admin_share": 5.0,
    "near_600km": 1.0, "near_200km": 1.0, "near_50km": 1.0, "spatial_support": 3.0,
}
# Features of forcewatch.resolve.places.features, in the model file's order: the hand-weighted ones,
# then those added with the fitted ranker (a hand weight of 0: the old code did not look at them).
ADDED = ["capital", "first_level_admin", "top_country", "country_unvoted", "log_nearest_km", "population_gap",
         "capital_share"]
FEATURES = list(HAND) + ADDED


def load_sets(eval_dir: Path) -> dict[str, list]:
    out = {}
    for key, rel, loader in SETS:
        path = eval_dir / rel
        if path.exists():
            out[key] = list(loader(path))
        else:
            print(f"{key}: {path} not found, skipped", file=sys.stderr)
    return out


def collect(items, gazetteer, label: str = LABEL) -> list[tuple[list[dict], list[int]]]:
    """(candidate feature dicts, labels) per gold toponym that a ranker can get right or wrong."""
    from forcewatch.resolve.places import candidate_features

    groups = []
    for i, (text, gold, _) in enumerate(items):
        analysis = bench_geo.gold_analysis(i, text, gold, gazetteer)
        by_span = candidate_features(analysis, gazetteer)
        for s, e, lat, lon in gold:
            cands = by_span.get((s, e))
            if not cands or len(cands) < 2:
                continue
            km = [haversine_km(lat, lon, entry.lat, entry.lon) for entry, _ in cands]
            if label == "nearest":  # the right answer is the nearest candidate, when within 161 km
                best = min(km)
                labels = [int(d <= KM and d <= best + NEAREST_SLACK_KM) for d in km]
            else:
                labels = [int(d <= KM) for d in km]
            if 0 < sum(labels) < len(labels):
                groups.append(([f for _, f in cands], labels))
    return groups


def matrix(groups, names, tag: str):
    """Per toponym: (candidates x features array, labels, the set it is from)."""
    import numpy as np

    return [(np.array([[f.get(n, 0.0) for n in names] for f in fs]), np.array(labels), tag) for fs, labels in groups]


def pairs(groups, seed: int = SEED):
    """Pairwise differences (right - wrong), half of them sign-flipped, with weights: each toponym
    weighs the same within its set, and each set weighs the same."""
    import numpy as np

    rng = np.random.default_rng(seed)
    per_set = {}
    for _, _, tag in groups:
        per_set[tag] = per_set.get(tag, 0) + 1
    xs, ws = [], []
    for x, y, tag in groups:
        pos, neg = x[y == 1], x[y == 0]
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1])
        xs.append(d)
        ws.append(np.full(len(d), 1.0 / len(d) / per_set[tag]))
    x = np.vstack(xs)
    w = np.concatenate(ws)
    flip = rng.random(len(x)) < 0.5
    x[flip] *= -1
    return x, (~flip).astype(int), w


def fit(groups, names, c: float, seed: int = SEED):
    """Raw-unit weights of a pairwise logistic regression over the groups' features."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    allx = np.vstack([x for x, _, _ in groups])
    scale = allx.std(axis=0)
    unseen = scale < 1e-9
    scale[unseen] = 1.0
    x, y, w = pairs([(gx / scale, gy, tag) for gx, gy, tag in groups], seed)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000, random_state=seed)
    model.fit(x, y, sample_weight=w * len(groups) / w.sum())
    weights = dict(zip(names, (model.coef_[0] / scale).tolist()))
    for n, missing in zip(names, unseen):
        if missing:  # never varies among training candidates (curated sites, wanted kinds): keep the hand weight
            weights[n] = HAND.get(n, 0.0)
    return weights


def fit_listwise(groups, names, lam: float, seed: int = SEED):
    """Raw-unit weights maximising, per toponym, the softmax probability of its right candidates
    (a conditional logit; each set weighs the same), with an L2 pull of strength ``lam`` towards
    the hand-set weights (standardised units): the hand weights are the prior, the data move them."""
    import numpy as np
    from scipy.optimize import minimize

    allx = np.vstack([x for x, _, _ in groups])
    scale = allx.std(axis=0)
    unseen = scale < 1e-9
    scale[unseen] = 1.0
    prior = np.array([HAND.get(n, 0.0) for n in names]) * scale
    per_set: dict[str, int] = {}
    for _, _, tag in groups:
        per_set[tag] = per_set.get(tag, 0) + 1
    x = np.vstack([gx for gx, _, _ in groups]) / scale
    y = np.concatenate([gy for _, gy, _ in groups]).astype(bool)
    sizes = np.array([len(gy) for _, gy, _ in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(len(groups)), sizes)
    gw = np.array([1.0 / per_set[tag] / len(per_set) for _, _, tag in groups])

    def seg_logsumexp(v, mask):
        v = np.where(mask, v, -np.inf)
        top = np.maximum.reduceat(v, starts)
        e = np.where(mask, np.exp(v - top[owner]), 0.0)
        return top + np.log(np.add.reduceat(e, starts))

    def loss(w):
        sc = x @ w
        la, lp = seg_logsumexp(sc, np.ones_like(y)), seg_logsumexp(sc, y)
        pa = np.exp(sc - la[owner])
        pp = np.where(y, np.exp(sc - lp[owner]), 0.0)
        d = w - prior
        d[unseen] = 0.0
        return float(gw @ (la - lp)) + lam * d @ d, ((gw[owner] * (pa - pp)) @ x) + 2 * lam * d

    w = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x
    weights = dict(zip(names, (w / scale).tolist()))
    for n, missing in zip(names, unseen):
        if missing:
            weights[n] = HAND.get(n, 0.0)
    return weights


DEFAULT_STRENGTH = {"pairwise": 1.0, "listwise": 0.1}  # when there is too little to cross-validate
FITS = {"pairwise": (fit, (0.01, 0.1, 1.0, 10.0)), "listwise": (fit_listwise, (0.0, 0.001, 0.01, 0.1, 1.0))}


def top1(groups, weights: dict, names) -> float:
    """Share of toponyms whose best-scored candidate is right (ties: the first, as max() does),
    the mean over the sets (each set weighs the same)."""
    import numpy as np

    w = np.array([weights.get(n, 0.0) for n in names])
    by_set: dict[str, list[int]] = {}
    for x, y, tag in groups:
        by_set.setdefault(tag, []).append(int(y[int(np.argmax(x @ w))]))
    return sum(100 * sum(v) / len(v) for v in by_set.values()) / len(by_set) if by_set else 0.0


def choose_c(groups, names, kind: str = "pairwise") -> tuple[float, dict]:
    """C by two-fold cross-validation inside the train half: its toponyms, in document order, in
    blocks of 50 that alternate between the folds (a document's toponyms mostly share a block)."""
    block = 50 if len(groups) >= 200 else 1  # a tiny set (the tests'): alternate single toponyms
    folds = [[g for k, g in enumerate(groups) if (k // block) % 2 == j] for j in (0, 1)]
    scores = {}
    fitter, grid = FITS[kind]
    if not folds[0] or not folds[1]:
        return DEFAULT_STRENGTH[kind], scores
    for c in grid:
        scores[c] = sum(top1(folds[1 - j], fitter(folds[j], names, c), names) for j in (0, 1)) / 2
    print(f"  cross-validated top-1 ({kind}): " + ", ".join(f"{c:g}: {v:.2f}%" for c, v in scores.items()))
    return max(scores, key=lambda c: (scores[c], -c)), scores


def figures(sets: dict, gazetteer) -> dict:
    """given@161 and e2e@161 per set and half, with the ranker in use."""
    out = {}
    for key, items in sets.items():
        for half in ("train", "test"):
            r = bench_geo.bench_toponyms(key, bench_geo.halve(items, half), gazetteer)
            out[f"{key}/{half}"] = {"given161": round(r["given161"], 2), "e2e161": round(r["e2e161"], 2),
                                   "docs": r["docs"], "gold": r["gold"]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval", type=Path, default=None, help="folder with geowebnews/GWN.xml and lgl/lgl.xml")
    ap.add_argument("--out", type=Path, default=OUT, help=f"model file to write (default {OUT.relative_to(ROOT)})")
    ap.add_argument("--rounds", type=int, default=2, help="fit rounds (features recomputed with the last fit)")
    ap.add_argument("--model", choices=sorted(FITS), default="listwise",
                    help="objective (default listwise: it cross-validates better on the train half than pairwise)")
    ap.add_argument("--label", choices=("nearest", "within"), default=LABEL,
                    help="right candidates: the nearest to the gold point (within 161 km), or all within 161 km")
    ap.add_argument("--strength", type=float, default=None,
                    help="regularisation (C for pairwise, the pull to the hand weights for listwise) instead of the cross-validated one")
    ap.add_argument("--dry-run", action="store_true", help="write nothing")
    args = ap.parse_args(argv)

    from forcewatch.config import Resources
    from forcewatch.resolve.places import Ranker, use_ranker

    t0 = time.perf_counter()
    eval_dir = args.eval or bench_geo.eval_dir()
    sets = load_sets(eval_dir)
    if not sets:
        print(f"no gold set under {eval_dir}", file=sys.stderr)
        return 1
    gazetteer = Resources().gazetteer
    train = {k: bench_geo.halve(v, "train") for k, v in sets.items()}
    hand = Ranker(dict(HAND))
    use_ranker(hand)
    weights, c, cv = dict(HAND), None, {}
    history = []
    for rnd in range(1, args.rounds + 1):
        use_ranker(Ranker(weights))  # the context the features are computed in
        groups = [g for k, items in train.items() for g in matrix(collect(items, gazetteer, args.label), FEATURES, k)]
        if not groups:
            print("no ambiguous toponym in the train halves: the hand-set weights are kept")
            break
        if rnd == 1:
            c, cv = choose_c(groups, FEATURES, args.model)
            if args.strength is not None:
                c = args.strength
        before = top1(groups, weights, FEATURES)
        weights = FITS[args.model][0](groups, FEATURES, c)
        history.append({"round": rnd, "toponyms": len(groups), "top1_before": round(before, 2),
                        "top1_after": round(top1(groups, weights, FEATURES), 2)})
        print(f"round {rnd}: {len(groups)} ambiguous train toponyms; top-1 right {before:.1f}% -> "
              f"{history[-1]['top1_after']:.1f}% (regularisation {c:g})")
    fitted = Ranker(weights)
    use_ranker(hand)
    before = figures(sets, gazetteer)
    use_ranker(fitted)
    after = figures(sets, gazetteer)
    use_ranker(None)

    print(f"\n{'set/half':12} {'given@161 hand':>15} {'fitted':>7} {'e2e@161 hand':>13} {'fitted':>7}")
    for k in before:
        b, a = before[k], after[k]
        print(f"{k:12} {b['given161']:>14.1f}% {a['given161']:>6.1f}% {b['e2e161']:>12.1f}% {a['e2e161']:>6.1f}%")
    print("\nweights (raw feature units):")
    for n in FEATURES:
        print(f"  {n:22} {weights[n]:>8.3f}   (hand {HAND.get(n, 0.0):g})")
    model = {
        "model": f"{args.model} linear ranker over forcewatch.resolve.places.features; score = intercept + weights . features",
        "features": FEATURES,
        "weights": {n: round(weights[n], 6) for n in FEATURES},
        "intercept": 0.0,
        "training": {
            "sets": {k: f"{rel} ({len(sets[k])} articles, {len(train[k])} in the train half)"
                     for k, rel, _ in SETS if k in sets},
            "split": "article index in file order, from 0: even = train, odd = test (held out)",
            "examples": "gold toponyms given (not demonyms), every gazetteer candidate; label 1: "
                        + ("the nearest candidate to the gold point (within 5 km of its distance), if within 161 km; "
                           if args.label == "nearest" else "within 161 km of gold; ") +
                        "toponyms whose candidates are all right or all wrong left out",
            "fit": {"listwise": "softmax over each toponym's candidates (conditional logit), L2 pull to the hand weights "
                                "in standardised units, scipy L-BFGS",
                    "pairwise": "scikit-learn LogisticRegression on (right - wrong) differences, half sign-flipped, "
                                "no intercept"}[args.model]
                   + "; each toponym weighs the same within its set, each set the same; standardised features, weights "
                     "mapped back to raw units; features that never vary in training keep the hand weight",
            "regularisation": c,
            "seed": SEED, "cv_top1": {str(k): round(v, 2) for k, v in cv.items()}, "rounds": history,
            "command": "python bench/train_ranker.py",
        },
        "hand_weights": {n: HAND.get(n, 0.0) for n in FEATURES},
        "figures": {"hand": before, "fitted": after,
                    "note": "hand: the hand-set weights on the same features and context code; given@161: gold spans "
                            "given, resolution only; e2e@161: recognised and resolved "
                            "(bench/geo.py); the test halves are held out"},
    }
    if not args.dry_run:
        args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    print(f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

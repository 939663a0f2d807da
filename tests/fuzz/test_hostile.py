"""Hostile input, in CI: the readers never raise on a feed's numbers or types, and a batch of the
harness's hostile files (bench/fuzz.py, fixed seed) goes through ``service.ingest_paths`` with no
traceback, one-line errors naming each file, and every good file and good line stored."""

from __future__ import annotations

import importlib.util
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forcewatch.ingest import EPOCH_MAX, EPOCH_MIN, adsb, ais

REPO = Path(__file__).resolve().parents[2]
SETTINGS = settings(derandomize=True, max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

# Numbers as a feed may write them: the attacks of issue-style hostile input and any float at all.
NUMBERS = st.one_of(st.sampled_from(["1e30", "nan", "inf", "-inf", "-1", "1e400", "9" * 400, "", "x", "0x1F"]),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str))
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.integers(),
              st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=12)


def _plausible(fix: tuple) -> None:
    """A fix a reader gives: a time 1970-2100, a position in range, finite numbers."""
    t, lat, lon = fix[2], fix[3], fix[4]
    assert EPOCH_MIN <= t <= EPOCH_MAX
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    assert all(math.isfinite(x) for x in fix[5:8] if isinstance(x, float))


@SETTINGS
@given(st.lists(NUMBERS, min_size=8, max_size=8))
def test_sbs_numbers_are_checked(values):
    t, alt, gs, trk, lat, lon, day, sec = values
    line = f"MSG,3,1,1,154C2D,1,2024/12/09,10:00:{sec},,,RFF1,{alt},{gs},{trk},{lat},{lon},,,0,0,0,0"
    stats = Counter()
    for m in adsb.read_sbs([line, line.replace("2024/12/09", day)], stats):
        if m[0] == "F":
            _plausible(m)
    assert stats["lines"] == 2


@SETTINGS
@given(JSON_VALUES, JSON_VALUES, JSON_VALUES, JSON_VALUES)
def test_aircraft_json_and_traces_take_any_types(now, flight, reg, entry):
    snap = json.dumps({"now": now, "aircraft": [{"hex": "154c2d", "flight": flight, "r": reg, "lat": 35.0,
                                                 "lon": 35.0, "alt_baro": entry}, entry]})
    trace = json.dumps({"icao": "154c2d", "timestamp": now, "r": reg, "trace": [entry, [0, 35.0, 35.0, flight]]})
    for m in [*adsb.read_aircraft_json([snap]), *adsb.read_trace(trace)]:
        if m[0] == "F":
            _plausible(m)
        else:
            assert all(x is None or isinstance(x, str) for x in m[2:5])


@SETTINGS
@given(NUMBERS, JSON_VALUES, JSON_VALUES)
def test_ais_times_and_fields_are_checked(tag_time, rx, field):
    nmea = [f"\\s:x,c:{tag_time}*00\\!AIVDM,1,1,,A,144jNS5P002T=VlCuhT00001P000,0*3F", f"{tag_time} !AIVDM,2,1,7,A,5,0*00"]
    catcher = [json.dumps({"rxuxtime": rx, "nmea": field}), json.dumps({"type": 1, "mmsi": field, "lat": rx, "lon": 1,
                                                                       "speed": field, "rxuxtime": 1733702400})]
    for m in [*ais.read_nmea(nmea), *ais.read_aiscatcher(catcher)]:
        if m[0] == "P" and m[2] is not None and m[3] is not None:
            _plausible(m)


def _harness():
    spec = importlib.util.spec_from_file_location("fuzz", REPO / "bench" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_hostile_batch_is_isolated(tmp_path, resources):
    """60 hostile files of the harness's (fixed seed, the slow kinds left to the bench) and a good file of
    every format: nothing escapes, each failure is one line naming its file, all good input is stored."""
    from forcewatch.ingest.feeds import decode_feed
    from forcewatch.ingest.reports import read_reports
    from forcewatch.records import Document
    from forcewatch.service import Ingester, ingest_paths
    from forcewatch.store import Store

    fuzz = _harness()
    rng = random.Random(14)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "outside-secret.txt").write_text("Troops deployed to a secret place.\n")
    cases = []
    while len(cases) < 60:
        case = fuzz.generate(rng)
        if case.kind in ("text", "html", "gzip-bomb", "special-fifo", "special-devzero") or len(case.data) > 200_000:
            continue  # seconds each: bench/fuzz.py runs them
        cases.append(case)
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [fuzz.materialise(c, folder, i, outside) for i, c in enumerate(cases)]
    expect = []
    for kind in fuzz.GOOD:
        if kind in ("html", "rss"):
            continue
        suffix, data = fuzz.SEEDS[kind]
        good = folder / f"good-{kind}{suffix}"
        good.write_bytes(data)
        paths.append(good)
        expect += [d.id for d in read_reports(good)] if kind in ("text", "jsonl") else [decode_feed(good).doc_id]
    expect += [Document.make_id(t) for c in cases for t in c.good_lines]
    lines: list[str] = []
    with Store(tmp_path / "fuzz.duckdb") as store:
        result = ingest_paths(Ingester(resources), store, paths, echo=lines.append)
        missing = [i for i in expect if not store.has_document(i)]
    assert not missing
    assert result.failures and all("\n" not in f for f in result.failures)
    named = {str(p) for p in paths} | {p.name for p in paths}
    assert all(any(n in f for n in named) or "in00" in f for f in result.failures)
    assert "secret" not in " ".join(lines)

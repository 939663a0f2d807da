"""Fixtures for the API and browser tests: a small database of realistic records.

The records are built by hand (records.py) and stored with Store.add_document, so these
tests do not depend on the extraction pipeline. They model Russian forces in Syria in
December 2024: An-124s at Hmeimim seen on imagery, ships anchored off Tartus, a convoy
seen by a journalist, the Kremlin's statement, a ministry that did not respond, and one
hostile document whose text carries HTML and a script.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from datetime import date
from pathlib import Path

import pytest

from forcewatch.records import (
    Actor, Credibility, Document, Equipment, Event, Place, Source, TimeSpan,
)
from forcewatch.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

TARTUS_ANCHORAGE = (34.98, 35.77)
HMEIMIM = (35.4011, 35.9487)

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def _span(text: str, part: str, start: int = 0) -> tuple[int, int]:
    i = text.index(part, start)
    return (i, i + len(part))


def _event(doc: Document, sentence: str, trigger: str, type_: str, subtype: str | None, *,
           location: Place | None = None, origin: Place | None = None, when: tuple[str, str] | None = None,
           time_text: str | None = None, source: Source | None = None, source_text: str | None = None,
           actor: str | None = None, equipment: list[tuple[str, str, int | None, str]] = (),
           modality: str = "asserted", credibility: str | None = None) -> Event:
    s = _span(doc.text, sentence)
    t = _span(doc.text, trigger, s[0])
    for place in (location, origin):
        if place is not None and place.text:
            place.span = _span(doc.text, place.text, s[0])
    if source is not None and source_text:
        source.text, source.span = source_text, _span(doc.text, source_text)
    gear = []
    for name, category, count, text in equipment:
        gear.append(Equipment(name=name, category=category, count=count, count_qualifier="exact" if count else None,
                              text=text, span=_span(doc.text, text, s[0])))
    ts = None
    if when:
        ts = TimeSpan(start=date.fromisoformat(when[0]), end=date.fromisoformat(when[1]), text=time_text,
                      span=_span(doc.text, time_text, s[0]) if time_text else None, inferred=time_text is None)
    return Event(
        id=Event.make_id(doc.id, t, type_, subtype), doc_id=doc.id, type=type_, subtype=subtype,
        trigger=trigger, trigger_span=t, sentence=sentence, span=s,
        actor=Actor(name=actor, country="RUS", text=actor, span=_span(doc.text, actor, s[0])) if actor else None,
        equipment=gear, location=location, origin=origin, time=ts, source=source,
        modality=modality, credibility=Credibility.parse(credibility) if credibility else None,
    )


def _doc(text: str, published: str, title: str, outlet: str, url: str | None = None) -> Document:
    return Document(id=Document.make_id(text), text=text, title=title, outlet=outlet, url=url,
                    published=date.fromisoformat(published), path=f"{title.lower().replace(' ', '-')}.txt")


def sample_records() -> list[tuple[Document, list[Event]]]:
    out = []

    # 1. Imagery: An-124s loading at Hmeimim.
    text = (
        "Satellite imagery shows Russian airlift at Hmeimim\n\n"
        "Satellite images taken on December 13, 2024 show two An-124 heavy transport aircraft on the apron "
        "at Hmeimim air base with their nose doors open, according to Maxar Technologies. "
        "A Ka-52 attack helicopter appears to have been partially dismantled nearby."
    )
    doc = _doc(text, "2024-12-13", "Satellite imagery shows Russian airlift at Hmeimim", "Imagery Desk",
               "https://example.org/hmeimim-an124")
    s1 = ("Satellite images taken on December 13, 2024 show two An-124 heavy transport aircraft on the apron "
          "at Hmeimim air base with their nose doors open, according to Maxar Technologies.")
    s2 = "A Ka-52 attack helicopter appears to have been partially dismantled nearby."
    hmeimim = Place(name="Hmeimim Air Base", lat=HMEIMIM[0], lon=HMEIMIM[1], kind="airfield", precision="site",
                    radius_km=3, country="SY", text="Hmeimim air base")
    out.append((doc, [
        _event(doc, s1, "nose doors open", "MOBILIZE", "load", location=hmeimim,
               when=("2024-12-13", "2024-12-13"), time_text="December 13, 2024",
               source=Source(kind="imagery", name="Maxar Technologies", reliability="B"),
               source_text="according to Maxar Technologies",
               equipment=[("An-124", "aircraft", 2, "two An-124 heavy transport aircraft")], credibility="B2"),
        _event(doc, s2, "dismantled", "MOBILIZE", "withdraw",
               location=Place(name="Hmeimim Air Base", lat=HMEIMIM[0], lon=HMEIMIM[1], kind="airfield",
                              precision="site", radius_km=3, country="SY"),
               when=("2024-12-13", "2024-12-13"),
               source=Source(kind="imagery", name="Maxar Technologies", reliability="B"),
               equipment=[("Ka-52", "aircraft", 1, "Ka-52 attack helicopter")], modality="hedged", credibility="B3"),
    ]))

    # 2. Ships anchored off Tartus.
    text = (
        "Russian warships leave Tartus\n\n"
        "Three Russian navy ships were anchored about 13 km northwest of Tartus on December 9, "
        "according to satellite images reviewed by the Open Source Centre. "
        "The frigates Admiral Grigorovich and Admiral Golovko had left the naval facility the day before."
    )
    doc = _doc(text, "2024-12-10", "Russian warships leave Tartus", "Open Source Centre")
    s1 = ("Three Russian navy ships were anchored about 13 km northwest of Tartus on December 9, "
          "according to satellite images reviewed by the Open Source Centre.")
    s2 = "The frigates Admiral Grigorovich and Admiral Golovko had left the naval facility the day before."
    out.append((doc, [
        _event(doc, s1, "anchored", "MOBILIZE", "anchor",
               location=Place(name="13 km NW of Tartus", lat=TARTUS_ANCHORAGE[0], lon=TARTUS_ANCHORAGE[1],
                              kind="relative", precision="relative", radius_km=3, country="SY",
                              text="about 13 km northwest of Tartus", anchor="Tartus", distance_km=13,
                              bearing_deg=315),
               when=("2024-12-09", "2024-12-09"), time_text="December 9",
               source=Source(kind="imagery", name="Open Source Centre", reliability="B"),
               source_text="according to satellite images reviewed by the Open Source Centre",
               actor="Russian navy", equipment=[("warship", "ship", 3, "Three Russian navy ships")],
               credibility="B2"),
        _event(doc, s2, "left", "RETREAT", "depart",
               location=Place(name="Tartus naval facility", lat=34.8915, lon=35.8730, kind="port",
                              precision="site", radius_km=2, country="SY", text="the naval facility"),
               when=("2024-12-08", "2024-12-08"), time_text="the day before",
               source=Source(kind="imagery", name="Open Source Centre", reliability="B"),
               equipment=[("Admiral Grigorovich-class frigate", "ship", 2,
                           "Admiral Grigorovich and Admiral Golovko")], credibility="B3"),
    ]))

    # 3. A journalist sees a convoy.
    text = (
        "Convoy heads for the coast\n\n"
        "A Reuters journalist saw a convoy of about 30 Russian military vehicles driving south on the M4 "
        "highway near Jableh on Friday, apparently heading for Hmeimim."
    )
    doc = _doc(text, "2024-12-14", "Convoy heads for the coast", "Reuters")
    s1 = text.split("\n\n")[1]
    out.append((doc, [
        _event(doc, s1, "driving", "MOBILIZE", "transit",
               location=Place(name="Jableh", lat=35.3610, lon=35.9256, kind="city", precision="city",
                              radius_km=5, country="SY", text="Jableh"),
               when=("2024-12-13", "2024-12-13"), time_text="on Friday",
               source=Source(kind="journalist", name="Reuters", reliability="B"),
               source_text="A Reuters journalist saw",
               equipment=[("military vehicle", "vehicle", 30, "about 30 Russian military vehicles")],
               credibility="B2"),
    ]))

    # 4. The Kremlin's statement.
    text = (
        "Kremlin on Syria bases\n\n"
        "Kremlin spokesman Dmitry Peskov said on Monday that Russia's military bases in Syria remain in "
        "operation and that no decision on their future had been taken."
    )
    doc = _doc(text, "2024-12-16", "Kremlin on Syria bases", "TASS")
    s1 = text.split("\n\n")[1]
    out.append((doc, [
        _event(doc, s1, "remain in operation", "OTHER", "basing",
               location=Place(name="Syria", lat=35.0, lon=38.5, kind="country", precision="country",
                              radius_km=250, country="SY", text="Syria"),
               when=("2024-12-16", "2024-12-16"), time_text="on Monday",
               source=Source(kind="official", name="Dmitry Peskov", affiliation="Kremlin", reliability="C"),
               source_text="Kremlin spokesman Dmitry Peskov said", credibility="C3"),
    ]))

    # 5. No comment from the ministry (no location: timeline only).
    text = (
        "Ministry silent\n\n"
        "Russia's Defence Ministry did not respond to a request for comment on the movements."
    )
    doc = _doc(text, "2024-12-14", "Ministry silent", "Reuters")
    s1 = text.split("\n\n")[1]
    out.append((doc, [
        _event(doc, s1, "did not respond", "OTHER", "no_comment", when=("2024-12-14", "2024-12-14"),
               source=Source(kind="official", name="Russian Defence Ministry", reliability="C"),
               source_text="Russia's Defence Ministry", modality="no_comment", credibility="C6"),
    ]))

    # 6. A hostile document: its text carries markup that must be shown, not run.
    text = (
        f"Blog post {HOSTILE}\n\n"
        f"A blogger claimed that Russian helicopters landed at Qamishli airport {HOSTILE} on December 11."
    )
    doc = _doc(text, "2024-12-11", "Blog post", "Unknown blog")
    s1 = text.split("\n\n")[1]
    out.append((doc, [
        _event(doc, s1, "landed", "MOBILIZE", "arrive",
               location=Place(name="Qamishli Airport", lat=37.0206, lon=41.1915, kind="airfield",
                              precision="site", radius_km=3, country="SY", text="Qamishli airport"),
               when=("2024-12-11", "2024-12-11"), time_text="December 11",
               source=Source(kind="anonymous", name=None, reliability="F"), source_text="A blogger claimed",
               modality="unconfirmed", credibility="F6"),
    ]))
    return out


def build_sample_db(path):
    """The sample stored as ingest stores it: documents, events, and their happenings."""
    from forcewatch.fuse.happenings import cluster

    with open_store(path) as store:
        records = sample_records()
        for doc, events in records:
            store.add_document(doc, events)
        store.replace_clusters(cluster(e for _, events in records for e in events))
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    return build_sample_db(tmp_path_factory.mktemp("fw") / "sample.duckdb")


@pytest.fixture(scope="session", params=["duckdb", "postgresql"])
def sample_store(request, sample_db) -> str:
    """The sample on each backend: the DuckDB file, or a PostgreSQL database's URL."""
    if request.param == "duckdb":
        return str(sample_db)
    return build_sample_db(request.getfixturevalue("postgres_databases")())


_DEMO: dict[str, str] = {}


def _demo_db(tmp: Path) -> Path | None:
    """The bundled demo processed by the real pipeline, when the pipeline and demo exist."""
    try:
        import forcewatch.pipeline  # noqa: F401
    except ImportError:
        return None
    from forcewatch.serve.cli import demo_reports

    reports = demo_reports()
    if not reports.is_dir() or not any(reports.iterdir()):
        return None
    out = tmp / "demo"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from forcewatch.serve.cli import app; app()", "demo", "--out", str(out)],
            capture_output=True, text=True, timeout=600,
        )
    except subprocess.TimeoutExpired:
        warnings.warn("forcewatch demo took over 10 minutes: browser tests use the hand-made sample", stacklevel=1)
        return None
    db = out / "forcewatch.duckdb"
    if proc.returncode != 0 or not db.exists():
        warnings.warn(f"forcewatch demo failed ({proc.returncode}): browser tests use the hand-made sample\n"
                      f"{proc.stderr[-2000:]}", stacklevel=1)
        return None
    _DEMO["stdout"] = proc.stdout
    with Store(db, read_only=True) as store:
        n = store.count_events(near=(*TARTUS_ANCHORAGE, 25.0))
    return db if n else None


@pytest.fixture(scope="session")
def browser_db(tmp_path_factory) -> Path:
    """The real demo database when `forcewatch demo` works, else the hand-made sample."""
    tmp = tmp_path_factory.mktemp("fwb")
    if os.environ.get("FORCEWATCH_TEST_SAMPLE_ONLY") != "1":
        db = _demo_db(tmp)
        if db is not None:
            return db
    return build_sample_db(tmp / "sample.duckdb")


@pytest.fixture(scope="session")
def demo_output(browser_db) -> str | None:
    """What `forcewatch demo` printed, when it ran for browser_db."""
    return _DEMO.get("stdout")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db: Path):
    """`forcewatch serve` in a subprocess on a free loopback port; yields its base URL."""
    import httpx

    port = free_port()
    log = db.with_suffix(f".serve-{port}.log")
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from forcewatch.serve.cli import app; app()", "serve",
             "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"forcewatch serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(base + "/api/meta", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"forcewatch serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(browser_db):
    """The dashboard on the demo database (or the sample when the demo does not run)."""
    with serving(browser_db) as base:
        yield base


@pytest.fixture(scope="session")
def sample_server(sample_db, browser_db, server):
    """The dashboard on the hand-made sample (which has a document with hostile markup)."""
    if browser_db.name == "sample.duckdb":
        yield server
        return
    with serving(sample_db) as base:
        yield base


CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    """Skip the browser tests, saying why; on CI (CI=true) a missing browser is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, on CI (.ci/run installs Chromium with apt)")
    pytest.skip(reason)


def chromium_path(bundled: str | None) -> str | None:
    """Debian's Chromium, else one on PATH, else Playwright's own (``bundled``) when it was downloaded."""
    for path in (CHROMIUM, shutil.which("chromium"), bundled):
        if path and Path(path).is_file():
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not importable (pip install -e '.[test]')")
    with sync_playwright() as p:
        path = chromium_path(p.chromium.executable_path)
        if path is None:
            _unavailable(f"no Chromium: {CHROMIUM} is missing (apt-get install chromium) "
                         "and Playwright has not downloaded its own (playwright install chromium)")
        b = p.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        yield b
        b.close()

"""The text pipeline: small components run in order over one Analysis per document.

ingest gives Documents; extract finds sentences, mentions and events;
resolve gives them coordinates, dates and sources. Like a spaCy pipeline,
each component is a plain function of the Analysis, so components can be
replaced or reordered without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from forcewatch.records import Analysis, Document

Component = Callable[[Analysis], None]


def default_components() -> list[tuple[str, Component]]:
    from forcewatch.extract.attribution import find_attributions
    from forcewatch.extract.dates import find_dates
    from forcewatch.extract.events import code_events, code_no_comment
    from forcewatch.extract.places import find_places
    from forcewatch.gazetteer.lookup import default_gazetteer
    from forcewatch.resolve.places import resolve_places
    from forcewatch.resolve.sources import resolve_sources
    from forcewatch.resolve.time import resolve_times

    gazetteer = default_gazetteer()
    return [
        ("places", lambda a: find_places(a, gazetteer, context_sentences(a))),
        ("dates", find_dates),
        ("attribution", find_attributions),
        ("events", code_events),
        ("no_comment", code_no_comment),
        ("resolve_places", lambda a: resolve_places(a, gazetteer)),
        ("resolve_times", resolve_times),
        ("resolve_sources", resolve_sources),
    ]


def context_sentences(analysis: Analysis, lead: int = 3) -> list[int]:
    """Sentences whose places matter to the events: the parsed ones, their neighbours and the lead
    (headline, dateline). Places elsewhere in a long off-topic stretch add cost, not context."""
    keep = set(range(min(lead, len(analysis.sentences))))
    for i in analysis.relevant:
        keep |= {i - 1, i, i + 1}
    return sorted(i for i in keep if 0 <= i < len(analysis.sentences))


class Pipeline:
    """Documents in, analysed documents (with events) out, parsing in batches.

    ``scope="force"`` (the default) codes documents about military matters only (see
    extract/screen.py); ``scope="all"`` codes general political events in every document too.
    """

    def __init__(self, components: list[tuple[str, Component]] | None = None, batch_docs: int = 32,
                 scope: str = "force"):
        if scope not in ("force", "all"):
            raise ValueError(f"scope must be 'force' or 'all', not {scope!r}")
        self.components = components if components is not None else default_components()
        self.batch_docs = batch_docs
        self.scope = scope

    def analyze(self, documents: Iterable[Document]) -> Iterator[Analysis]:
        batch: list[Analysis] = []
        for doc in documents:
            batch.append(self.prepare(doc))
            if len(batch) >= self.batch_docs:
                yield from self._finish(batch)
                batch = []
        if batch:
            yield from self._finish(batch)

    def prepare(self, doc: Document) -> Analysis:
        from forcewatch.extract.nlp import split_sentences
        from forcewatch.extract.screen import screen

        analysis = Analysis(document=doc, sentences=split_sentences(doc.text))
        analysis.relevant = screen(analysis, self.scope)
        return analysis

    def _finish(self, batch: list[Analysis]) -> Iterator[Analysis]:
        from forcewatch.extract.nlp import parse

        parse(batch)
        for analysis in batch:
            if not analysis.relevant:
                yield analysis  # nothing passed the screen: no sentence can hold an event
                continue
            for _, component in self.components:
                component(analysis)
            analysis.events.sort(key=lambda e: e.trigger_span[0])
            yield analysis

    def __call__(self, doc: Document) -> Analysis:
        return next(self.analyze([doc]))


@dataclass
class IngestResult:
    added: int = 0
    skipped: int = 0
    events: int = 0
    linked: int = 0  # stored events whose corroboration links changed
    recoded: int = 0  # stored with military events only, coded again for every event


def widens(coded: str | None, scope: str) -> bool:
    """Whether a document stored with scope ``coded`` is to be coded again with ``scope``: one coded for
    military events only, now asked for every event."""
    return coded == "force" and scope == "all"


def ingest(store, documents: Iterable[Document], pipeline: Pipeline | None = None,
           on_document: Callable[[Analysis], None] | None = None) -> IngestResult:
    """Analyse and store documents not stored yet, then link their events with what is stored.

    Each document is stored in its own transaction, so a failure loses nothing
    stored before it; fusion runs once at the end over the new events. A document
    stored with military events only is coded again when the pipeline codes every
    event (``--all-events``); any other document already stored is skipped.
    """
    pipeline = pipeline or Pipeline()
    result = IngestResult()
    fresh: dict[str, Document] = {}
    recode: set[str] = set()
    for doc in documents:
        coded = store.coded_scope(doc.id) if doc.id not in fresh else "seen"
        if coded is None or widens(coded, pipeline.scope):
            fresh[doc.id] = doc
            if coded is not None:
                recode.add(doc.id)
        else:
            result.skipped += 1
    new_events = []
    for analysis in pipeline.analyze(fresh.values()):
        doc = analysis.document
        stored = False
        if doc.id in recode:
            store.recode_document(doc.id, analysis.events, pipeline.scope)
            result.recoded += 1
            stored = True
        elif store.add_document(doc, analysis.events, pipeline.scope):
            result.added += 1
            stored = True
        if stored:
            result.events += len(analysis.events)
            new_events += analysis.events
        if on_document is not None:
            on_document(analysis)
    result.linked = len(fuse_stored(store, new_events))
    return result


def fuse_stored(store, new_events: list) -> list:
    """Corroborate new events against stored events of the same period; store what changed."""
    from forcewatch.fuse.corroborate import FUSION_WINDOW, fuse

    dated = [e for e in new_events if e.time is not None]
    if not dated:
        return []
    since = min(e.time.start for e in dated) - FUSION_WINDOW
    until = max(e.time.end for e in dated) + FUSION_WINDOW
    new_ids = {e.id for e in dated}
    stored = [e for e in store.events(since=since, until=until) if e.id not in new_ids]
    changed = fuse(dated, stored)
    if changed:
        store.add_events(changed)
    return changed


def store_feed(store, result) -> int | None:
    """Store a feed's document, events and tracks, then corroborate its events against stored ones.

    Returns how many events corroboration changed, or None when the same file was stored before.
    """
    if store.has_document(result.document.id):
        return None
    store.add_tracks(result.tracks)
    store.add_document(result.document, result.events)
    return len(fuse_stored(store, result.events))


def ingest_feeds(store, feeds: Sequence[tuple[Path, str | None]], registry=None, sites=None,
                 echo=print) -> tuple[int, int, int, int, int]:
    """Read and store each feed; returns (stored, already stored, failed, events stored, events linked)."""
    from forcewatch.gazetteer.sites import load_sites
    from forcewatch.ingest import InputError
    from forcewatch.sensors import read_feed
    from forcewatch.sensors.registry import Registry

    stored = skipped = failed = n_events = linked = 0
    for path, fmt in feeds:
        try:
            result = read_feed(path, fmt, registry=registry or Registry.default(),
                               sites=load_sites() if sites is None else sites)
        except InputError as exc:
            echo(f"error: {exc}")
            failed += 1
            continue
        echo(result.report())
        changed = store_feed(store, result)
        if changed is None:
            skipped += 1
        else:
            stored += 1
            n_events += len(result.events)
            linked += changed
    return stored, skipped, failed, n_events, linked

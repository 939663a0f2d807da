"""One way in: read → code → store → fuse, for the CLI, the API and the live watcher alike.

The Ingester owns the one rule for what is coded again (a document stored with military events
only, now asked for every event) and the one place where new events are corroborated against
stored ones, so no entry point repeats the control flow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from forcewatch.config import Resources
from forcewatch.limits import DEFAULT, Limits
from forcewatch.pipeline import Pipeline
from forcewatch.records import Analysis, Document, Event


@dataclass
class IngestResult:
    added: int = 0
    skipped: int = 0
    events: int = 0
    linked: int = 0  # stored events whose corroboration links changed
    recoded: int = 0  # stored with military events only, coded again for every event
    outcome: dict[str, str] = field(default_factory=dict)  # document id -> added | recoded | skipped | failed
    new_events: dict[str, list[Event]] = field(default_factory=dict)  # document id -> events coded now
    errors: list[str] = field(default_factory=list)  # a one-line error per document that could not be coded or stored


@dataclass
class FeedsResult:
    stored: int = 0
    skipped: int = 0
    failed: int = 0
    events: int = 0
    linked: int = 0
    errors: list[str] = field(default_factory=list)  # a one-line error per feed that failed
    new_events: dict[str, list[Event]] = field(default_factory=dict)  # feed document id -> events stored now


def widens(coded: str | None, scope: str) -> bool:
    """Whether a document stored with scope ``coded`` is to be coded again with ``scope``: one coded for
    military events only, now asked for every event."""
    return coded == "force" and scope == "all"


def fuse_stored(store, new_events: list[Event], classes: frozenset[str] = frozenset()) -> list[Event]:
    """Corroborate new events against stored events of the same period, store what changed, then
    group them into happenings again: ``fusion_inputs`` (reads), ``plan_fusion`` (the work),
    ``write_fusion`` (writes) in a row, for callers that hold a transaction anyway (a live stream)."""
    plan = plan_fusion(fusion_inputs(store, new_events), classes)
    write_fusion(store, plan)
    return plan.changed


@dataclass
class FusionInputs:
    """What fusion of ``new`` reads from the store: the stored events they may corroborate
    (``stored``), and the events they may be one happening with (``pool``: the stored ones their
    dates overlap, every event of the happenings those are in, and the new ones)."""

    new: list[Event]
    stored: list[Event]
    pool: dict[str, Event]


@dataclass
class FusionPlan:
    """What fusion decided, to write: the events whose links changed, and the happenings that replace
    those their events were in (None: nothing to regroup)."""

    changed: list[Event]
    clusters: list | None


def fusion_inputs(store, new_events: list[Event]) -> FusionInputs:
    """The reads of fusion (``fuse_stored``), nothing computed, chosen in the store's query so they grow
    with what the batch's own dates and places hold, not with the store. Corroboration compares an event
    with stored ones within FUSION_WINDOW of its dates whose points can overlap its own
    (corroborate.search_box), of a subtype it can match (corroborate.COMPATIBLE), never background or
    neutral, and a batch of track events only with reports (tracks never corroborate tracks:
    fuse/corroborate.independent); happenings need dates that overlap with no slack
    (fuse/happenings.same_act) and places that overlap, so only stored events of the batch's own dates
    and places, and the happenings they are in, are grouped again. Background events (history a report
    recalls: "a 1971 lease") take part in neither, so their dates read nothing."""
    from forcewatch.fuse.corroborate import FUSION_WINDOW, NEUTRAL, candidate_subtypes, is_sensor, search_box

    acts = [e for e in new_events if e.time is not None and not e.background]
    new_ids = {e.id for e in new_events}
    stored: list[Event] = []
    pool: dict[str, Event] = {}
    if acts:
        tracks_only = all(is_sensor(e) for e in acts)
        linkable = [e for e in acts if e.modality not in NEUTRAL]
        boxes = {e.id: search_box(e) for e in acts}
        stored = [e for e in store.events_meeting(
            [(e.time.start - FUSION_WINDOW, e.time.end + FUSION_WINDOW) for e in linkable],
            boxes=[boxes[e.id] for e in linkable], reports_only=tracks_only, subtypes=candidate_subtypes(linkable),
            skip_modalities=NEUTRAL) if e.id not in new_ids]
        same_days = store.events_meeting([(e.time.start, e.time.end) for e in acts], boxes=[boxes[e.id] for e in acts])
        pool = {e.id: e for e in same_days if e.id not in new_ids}
        pool.update({e.id: e for e in stored if e.id in pool})  # the objects corroboration relinks
    pool.update({e.id: e for e in new_events})
    if new_events:
        stored_clusters = set(store.cluster_ids(pool).values())
        members = [i for i in store.cluster_members(stored_clusters) if i not in pool]
        for e in store.events_by_id(members):
            pool[e.id] = e
    return FusionInputs(list(new_events), stored, pool)


def plan_fusion(inputs: FusionInputs, classes: frozenset[str] = frozenset()) -> FusionPlan:
    """The work of fusion, without the store (so without holding its file): corroborate the new events
    against the stored ones, then group the pool into happenings, every cluster one of the new events
    was in grouped again whole, so re-ingesting changes nothing and a cluster never keeps a stale half."""
    from forcewatch.fuse.corroborate import fuse
    from forcewatch.fuse.happenings import cluster

    dated = [e for e in inputs.new if e.time is not None]
    changed = fuse(dated, inputs.stored) if dated else []
    clusters = cluster(inputs.pool.values(), classes) if inputs.new else None
    return FusionPlan(changed, clusters)


def write_fusion(store, plan: FusionPlan) -> None:
    """Store what ``plan_fusion`` decided: the changed links, and the happenings in place of the old."""
    if plan.changed:
        store.add_events(plan.changed)
    if plan.clusters is not None:
        store.replace_clusters(plan.clusters)


class Ingester:
    """Stores documents and sensor feeds with their events, then corroborates; one per configuration.

    Pipelines are built once per scope; calls are serialised, so the API's threads can share it."""

    def __init__(self, resources: Resources, pipeline=None):
        """``pipeline``: an object with ``analyze(documents)`` and ``scope`` to use for every scope
        instead of building forcewatch's own (an application's or a test's own coder)."""
        self.resources = resources
        self._pipelines: dict[str, Pipeline] = {"force": pipeline, "all": pipeline} if pipeline else {}
        self._lock = threading.RLock()

    @cached_property
    def equipment_classes(self) -> frozenset[str]:
        """The catalogue's class names that tell happenings apart (fuse/happenings.py)."""
        from forcewatch.fuse.happenings import equipment_classes

        return equipment_classes(e for _, e in self.resources.lexicons.equipment.entries)

    def pipeline(self, scope: str = "force") -> Pipeline:
        if scope not in self._pipelines:
            self._pipelines[scope] = Pipeline(self.resources, scope=scope)
        return self._pipelines[scope]

    def documents(self, store, documents: Iterable[Document], scope: str = "force",
                  on_document: Callable[[Analysis], None] | None = None, fuse: bool = True) -> IngestResult:
        """Analyse and store documents not stored yet, then link their events with what is stored.

        Each document is stored in its own transaction (read and coded outside it, so other users
        of a shared store wait only for the write), so a failure loses nothing stored before it;
        fusion runs once at the end over the new events and those of any document a killed run
        left unfused (``fuse_pending``; ``fuse=False``: the caller fuses, as ``ingest_paths`` does once
        for feeds and documents). A document already stored is skipped unless ``widens`` says it is to
        be coded again."""
        with self._lock:
            pipeline = self.pipeline(scope)
            result = IngestResult()
            fresh: dict[str, Document] = {}
            recode: set[str] = set()
            with store.session():  # one connection for the look-ups, not one per document
                for doc in documents:
                    coded = store.coded_scope(doc.id) if doc.id not in fresh else "seen"
                    if coded is None or widens(coded, scope):
                        fresh[doc.id] = doc
                        if coded is not None:
                            recode.add(doc.id)
                    else:
                        result.skipped += 1
                        result.outcome.setdefault(doc.id, "skipped")
            fresh_events: dict[str, list[Event]] = {}
            for analysis in self.analyses(pipeline, list(fresh.values()), result):
                doc = analysis.document
                try:
                    if doc.id in recode:
                        store.recode_document(doc.id, analysis.events, scope)
                        result.recoded += 1
                        result.outcome[doc.id] = "recoded"
                    elif store.add_document(doc, analysis.events, scope):
                        result.added += 1
                        result.outcome[doc.id] = "added"
                    else:  # another process stored it meanwhile
                        result.outcome[doc.id] = "skipped"
                        result.skipped += 1
                except Exception as exc:  # noqa: BLE001  (stored in its own transaction: nothing half-stored)
                    self._failed(doc, exc, result)
                    continue
                if result.outcome[doc.id] != "skipped":
                    result.events += len(analysis.events)
                    result.new_events[doc.id] = analysis.events
                    fresh_events[doc.id] = analysis.events
                if on_document is not None:
                    on_document(analysis)
            if fuse:
                result.linked, error = self.try_fuse_pending(store, fresh_events)
                result.errors += [error] if error else []
            return result

    def try_fuse_pending(self, store, fresh: dict[str, list[Event]]) -> tuple[int, str | None]:
        """``fuse_pending``, a failure of which is a one-line error (the inputs stay stored, unfused, and
        are fused by the next run): (events whose links changed, the error or None)."""
        try:
            return self.fuse_pending(store, fresh), None
        except Exception as exc:  # noqa: BLE001  (what is stored stays; its links are made next time)
            return 0, (f"corroboration of {sum(map(len, fresh.values()))} new event(s) failed ({type(exc).__name__});"
                       " what was read is stored and is fused on the next run")

    def fuse_pending(self, store, fresh: dict[str, list[Event]] | None = None, attempts: int = 3) -> int:
        """Corroborate and group into happenings the events of every stored document not fused
        yet, in one batch, written in one transaction that also marks them fused: those stored now
        (their events in ``fresh``, by document id) and any a killed run stored without fusing. A run
        that finishes what a killed one left thus fuses the same batch a clean run would have.

        The store's file is held only to read (one short transaction) and to write (another); the
        work between (links, happenings: the long part for a large batch) holds nothing, so `serve`
        and other writers go on. The write goes in only if no fusion-related write happened since the
        reads (``Store.fusion_generation``); else it is planned again from fresh reads, and after
        ``attempts`` such races it is done inside one transaction. Returns how many stored events'
        links changed."""
        fresh = fresh or {}
        classes = self.equipment_classes  # loaded before the file is held
        with self._lock:
            for attempt in range(attempts):
                with store.transaction():  # reads only: one consistent state
                    generation = store.fusion_generation()
                    pending = store.unfused_documents()
                    if not pending:
                        return 0
                    keep = fresh if attempt == 0 else {}  # a later attempt starts from stored events, unlinked
                    events = [e for d in pending if d in keep for e in keep[d]]
                    events += store.events_of_documents(d for d in pending if d not in keep)
                    inputs = fusion_inputs(store, events)
                plan = plan_fusion(inputs, classes)  # the file is free meanwhile
                with store.transaction():
                    if store.fusion_generation() != generation:
                        continue  # another process fused (or coded again) meanwhile: read again
                    write_fusion(store, plan)
                    store.mark_fused(pending)
                return len(plan.changed)
            with store.transaction():  # fusion keeps racing: read, compute and write holding the file
                pending = store.unfused_documents()
                if not pending:
                    return 0
                changed = fuse_stored(store, store.events_of_documents(pending), classes)
                store.mark_fused(pending)
            return len(changed)

    @staticmethod
    def _failed(doc: Document, exc: BaseException, result: IngestResult) -> None:
        where = doc.path or doc.url or doc.id
        result.errors.append(failure(where, exc).replace("could not be read", f"document {doc.id[:12]} could not be coded"))
        result.outcome[doc.id] = "failed"

    def analyses(self, pipeline, docs: list[Document], result: IngestResult):
        """``pipeline.analyze(docs)``, except that a document the pipeline fails on is reported (in
        ``result``) and the others still come: after a failure, the batch it was in goes one by one."""
        start, batch = 0, getattr(pipeline, "batch_docs", 1)
        while start < len(docs):
            done = start
            try:
                for analysis in pipeline.analyze(docs[start:]):
                    done += 1
                    yield analysis
                return
            except Exception:  # noqa: BLE001  (which document failed is found below)
                pass
            for doc in docs[done:done + batch]:
                try:
                    analysis = next(iter(pipeline.analyze([doc])))
                except Exception as exc:  # noqa: BLE001
                    self._failed(doc, exc, result)
                    continue
                yield analysis
            start = done + batch

    def feeds(self, store, feeds: Sequence[tuple[Path, str | None]], echo=print, fuse: bool = True) -> FeedsResult:
        """Read each sensor feed (outside the store), then store it whole in one transaction: its
        tracks, events and document; a kill leaves all of it or none. Its corroboration comes after
        the last feed, as for documents (``fuse_pending``: the file held only to read and to write;
        ``fuse=False``: the caller fuses), so a long feed batch does not keep `serve` waiting. A
        feed that gave no message (a wrong ``--format``) is an error and is not stored, so the right
        format still reads it."""
        from forcewatch.ingest import InputError, shown
        from forcewatch.sensors import read_feed

        result = FeedsResult()
        with self._lock:
            platforms, sites = self.resources.platforms, self.resources.sites
            fresh = result.new_events
            for path, fmt in feeds:
                try:
                    feed = read_feed(path, fmt, registry=platforms, sites=sites, limits=self.resources.settings.limits)
                    echo(feed.report())
                    for line in feed.refusals:  # hostile lines (JSON nested too deep): named, the rest goes in
                        echo(f"error: {line}")
                        result.errors.append(line)
                    if not feed.stats["messages"]:
                        raise InputError(f"{shown(path)}: no {feed.format} message could be read"
                                         f"{' (wrong --format?)' if fmt else ''}; not stored")
                    with store.transaction():  # the feed whole or nothing: a rerun finds it or redoes it
                        if store.has_document(feed.document.id):
                            result.skipped += 1
                            continue
                        store.add_tracks(feed.tracks)
                        store.add_document(feed.document, feed.events)
                    fresh[feed.document.id] = feed.events
                except Exception as exc:  # noqa: BLE001  (one feed's fault is that feed's alone)
                    line = failure(path, exc)
                    echo(f"error: {line}")
                    result.failed += 1
                    result.errors.append(line)
                    continue
                result.stored += 1
                result.events += len(feed.events)
            if fuse:
                result.linked, error = self.try_fuse_pending(store, fresh)
                if error:
                    echo(f"error: {error}")
                    result.errors.append(error)
        return result


    def sensor_events(self, store, documents: Sequence[Document], tracks: Sequence, events: Sequence[Event]) -> list[Event]:
        """Store what a live stream gave since the last call (ingest/streams.py -> sensors/live.py): the
        hourly documents its events cite (each once), the tracks that closed, the events (same id
        replaces: a live event is handed out again when its track settles it), then corroborate; returns
        the stored events whose links changed. The caller holds one transaction over all of it, so the
        documents are stored fused: a later ``fuse_pending`` does not fuse their events again."""
        with self._lock:
            for doc in {d.id: d for d in documents if d is not None}.values():
                if not store.has_document(doc.id):
                    store.add_document(doc, [], fused=True)
            if tracks:
                store.add_tracks(tracks)
            if not events:
                return []
            store.add_events(events)
            return fuse_stored(store, list(events), self.equipment_classes)


@dataclass
class BatchResult:
    """What one ``ingest_paths`` call did: the documents' and the feeds' results, a one-line error for
    every input that failed, and the files a folder walk left out (reason -> count)."""

    documents: IngestResult | None = None
    feeds: FeedsResult | None = None
    failures: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    linked: int = 0  # stored events whose corroboration links changed (one fusion for the whole batch)


def failure(path, exc: BaseException) -> str:
    """One line for an input that failed other than with an InputError: the file and the kind of fault."""
    from forcewatch.ingest import InputError, shown

    if isinstance(exc, InputError):
        return str(exc)
    detail = " ".join(str(exc).split())[:160]
    return f"{shown(path)}: could not be read ({type(exc).__name__}{': ' + detail if detail else ''})"


def read_documents(files: Iterable[Path], published: date | None = None, echo=print,
                   on_file: Callable[[Path], None] | None = None,
                   limits: Limits = DEFAULT) -> tuple[list[Document], list[str]]:
    """Documents from every readable report file, and a one-line error for each file (or line) that is
    not; whatever goes wrong with one file, the others are read."""
    from forcewatch.ingest.reports import read_reports

    docs: list[Document] = []
    failures: list[str] = []
    for path in files:
        errors: list[str] = []
        try:
            docs += read_reports(path, published, errors, limits)
        except RecursionError as exc:
            errors.append(failure(path, exc))
        except Exception as exc:  # noqa: BLE001  (one file's fault, whatever it is, is that file's alone)
            errors.append(failure(path, exc))
        for line in errors:
            failures.append(line)
            echo(f"error: {line}")
        if on_file is not None:
            on_file(path)
    return docs, failures


def report_files(paths: Iterable[Path], follow_symlinks: bool = False, echo=print) -> list[Path]:
    """Files named, and the report files inside directories named (sorted, recursively); special
    files and links out of a folder are left out (ingest.files.walk), each refusal echoed."""
    from forcewatch.ingest.files import walk
    from forcewatch.ingest.reports import report_suffixes

    w = walk(paths, follow_symlinks)
    for line in w.errors:
        echo(f"error: {line}")
    suffixes = report_suffixes()
    return [f for f, named in w.files if named or f.suffix.lower() in suffixes]


def gather_inputs(paths: Sequence[Path], fmt: str | None, follow_symlinks: bool, echo, archive=None):
    """What ``paths`` hold (ingest/feeds.gather: feeds, reports, web archives), each path that cannot be
    read, and the count of those passed over, said in a line each."""
    from forcewatch.ingest.feeds import gather
    from forcewatch.ingest.reports import report_suffixes

    found = gather(paths, fmt, report_suffixes(), follow_symlinks, **({"archive": archive} if archive else {}))
    for line in found.errors:
        echo(f"error: {line}")
    if (line := found.skip_line()) is not None:
        echo(line)
    return found


def ingest_paths(ingester: Ingester, store, paths: Sequence[Path], *, fmt: str | None = None,
                 published: date | None = None, scope: str = "force", follow_symlinks: bool = False, echo=print,
                 on_document: Callable[[Analysis], None] | None = None) -> BatchResult:
    """Everything ``forcewatch ingest PATHS`` does once the store is open: sensor feeds (by ``fmt`` or
    by content) and report files, each stored on its own, a failure in one never stopping the others,
    then one fusion of all that is stored and not fused yet (what a killed run left included), so a
    rerun after a kill at any moment fuses the batch a clean run fuses; the one entry point of the
    CLI and the harness (bench/fuzz.py)."""
    from forcewatch.ingest import InputError
    result = BatchResult()
    found = gather_inputs(paths, fmt, follow_symlinks, echo)
    result.failures += found.errors
    result.skipped = dict(found.skipped)
    docs, failed = read_documents(found.reports, published, echo, limits=ingester.resources.settings.limits) \
        if found.reports else ([], [])
    result.failures += failed
    if found.feeds:
        try:
            ingester.resources.platforms, ingester.resources.sites  # noqa: B018  (load now: bad files fail here)
        except (InputError, ValueError) as exc:
            echo(f"error: {exc}")
            result.failures += [str(exc)] * len(found.feeds)
        else:
            result.feeds = ingester.feeds(store, found.feeds, echo=echo, fuse=False)
            result.failures += result.feeds.errors
    if docs or not (found.feeds or found.errors):
        result.documents = ingester.documents(store, docs, scope, on_document=on_document, fuse=False)
        result.failures += result.documents.errors
        for line in result.documents.errors:
            echo(f"error: {line}")
    fresh = {**(result.feeds.new_events if result.feeds else {}),
             **(result.documents.new_events if result.documents else {})}
    result.linked, error = ingester.try_fuse_pending(store, fresh)
    if error:
        echo(f"error: {error}")
        result.failures.append(error)
    return result

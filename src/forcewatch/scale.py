"""forcewatch batch: a corpus coded by Ray workers, stored and fused by the driver.

The costly part of ingesting is the text pipeline (a spaCy parse, the gazetteer), and it needs
nothing but a document: it goes to a Ray Data pool of actors, each of which builds ONE pipeline
and codes batch after batch. Everything else stays as ``forcewatch ingest`` does it, on the
driver: reading (service.read_documents, ingest.warc), the rule for what is stored already
(checked before anything is sent, so a rerun after a kill sends only what is left), storing
(Ingester.documents, one transaction per document) and fusion (Ingester.try_fuse_pending, once per
written batch). Workers never open the store, so any store backend works and the store needs
no network access from the cluster.

Ray is an optional extra (pip install -e '.[scale]'): it is imported only when a batch runs.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from forcewatch.config import Resources, Settings
from forcewatch.records import Analysis, Document, Event
from forcewatch.service import FeedsResult, IngestResult, Ingester, failure, gather_inputs, read_documents, widens

INSTALL = "pip install -e '.[scale]'"
DOCS_PER_TASK = 8  # documents a worker codes per call: small, so two workers share a small corpus evenly
WRITE_BATCH = 64  # coded documents stored (then fused) together by the driver


class RayMissing(RuntimeError):
    """Ray (with Ray Data) is not installed; the message says how to install it."""


class Unreachable(ConnectionError):
    """Nothing listens at the cluster address given."""


class SetupError(RuntimeError):
    """The text pipeline cannot be built from the settings (a model not installed, a bad lexicon or
    plugin): found on the driver, in one line, before any worker would fail on it."""


def require_ray():
    """The ray module, with Ray Data; RayMissing, one line, when the extra is not installed."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise RayMissing(f"Ray is not installed ({exc.name or 'ray'} missing): {INSTALL}") from None
    return ray


def cluster_errors() -> tuple[type[BaseException], ...]:
    """What Ray raises when a cluster cannot be reached or its workers fail (not a fault of a document)."""
    ray = require_ray()
    return (ray.exceptions.RayError, ConnectionError, TimeoutError)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def one_line(exc: BaseException) -> str:
    """An exception of Ray's (several lines, a remote traceback) as one line: its kind and its last words."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
    return f"{type(exc).__name__}: {lines[-1][:200] if lines else 'failed'}"


@contextmanager
def ray_cluster(address: str | None = None, workers: int | None = None) -> Iterator[int]:
    """Ray for the block, yielding how many workers it can run. ``address``: a running cluster's (its
    head's host:port, or ray://host:port), joined and left running; else a new local Ray with
    ``workers`` CPUs (default: every core), shut down after. A Ray this process started already (a
    test session's) is used as it is. No dashboard; the workers' output is not relayed; Ray's logs and
    sockets stay in its temporary folder (/tmp/ray). The node is asked for 127.0.0.1, but Ray 2.60 makes
    that the machine's address (services.resolve_ip_for_localhost) and its servers listen on every
    interface; what guards them is Ray's token authentication, on by default for a local Ray."""
    ray = require_ray()
    _quiet_ray_data()
    if ray.is_initialized():
        yield workers or _cluster_cpus(ray)
        return
    quiet = dict(log_to_driver=False, logging_level="ERROR", configure_logging=True)
    if address:
        _answers(address)
        ray.init(address=address, **quiet)
    else:
        # "local": a new instance always, never one another user started on this machine (ray_current_cluster)
        ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                 _node_ip_address="127.0.0.1", **quiet)
    try:
        yield workers or _cluster_cpus(ray)
    finally:
        ray.shutdown()


def _answers(address: str, timeout: float = 10.0) -> None:
    """ConnectionError, at once, when nothing listens at a cluster's host:port (Ray itself retries for
    minutes before it gives up)."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise Unreachable(f"no Ray cluster answers at {address} ({exc.strerror or exc})") from None


def _cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _quiet_ray_data() -> None:
    """No progress bars or execution banners from Ray Data: the command draws its own bar."""
    import logging

    from ray.data import DataContext

    logging.getLogger("ray.data").setLevel(logging.CRITICAL)  # its failures reach the caller as exceptions
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.enable_operator_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False
    context.verbose_stats_logs = False


# -- what goes to the workers and back: JSON strings, so Arrow blocks carry them as text; the standard
# library's JSON, as the store writes records, so a record comes back as the store would give it ------

def _encoded(record) -> str:
    return json.dumps(record)  # ASCII: whatever the text holds, Arrow takes it


def _decoded(text: str) -> Document:
    return Document.from_dict(json.loads(text))


class Coder:
    """A Ray Data actor's work: one pipeline, built when the actor starts, codes every batch it is given.

    A document the pipeline fails on comes back as the one-line error ``forcewatch ingest`` would
    print for it (Ingester.analyses), the others of its batch coded all the same."""

    settings: Settings | None = None  # set on a subclass made for the run (see ``code``)
    scope: str = "force"

    def __init__(self):
        self.ingester = Ingester(Resources(self.settings))
        self.pipeline = self.ingester.pipeline(self.scope)
        self.ingester.resources.nlp, self.ingester.resources.gazetteer  # noqa: B018  (loaded now, not in the first batch)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        docs = [_decoded(text) for text in batch["doc"]]
        result = IngestResult()
        coded = {a.document.id: a.events for a in self.ingester.analyses(self.pipeline, docs, result)}
        failed = iter(result.errors)
        errors = {doc_id: next(failed, "") for doc_id, how in result.outcome.items() if how == "failed"}
        out = []
        for doc in docs:
            if doc.id in coded:
                out.append(_encoded({"events": [e.to_dict() for e in coded[doc.id]]}))
            else:
                out.append(_encoded({"error": errors.get(doc.id) or f"document {doc.id[:12]} was not coded"}))
        return {"id": np.array([d.id for d in docs], dtype=object), "coded": np.array(out, dtype=object)}


class _Coded:
    """The pipeline Ingester.documents runs on the driver: it hands back what the workers coded, so
    the driver stores and fuses exactly as ``forcewatch ingest`` does without coding anything."""

    batch_docs = 1

    def __init__(self, scope: str):
        self.scope = scope
        self.events: dict[str, list[Event]] = {}

    def analyze(self, documents: Iterable[Document]) -> Iterator[Analysis]:
        for doc in documents:
            yield Analysis(document=doc, events=self.events.pop(doc.id))


# -- reading -------------------------------------------------------------------------------------

@dataclass
class Corpus:
    """What a corpus holds once read: its documents (each once), the sensor feeds found in it, a
    one-line error for every file (or line, or record) that could not be read, and notes."""

    documents: list[Document] = field(default_factory=list)
    feeds: list[tuple[Path, str | None]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # files a folder walk left out: reason -> count
    repeated: int = 0  # documents whose text came before in the corpus (counted as stored already)


def read_corpus(paths: Sequence[Path], published: date | None = None, follow_symlinks: bool = False,
                settings: Settings | None = None, echo=print) -> Corpus:
    """Report files (text, HTML, RSS, JSON lines: the readers ``forcewatch ingest`` uses), web archives
    (.warc, .warc.gz: their HTML pages) and sensor feeds, from files and folders. A file that cannot
    be read is named (with its line or record) and the rest read."""
    from forcewatch.ingest.warc import is_warc, read_warc

    limits = (settings or Settings()).limits
    corpus = Corpus()
    found = gather_inputs(paths, None, follow_symlinks, echo, archive=is_warc)
    corpus.failures += found.errors
    corpus.skipped = dict(found.skipped)
    docs, failed = read_documents(found.reports, published, echo, limits=limits)
    corpus.failures += failed
    for path in found.archives:
        errors: list[str] = []
        notes: list[str] = []
        try:
            docs += read_warc(path, published, errors, limits, notes)
        except Exception as exc:  # noqa: BLE001  (one file's fault is that file's alone)
            errors.append(failure(path, exc))
        for line in errors:
            echo(f"error: {line}")
        for line in notes:
            echo(line)
        corpus.failures += errors
    first: dict[str, Document] = {}
    for doc in docs:  # the same text twice is one document, as for ingest: the first is kept, the others counted
        first.setdefault(doc.id, doc)
    corpus.documents, corpus.repeated = list(first.values()), len(docs) - len(first)
    corpus.feeds = found.feeds
    return corpus


# -- the run -------------------------------------------------------------------------------------

@dataclass
class ScaleResult:
    """What one batch run did."""

    documents: int = 0  # distinct documents in the corpus (a text repeated is one)
    sent: int = 0  # sent to the workers: not stored yet (or to be coded again for every event)
    added: int = 0
    recoded: int = 0
    skipped: int = 0  # stored already (before the run, or by another process meanwhile)
    events: int = 0
    linked: int = 0
    workers: int = 0  # Ray actors that coded (0: nothing to code, Ray not started)
    seconds: float = 0.0  # coding and storing, from the workers' start to the last document back
    writing: float = 0.0  # of which the driver spent storing and fusing (the workers go on meanwhile)
    feeds: FeedsResult | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Documents coded and stored per second."""
        return self.sent / self.seconds if self.seconds else 0.0


def to_code(store, documents: Sequence[Document], scope: str) -> list[Document]:
    """The documents not stored yet, or stored coded for military events only when every event is
    asked for (service.widens): the rest is done and is not sent again."""
    with store.session():  # one connection for the look-ups
        return [doc for doc in documents if (coded := store.coded_scope(doc.id)) is None or widens(coded, scope)]


def run(resources: Resources, store, corpus: Corpus, *, address: str | None = None, workers: int | None = None,
        scope: str = "force", docs_per_task: int = DOCS_PER_TASK, write_batch: int = WRITE_BATCH, echo=print,
        on_start: Callable[[int, int], None] | None = None,
        on_document: Callable[[str], None] | None = None) -> ScaleResult:
    """Store ``corpus`` with its events: sensor feeds on the driver (no text to code), then the
    documents not stored yet coded by Ray actors (``ray_cluster(address, workers)``, started only when
    there is something to code), stored and fused by the driver every ``write_batch`` documents.
    ``on_start(documents, workers)``: coding starts; ``on_document(id)``: one came back (stored, or
    its error echoed). If the workers fail (a node lost, the model missing on a cluster's nodes), what
    came back is stored before the error is raised: the same run again does the rest."""
    result = ScaleResult(documents=len(corpus.documents), failures=list(corpus.failures))
    replay = _Coded(scope)
    ingester = Ingester(resources, pipeline=replay)
    if corpus.feeds:
        result.feeds = ingester.feeds(store, corpus.feeds, echo=echo, fuse=False)
        result.failures += result.feeds.errors
    todo = to_code(store, corpus.documents, scope)
    result.sent, result.skipped = len(todo), len(corpus.documents) - len(todo) + corpus.repeated
    ingester.equipment_classes  # noqa: B018  (loaded before the first write, not while the file is held)
    pending: list[Document] = []

    def write() -> None:
        began = time.perf_counter()
        with store.session():  # the file held while the batch is written, not while it is coded
            done = ingester.documents(store, pending, scope, fuse=False)
        result.added += done.added
        result.recoded += done.recoded
        result.skipped += done.skipped
        result.events += done.events
        for line in done.errors:
            echo(f"error: {line}")
        result.failures += done.errors
        linked, error = ingester.try_fuse_pending(store, done.new_events)
        result.linked += linked
        if error:
            echo(f"error: {error}")
            result.failures.append(error)
        pending.clear()
        result.writing += time.perf_counter() - began

    if todo:
        try:  # what every worker builds, built here once: a bad setting is one line, not a worker's traceback
            Ingester(resources).pipeline(scope)
            resources.nlp  # noqa: B018
        except Exception as exc:  # noqa: BLE001  (whatever the settings name that cannot be loaded)
            raise SetupError(f"the text pipeline cannot be built: {type(exc).__name__}: {_one_line(exc)}") from exc
    try:
        if todo:
            with ray_cluster(address, workers) as result.workers:
                if on_start is not None:
                    on_start(len(todo), result.workers)
                start = time.perf_counter()
                for doc, coded in code(todo, resources.settings, scope, result.workers, docs_per_task):
                    if isinstance(coded, str):
                        echo(f"error: {coded}")
                        result.failures.append(coded)
                    else:
                        replay.events[doc.id] = coded
                        pending.append(doc)
                        if len(pending) >= write_batch:
                            write()
                    if on_document is not None:
                        on_document(doc.id)
                result.seconds = time.perf_counter() - start
    finally:
        write()  # what is left, and the fusion of anything stored unfused (the feeds, a killed run's)
    return result


def code(documents: Sequence[Document], settings: Settings, scope: str, workers: int,
         docs_per_task: int = DOCS_PER_TASK) -> Iterator[tuple[Document, list[Event] | str]]:
    """(document, its events, or the one-line error it failed with) for each document, as the Ray
    actors finish them (not in order): a Ray Data dataset of the documents, mapped by a pool of
    ``workers`` Coder actors, each with ONE pipeline, ``docs_per_task`` documents a call."""
    ray = require_ray()
    by_id = {doc.id: doc for doc in documents}
    # the settings travel in the class (pickled by value), not as actor arguments
    coder = type("Coder", (Coder,), {"settings": settings, "scope": scope})
    dataset = ray.data.from_items([{"doc": _encoded(doc.to_dict())} for doc in by_id.values()]).map_batches(
        coder, batch_size=docs_per_task, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
        batch_format="numpy")
    for row in dataset.iter_rows():
        coded = json.loads(row["coded"])
        events = coded.get("events")
        yield by_id[row["id"]], [Event.from_dict(e) for e in events] if events is not None else coded["error"]

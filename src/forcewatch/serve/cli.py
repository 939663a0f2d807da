"""The `forcewatch` command line."""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from forcewatch.config import ConfigError, Resources, Settings
from forcewatch.ingest import InputError
from forcewatch.ingest.reports import read_reports, report_suffixes

class _FlagsAsFlags:
    """--help shows a flag as a flag: typer's help panel otherwise gives every option a type, ``--help <bool>``."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for p in params:
            if getattr(p, "is_flag", False) and not getattr(p, "count", False) and p.metavar is None:
                p.metavar = ""
        return params


class Command(_FlagsAsFlags, TyperCommand):
    pass


def usage_error(exc: typer.TyperException) -> str:
    """A usage error (unknown command or option, bad or missing value) as one line, in the words of
    forcewatch's own errors: ``forcewatch export: --format: 'xls' is not one of csv, geojson, kml, stix
    (see forcewatch export --help)``, where typer would draw a box of several lines."""
    import re

    param, kind = getattr(exc, "param", None), type(exc).__name__
    if param is None:
        name = getattr(exc, "param_hint", None) or ""
    elif getattr(param, "param_type_name", "") == "argument":
        name = param.name.upper()
    else:
        name = max(param.opts, key=len)
    if kind == "MissingParameter" and name:
        message = f"{name} is required"
    elif kind == "BadParameter" and name:
        problem = getattr(exc.__cause__, "errors", lambda: [{}])()[0]  # typer checks values with pydantic
        if problem.get("type") in ("int_parsing", "float_parsing"):
            message = f"{name}: {problem['input']!r} is not a number"
        else:
            text = " ".join(str(exc.message).split()).replace("Value error, ", "").rstrip(".")
            head, sep, allowed = text.partition(" is not one of ")
            message = f"{name}: {head}{sep}" + re.sub(r"'([^']*)'", r"\1", allowed)  # 'csv', 'kml' -> csv, kml
    else:
        message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    where = " ".join(["forcewatch", *(ctx.command_path.split()[1:] if ctx is not None else [])])  # however started
    return f"{where}: {message} (see {where} --help)"


class Group(_FlagsAsFlags, TyperGroup):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors as one line on stderr, exit status 2; --help stays rich."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # typer's usage errors (its own click's exceptions)
            err.print(f"[red]error:[/red] {escape(usage_error(exc))}", highlight=False, soft_wrap=True)
            sys.exit(getattr(exc, "exit_code", 2))
        except typer.Abort:
            err.print("Aborted.", highlight=False)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=Group,
    help="forcewatch: geolocated, dated, source-graded force-posture events from reports and sensor feeds.",
    no_args_is_help=True,
    add_completion=False,
)
# Piped output is read by people too: give tables room rather than rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # errors stay on one line, whatever the width

DEFAULT_DB = os.environ.get("FORCEWATCH_DB", "forcewatch.duckdb")
DB_HELP = "DuckDB file, or a PostgreSQL database as postgresql://user@host/dbname"


@app.callback()
def _configure(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", envvar="FORCEWATCH_CONFIG", show_default=False,
        help="TOML config file: model, cache, source registries, sites, lexicons, components, plugins."),
):
    ctx.obj = config


def _resources(ctx: typer.Context, **flags) -> Resources:
    """The configuration, decided once: the config file, then this command's flags."""
    try:
        return Resources(Settings.load(ctx.obj if isinstance(ctx.obj, Path) else None, **flags))
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


class Format(str, Enum):
    jsonl = "jsonl"
    table = "table"
    geojson = "geojson"


def _published(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--published") from None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the report files inside directories named (sorted, recursively)."""
    from forcewatch.service import report_files

    return report_files(paths, echo=_echo)


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    )


def _echo(line: str) -> None:
    """A line of the service's for the terminal: errors in red, each on one line."""
    if line.startswith("error: "):  # a file's name or a fault may hold brackets rich reads as markup
        err.print(f"[red]error:[/red] {escape(line[7:])}", highlight=False, soft_wrap=True)
    else:
        err.print(line, highlight=False, soft_wrap=True, markup=False)


def read_all(paths: list[Path], published: date | None):
    """Documents from every readable file; one-line errors for the others."""
    from forcewatch.service import read_documents

    files = expand_paths(paths)
    with _progress() as progress:
        task = progress.add_task("reading", total=len(files))
        docs, failures = read_documents(files, published, _echo, on_file=lambda _: progress.advance(task))
    return docs, len(failures)


ALL_EVENTS = typer.Option(
    False, "--all-events", help="Code political events in every document, not only in reports about military "
    "matters (slower: most news is off topic). Documents stored without it are coded again.")


def _scope(all_events: bool) -> str:
    return "all" if all_events else "force"


def _analyze(resources: Resources, docs, scope: str = "force"):
    from forcewatch.pipeline import Pipeline

    pipeline = Pipeline(resources, scope=scope)
    with _progress() as progress:
        task = progress.add_task("analysing", total=len(docs))
        for analysis in pipeline.analyze(docs):
            progress.advance(task)
            yield analysis


def _ingest(ingester, store, docs, scope: str = "force"):
    """Store new documents with a progress bar, then corroborate (service.Ingester)."""
    with _progress() as progress:
        task = progress.add_task("analysing", total=len(docs))
        return ingester.documents(store, docs, scope, on_document=lambda _: progress.advance(task))


def _print(records: list[dict], fmt: Format, title: str | None = None, full: bool = False) -> None:
    """Records as JSON lines, GeoJSON, or a table: one that fits the terminal, or for a pipe plain
    tab-separated lines with the whole evidence."""
    from forcewatch.serve.export import feature_collection
    from forcewatch.serve.output import event_table, event_tsv, jsonl

    if fmt is Format.jsonl:
        sys.stdout.write(jsonl(records))
    elif fmt is Format.geojson:
        sys.stdout.write(json.dumps(feature_collection(records), ensure_ascii=False) + "\n")
    elif console.is_terminal:
        console.print(event_table(records, title=title, full=full, width=console.width))
    else:
        sys.stdout.write(event_tsv(records))


FULL = typer.Option(False, "--full", help="Whole sentences in the evidence column (piped output always has them).")


def _fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(code)


# The filters of `forcewatch events`, `forcewatch export` and the API (serve/filters.py), declared once.
def _filter_options() -> dict[str, tuple[Any, Any]]:
    from forcewatch.serve.filters import HELP

    def text(*names: str, key: str):
        return (str | None, typer.Option(None, *names, help=HELP[key], show_default=False))

    return {
        "type": text("--type", key="type"), "subtype": text("--subtype", key="subtype"),
        "near": text("--near", key="near"), "bbox": text("--bbox", key="bbox"),
        "since": text("--since", key="since"), "until": text("--until", key="until"),
        "source_kind": text("--source-kind", key="source_kind"), "modality": text("--modality", key="modality"),
        "credibility": text("--credibility", key="credibility"), "q": text("--q", "--search", key="q"),
        "doc_id": text("--doc-id", key="doc_id"),
        "background": (bool, typer.Option(False, "--background", help=HELP["background"])),
    }


def with_filters(command):
    """Give a command the event filters, checked (serve.filters.event_filters) and handed over as ``filters``,
    and ``--limit`` checked too: a bad value is a one-line error naming the filter and what it accepts."""
    from forcewatch.serve.filters import FilterError, event_filters, limit as check_limit

    options = _filter_options()
    signature = inspect.signature(command)
    kept = [p for name, p in signature.parameters.items() if name != "filters"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=kind)
             for name, (kind, opt) in options.items()]

    @functools.wraps(command)
    def run(*args, **kwargs):
        given = {name: kwargs.pop(name) for name in options}
        try:
            kwargs["filters"] = event_filters(**given)
            if "limit" in kwargs:
                kwargs["limit"] = check_limit(kwargs["limit"])
        except FilterError as exc:  # "source_kind: ..." -> "--source-kind: ..."
            name, _, rest = str(exc).partition(":")
            _fail(f"--{name.replace('_', '-')}:{rest}" if name in options or name == "limit" else str(exc))
        return command(*args, **kwargs)

    run.__signature__ = signature.replace(parameters=kept + added)
    run.__annotations__ = {**{k: v for k, v in command.__annotations__.items() if k != "filters"},
                           **{name: kind for name, (kind, _) in options.items()}}
    return run


@app.command(cls=Command)
def extract(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Report files or directories (text, HTML, RSS, JSONL)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD (default: NAME.meta.json or page metadata)."),
    format: Format = typer.Option(Format.jsonl, "--format", "-f"),
    all_events: bool = ALL_EVENTS,
):
    """Print the events found in reports, without storing anything."""
    from forcewatch.serve.output import event_record

    resources = _resources(ctx)
    docs, failures = read_all(paths, _published(published))
    records = [event_record(e, a.document) for a in _analyze(resources, docs, _scope(all_events)) for e in a.events]
    _print(records, format)
    raise typer.Exit(1 if failures else 0)


@app.command(cls=Command)
def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Report files, sensor feeds (ADS-B, AIS) or directories."),
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP} (created if missing)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD for all files."),
    feed_format: str | None = typer.Option(
        None, "--format", help="Treat the paths as sensor feeds of this format: sbs, aircraft-json, readsb-trace, "
        "modes-hex, nmea, ais-catcher, ais-csv (default: recognised by content).",
    ),
    sites: list[Path] = typer.Option([], "--sites", help="YAML file of extra watched sites (point+radius or polygon)."),
    aircraft_db: list[Path] = typer.Option([], "--aircraft-db", help="Aircraft registry CSV (hex, registration, type, operator, military)."),
    vessel_db: list[Path] = typer.Option([], "--vessel-db", help="Vessel CSV (MMSI, name, type, flag)."),
    all_events: bool = ALL_EVENTS,
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Follow symlinks in folders that lead out of them (by default they are skipped)."),
    fixes: Path | None = typer.Option(
        None, "--fixes", metavar="DIR", show_default=False,
        help="Folder of the tracks' fix archive (Parquet by day and source; default: DB.fixes beside the database)."),
):
    """Store reports and sensor feeds and their events; a document or feed already stored is skipped.

    The database is held only while each document or feed is written, so a running `serve` keeps
    answering; another process writing is waited for (at most lock_wait seconds, a setting). After a
    kill, the same command again finishes what was left (docs/store.md).

    Exit code 0: every input stored or already stored; 1: some inputs failed (each named); 2: nothing
    could run (a bad option, configuration or database)."""
    from forcewatch.ingest.feeds import FORMATS
    from forcewatch.service import Ingester, ingest_paths
    from forcewatch.store import Store

    if feed_format is not None and feed_format not in FORMATS:
        raise typer.BadParameter(f"{feed_format!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    resources = _resources(ctx, sites=sites, aircraft_registry=aircraft_db, vessel_registry=vessel_db, fixes=fixes)
    ingester = Ingester(resources)
    # shared: the file is held only while a batch is written, so `serve` and `watch` keep working
    with _writable_store(db, resources) as store, \
            _progress() as progress:
        task = progress.add_task("analysing", total=None)
        batch = ingest_paths(ingester, store, paths, fmt=feed_format, published=_published(published),
                             scope=_scope(all_events), follow_symlinks=follow_symlinks, echo=_echo,
                             on_document=lambda _: progress.advance(task))
    linked = f"{batch.linked} event(s) newly corroborated or contradicted"
    if batch.feeds is not None:
        r = batch.feeds
        err.print(f"{r.stored} sensor feed(s) stored with {r.events} event(s); {r.skipped} already stored; "
                  f"{r.failed} failed{'' if batch.documents else f'; {linked}'}.", highlight=False)
    if (result := batch.documents) is not None:
        err.print(
            f"{result.added} document(s) stored"
            f"{f', {result.recoded} coded again for every event' if result.recoded else ''} with {result.events} "
            f"event(s); {result.skipped} already stored; "
            f"{len(batch.failures)} failed; {linked}. Database: {_shown(db)}",
            highlight=False,
        )
    raise typer.Exit(1 if batch.failures else 0)


class _Rate(ProgressColumn):
    """Documents per second so far, for the batch's bar."""

    def render(self, task) -> Text:
        """Since the workers started, as the closing line counts it (rich's own speed, over the last
        seconds, leaps when a batch comes back at once)."""
        rate = task.completed / task.elapsed if task.completed and task.elapsed else None
        return Text(f"{rate:.1f} docs/s" if rate else "… docs/s", style="progress.data.speed")


@app.command(cls=Command)
def batch(
    ctx: typer.Context,
    corpus: list[Path] = typer.Argument(..., help="Folders and files of reports (text, HTML, RSS, JSONL), "
                                        "web archives (.warc, .warc.gz) and sensor feeds."),
    db: str = typer.Option(DEFAULT_DB, help="DuckDB file (created if missing) or postgresql:// URL."),
    ray_address: str | None = typer.Option(
        None, "--ray", metavar="ADDRESS", show_default=False, envvar="RAY_ADDRESS",
        help="A running Ray cluster's address (host:port, or ray://host:10001; default: $RAY_ADDRESS, else a new "
        "local Ray on this machine)."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, show_default=False,
        help="Workers coding documents, each with its own pipeline (default: every core, or the cluster's CPUs)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD for all documents."),
    all_events: bool = ALL_EVENTS,
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Follow symlinks in folders that lead out of them (by default they are skipped)."),
):
    """Store a large corpus as `ingest` does, its documents coded in parallel by Ray workers (docs/scale.md).

    Documents already stored are not sent again, so after a kill the same command finishes what was
    left. Needs Ray, the scale extra (docs/scale.md).

    Exit code 0: every input stored or already stored; 1: some inputs failed (each named); 2: nothing
    could run (Ray missing, a bad option, configuration or database)."""
    from forcewatch import scale
    from forcewatch.store import open_store

    try:
        scale.require_ray()
    except scale.RayMissing as exc:
        _fail(escape(str(exc)))
    when, scope = _published(published), _scope(all_events)
    resources = _resources(ctx)
    corpus_read = scale.read_corpus(corpus, when, follow_symlinks, resources.settings, echo=_echo)
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        _Rate(), TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("starting the workers", total=None)
    started = []

    def start(documents: int, workers: int) -> None:
        started.append(workers)
        progress.reset(task, total=documents, description=f"coding ({workers} workers)")  # the clock from now

    with open_store(db, shared=True, lock_wait=resources.settings.lock_wait, on_wait=_echo) as store:
        try:
            with progress:
                result = scale.run(
                    resources, store, corpus_read, address=ray_address, workers=workers, scope=scope, echo=_echo,
                    on_start=start,
                    on_document=lambda _: progress.advance(task))
        except scale.SetupError as exc:
            _fail(escape(str(exc)))
        except scale.cluster_errors() as exc:  # a cluster not reachable, workers lost or failing to start
            if started:
                _fail(escape(f"Ray: {scale.one_line(exc)}; what came back is stored: the same command again does the rest"), 1)
            # Ray turns token authentication on by itself only for a cluster it finds, never for an address given
            hint = " (Ray's token authentication: set RAY_AUTH_MODE=token, see docs/scale.md)" \
                if ray_address and isinstance(exc, ConnectionError) and not isinstance(exc, scale.Unreachable) \
                and "RAY_AUTH_MODE" not in os.environ else ""
            _fail(escape(f"Ray: {scale.one_line(exc)}{hint}"))
    if result.feeds is not None:
        r = result.feeds
        err.print(f"{r.stored} sensor feed(s) stored with {r.events} event(s); {r.skipped} already stored; "
                  f"{r.failed} failed.", highlight=False)
    speed = f" ({result.rate:.1f} documents/s over {result.workers} workers)" if result.workers else ""
    err.print(
        f"{result.added} document(s) stored{f', {result.recoded} coded again for every event' if result.recoded else ''} "
        f"with {result.events} event(s){speed}; {result.skipped} already stored; {len(result.failures)} failed; "
        f"{result.linked} event(s) newly corroborated or contradicted. Database: {db}", highlight=False, markup=False)
    raise typer.Exit(1 if result.failures else 0)


def _ingest_feeds(ingester, store, feeds) -> int:
    """Store sensor feeds (tracks, events, a document per feed); returns how many failed."""
    try:
        ingester.resources.platforms, ingester.resources.sites  # noqa: B018  (load now: bad files fail here)
    except (InputError, ValueError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return len(feeds)
    r = ingester.feeds(store, feeds, echo=_echo)
    err.print(f"{r.stored} sensor feed(s) stored with {r.events} event(s); {r.skipped} already stored; {r.failed} failed; "
              f"{r.linked} event(s) newly corroborated or contradicted.", highlight=False)
    return r.failed


def _shown(db: str) -> str:
    """The database as messages name it (a URL without its password)."""
    from forcewatch.store import is_url

    if is_url(db):
        from forcewatch.store.postgres import redact

        return redact(db)
    return db


def _exists(db: str) -> bool:
    from forcewatch.store import is_url

    return is_url(db) or Path(db).exists()


def _open_store(db: str):
    from forcewatch.store import StoreBusy, open_store

    if not _exists(db):
        _fail(f"{db}: no such database (run `forcewatch ingest` first)")
    try:
        return open_store(db, read_only=True)
    except StoreBusy as exc:
        _fail(escape(str(exc)))


def _writable_store(db: str, resources):
    """The store shared with other processes: a file held only while a batch or commit is written, so a
    `forcewatch serve`, `ingest` or `events` in another process uses it in between (docs/watch.md, "One
    database, several processes"), or a PostgreSQL server."""
    from forcewatch.store import StoreBusy, open_store

    try:
        return open_store(db, shared=True, lock_wait=resources.settings.lock_wait, on_wait=_echo,
                          fixes=resources.settings.fixes)
    except StoreBusy as exc:
        _fail(escape(str(exc)))


@app.command(cls=Command)
@with_filters
def events(
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP}."),
    limit: int | None = typer.Option(None, help="At most this many events (default: all)."),
    format: Format = typer.Option(Format.table, "--format", "-f"),
    full: bool = FULL,
    filters: dict = None,
):
    """List stored events, oldest first (background events only with --background)."""
    from forcewatch.serve.output import event_record

    with _open_store(db) as store:
        found = store.events(limit=limit, **filters)
        docs = store.documents_by_id({e.doc_id for e in found}, text=False)
    _print([event_record(e, docs.get(e.doc_id)) for e in found], format, title=f"{len(found)} events", full=full)


class ExportFormat(str, Enum):
    csv = "csv"
    geojson = "geojson"
    kml = "kml"
    stix = "stix"


@app.command(cls=Command)
@with_filters
def export(
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP}."),
    format: ExportFormat = typer.Option(..., "--format", "-f", help="csv (ACLED-style), geojson (RFC 7946), "
                                        "kml (Google Earth, QGIS) or stix (a STIX 2.1 bundle)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
    limit: int | None = typer.Option(None, help="At most this many events (default: all)."),
    filters: dict = None,
):
    """Write the events matching the filters for another tool (docs/exports.md); what is left out goes to stderr."""
    from forcewatch.serve.export import select, write

    with _open_store(db) as store:
        result = write(format.value, select(store, filters, limit))
    if out is None or str(out) == "-":
        sys.stdout.write(result.body)
        where = "standard output"
    else:
        try:
            with open(out, "w", encoding="utf-8", newline="") as f:
                f.write(result.body)
        except OSError as exc:
            _fail(f"{out}: {exc.strerror}")
        where = str(out)
    err.print(f"{result.count} event(s) written to {where} ({format.value}); left out: {result.omitted_text()}.",
              highlight=False, markup=False)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _run_server(resources: Resources, db: str, host: str, port: int, token: str | None, tiles: str | None = None,
                allow_hosts: list[str] | None = None) -> None:
    """Serve the API and dashboard on DB until Ctrl+C, answering only to the Host names of the address
    served on and ``allow_hosts`` (serve.api.Guard: DNS rebinding)."""
    import socket

    import uvicorn

    from forcewatch.serve.api import create_app, default_hosts

    try:  # a clear message rather than uvicorn's traceback when the port is taken
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on {host}:{port} ({exc.strerror}); try --port",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    from forcewatch.store.duck import StoreBusy

    try:
        hosts = default_hosts(host, port) + list(allow_hosts or [])
        if host in ("0.0.0.0", "::"):
            hosts.append(socket.gethostname())
        application = create_app(db, token=token or None, tiles=tiles, resources=resources, hosts=hosts)
    except StoreBusy as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}/"
    err.print(
        f"forcewatch dashboard: {url}\nAPI docs:  {url}docs   Database: {_shown(db)}\n"
        f"Ingest over the API: {'enabled (bearer token)' if token else 'disabled (no --token)'}. Ctrl+C to stop.",
        highlight=False,
    )
    if host not in LOOPBACK:
        err.print(f"[yellow]warning:[/yellow] listening on {host}: anyone who can reach it can read the events.")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command(cls=Command)
def serve(
    ctx: typer.Context,
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP}."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    token: str | None = typer.Option(
        None, "--token", envvar="FORCEWATCH_TOKEN", show_default=False,
        help="Bearer token that POST /documents requires; without one, ingest over the API is refused.",
    ),
    tiles: str | None = typer.Option(
        None, help="Opt-in online map tiles URL template, e.g. https://tile.example.org/{z}/{x}/{y}.png "
        "(default: the packaged offline basemap only).",
    ),
    allow_host: list[str] = typer.Option(
        [], "--allow-host", help="Also answer requests whose Host is this name (NAME or NAME:PORT; repeat for "
        "more), e.g. behind a reverse proxy. By default only the address served on and localhost are answered."),
    fixes: Path | None = typer.Option(
        None, "--fixes", metavar="DIR", show_default=False,
        help="Folder of the tracks' fix archive (Parquet by day and source; default: DB.fixes beside the database)."),
):
    """Serve the web dashboard and the REST API (OpenAPI docs at /docs)."""
    if not _exists(db) and not token:
        err.print(f"[red]error:[/red] {db}: no such database (run `forcewatch ingest` or `forcewatch demo` first)",
                  highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    _run_server(_resources(ctx, fixes=fixes), db, host, port, token, tiles, allow_host)


def demo_reports() -> Path:
    return Path(str(resources.files("forcewatch.data").joinpath("demo")))


@app.command(cls=Command)
def demo(
    ctx: typer.Context,
    out: Path = typer.Option(Path("forcewatch-demo"), help="Folder for the database and exports."),
    serve: bool = typer.Option(False, "--serve", help="Then serve the dashboard on the demo database."),
    host: str = typer.Option("127.0.0.1", help="With --serve: address to listen on."),
    port: int = typer.Option(8000, help="With --serve: port to listen on."),
    live: bool = typer.Option(False, "--live", help="Instead: replay the bundled feeds and reports into `forcewatch "
                              "watch` and serve the dashboard, alerts arriving as they are raised (docs/watch.md)."),
    speed: float = typer.Option(3600.0, help="With --live: times faster than the feeds were recorded."),
):
    """Process the bundled sample reports and feeds, print their timeline (--serve: then open the dashboard)."""
    if live:
        _demo_live(ctx, out, host, port, speed)
        return
    from forcewatch.fuse.posture import detect
    from forcewatch.ingest.feeds import split_paths
    from forcewatch.serve.export import feature_collection
    from forcewatch.serve.output import event_record, jsonl
    from forcewatch.service import Ingester
    from forcewatch.store import Store

    out.mkdir(parents=True, exist_ok=True)
    db = out / "forcewatch.duckdb"
    feeds, paths = split_paths([demo_reports()], None, report_suffixes())
    docs, _ = read_all(paths, None)
    registry = sorted(demo_reports().glob("feeds/*-registry.csv"))
    resources = _resources(ctx, sources=[demo_reports() / "sources.yaml"],
                           aircraft_registry=[p for p in registry if "aircraft" in p.name],
                           vessel_registry=[p for p in registry if "vessel" in p.name])
    ingester = Ingester(resources)
    with Store(db) as store:
        _ingest(ingester, store, docs)
        _ingest_feeds(ingester, store, feeds)
        found = store.events()
        doc_by_id = store.documents_by_id({e.doc_id for e in found}, text=False)
        flags = detect(found, resources.sites)
    records = [event_record(e, doc_by_id.get(e.doc_id)) for e in found]
    _print(records, Format.table, title=f"forcewatch demo: {len(docs)} bundled reports, {len(feeds)} sensor feeds")
    _print_posture(flags)
    (out / "events.jsonl").write_text(jsonl(records), "utf-8")
    (out / "events.geojson").write_text(json.dumps(feature_collection(records), ensure_ascii=False, indent=1), "utf-8")
    console.print(
        f"\n{len(records)} events from {len(docs)} reports and {len(feeds)} sensor feeds.\n"
        f"Database: {db}\nExports:  {out / 'events.jsonl'}, {out / 'events.geojson'}\n"
        f"Query:    forcewatch events --db {db} --near 35.40,35.95,25\n"
        f"Export:   forcewatch export --db {db} -f kml -o events.kml   (or csv, geojson, stix)", highlight=False,
    )
    if serve:
        _run_server(resources, db, host, port, token=None)
    else:
        console.print(
            f"Map:      forcewatch serve --db {db}   then open http://127.0.0.1:8000/\n"
            f"          (or: forcewatch demo --serve)", highlight=False,
        )


@app.command(cls=Command)
def posture(
    ctx: typer.Context,
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP}."),
    window: int = typer.Option(7, help="Days per window."),
    until: str | None = typer.Option(None, help="Last day of the window (default: the latest event)."),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table, jsonl, or geojson (a point per "
                                  "site, a line from site to site for a redeployment)."),
):
    """Flag posture changes at watched sites: withdrawal, build-up, redeployment."""
    import dataclasses

    from forcewatch.fuse.posture import detect

    watched = _resources(ctx).sites
    with _open_store(db) as store:
        sites = {s.id: s for s in watched} | {s.id: s for s in store.sites()}
        flags = detect(store.events(), sites.values(), window, _published(until))
    if format is Format.jsonl:
        for f in flags:
            sys.stdout.write(json.dumps(dataclasses.asdict(f), default=str) + "\n")
    elif format is Format.geojson:
        from forcewatch.serve.export import posture_collection

        sys.stdout.write(json.dumps(posture_collection(flags, sites.values()), ensure_ascii=False) + "\n")
    else:
        _print_posture(flags)


POSTURE_COLUMNS = ("site", "change", "window", "score", "evidence")


def _print_posture(flags) -> None:
    """The posture changes as a table in a terminal, as tab-separated lines in a pipe."""
    from rich.table import Table

    from forcewatch.serve.output import tsv

    rows = [(f.site, f.change + (f" → {f.to_site}" if f.to_site else ""), f"{f.start} to {f.end}", f"{f.score:g}",
             f"{f.summary} ({len(f.evidence)} events)") for f in flags]
    if not console.is_terminal:
        sys.stdout.write(tsv(POSTURE_COLUMNS, rows))
        return
    table = Table(*POSTURE_COLUMNS, title=f"{len(flags)} posture change(s)")
    for row in rows:
        table.add_row(*row)
    console.print(table)


class PlaceFormat(str, Enum):
    jsonl = "jsonl"
    table = "table"


@app.command(cls=Command)
def places(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Report files or directories (text, HTML, RSS, JSONL)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD (default: NAME.meta.json or page metadata)."),
    format: PlaceFormat = typer.Option(PlaceFormat.jsonl, "--format", "-f"),
    ner: bool = typer.Option(False, "--ner", help="Also use the spaCy model's entities (slower)."),
):
    """Geoparse reports: one line per place mention, resolved to coordinates."""
    from forcewatch.resolve.geoparse import FIELDS, geoparse, records

    resources = _resources(ctx)
    docs, failures = read_all(paths, _published(published))
    rows = [r for a in geoparse(docs, resources.gazetteer, nlp=resources.nlp if ner else None) for r in records(a)]
    if format is PlaceFormat.jsonl:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    else:
        from rich.table import Table

        table = Table(*FIELDS, title=f"{len(rows)} place mentions")
        for r in rows:
            table.add_row(*("" if r[f] is None else str(r[f]) for f in FIELDS))
        console.print(table)
    raise typer.Exit(1 if failures else 0)


gazetteer_app = typer.Typer(cls=Group, help="The place gazetteer (DuckDB, in the user cache).", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("import", cls=Command)
def gazetteer_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="GeoNames dump: allCountries.zip, XX.zip, cities500.zip/.txt, alternateNamesV2.zip"),
    db: Path | None = typer.Option(None, help="Database to import into (default: the user import database)."),
):
    """Import a GeoNames dump so every place GeoNames knows can be found (streamed, bounded memory)."""
    from forcewatch.gazetteer.geonames import import_file

    if not file.exists():
        err.print(f"[red]error:[/red] {file}: no such file")
        raise typer.Exit(2)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal) as progress:
            task = progress.add_task(f"importing {file.name}", total=1.0)
            summary = import_file(file, db or _resources(ctx).geonames_import, progress=lambda frac: progress.update(task, completed=frac))
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    err.print(summary, highlight=False)


@gazetteer_app.command("info", cls=Command)
def gazetteer_info(ctx: typer.Context):
    """Where the gazetteer lives and what it holds."""
    g = _resources(ctx).gazetteer
    rows = g.con.execute("SELECT kind, count(*) FROM places GROUP BY kind ORDER BY 2 DESC").fetchall()
    console.print(f"database: {g.path}")
    for kind, n in rows:
        console.print(f"  {kind:10} {n:>9,}")
    if g.has_user:
        n = g.con.execute(f"SELECT count(*) FROM {g._u}.places").fetchone()[0]
        console.print(f"imported GeoNames: {g.user_db} ({n:,} places)")


fixes_app = typer.Typer(cls=Group, help="The tracks' fix archive (Parquet by day and source; docs/store.md).",
                        no_args_is_help=True)
app.add_typer(fixes_app, name="fixes")


@fixes_app.command("compact", cls=Command)
def fixes_compact(
    ctx: typer.Context,
    db: Path = typer.Option(DEFAULT_DB, help="DuckDB file."),
    before: str | None = typer.Option(None, help="Merge the days before this one, YYYY-MM-DD (default: today, UTC)."),
    fixes: Path | None = typer.Option(None, "--fixes", metavar="DIR", show_default=False,
                                      help="Folder of the fix archive (default: DB.fixes beside the database)."),
):
    """Merge each day's and source's fix files into one (a live watcher writes one per commit that closes
    tracks). Safe beside a running watch, serve or ingest: each merge is listed in one short transaction."""
    from datetime import datetime, timezone

    from forcewatch.store import Store, StoreBusy
    from forcewatch.store.fixes import compact

    if not db.exists():
        _fail(f"{db}: no such database")
    try:
        day = date.fromisoformat(before) if before else datetime.now(timezone.utc).date()
    except ValueError:
        raise typer.BadParameter(f"{before!r} is not a date (YYYY-MM-DD)", param_hint="--before") from None
    resources = _resources(ctx, fixes=fixes)
    try:
        with Store(db, shared=True, lock_wait=resources.settings.lock_wait, on_wait=_echo,
                   fixes=resources.settings.fixes) as store:
            merged = compact(store, before=day)
    except StoreBusy as exc:
        _fail(escape(str(exc)))
    err.print(f"{merged} fix file(s) merged (days before {day}).", highlight=False)


# -- forcewatch watch (docs/watch.md) ----------------------------------------

@app.command(cls=Command)
def watch(
    ctx: typer.Context,
    config_file: Path = typer.Argument(..., metavar="WATCH.YAML", help="The watch config: sources, streams, sites, rules, webhooks (docs/watch.md)."),
    db: str = typer.Option(DEFAULT_DB, help=f"{DB_HELP} (created if missing); alerts.jsonl goes beside a file "
                            "(in the current folder for a server) unless the config says where."),
    serve: bool = typer.Option(False, "--serve", help="Also serve the dashboard, alerts arriving live."),
    host: str = typer.Option("127.0.0.1", help="With --serve: address to listen on."),
    port: int = typer.Option(8000, help="With --serve: port to listen on."),
    all_events: bool = ALL_EVENTS,
    fixes: Path | None = typer.Option(
        None, "--fixes", metavar="DIR", show_default=False,
        help="Folder of the tracks' fix archive (Parquet by day and source; default: DB.fixes beside the database)."),
):
    """Follow feeds, pages, folders and sensor streams until stopped; evaluate the standing rules over
    what is stored and raise alerts (the store, alerts.jsonl, webhooks, the dashboard).

    Exit code 0 when stopped (Ctrl+C or SIGTERM); 2 when it cannot start (a bad config or database)."""
    import signal
    import threading

    from forcewatch.service import Ingester
    from forcewatch.watch.config import WatchConfig, WatchConfigError
    from forcewatch.watch.hub import Hub
    from forcewatch.watch.runner import Watcher

    try:
        cfg = WatchConfig.load(config_file)
        if cfg.forcewatch_config is not None and not isinstance(ctx.obj, Path):
            ctx.obj = cfg.forcewatch_config
        resources = _resources(ctx, sites=list(cfg.site_files), aircraft_registry=list(cfg.aircraft_db),
                               vessel_registry=list(cfg.vessel_db), fixes=fixes)
        resources = Resources(resources.settings.with_sites(cfg.sites)) if cfg.sites else resources
        sites = resources.sites
        cfg.check_sites(sites)
        if cfg.streams:
            resources.platforms  # noqa: B018  (load now: a bad registry file fails here, not in a thread)
    except (WatchConfigError, ConfigError, InputError, ValueError) as exc:
        _fail(escape(str(exc)))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    store = _writable_store(db, resources)
    hub = Hub() if serve else None
    from forcewatch.store import is_url

    beside = Path("alerts.jsonl") if is_url(db) else Path(db).with_name("alerts.jsonl")
    watcher = Watcher(cfg, Ingester(resources), store, sites=sites, hub=hub, echo=_echo,
                      alerts_jsonl=cfg.alerts_jsonl or beside, scope=_scope(all_events))
    server = _serve_in_thread(resources, db, store, hub, host, port) if serve else None
    err.print(f"forcewatch watch: {config_file} -> {_shown(db)}; Ctrl+C to stop.", highlight=False)
    try:
        watcher.run(stop)
    finally:
        if server is not None:
            server.should_exit = True
        store.close()
    s = watcher.stats
    err.print(f"stopped: {s['documents']} document(s), {s['sensor_events']} sensor event(s), {s['alerts']} alert(s).",
              highlight=False)


def _serve_in_thread(resources, db: str, store, hub, host: str, port: int):
    """The dashboard and API on the watcher's own store (one process writes it), in a thread."""
    import threading

    import uvicorn

    from forcewatch.serve.api import create_app

    application = create_app(db, resources=resources, store=store, hub=hub)
    server = uvicorn.Server(uvicorn.Config(application, host=host, port=port, log_level="warning"))
    server.install_signal_handlers = lambda: None  # the watcher owns SIGINT and SIGTERM
    threading.Thread(target=server.run, name="dashboard", daemon=True).start()
    err.print(f"forcewatch dashboard: http://{host}:{port}/ (alerts arrive live)", highlight=False)
    return server


def _demo_live(ctx: typer.Context, out: Path, host: str, port: int, speed: float) -> None:
    """`forcewatch demo --live`: the demo's ADS-B and AIS feeds replayed over TCP as receivers serve them,
    its reports dropped one by one into a watched folder, `forcewatch watch --serve` on them."""
    import shutil
    import signal
    import threading
    import time as time_module

    from forcewatch.serve.replay import Replay, serve_tcp
    from forcewatch.service import Ingester
    from forcewatch.watch.config import WatchConfig
    from forcewatch.watch.hub import Hub
    from forcewatch.watch.runner import Watcher

    demo = demo_reports()
    feeds = demo / "feeds"
    home = (out / "live").resolve()  # watch.yaml's relative paths are read from its own folder: write whole ones
    shutil.rmtree(home, ignore_errors=True)  # a fresh run: the alerts arrive again
    inbox = home / "inbox"
    inbox.mkdir(parents=True)
    stop = threading.Event()
    replays = {name: Replay(feeds / name, speed=speed) for name in ("hmeimim-2024-12-09_14.sbs", "tartus-2024-12-09_14.nmea")}
    ports: dict[str, int] = {}
    listening = threading.Event()
    for name, player in replays.items():
        player.stop = stop

        def on_listen(address, name=name):
            ports[name] = address[1]
            if len(ports) == len(replays):
                listening.set()

        threading.Thread(target=serve_tcp, args=(player, "127.0.0.1", 0, on_listen), daemon=True).start()
    listening.wait(10)
    (home / "watch.yaml").write_text(f"""# written by forcewatch demo --live: a watch config to start from (docs/watch.md)
sources:
  - folder: {inbox}
    every: 1s
streams:
  - {{name: hmeimim-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {ports['hmeimim-2024-12-09_14.sbs']}}}
  - {{name: tartus-ais, kind: nmea-tcp, host: 127.0.0.1, port: {ports['tartus-2024-12-09_14.nmea']}}}
aircraft_db: [{feeds / 'aircraft-registry.csv'}]
vessel_db: [{feeds / 'vessel-registry.csv'}]
watch: [hmeimim, tartus-naval, al-khadim]
rules:
  - {{name: heavy-transport-left-hmeimim, predicate: count, where: hmeimim, subtype: depart, equipment: An-124,
     military: true, min_count: 1, window: 24h, net_of: arrive, severity: high}}
  - {{name: transports-left-hmeimim, predicate: count, where: hmeimim, subtype: depart, category: aircraft,
     military: true, min_count: 3, window: 24h, net_of: arrive, baseline_days: 7, severity: high}}
  - {{name: dark-near-tartus, predicate: dark, where: {{lat: 34.8915, lon: 35.873, radius_km: 25, name: Tartus}},
     min_dark: 6h, severity: high}}
  - {{name: new-type-at-hmeimim, predicate: new_type, where: hmeimim, category: aircraft, severity: medium}}
  - {{name: withdrawal-reported, where: hmeimim, subtype: withdraw, source: report, severity: medium}}
  - {{name: claim-without-track-support, predicate: claim_without_track_support, severity: low}}
""", "utf-8")
    cfg = WatchConfig.load(home / "watch.yaml")
    resources = _resources(ctx, sources=[demo / "sources.yaml"], aircraft_registry=list(cfg.aircraft_db),
                           vessel_registry=list(cfg.vessel_db))
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    db = home / "forcewatch.duckdb"
    store = _writable_store(db, resources)
    hub = Hub()
    watcher = Watcher(cfg, Ingester(resources), store, sites=resources.sites, hub=hub, echo=_echo,
                      alerts_jsonl=home / "alerts.jsonl")

    def drop_reports():
        """The bundled reports arrive one by one, as a desk files them."""
        for report in sorted(p for p in demo.iterdir() if p.suffix in (".txt", ".html")):
            if stop.wait(8.0):
                return
            meta = report.with_name(report.stem + ".meta.json")
            if meta.exists():
                shutil.copy(meta, inbox / meta.name)
            shutil.copy(report, inbox / report.name)

    threading.Thread(target=drop_reports, daemon=True).start()
    server = _serve_in_thread(resources, db, store, hub, host, port)
    err.print(f"forcewatch demo --live: the demo's feeds at {speed:g}x over TCP, its reports into {inbox}; "
              f"config {home / 'watch.yaml'}. Ctrl+C to stop.", highlight=False)
    started = time_module.monotonic()
    try:
        watcher.run(stop)
    finally:
        server.should_exit = True
        store.close()
    err.print(f"stopped after {time_module.monotonic() - started:.0f} s: {watcher.stats['alerts']} alert(s); "
              f"alerts in {home / 'alerts.jsonl'}", highlight=False)


@app.command(cls=Command)
def replay(
    feed: Path = typer.Argument(..., help="Recorded SBS (port 30003), NMEA or AIS-catcher JSON lines file."),
    speed: float = typer.Option(60.0, help="Times faster than recorded; 0 sends as fast as possible."),
    tcp: str | None = typer.Option(None, help="Serve as a TCP server on HOST:PORT (like readsb's 30003); "
                                   "port 0 picks a free one, printed on stderr.", show_default=False),
    udp: str | None = typer.Option(None, help="Send datagrams to HOST:PORT (like AIS-catcher -u).", show_default=False),
    now: bool = typer.Option(False, "--now", help="Shift every time so that the first line is now, and rewrite "
                             "the lines with it, so a live watcher takes them."),
    loop: bool = typer.Option(False, "--loop", help="Start again at the end, times following on."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="TCP: start when the first client connects."),
):
    """Replay a recorded feed as a live stream, at N times its recorded pace, until it ends (or Ctrl-C)."""
    from forcewatch.serve.replay import Replay, parse_address, send_udp, serve_tcp

    if (tcp is None) == (udp is None):
        _fail(escape("forcewatch replay: give one of --tcp HOST:PORT or --udp HOST:PORT"))
    try:
        player = Replay(feed, speed=speed, now=now, loop=loop)
        host, port = parse_address(tcp or udp, "--tcp" if tcp else "--udp")
        where = f"{'tcp' if tcp else 'udp'} {host}:{port}"

        def listening(address):
            err.print(f"replaying {escape(str(feed))} ({player.fmt}) at {speed:g}x on tcp {address[0]}:{address[1]}",
                      highlight=False, soft_wrap=True)

        if tcp:
            sent = serve_tcp(player, host, port, on_listen=listening, wait_for_client=wait)
        else:
            err.print(f"replaying {escape(str(feed))} ({player.fmt}) at {speed:g}x to {where}", highlight=False)
            sent = send_udp(player, host, port)
    except InputError as exc:
        _fail(escape(str(exc)))
    except KeyboardInterrupt:
        player.stop.set()
        err.print(f"stopped after {player.sent:,} lines", highlight=False)
        raise typer.Exit(130) from None
    err.print(f"sent {sent:,} lines", highlight=False)


def main() -> None:
    from forcewatch.store import StoreBusy

    try:
        app()
    except StoreBusy as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":  # python -m forcewatch.serve.cli, as the tests run it
    main()

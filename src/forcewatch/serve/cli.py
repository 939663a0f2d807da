"""The `forcewatch` command line."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from forcewatch.ingest import InputError
from forcewatch.ingest.reports import REPORT_SUFFIXES, read_reports

app = typer.Typer(
    help="forcewatch: geolocated, dated, source-graded force-posture events from reports and sensor feeds.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

DEFAULT_DB = os.environ.get("FORCEWATCH_DB", "forcewatch.duckdb")


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
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the report files inside directories named (sorted, recursively)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES and not f.name.endswith(".meta.json")
            )
        else:
            out.append(p)
    return out


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal,
    )


def read_all(paths: list[Path], published: date | None):
    """Documents from every readable file; one-line errors for the others."""
    docs, failures = [], 0
    files = expand_paths(paths)
    with _progress() as progress:
        task = progress.add_task("reading", total=len(files))
        for path in files:
            try:
                docs += read_reports(path, published)
            except InputError as exc:
                err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                failures += 1
            progress.advance(task)
    return docs, failures


def _analyze(docs):
    from forcewatch.pipeline import Pipeline

    pipeline = Pipeline()
    with _progress() as progress:
        task = progress.add_task("analysing", total=len(docs))
        for analysis in pipeline.analyze(docs):
            progress.advance(task)
            yield analysis


def _print(records: list[dict], fmt: Format, title: str | None = None) -> None:
    from forcewatch.serve.output import event_table, geojson, jsonl

    if fmt is Format.jsonl:
        sys.stdout.write(jsonl(records))
    elif fmt is Format.geojson:
        sys.stdout.write(json.dumps(geojson(records), ensure_ascii=False) + "\n")
    else:
        console.print(event_table(records, title=title))


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Report files or directories (text, HTML, RSS, JSONL)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD (default: NAME.meta.json or page metadata)."),
    format: Format = typer.Option(Format.jsonl, "--format", "-f"),
):
    """Print the events found in reports, without storing anything."""
    from forcewatch.serve.output import event_record

    docs, failures = read_all(paths, _published(published))
    records = [event_record(e, a.document) for a in _analyze(docs) for e in a.events]
    _print(records, format)
    raise typer.Exit(1 if failures else 0)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Report files or directories."),
    db: Path = typer.Option(DEFAULT_DB, help="DuckDB file (created if missing)."),
    published: str | None = typer.Option(None, help="Publication date YYYY-MM-DD for all files."),
):
    """Store reports and their events; a document already stored is skipped."""
    from forcewatch.store import Store

    docs, failures = read_all(paths, _published(published))
    added = skipped = n_events = 0
    with Store(db) as store:
        fresh = []
        for doc in docs:
            if store.has_document(doc.id) or any(d.id == doc.id for d in fresh):
                skipped += 1
            else:
                fresh.append(doc)
        for analysis in _analyze(fresh):
            if store.add_document(analysis.document, analysis.events):
                added += 1
                n_events += len(analysis.events)
    err.print(
        f"{added} document(s) stored with {n_events} event(s); {skipped} already stored; "
        f"{failures} failed. Database: {db}", highlight=False,
    )
    raise typer.Exit(1 if failures else 0)


def _near(value: str | None) -> tuple[float, float, float] | None:
    if value is None:
        return None
    try:
        lat, lon, km = (float(x) for x in value.split(","))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not LAT,LON,KM") from None
    return lat, lon, km


@app.command()
def events(
    db: Path = typer.Option(DEFAULT_DB, help="DuckDB file."),
    type: str | None = typer.Option(None, "--type", help="PLOVER category, e.g. RETREAT."),
    subtype: str | None = typer.Option(None, help="Force-posture mode, e.g. withdraw."),
    near: str | None = typer.Option(None, help="LAT,LON,KM: events within KM of a point."),
    since: str | None = typer.Option(None, help="Events ending on or after this date."),
    until: str | None = typer.Option(None, help="Events starting on or before this date."),
    source_kind: str | None = typer.Option(None, help="imagery, journalist, official, anonymous, ..."),
    limit: int | None = typer.Option(None, help="At most this many events."),
    format: Format = typer.Option(Format.table, "--format", "-f"),
):
    """List stored events, oldest first."""
    from forcewatch.serve.output import event_record
    from forcewatch.store import Store

    if not db.exists():
        err.print(f"[red]error:[/red] {db}: no such database (run `forcewatch ingest` first)")
        raise typer.Exit(2)
    with Store(db, read_only=True) as store:
        found = store.events(
            type=type.upper() if type else None, subtype=subtype, near=_near(near),
            since=_published(since), until=_published(until), source_kind=source_kind, limit=limit,
        )
        docs = {d: store.document(d) for d in {e.doc_id for e in found}}
    _print([event_record(e, docs[e.doc_id]) for e in found], format, title=f"{len(found)} events")


def demo_reports() -> Path:
    return Path(str(resources.files("forcewatch.data").joinpath("demo")))


@app.command()
def demo(
    out: Path = typer.Option(Path("forcewatch-demo"), help="Folder for the database and exports."),
):
    """Process the bundled sample reports and print their timeline."""
    from forcewatch.serve.output import event_record, geojson, jsonl
    from forcewatch.store import Store

    out.mkdir(parents=True, exist_ok=True)
    db = out / "forcewatch.duckdb"
    docs, _ = read_all([demo_reports()], None)
    with Store(db) as store:
        for analysis in _analyze([d for d in docs if not store.has_document(d.id)]):
            store.add_document(analysis.document, analysis.events)
        found = store.events()
        doc_by_id = {d: store.document(d) for d in {e.doc_id for e in found}}
    records = [event_record(e, doc_by_id[e.doc_id]) for e in found]
    console.print(event_table_for_demo(records, len(docs)))
    (out / "events.jsonl").write_text(jsonl(records), "utf-8")
    (out / "events.geojson").write_text(json.dumps(geojson(records), ensure_ascii=False, indent=1), "utf-8")
    console.print(
        f"\n{len(records)} events from {len(docs)} reports.\n"
        f"Database: {db}\nExports:  {out / 'events.jsonl'}, {out / 'events.geojson'}\n"
        f"Query:    forcewatch events --db {db} --near 35.40,35.95,25", highlight=False,
    )


def event_table_for_demo(records, n_docs):
    from forcewatch.serve.output import event_table

    return event_table(records, title=f"forcewatch demo: timeline of {n_docs} bundled reports")


def main() -> None:
    app()

"""The event record as users see it (JSON lines, GeoJSON, a rich table)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.table import Table

from forcewatch.records import Document, Event, doc_ref


def event_record(event: Event, doc: Document | None) -> dict[str, Any]:
    """The documented event record (docs/event-record.md): the event with its document inlined."""
    record = event.to_dict()
    record.pop("doc_id")
    return {"id": record.pop("id"), "doc": doc_ref(doc, event.doc_id), **record}


def stored_record(stored: dict[str, Any], doc: Document | None) -> dict[str, Any]:
    """``event_record`` from an event's stored JSON (``Event.to_dict()``, maybe with its ``doc`` reference
    inlined by the store), skipping the round trip through ``Event`` that a page of a thousand records
    cannot afford."""
    rest = dict(stored)
    doc_id = rest.pop("doc_id")
    ref = rest.pop("doc", None) or doc_ref(doc, doc_id)
    return {"id": rest.pop("id"), "doc": ref, **rest}


def equipment_text(r: dict[str, Any], sep: str = ", ") -> str:
    """"2× An-124, 1× Il-76": the equipment of an event record with counts."""
    return sep.join((f"{e['count']}× " if e.get("count") else "") + e["name"] for e in r.get("equipment") or [])


def jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _when(r: dict[str, Any]) -> str:
    t = r.get("time")
    if not t:
        return "?"
    text = t["start"] if t["start"] == t["end"] else f"{t['start']} to {t['end']}"  # spaces: it may wrap
    if t.get("inferred"):
        text += " (doc)"
    if r.get("background"):
        text += " (background)"
    return text


def _place(r: dict[str, Any]) -> str:
    loc = r.get("location")
    where = ""
    if loc:
        where = loc["name"]
        if loc.get("radius_km") is not None:
            radius = loc["radius_km"]
            where += f" ±{radius:.0f} km" if radius >= 100 else f" ±{radius:.3g} km"
        if loc.get("inferred"):
            where += " (story)"  # named earlier in the report, not in this sentence
    for key, word in (("origin", "from"), ("destination", "to")):
        if r.get(key):
            where += f"\n{word} {r[key]['name']}"
    return where.strip()


def _source(r: dict[str, Any]) -> str:
    src = r.get("source") or {}
    kind = src.get("kind", "")
    return f"{src['name']} ({kind})" if src.get("name") else kind


EVENT_COLUMNS = ("when", "what", "who", "where", "says who", "how sure", "evidence")


def event_cells(r: dict[str, Any], full: bool = False) -> list[str]:
    """The cells of one event's row (lines within a cell on their own lines); ``full``: the whole sentence."""
    what = r["type"] + (f"/{r['subtype']}" if r.get("subtype") else "")
    gear = equipment_text(r)
    return [
        _when(r), what + (f"\n{gear}" if gear else ""), (r.get("actor") or {}).get("name") or "",
        _place(r), _source(r), _how_sure(r), r["sentence"] if full else _snippet(r),
    ]


NARROW = 120  # below this many columns a table merges who into what, and how sure into says who


def event_table(records: list[dict[str, Any]], title: str | None = None, full: bool = False,
                width: int | None = None) -> Table:
    """One row per event: when, what, who, where, who says so, how sure, and the words that say it.
    Every column may wrap so that the table fits ``width`` (the terminal's); below ``NARROW`` columns
    who goes under what and how sure under says who; the evidence takes the room left."""
    narrow = width is not None and width < NARROW
    table = Table(title=title, show_lines=True, expand=False)
    table.add_column("when", max_width=12)
    table.add_column("what", max_width=22)
    if not narrow:
        table.add_column("who", max_width=16)
    table.add_column("where", max_width=24)
    table.add_column("says who", max_width=20)
    if not narrow:
        table.add_column("how sure", max_width=12)
    table.add_column("evidence", ratio=1)
    for r in records:
        when, what, who, where, says, sure, evidence = event_cells(r, full)
        if narrow:
            table.add_row(when, what + (f"\nby {who}" if who else ""), where, f"{says}\n{sure}".strip(), evidence)
        else:
            table.add_row(when, what, who, where, says, sure, evidence)
    return table


def tsv(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """Plain output for pipes: a header line, then one line per row, tab-separated and complete
    (lines within a cell joined with "; ", tabs as spaces)."""
    def cell(text: Any) -> str:
        return "; ".join(str("" if text is None else text).replace("\t", " ").split("\n"))

    return "".join("\t".join(cell(c) for c in row) + "\n" for row in [list(header), *rows])


def event_tsv(records: Iterable[dict[str, Any]]) -> str:
    return tsv(EVENT_COLUMNS, (event_cells(r, full=True) for r in records))


def _how_sure(r: dict[str, Any]) -> str:
    text = f"{(r.get('credibility') or {}).get('code', '')} {r.get('modality', '')}".strip()
    if r.get("corroborated_by"):
        text += f"\n{len(r['corroborated_by'])} agree"
    if r.get("contradicted_by"):
        text += f"\n{len(r['contradicted_by'])} deny"
    return text


def _snippet(r: dict[str, Any], width: int = 90) -> str:
    """About ``width`` characters of the sentence around its trigger, cut between words."""
    sentence, (s0, _), (t0, t1) = r["sentence"], r["span"], r["trigger_span"]
    a, b = t0 - s0, t1 - s0
    lo = max(0, a - width // 2)
    hi = min(len(sentence), max(b + width // 2, lo + width))
    if lo:  # start at a word, not inside one ("…r 9 showed" for "December 9 showed")
        space = sentence.find(" ", lo, max(lo, a))
        lo = space + 1 if space >= 0 else lo
    if hi < len(sentence):
        space = sentence.rfind(" ", max(b, lo), hi)
        hi = space if space >= 0 else hi
    text = sentence[lo:hi]
    return ("…" if lo else "") + text + ("…" if hi < len(sentence) else "")

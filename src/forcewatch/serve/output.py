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


def jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def geojson(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of the events that have a location (others have no geometry to draw)."""
    features = []
    for r in records:
        loc = r.get("location")
        if not loc or loc.get("lat") is None:
            continue
        features.append({
            "type": "Feature",
            "id": r["id"],
            "geometry": {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]},
            "properties": r,
        })
    return {"type": "FeatureCollection", "features": features}


def _when(r: dict[str, Any]) -> str:
    t = r.get("time")
    if not t:
        return "?"
    text = t["start"] if t["start"] == t["end"] else f"{t['start']}..{t['end']}"
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


def event_table(records: list[dict[str, Any]], title: str | None = None) -> Table:
    """One row per event: when, what, who, where, who says so, how sure, and the words that say it."""
    table = Table(title=title, show_lines=True, expand=False)
    table.add_column("when", no_wrap=True)
    table.add_column("what", max_width=24)
    table.add_column("who", max_width=16)
    table.add_column("where", max_width=30)
    table.add_column("says who", max_width=24)
    table.add_column("how sure", no_wrap=True)
    table.add_column("evidence", ratio=1, min_width=30)
    for r in records:
        what = r["type"] + (f"/{r['subtype']}" if r.get("subtype") else "")
        gear = ", ".join(
            (f"{e['count']}× " if e.get("count") else "") + e["name"] for e in r.get("equipment") or []
        )
        table.add_row(
            _when(r), what + (f"\n{gear}" if gear else ""), (r.get("actor") or {}).get("name", ""),
            _place(r), _source(r), _how_sure(r), _snippet(r),
        )
    return table


def _how_sure(r: dict[str, Any]) -> str:
    text = f"{(r.get('credibility') or {}).get('code', '')} {r.get('modality', '')}".strip()
    if r.get("corroborated_by"):
        text += f"\n{len(r['corroborated_by'])} agree"
    if r.get("contradicted_by"):
        text += f"\n{len(r['contradicted_by'])} deny"
    return text


def _snippet(r: dict[str, Any], width: int = 90) -> str:
    sentence, (s0, _), (t0, t1) = r["sentence"], r["span"], r["trigger_span"]
    a, b = t0 - s0, t1 - s0
    lo = max(0, a - width // 2)
    hi = min(len(sentence), max(b + width // 2, lo + width))
    text = sentence[lo:hi]
    return ("…" if lo else "") + text + ("…" if hi < len(sentence) else "")

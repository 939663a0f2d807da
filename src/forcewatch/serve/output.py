"""The event record as users see it (JSON lines, GeoJSON, a rich table)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.table import Table

from forcewatch.records import Document, Event


def doc_ref(doc: Document | None, doc_id: str) -> dict[str, Any]:
    if doc is None:
        return {"id": doc_id, "path": None, "url": None, "title": None, "published": None}
    return {
        "id": doc.id,
        "path": doc.path,
        "url": doc.url,
        "title": doc.title,
        "published": doc.published.isoformat() if doc.published else None,
    }


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
    return text


def _place(loc: dict[str, Any] | None) -> str:
    if not loc:
        return ""
    where = loc["name"]
    if loc.get("lat") is not None:
        where += f"\n{loc['lat']:.3f},{loc['lon']:.3f}"
        if loc.get("radius_km") is not None:
            where += f" ±{loc['radius_km']:g} km"
    return where


def event_table(records: list[dict[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=True, expand=False)
    for name in ("when", "what", "who", "where", "says who", "how sure", "evidence"):
        table.add_column(name, overflow="fold")
    for r in records:
        what = r["type"] + (f"/{r['subtype']}" if r.get("subtype") else "")
        gear = ", ".join(
            (f"{e['count']}× " if e.get("count") else "") + e["name"] for e in r.get("equipment") or []
        )
        if gear:
            what += f"\n{gear}"
        route = ""
        if r.get("origin"):
            route += f"\nfrom {r['origin']['name']}"
        if r.get("destination"):
            route += f"\nto {r['destination']['name']}"
        src = r.get("source") or {}
        says = src.get("kind", "")
        if src.get("name"):
            says = f"{src['name']} ({says})"
        actor = (r.get("actor") or {}).get("name", "")
        table.add_row(
            _when(r), what, actor, _place(r.get("location")) + route, says,
            f"{r.get('modality', '')} {r.get('credibility') or ''}".strip(),
            _snippet(r),
        )
    return table


def _snippet(r: dict[str, Any], width: int = 90) -> str:
    sentence, (s0, _), (t0, t1) = r["sentence"], r["span"], r["trigger_span"]
    a, b = t0 - s0, t1 - s0
    lo = max(0, a - width // 2)
    hi = min(len(sentence), max(b + width // 2, lo + width))
    text = sentence[lo:hi]
    return ("…" if lo else "") + text + ("…" if hi < len(sentence) else "")

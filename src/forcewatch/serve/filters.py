"""One filter vocabulary for events, shared by the CLI (`forcewatch events`, `forcewatch export`) and the API.

Each entry point passes what the user typed to ``event_filters``; it gives back the keyword
arguments of ``Store.events`` or raises ``FilterError`` with a one-line message naming the filter
and, for a value outside a vocabulary, every value allowed. So an unknown ``--type`` and an
unknown ``type=`` fail with the same words.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from forcewatch.records import EVENT_TYPES, MODALITIES, SOURCE_KINDS, SUBTYPES

CREDIBILITY = re.compile(r"^[A-F][1-6]?$")
MAX_QUERY_CHARS = 200

# What each filter means, for --help and the OpenAPI description alike.
HELP = {
    "type": f"PLOVER category: {', '.join(EVENT_TYPES)}.",
    "subtype": f"Force-posture mode: {', '.join(SUBTYPES)}.",
    "bbox": "WEST,SOUTH,EAST,NORTH in degrees (GeoJSON order).",
    "near": "LAT,LON,KM: within KM of a point.",
    "since": "Events ending on or after this date (YYYY-MM-DD).",
    "until": "Events starting on or before this date (YYYY-MM-DD).",
    "source_kind": f"Who says so: {', '.join(SOURCE_KINDS)}.",
    "modality": f"How it is said: {', '.join(MODALITIES)}.",
    "credibility": "Admiralty grade: a letter (B matches B1..B6) or letter and digit (B2).",
    "q": "Text search in the event's sentence, place, source, actor and equipment (case-insensitive).",
    "doc_id": "Events of one document.",
    "background": "Include background events (history the reports recall, dated a year or more before them).",
}


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and what is allowed."""


def choice(name: str, given: str, allowed: tuple[str, ...], fold=str.lower) -> str:
    """``given`` in the case of the vocabulary; the error quotes it as typed."""
    value = fold(given)
    if value not in allowed:
        raise FilterError(f"{name}: {given!r} is not one of {', '.join(allowed)}")
    return value


def numbers(name: str, value: str, n: int, shape: str) -> list[float]:
    try:
        found = [float(x) for x in value.split(",")]
    except ValueError:
        found = []
    if len(found) != n or not all(math.isfinite(x) for x in found):
        raise FilterError(f"{name}: {value!r} is not {shape}")
    return found


def day(name: str, value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def limit(value: int | None, maximum: int | None = None) -> int | None:
    """A page size: None for all, else at least 1 (and at most ``maximum``)."""
    if value is None:
        return None
    if value < 1:
        raise FilterError(f"limit: {value} is not a number of events (1 or more; leave it out for all)")
    if maximum is not None and value > maximum:
        raise FilterError(f"limit: {value} is more than {maximum}")
    return value


def event_filters(
    type: str | None = None, subtype: str | None = None, bbox: str | None = None, near: str | None = None,
    since: str | date | None = None, until: str | date | None = None, source_kind: str | None = None,
    modality: str | None = None, credibility: str | None = None, q: str | None = None,
    doc_id: str | None = None, background: bool = False,
) -> dict[str, Any]:
    """The ``Store.events`` keyword arguments for filters as typed; ``FilterError`` for a bad one."""
    filters: dict[str, Any] = {} if background else {"background": False}
    if type:
        filters["type"] = choice("type", type, EVENT_TYPES, str.upper)
    if subtype:
        filters["subtype"] = choice("subtype", subtype, SUBTYPES)
    if source_kind:
        filters["source_kind"] = choice("source_kind", source_kind, SOURCE_KINDS)
    if modality:
        filters["modality"] = choice("modality", modality, MODALITIES)
    if credibility:
        grade = credibility.upper()
        if not CREDIBILITY.match(grade):
            raise FilterError(f"credibility: {credibility!r} is not an Admiralty grade (A-F, optionally 1-6, e.g. B or B2)")
        filters["credibility"] = grade
    if bbox:
        west, south, east, north = numbers("bbox", bbox, 4, "WEST,SOUTH,EAST,NORTH")
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise FilterError("bbox: expected WEST,SOUTH,EAST,NORTH with SOUTH <= NORTH, latitudes in [-90, 90] "
                              "and longitudes in [-180, 180]")
        if west > east:
            raise FilterError("bbox: WEST > EAST (boxes across the antimeridian are not supported; send two requests)")
        filters["bbox"] = (south, west, north, east)
    if near:
        lat, lon, km = numbers("near", near, 3, "LAT,LON,KM")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= 20000):
            raise FilterError("near: expected LAT in [-90, 90], LON in [-180, 180] and 0 < KM <= 20000")
        filters["near"] = (lat, lon, km)
    since, until = day("since", since), day("until", until)
    if since and until and since > until:
        raise FilterError(f"since ({since}) is after until ({until})")
    if since:
        filters["since"] = since
    if until:
        filters["until"] = until
    if q and q.strip():
        if len(q) > MAX_QUERY_CHARS:
            raise FilterError(f"q: longer than {MAX_QUERY_CHARS} characters")
        filters["q"] = q.strip()
    if doc_id:
        filters["doc_id"] = doc_id
    return filters

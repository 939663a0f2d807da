"""Which claims independent sources or tracks agree on, and which they deny.

Two events describe the same happening when their kinds fit (a claimed
take-off and a tracked departure), their places overlap (pins closer than
the sum of their uncertainty radii), their equipment does not differ (an
An-124 is not an Il-76), and their dates overlap (with a day's slack, more
when a date was only inferred from publication). They
corroborate each other when they come from independent sources: different
documents and a different source (kind and name), so one outlet repeating
one anonymous official counts once. A negated claim that matches an
asserted one contradicts it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta

from forcewatch.geo import geodesic_km
from forcewatch.records import Event, Place

# Subtypes that can describe the same happening seen from two sides.
COMPATIBLE: dict[str, set[str]] = {
    "depart": {"depart", "transit", "withdraw", "load"},
    "arrive": {"arrive", "transit", "deploy"},
    "transit": {"transit", "depart", "arrive", "deploy", "withdraw"},
    "anchor": {"anchor", "presence"},
    "presence": {"presence", "anchor", "load", "basing", "arrive"},
    "load": {"load", "presence", "depart"},
    "withdraw": {"withdraw", "depart", "transit"},
    "deploy": {"deploy", "arrive", "transit"},
    "basing": {"basing", "presence"},
}
PLACE_SLACK_KM = 2.0
MAX_RADIUS_KM = 50.0  # a country-wide pin corroborates nothing
DAY_SLACK = timedelta(days=1)
INFERRED_SLACK = timedelta(days=3)
NEUTRAL = {"no_comment", "unconfirmed"}
# How far apart in time stored events are compared at all: as far as times_overlap reaches (two
# inferred dates, each with its slack), so fusing events one batch at a time links what one batch would.
FUSION_WINDOW = 2 * INFERRED_SLACK


def candidate_subtypes(events: Iterable[Event]) -> set[str | None]:
    """The subtypes a stored event can have to match one of ``events`` (``_kinds_fit``; None: no
    subtype), so the store is asked for those only."""
    out: set[str | None] = set()
    for e in events:
        out |= COMPATIBLE.get(e.subtype, {e.subtype}) if e.subtype else {None}
    return out


def _kinds_fit(a: Event, b: Event) -> bool:
    if a.subtype and b.subtype:
        return b.subtype in COMPATIBLE.get(a.subtype, {a.subtype})
    if a.subtype or b.subtype:
        return False
    same_actor = a.actor and b.actor and a.actor.country and a.actor.country == b.actor.country
    return a.type == b.type and bool(same_actor)


GENERIC_CATEGORIES = {"personnel", "materiel"}


def names_type(name: str) -> bool:
    """Catalogue names with a designation ("An-124", "S-400") name a type; lower-case ones a class."""
    return any(c.isupper() or c.isdigit() for c in name)


def equipment_fits(a: Event, b: Event) -> bool:
    """Both name equipment: they must share a category, and a type where both name types in it."""
    cats_a = {q.category for q in a.equipment} - GENERIC_CATEGORIES
    cats_b = {q.category for q in b.equipment} - GENERIC_CATEGORIES
    if not cats_a or not cats_b:
        return True
    shared = cats_a & cats_b
    if not shared:
        return False
    for cat in shared:
        types_a = {q.name for q in a.equipment if q.category == cat and names_type(q.name)}
        types_b = {q.name for q in b.equipment if q.category == cat and names_type(q.name)}
        if types_a and types_b and not types_a & types_b:
            return False
    return True


def _points(e: Event) -> list[Place]:
    return [p for p in (e.location, e.origin, e.destination)
            if p is not None and p.lat is not None and (p.radius_km or 0) <= MAX_RADIUS_KM]


def reach(e: Event) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the points an event can be matched by (``_points``), None with none:
    the store keeps it in columns, so that fusion asks only for events whose points can overlap."""
    points = _points(e)
    if not points:
        return None
    lats, lons = [p.lat for p in points], [p.lon for p in points]
    return min(lats), min(lons), max(lats), max(lons)


def search_box(e: Event) -> tuple[float, float, float, float] | None:
    """The box a stored event's points must meet to overlap one of ``e``'s (``places_overlap``): ``e``'s
    points widened by the farthest a match can lie (its radius, the other's at most MAX_RADIUS_KM, the
    slack). Conservative: near a pole or across the antimeridian, every longitude."""
    points = _points(e)
    if not points:
        return None
    far = max(p.radius_km or 0 for p in points) + MAX_RADIUS_KM + PLACE_SLACK_KM + 1.0
    dlat = far / 110.574
    south = min(p.lat for p in points) - dlat
    north = max(p.lat for p in points) + dlat
    widest = max(abs(south), abs(north))
    if widest >= 89.0:
        return max(south, -90.0), -180.0, min(north, 90.0), 180.0
    dlon = far / (111.320 * math.cos(math.radians(widest)))
    west, east = min(p.lon for p in points) - dlon, max(p.lon for p in points) + dlon
    if west < -180.0 or east > 180.0:
        west, east = -180.0, 180.0
    return south, west, north, east


def places_overlap(a: Event, b: Event) -> bool:
    for p in _points(a):
        for q in _points(b):
            km = geodesic_km(p.lat, p.lon, q.lat, q.lon)
            if km <= (p.radius_km or 0) + (q.radius_km or 0) + PLACE_SLACK_KM:
                return True
    return False


def times_overlap(a: Event, b: Event) -> bool:
    if a.time is None or b.time is None:
        return False
    sa = INFERRED_SLACK if a.time.inferred else DAY_SLACK
    sb = INFERRED_SLACK if b.time.inferred else DAY_SLACK
    return a.time.start - sa <= b.time.end + sb and b.time.start - sb <= a.time.end + sa


def source_key(e: Event) -> tuple:
    """Who stands behind a claim, as far as independence goes (one track, one named source, or an
    unnamed source of one document)."""
    s = e.source
    if s is None:
        return ("?", e.doc_id)
    if s.kind == "sensor":
        return ("sensor", e.track_id or e.doc_id)
    if s.anonymous or not s.name:
        # Unnamed sources are only told apart by the document that carries them.
        return (s.kind, s.affiliation, e.doc_id)
    return (s.kind, s.name.lower())


def is_sensor(e: Event) -> bool:
    """A track event (a sensor's), not a report's."""
    return e.source is not None and e.source.kind == "sensor"


def independent(a: Event, b: Event) -> bool:
    """Different documents and sources; two track events are never independent confirmation of one
    another (different tracks are different platforms, the same track is the same sensor)."""
    return a.doc_id != b.doc_id and source_key(a) != source_key(b) and not (is_sensor(a) and is_sensor(b))


def same_happening(a: Event, b: Event) -> bool:
    return _kinds_fit(a, b) and equipment_fits(a, b) and times_overlap(a, b) and places_overlap(a, b)


def link(events: Iterable[Event], candidates: Iterable[Event] | None = None) -> list[Event]:
    """Fill corroborated_by / contradicted_by for events (against each other and candidates).

    Returns every event whose links changed, new or old, so the caller can store them.
    """
    events = list(events)
    pool = {e.id: e for e in (candidates or [])}
    pool.update({e.id: e for e in events})
    changed: dict[str, Event] = {}
    new_ids = {e.id for e in events}
    # a track event is compared with reports only (two track events are never independent): a live
    # batch of n track events is then n x reports, not n x n
    reports = [b for b in pool.values() if not is_sensor(b)]
    for a in events:
        for b in (reports if is_sensor(a) else pool.values()):
            if a.id == b.id or (b.id in new_ids and b.id < a.id):
                continue
            if a.modality in NEUTRAL or b.modality in NEUTRAL or a.background or b.background or not independent(a, b):
                continue
            if not same_happening(a, b):
                continue
            agree = (a.modality == "negated") == (b.modality == "negated")
            field = "corroborated_by" if agree else "contradicted_by"
            for x, y in ((a, b), (b, a)):
                links = getattr(x, field)
                if y.id not in links:
                    links.append(y.id)
                    links.sort()
                    changed[x.id] = x
    return list(changed.values())


def regrade(event: Event) -> None:
    """Information credibility after fusion (Admiralty): confirmed by others -> 1, contradicted -> 5.

    Only the digit moves; the reliability letter is the source's own. An event
    both confirmed and contradicted is left at 3 (possibly true).
    """
    if not event.credibility or not (event.corroborated_by or event.contradicted_by):
        return
    digit = event.credibility.information
    n_for, n_against = len(event.corroborated_by), len(event.contradicted_by)
    if n_for and n_against:
        digit = 3
    elif n_for:
        digit = 1 if event.modality in ("asserted", "negated") else min(digit, 2)
    else:
        digit = max(digit, 5)
    note = f"corroborated by {n_for}, contradicted by {n_against} independent report(s)"
    event.credibility = event.credibility.fused(digit, note)


def fuse(new_events: list[Event], stored: Iterable[Event]) -> list[Event]:
    """Link new events with stored ones and regrade all that changed; returns what to store."""
    changed = link(new_events, stored)
    for e in changed:
        regrade(e)
    return changed

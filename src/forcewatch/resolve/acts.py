"""One act, one event: the mentions of the same act in one report, linked to the first that states it.

A headline and its first paragraph, a sentence that restates an earlier one, "withdrew ... pulling
out its last troops": each mention stays an event with its own evidence (sentence, span, source),
and every later one points at the first with ``duplicate_of``, so that timelines can fold them and
posture counts the act once. Two events state the same act when their type and force-posture mode
agree, their actors do not differ, their times overlap and their places, where both give one, lie
within each other's uncertainty.
"""

from __future__ import annotations

from datetime import date

from forcewatch.geo import geodesic_km
from forcewatch.records import Analysis, Event, Place

SLACK_KM = 25.0  # beyond the two pins' radii


def _places_agree(a: Place | None, b: Place | None) -> bool:
    if a is None or b is None or a.lat is None or b.lat is None:
        return True
    return geodesic_km(a.lat, a.lon, b.lat, b.lon) <= (a.radius_km or 0) + (b.radius_km or 0) + SLACK_KM


def _times_agree(a: Event, b: Event) -> bool:
    """Overlapping times; a time only inferred ("on or before the report") agrees with any before its end."""
    if a.time is None or b.time is None:
        return True
    a_start = date.min if a.time.inferred else a.time.start
    b_start = date.min if b.time.inferred else b.time.start
    return a_start <= b.time.end and b_start <= a.time.end


def same_act(a: Event, b: Event) -> bool:
    """Whether two events of one report state the same act."""
    if a.type != b.type or a.subtype != b.subtype or a.type == "OTHER" or a.modality != b.modality:
        return False
    if a.actor and b.actor and a.actor.country and b.actor.country and a.actor.country != b.actor.country:
        return False
    if a.background or b.background or not _times_agree(a, b):
        return False
    return all(_places_agree(x, y) for x, y in ((a.location, b.location), (a.origin, b.origin),
                                                (a.destination, b.destination)))


def link_duplicates(analysis: Analysis) -> None:
    """Point every later mention of an act at the first event that states it."""
    first: list[Event] = []
    for event in sorted(analysis.events, key=lambda e: e.trigger_span[0]):
        original = next((f for f in first if same_act(f, event) and _named_alike(f, event)), None)
        if original is None:
            first.append(event)
        else:
            event.duplicate_of = original.id


def _named_alike(a: Event, b: Event) -> bool:
    """The same movement by the same equipment, or with nothing said of the equipment."""
    ea, eb = {q.name for q in a.equipment}, {q.name for q in b.equipment}
    return not ea or not eb or bool(ea & eb)

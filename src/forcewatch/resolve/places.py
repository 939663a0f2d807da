"""From place mentions to coordinates, and from events to their place.

Ambiguous names are settled by, in order: a facility that fits the event
(aircraft -> airfield, ships -> port or sea), the document's focus country
(the country most mentioned), then population. Relative places are computed
on the WGS84 ellipsoid from their anchor ("13 km north-west of Tartous").
"""

from __future__ import annotations

import re
from collections import Counter

from pyproj import Geod

from forcewatch.extract.places import mention_name
from forcewatch.gazetteer.lookup import Entry, Gazetteer
from forcewatch.records import Analysis, Event, Mention, Place

GEOD = Geod(ellps="WGS84")
_ORIGIN = re.compile(r"\b(?:from|out of|leaving|departing)\s+(?:the\s+)?$", re.I)
_DESTINATION = re.compile(r"\b(?:to|towards|toward|into|for|heading to|bound for|back to|then to)\s+(?:the\s+)?$", re.I)
_VIA = re.compile(r"\b(?:through|via|over|across)\s+(?:the\s+)?$", re.I)
MOVEMENT = {"withdraw", "deploy", "depart", "arrive", "transit", "load"}


def _entry_place(entry: Entry, m: Mention) -> Place:
    return Place(
        name=entry.name, lat=round(entry.lat, 5), lon=round(entry.lon, 5),
        kind=entry.kind if entry.kind != "base" else "base", precision=entry.precision,
        radius_km=entry.radius_km, country=entry.country, geonames_id=entry.geonames_id,
        text=m.text, span=m.span,
    )


def focus_country(analysis: Analysis, gazetteer: Gazetteer) -> str | None:
    """The country the document is mostly about, by mentions of it and of places in it."""
    votes: Counter[str] = Counter()
    for m in analysis.mentions:
        if m.kind == "place":
            entries = gazetteer.lookup(mention_name(m))
            if len({e.country for e in entries}) == 1 and entries[0].country:
                votes[entries[0].country] += 2 if entries[0].kind != "country" else 1
    return votes.most_common(1)[0][0] if votes else None


def choose(entries: list[Entry], focus: str | None, want: set[str] | None = None) -> Entry | None:
    if not entries:
        return None

    def score(e: Entry):
        return (
            bool(want and e.kind in want),
            e.site_id is not None,
            e.country == focus,
            e.kind == "country",
            e.population,
        )

    return max(entries, key=score)


def resolve_mention(m: Mention, gazetteer: Gazetteer, focus: str | None, want: set[str] | None = None) -> Place | None:
    """One place mention to a Place, or None when the gazetteer does not know it."""
    if m.label == "RELATIVE":
        entry = choose(gazetteer.lookup(m.data["anchor"]), focus)
        if entry is None:
            return None
        lon, lat, _ = GEOD.fwd(entry.lon, entry.lat, m.data["bearing_deg"], m.data["distance_km"] * 1000)
        # Uncertainty: a quarter of the distance when approximate, plus the anchor's own size.
        radius = m.data["distance_km"] * (0.25 if m.data.get("approximate") else 0.1) + min(entry.radius_km, 5.0) / 2
        return Place(
            name=f"{m.data['distance_km']:g} km {_compass(m.data['bearing_deg'])} of {entry.name}",
            lat=round(lat, 5), lon=round(lon, 5), kind="relative", precision="relative",
            radius_km=round(radius, 2), country=entry.country, text=m.text, span=m.span,
            anchor=entry.name, distance_km=m.data["distance_km"], bearing_deg=m.data["bearing_deg"],
        )
    if m.label == "ROAD":
        a = choose(gazetteer.lookup(m.data["a"]), focus)
        b = choose(gazetteer.lookup(m.data["b"]), focus, {"port", "base"})
        if a is None or b is None:
            return None
        az, _, dist = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
        lon, lat, _ = GEOD.fwd(a.lon, a.lat, az, dist / 2)
        return Place(
            name=f"{m.data['road']} between {a.name} and {b.name}", lat=round(lat, 5), lon=round(lon, 5),
            kind="road", precision="relative", radius_km=round(dist / 2000, 1), country=a.country,
            text=m.text, span=m.span, anchor=a.name,
        )
    if m.label == "NEAR":
        entry = choose(gazetteer.lookup(m.data["anchor"]), focus)
        if entry is None:
            return None
        rel = m.data["relation"]
        bearing = _bearing_word(rel)
        if bearing is not None:
            # "north of X": somewhere beyond X in that direction; put the pin a radius out.
            offset = max(entry.radius_km, 10.0)
            lon, lat, _ = GEOD.fwd(entry.lon, entry.lat, bearing, offset * 1000)
            radius = offset
        else:
            lat, lon = entry.lat, entry.lon
            radius = entry.radius_km + (2.0 if entry.precision == "site" else 10.0)
        return Place(
            name=f"{rel} {entry.name}", lat=round(lat, 5), lon=round(lon, 5), kind="relative",
            precision="relative", radius_km=round(radius, 1), country=entry.country, text=m.text,
            span=m.span, anchor=entry.name, bearing_deg=bearing,
        )
    name = m.data.get("refers_to") if m.label == "BACKREF" else mention_name(m)
    facility = m.data.get("facility")
    entry = choose(gazetteer.lookup(name or m.text), focus, want or ({facility} if facility else None))
    return _entry_place(entry, m) if entry else None


def _bearing_word(rel: str) -> float | None:
    from forcewatch.extract.places import BEARINGS

    word = rel.replace(" of", "").strip()
    return BEARINGS.get(word)


def _compass(deg: float) -> str:
    names = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
    return names[int((deg % 360) / 22.5 + 0.5) % 16]


def _role(text: str, m: Mention, sentence_start: int) -> str:
    before = text[max(sentence_start, m.span[0] - 40):m.span[0]]
    if _ORIGIN.search(before):
        return "origin"
    if _DESTINATION.search(before):
        return "destination"
    if _VIA.search(before):
        return "via"
    return "location"


def _wanted_kinds(event: Event) -> set[str] | None:
    cats = {e.category for e in event.equipment}
    if "ship" in cats:
        return {"port", "sea", "anchorage"}
    if "aircraft" in cats:
        return {"airfield"}
    return None


def resolve_places(analysis: Analysis, gazetteer: Gazetteer) -> None:
    """Resolve every place mention, then give each event its location, origin and destination."""
    text = analysis.document.text
    focus = focus_country(analysis, gazetteer)
    by_sentence: dict[int, list[tuple[Mention, Place]]] = {}
    for m in analysis.mentions:
        if m.kind != "place":
            continue
        place = resolve_mention(m, gazetteer, focus)
        if place is None:
            continue
        analysis.places.append(place)
        by_sentence.setdefault(m.sentence, []).append((m, place))
    for event in analysis.events:
        index = next(i for i, s in enumerate(analysis.sentences) if s == event.span)
        candidates = by_sentence.get(index, [])
        roles: dict[str, list[tuple[int, Mention, Place]]] = {}
        for m, place in candidates:
            if _is_actor_word(m, place, event):
                continue
            role = _role(text, m, event.span[0])
            if event.subtype not in MOVEMENT and role in ("origin", "destination"):
                role = "location" if role == "destination" and event.subtype else role
            distance = abs(m.span[0] - event.trigger_span[0])
            roles.setdefault(role, []).append((distance, m, place))
        want = _wanted_kinds(event)

        def best(role: str) -> Place | None:
            options = roles.get(role, [])
            if not options:
                return None
            # Prefer the most precise place, then the nearest to the trigger.
            rank = {"site": 0, "relative": 0, "city": 1, "admin": 2, "region": 3, "country": 4}

            def key(o):
                _, m, p = o
                fits = bool(want and p.kind in want)
                return (not fits and p.precision != "relative", rank.get(p.precision, 5), o[0])

            _, m, place = min(options, key=key)
            if want and m.label not in ("RELATIVE", "NEAR", "ROAD"):
                refined = resolve_mention(m, gazetteer, focus, want)
                return refined or place
            return place

        event.location = best("location")
        if event.subtype in MOVEMENT:
            event.origin = best("origin")
            event.destination = best("destination")
        if event.location is None and event.subtype in ("depart",) and event.origin is None:
            event.location = event.origin


def _is_actor_word(m: Mention, place: Place, event: Event) -> bool:
    """'Russia is withdrawing': the acting country named before the trigger is not where it happens."""
    return (
        event.actor is not None and place.kind == "country" and m.span[0] < event.trigger_span[0]
        and m.text in (event.actor.name or "")
    )

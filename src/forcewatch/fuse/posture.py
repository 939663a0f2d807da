"""Posture change at watched sites: withdrawal, build-up, redeployment.

Each event near a site is a signal: movements out of it (withdraw, depart,
load) push towards withdrawal, movements into it (deploy, arrive) towards
build-up, and a denial ("will not leave its bases") pulls the other way.
Signals are weighted by how credible the claim is (the Admiralty digit),
summed per site over a window, and a site is flagged when the net weighted
sum passes a threshold. Outflow from one site matched by inflow to another in
the same window, with the same kind of equipment, is a redeployment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from forcewatch.geo import geodesic_km
from forcewatch.records import Event, Place, Site

OUT = {"withdraw": 1.0, "depart": 1.0, "load": 0.5}
IN = {"deploy": 1.0, "arrive": 1.0}
# Admiralty information credibility digit -> weight of the claim.
WEIGHT = {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.1, 6: 0.2}
THRESHOLD = 1.0  # e.g. two probably-true departures, or one confirmed
NEAR_KM = 5.0  # slack beyond the site radius


@dataclass
class PostureFlag:
    """A posture change at a site, with the events that show it."""

    site_id: str
    site: str
    change: str  # withdrawal | build-up | redeployment
    start: date
    end: date
    score: float
    evidence: list[str] = field(default_factory=list)  # event ids
    to_site: str | None = None  # for redeployment
    summary: str = ""


def _at(place: Place | None, site: Site) -> bool:
    if place is None or place.lat is None:
        return False
    km = geodesic_km(site.lat, site.lon, place.lat, place.lon)
    return km <= site.radius_km + min(place.radius_km or 0, 25.0) + NEAR_KM


def _weight(e: Event) -> float:
    return WEIGHT.get(e.credibility.information if e.credibility else 6, 0.2)


def signals(event: Event, site: Site) -> float:
    """Signed signal of one event for one site: < 0 outflow, > 0 inflow, 0 unrelated."""
    if event.modality in ("no_comment", "unconfirmed") or not event.subtype:
        return 0.0
    at_location = _at(event.location, site)
    sign = 0.0
    if event.subtype in OUT and (at_location or _at(event.origin, site)):
        sign = -OUT[event.subtype]
    elif event.subtype in IN and (at_location or _at(event.destination, site)):
        sign = IN[event.subtype]
    elif event.subtype in ("transit", "depart") and _at(event.destination, site):
        sign = 1.0
    if event.modality == "negated":
        sign = -sign * 0.5  # "will not withdraw" argues against a withdrawal, weakly
    return sign * _weight(event)


def detect(events: Iterable[Event], sites: Iterable[Site], window_days: int = 7,
           until: date | None = None) -> list[PostureFlag]:
    """Flags for the window ending on ``until`` (default: the latest event date)."""
    events = [e for e in events if e.time is not None and not e.background and not e.duplicate_of]  # an act once
    if not events:
        return []
    end = until or max(e.time.end for e in events)
    start = end - timedelta(days=window_days - 1)
    in_window = [e for e in events if e.time.end >= start and e.time.start <= end]
    flags: list[PostureFlag] = []
    outflows: dict[str, tuple[Site, list[Event]]] = {}
    inflows: dict[str, tuple[Site, list[Event]]] = {}
    for site in sites:
        scored = [(e, signals(e, site)) for e in in_window]
        scored = [(e, s) for e, s in scored if s]
        out = sum(-s for _, s in scored if s < 0)
        inn = sum(s for _, s in scored if s > 0)
        if out - inn >= THRESHOLD:
            evidence = [e for e, s in scored if s < 0]
            outflows[site.id] = (site, evidence)
            flags.append(PostureFlag(site.id, site.name, "withdrawal", start, end, round(out - inn, 2),
                                     [e.id for e in evidence],
                                     summary=f"{len(evidence)} report(s) of movement out of {site.name}"))
        elif inn - out >= THRESHOLD:
            evidence = [e for e, s in scored if s > 0]
            inflows[site.id] = (site, evidence)
            flags.append(PostureFlag(site.id, site.name, "build-up", start, end, round(inn - out, 2),
                                     [e.id for e in evidence],
                                     summary=f"{len(evidence)} report(s) of movement into {site.name}"))
        elif inn > 0:
            inflows[site.id] = (site, [e for e, s in scored if s > 0])
    for sid, (site, outs) in outflows.items():
        gear_out = {q.category for e in outs for q in e.equipment}
        for tid, (target, ins) in inflows.items():
            if tid == sid:
                continue
            gear_in = {q.category for e in ins for q in e.equipment}
            if gear_out & gear_in or any(_at(e.destination, target) for e in outs):
                flags.append(PostureFlag(
                    sid, site.name, "redeployment", start, end,
                    round(sum(_weight(e) for e in outs + ins), 2), [e.id for e in outs + ins], target.name,
                    summary=f"movement out of {site.name} matched by arrivals at {target.name}",
                ))
    flags.sort(key=lambda f: (-f.score, f.site))
    return flags

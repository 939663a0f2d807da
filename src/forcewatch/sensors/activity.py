"""What tracks show happening at watched sites, as Event records on the report timeline.

From each track: site visits (presence, with entry, exit and dwell), departures
and arrivals (aircraft: ground/low-altitude runs at an airfield; vessels: crossing
a port's boundary), anchoring (Global Fishing Watch stop rules), loitering and
AIS dark periods near a site. Every threshold is in ``ActivityParams``; their
sources and how to change them are in docs/sensors.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from forcewatch.geo import GEOD, approx_m, compass
from forcewatch.records import (
    PLACE_KINDS, Actor, Credibility, Equipment, Event, Place, Site, Source, TimeSpan, Track, content_id,
)

UTC = timezone.utc
KN = 1852.0 / 3600.0
# Admiralty source reliability of the sensors (docs/sensors.md): self-reported, usually right, spoofable.
SENSOR_RELIABILITY = {"AIS": "B", "ADS-B": "B"}


@dataclass
class ActivityParams:
    """Thresholds for turning tracks into events (docs/sensors.md gives the source of each)."""

    # Anchoring: Global Fishing Watch port-visit/anchorage rules.
    stop_start_kn: float = 0.2  # a stop begins when speed drops below this
    stop_end_kn: float = 0.5  # ... and ends when speed rises above this
    stop_radius_km: float = 3.0  # ... or the vessel moves this far from where the stop began
    stop_min_s: float = 3 * 3600  # stops shorter than this are not anchoring
    gap_s: float = 6 * 3600  # no message for this long: a gap (ends a stop; a dark period)
    # Loitering: slow but not stopped, in a small circle, for a sustained time (ours, after GFW's
    # 2 kn loitering speed).
    loiter_kn: float = 2.0
    loiter_end_kn: float = 3.0
    loiter_radius_km: float = 5.0
    loiter_min_s: float = 3 * 3600
    # Dark periods count when the last or next fix is this close to a site.
    dark_near_km: float = 50.0
    # Places off-site are named relative to the nearest site within this distance.
    relative_max_km: float = 60.0
    # Aircraft at airfields.
    airfield_zone_km: float = 10.0  # added to an airfield's radius: where take-off/landing fixes fall
    low_alt_ft: float = 2000.0  # at or below (barometric): on the runway or just off it
    taxi_kn: float = 50.0  # slower than this with no altitude: on the ground
    climb_first_alt_ft: float = 6000.0  # a run first heard this low in the zone, climbing: take-off
    visit_ceiling_ft: float = 5000.0  # aircraft above this are overflying a site, not visiting it
    max_ground_air_gap_s: float = 20 * 60  # a ground fix and an airborne one further apart are not a take-off
    # Aircraft orbits (patrol, ISR, holding): airborne and within orbit_radius_km * 2 of where the
    # orbit began for at least orbit_min_s, near a site (within relative_max_km).
    orbit_radius_km: float = 20.0
    orbit_min_s: float = 45 * 60


@dataclass
class FeedContext:
    """What every event from one feed shares: its document, the sensor and the registry."""

    doc_id: str
    summary: str
    sensor: str  # "AIS" | "ADS-B"
    registry: object | None = None  # forcewatch.sensors.registry.Registry


def _fmt(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def _fmt_range(t0: float, t1: float) -> str:
    a, b = _fmt(t0), _fmt(t1)
    return f"from {a} to {b[11:] if a[:10] == b[:10] else b} UTC"


def _duration(s: float) -> str:
    m = int(round(s / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def _site_place(site: Site) -> Place:
    kind = site.kind if site.kind in PLACE_KINDS else {"anchorage": "sea"}.get(site.kind, "base")
    return Place(name=site.name, lat=site.lat, lon=site.lon, kind=kind, precision="site",
                 radius_km=site.radius_km, country=site.country)


def _in_polygon(lats: np.ndarray, lons: np.ndarray, ring: Sequence[tuple[float, float]]) -> np.ndarray:
    """Even-odd rule on (lat, lon) pairs; fine for facility-sized polygons."""
    inside = np.zeros(len(lats), bool)
    pts = list(ring)
    for (ya, xa), (yb, xb) in zip(pts, pts[1:] + pts[:1]):
        cond = (ya > lats) != (yb > lats)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_cross = (xb - xa) * (lats - ya) / (yb - ya) + xa
        inside ^= cond & (lons < x_cross)
    return inside


class SiteIndex:
    """Sites with vectorised distance and containment tests."""

    def __init__(self, sites: Sequence[Site]):
        self.sites = list(sites)
        self.lats = np.array([s.lat for s in self.sites], float)
        self.lons = np.array([s.lon for s in self.sites], float)

    def distances_km(self, site: Site, lats: np.ndarray, lons: np.ndarray, within_km: float | None = None) -> np.ndarray:
        """Geodesic distances (pyproj); with ``within_km``, fixes clearly farther keep a cheap estimate."""
        if within_km is None:
            n = len(lats)
            return GEOD.inv(np.full(n, site.lon), np.full(n, site.lat), lons, lats)[2] / 1000.0
        est = approx_m(site.lat, site.lon, lats, lons) / 1000.0
        close = np.nonzero(est <= within_km * 1.02 + 0.5)[0]
        if close.size:
            n = close.size
            est[close] = GEOD.inv(np.full(n, site.lon), np.full(n, site.lat), lons[close], lats[close])[2] / 1000.0
        return est

    def contains(self, site: Site, lats: np.ndarray, lons: np.ndarray, dist_km: np.ndarray) -> np.ndarray:
        if site.polygon:
            return _in_polygon(lats, lons, site.polygon)
        return dist_km <= site.radius_km

    def near(self, site: Site, lat_lo: float, lat_hi: float, lon_lo: float, lon_hi: float, km: float) -> bool:
        """Cheap box test: can any fix in this box be within km of the site?"""
        reach = km + (site.radius_km or 0.0)
        if site.polygon:
            reach += max(GEOD.inv(site.lon, site.lat, lo, la)[2] for la, lo in site.polygon) / 1000.0
        dlat = reach / 110.0
        dlon = reach / max(1e-6, 110.0 * np.cos(np.radians(min(89.0, abs(site.lat) + dlat))))
        return not (lat_hi < site.lat - dlat or lat_lo > site.lat + dlat
                    or lon_hi < site.lon - dlon or lon_lo > site.lon + dlon)

    def place(self, lat: float, lon: float, max_km: float, radius_km: float | None = None) -> Place:
        """The site containing a point, else 'N km DIR of SITE', else bare coordinates."""
        if self.sites:
            n = len(self.sites)
            az, _, dist = GEOD.inv(self.lons, self.lats, np.full(n, lon), np.full(n, lat))
            dist = dist / 1000.0
            for i, s in enumerate(self.sites):
                inside = _in_polygon(np.array([lat]), np.array([lon]), s.polygon)[0] if s.polygon \
                    else dist[i] <= s.radius_km
                if inside:
                    return _site_place(s)
            i = int(np.argmin(dist))
            if dist[i] <= max_km:
                s = self.sites[i]
                km = float(dist[i])
                return Place(
                    name=f"{km:.0f} km {compass(az[i], points=8)} of {s.name}", lat=lat, lon=lon, kind="relative",
                    precision="relative", radius_km=radius_km, country=s.country, anchor=s.name,
                    distance_km=round(km, 1), bearing_deg=round(float(az[i]) % 360, 1),
                )
        return Place(name=f"{abs(lat):.4f}{'N' if lat >= 0 else 'S'} {abs(lon):.4f}{'E' if lon >= 0 else 'W'}",
                     lat=lat, lon=lon, precision="site", radius_km=radius_km)


class _Arrays:
    """A track's fixes as arrays (numpy for geodesy, lists for the scalar loops)."""

    def __init__(self, track: Track, run: list[tuple] | None = None):
        if run is not None and (len(run) == len(track.positions) or not track.positions):
            # The track builder's fix tuples: (t, lat, lon, alt, speed, course, ground, status, new_leg).
            cols = list(zip(*run))
            self.n = len(run)
            self.t = list(cols[0])
            self.lat, self.lon = np.array(cols[1], float), np.array(cols[2], float)
            self.alt, spd, self.ground, self.status = list(cols[3]), list(cols[4]), list(cols[6]), list(cols[7])
        else:
            ps = track.positions
            self.n = len(ps)
            self.t = [p.t.timestamp() for p in ps]
            self.lat = np.fromiter((p.lat for p in ps), float, self.n)
            self.lon = np.fromiter((p.lon for p in ps), float, self.n)
            self.alt = [p.altitude_ft for p in ps]
            self.ground = [p.on_ground for p in ps]
            self.status = [p.status for p in ps]
            spd = [p.speed_kn for p in ps]
        if any(s is None for s in spd) and self.n > 1:
            # No reported speed: use the speed implied by the distance to the neighbouring fix.
            _, _, d = GEOD.inv(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])
            implied = [0.0] * self.n
            for i in range(1, self.n):
                dt = self.t[i] - self.t[i - 1]
                implied[i] = d[i - 1] / dt / KN if dt > 0 else 0.0
            implied[0] = implied[1]
            spd = [s if s is not None else implied[i] for i, s in enumerate(spd)]
        self.spd = [s if s is not None else 0.0 for s in spd]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) index pairs of the True runs in a boolean array."""
    if not mask.any():
        return []
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0] - 1
    return list(zip(starts.tolist(), ends.tolist()))


class ActivityDetector:
    """Turns tracks into events for one feed."""

    def __init__(self, sites: Sequence[Site], ctx: FeedContext, params: ActivityParams | None = None):
        self.index = SiteIndex(sites)
        self.ctx = ctx
        self.p = params or ActivityParams()
        self.source = Source(kind="sensor", name=ctx.sensor, reliability=SENSOR_RELIABILITY.get(ctx.sensor, "B"))

    # -- event building --------------------------------------------------
    def _label(self, track: Track) -> str:
        reg = self.ctx.registry
        if track.platform == "aircraft":
            bits = [track.registration, reg.type_name(track.type_code) if reg else track.type_code]
            if track.name:
                bits.append(f"callsign {track.name}")
            head = f"Aircraft {track.ident.upper()}"
        else:
            bits = [track.name, track.type_code]
            head = f"Vessel {track.ident}"
        bits = [b for b in bits if b]
        if track.military:
            bits.append("military")
        return f"{head} ({', '.join(bits)})" if bits else head

    def _equipment(self, track: Track) -> list[Equipment]:
        reg = self.ctx.registry
        if track.platform == "aircraft":
            name = (reg.type_name(track.type_code) if reg else track.type_code) or "aircraft"
            return [Equipment(name=name, category="aircraft", count=1, count_qualifier="exact")]
        return [Equipment(name=track.type_code or "vessel", category="ship", count=1, count_qualifier="exact")]

    def _actor(self, track: Track) -> Actor | None:
        if track.operator:
            return Actor(name=track.operator)
        if track.military and track.flag:
            try:
                import pycountry

                c = pycountry.countries.get(alpha_2=track.flag)
            except (ImportError, LookupError, KeyError):
                c = None
            if c is not None:
                return Actor(name=c.name, country=c.alpha_3)
        return None

    def _event(self, track: Track, subtype: str, trigger: str, t0: float, t1: float, place: Place,
               sentence: str, origin: Place | None = None, destination: Place | None = None) -> Event:
        ctx = self.ctx
        span = (0, len(ctx.summary))
        d0, d1 = datetime.fromtimestamp(t0, UTC), datetime.fromtimestamp(t1, UTC)
        return Event(
            id=content_id("sensor-event", ctx.doc_id, track.id, subtype, place.name, repr(round(t0, 3))),
            doc_id=ctx.doc_id, type="MOBILIZE", subtype=subtype, trigger=trigger, trigger_span=span,
            sentence=sentence, span=span, actor=self._actor(track), equipment=self._equipment(track),
            location=place, origin=origin, destination=destination,
            time=TimeSpan(start=d0.date(), end=d1.date(), precision="day", start_time=d0, end_time=d1),
            source=self.source, modality="asserted", credibility=Credibility(self.source.reliability, 2),
            track_id=track.id, military_reason=track.military_reason if track.military else None,
        )

    # -- detection -------------------------------------------------------
    def detect(self, tracks: Sequence[Track], raw: dict[str, list[tuple]] | None = None) -> list[Event]:
        events: list[Event] = []
        raw = raw or {}
        for track in tracks:
            if track.positions:
                events += self.track_events(track, raw.get(track.id))
        events += self._dark_periods([t for t in tracks if t.platform == "vessel"])
        events.sort(key=lambda e: (e.time.start_time, e.id))
        return events

    def track_events(self, track: Track, run: list[tuple] | None = None) -> list[Event]:
        """One track's events, unsorted (dark periods are between tracks: ``detect``). With ``run``, the
        track builder's fix tuples, the track need not carry its Positions (the live tracker's checks)."""
        a = _Arrays(track, run)
        if a.n == 0:
            return []
        return self._aircraft(track, a) if track.platform == "aircraft" else self._vessel(track, a)

    def _near_sites(self, a: _Arrays, km: float):
        box = (float(a.lat.min()), float(a.lat.max()), float(a.lon.min()), float(a.lon.max()))
        for site in self.index.sites:
            if self.index.near(site, *box, km):
                yield site, self.index.distances_km(site, a.lat, a.lon, within_km=km + site.radius_km)

    def _aircraft(self, track: Track, a: _Arrays) -> list[Event]:
        p = self.p
        out: list[Event] = []
        low = np.array([
            g is True or (al is not None and al <= p.low_alt_ft)
            or (al is None and g is None and s < p.taxi_kn)
            for g, al, s in zip(a.ground, a.alt, a.spd)
        ], bool)
        below = np.array([g is True or al is None or al <= p.visit_ceiling_ft for g, al in zip(a.ground, a.alt)], bool)
        label = self._label(track)
        last_departure: Place | None = None
        for site, dist in self._near_sites(a, p.airfield_zone_km):
            place = _site_place(site)
            inside = self.index.contains(site, a.lat, a.lon, dist)
            # Presence: on or just above the site (not overflights).
            for i, j in _runs(inside & below):
                if j > i:
                    what = "was on the ground at" if all(low[i:j + 1]) else "was at"
                    out.append(self._event(track, "presence", "presence", a.t[i], a.t[j], place,
                                           f"{label} {what} {site.name} {_fmt_range(a.t[i], a.t[j])} "
                                           f"({_duration(a.t[j] - a.t[i])})."))
            if site.kind not in ("airfield", "base"):
                continue
            zone = (dist <= site.radius_km + p.airfield_zone_km) | inside
            ground_runs = _runs(zone & low)
            for i, j in ground_runs:
                # In from the air (or from outside the zone, low); the touchdown is the first
                # fix flagged on the ground, when the feed flags it.
                if i > 0 and (not low[i - 1] or not zone[i - 1]) and a.t[i] - a.t[i - 1] <= p.max_ground_air_gap_s:
                    k = next((x for x in range(i, j + 1) if a.ground[x] is True), i)
                    out.append(self._arrival(track, a, k, site, place, label, last_departure))
                if j < a.n - 1 and (not low[j + 1] or not zone[j + 1]) and a.t[j + 1] - a.t[j] <= p.max_ground_air_gap_s:
                    k = next((x + 1 for x in range(j, i - 1, -1) if a.ground[x] is True), j + 1)
                    out.append(self._departure(track, a, k, site, place, label))
                    last_departure = place
            # Take-off or landing below the receiver's horizon: first/last fix low in the zone, climbing/descending.
            if a.n > 2 and zone[0] and not low[0] and not any(i == 0 for i, _ in ground_runs):
                if a.alt[0] is not None and a.alt[0] <= p.climb_first_alt_ft and _climbs(a.alt, 0, 1):
                    out.append(self._departure(track, a, 0, site, place, label, inferred=True))
                    last_departure = place
            if a.n > 2 and zone[-1] and not low[-1] and not any(j == a.n - 1 for _, j in ground_runs):
                if a.alt[-1] is not None and a.alt[-1] <= p.climb_first_alt_ft and _climbs(a.alt, a.n - 1, -1):
                    out.append(self._arrival(track, a, a.n - 1, site, place, label, last_departure, inferred=True))
        out += self._orbits(track, a, low, label)
        return out

    def _orbits(self, track: Track, a: _Arrays, low: np.ndarray, label: str) -> list[Event]:
        """Greedy scan: from fix i, the orbit lasts while fixes stay within 2R of fix i (airborne)."""
        p = self.p
        if a.n < 3 or a.t[-1] - a.t[0] < p.orbit_min_s:
            return []
        reach = 2000.0 * p.orbit_radius_km
        out = []
        i = 0
        while i < a.n - 1:
            if low[i]:
                i += 1
                continue
            j = i + 1
            while j < a.n:  # grow the window in chunks; pyproj only on each chunk
                k = min(a.n, j + 256)
                d = GEOD.inv(np.full(k - j, a.lon[i]), np.full(k - j, a.lat[i]), a.lon[j:k], a.lat[j:k])[2]
                stop = np.nonzero((d > reach) | low[j:k])[0]
                if stop.size:
                    j += int(stop[0])
                    break
                j = k
            if a.t[j - 1] - a.t[i] >= p.orbit_min_s:
                lat, lon = float(a.lat[i:j].mean()), float(a.lon[i:j].mean())
                place = self.index.place(lat, lon, p.relative_max_km, radius_km=p.orbit_radius_km)
                if place.kind is not None:  # near a watched site
                    out.append(self._event(track, "presence", "orbited", a.t[i], a.t[j - 1], place,
                                           f"{label} orbited {place.name if place.kind == 'relative' else 'over ' + place.name} "
                                           f"{_fmt_range(a.t[i], a.t[j - 1])} ({_duration(a.t[j - 1] - a.t[i])})."))
            i = max(j, i + 1)
        return out

    def _departure(self, track, a: _Arrays, k: int, site: Site, place: Place, label: str,
                   inferred: bool = False) -> Event:
        last = a.n - 1
        az, _, d = GEOD.inv(site.lon, site.lat, float(a.lon[last]), float(a.lat[last]))
        how = f"was first heard climbing through {a.alt[k]:,.0f} ft near" if inferred else "took off from"
        heading = ""
        if d > 5000:
            point = compass(az, points=8)
            heading = f", heading {point}; last heard {d / 1000:.0f} km {point} of {site.name} at {_fmt(a.t[last])} UTC"
        return self._event(track, "depart", "took off", a.t[k], a.t[k], place,
                           f"{label} {how} {site.name} at {_fmt(a.t[k])} UTC{heading}.", origin=place)

    def _arrival(self, track, a: _Arrays, k: int, site: Site, place: Place, label: str,
                 origin: Place | None, inferred: bool = False) -> Event:
        how = f"was last heard descending through {a.alt[k]:,.0f} ft near" if inferred else "landed at"
        frm = f" from {origin.name}" if origin is not None and origin.name != site.name else ""
        return self._event(track, "arrive", "landed", a.t[k], a.t[k], place,
                           f"{label} {how} {site.name}{frm} at {_fmt(a.t[k])} UTC.",
                           origin=origin, destination=place)

    def _vessel(self, track: Track, a: _Arrays) -> list[Event]:
        p = self.p
        out: list[Event] = []
        label = self._label(track)
        for site, dist in self._near_sites(a, 0.0):
            place = _site_place(site)
            inside = self.index.contains(site, a.lat, a.lon, dist)
            for i, j in _runs(inside):
                out.append(self._event(track, "presence", "presence", a.t[i], a.t[j], place,
                                       f"{label} was at {site.name} {_fmt_range(a.t[i], a.t[j])} "
                                       f"({_duration(a.t[j] - a.t[i])})."))
                if site.kind in ("port", "anchorage", "base"):
                    if i > 0:
                        out.append(self._event(track, "arrive", "arrived", a.t[i], a.t[i], place,
                                               f"{label} arrived at {site.name} at {_fmt(a.t[i])} UTC.",
                                               destination=place))
                    if j < a.n - 1:
                        az = GEOD.inv(site.lon, site.lat, float(a.lon[-1]), float(a.lat[-1]))[0]
                        out.append(self._event(track, "depart", "departed", a.t[j], a.t[j], place,
                                               f"{label} departed {site.name} at {_fmt(a.t[j])} UTC, "
                                               f"heading {compass(az, points=8)}.", origin=place))
        stops = self._stops(a, p.stop_start_kn, p.stop_end_kn, p.stop_radius_km, p.stop_min_s)
        for i, j in stops:
            lat, lon = float(a.lat[i:j + 1].mean()), float(a.lon[i:j + 1].mean())
            place = self.index.place(lat, lon, p.relative_max_km, radius_km=p.stop_radius_km)
            moored = sum(1 for s in a.status[i:j + 1] if s == "moored" or s == 5) * 2 > j - i + 1
            verb = "moored" if moored else "anchored"
            where = place.name if place.kind == "relative" else f"at {place.name}"
            out.append(self._event(track, "anchor", verb, a.t[i], a.t[j], place,
                                   f"{label} {verb} {where} {_fmt_range(a.t[i], a.t[j])} "
                                   f"({_duration(a.t[j] - a.t[i])})."))
        for i, j in self._stops(a, p.loiter_kn, p.loiter_end_kn, p.loiter_radius_km, p.loiter_min_s):
            if any(si <= j and i <= sj for si, sj in stops):
                continue  # the slow spell is (mostly) anchoring, already reported
            lat, lon = float(a.lat[i:j + 1].mean()), float(a.lon[i:j + 1].mean())
            place = self.index.place(lat, lon, p.relative_max_km, radius_km=p.loiter_radius_km)
            out.append(self._event(track, "presence", "loitered", a.t[i], a.t[j], place,
                                   f"{label} loitered (below {p.loiter_kn:g} kn, within {p.loiter_radius_km:g} km) "
                                   f"{place.name} {_fmt_range(a.t[i], a.t[j])} ({_duration(a.t[j] - a.t[i])})."))
        return out

    def _stops(self, a: _Arrays, start_kn: float, end_kn: float, radius_km: float, min_s: float):
        """GFW-style stops: begin below start_kn, end above end_kn, beyond radius_km or at a gap."""
        spd, t, n = a.spd, a.t, a.n
        gap = self.p.gap_s
        out = []
        i = 0
        while i < n:
            if spd[i] >= start_kn:
                i += 1
                continue
            j = i + 1
            while j < n and spd[j] <= end_kn and t[j] - t[j - 1] < gap:
                j += 1
            if j - i > 1:
                d = GEOD.inv(np.full(j - i, a.lon[i]), np.full(j - i, a.lat[i]), a.lon[i:j], a.lat[i:j])[2]
                far = np.nonzero(d > radius_km * 1000.0)[0]
                if far.size:
                    j = i + int(far[0])
            if t[j - 1] - t[i] >= min_s:
                out.append((i, j - 1))
            i = max(j, i + 1)
        return out

    def _dark_periods(self, tracks: Sequence[Track]) -> list[Event]:
        """Gaps of >= gap_s between a vessel's tracks, when it went quiet or reappeared near a site."""
        p = self.p
        by_ident: dict[str, list[Track]] = defaultdict(list)
        for t in tracks:
            by_ident[t.ident].append(t)
        out = []
        for runs in by_ident.values():
            runs.sort(key=lambda t: t.positions[0].t)
            for before, after in zip(runs, runs[1:]):
                a, b = before.positions[-1], after.positions[0]
                t0, t1 = a.t.timestamp(), b.t.timestamp()
                if t1 - t0 < p.gap_s:
                    continue
                pa = self.index.place(a.lat, a.lon, p.dark_near_km)
                pb = self.index.place(b.lat, b.lon, p.dark_near_km)
                if pa.precision == "site" and pa.kind is None and pb.precision == "site" and pb.kind is None:
                    continue  # neither end near a watched site
                place = pa if not (pa.precision == "site" and pa.kind is None) else pb
                label = self._label(before)
                out.append(self._event(
                    before, "presence", "went dark", t0, t1, place,
                    f"{label} sent no AIS for {_duration(t1 - t0)} near {place.anchor or place.name}: "
                    f"last heard {pa.name} at {_fmt(t0)} UTC, heard again {pb.name} at {_fmt(t1)} UTC.",
                ))
        return out


def _climbs(alt: list, k: int, step: int) -> bool:
    """Altitude rises moving away from fix k (step +1: later fixes; -1: earlier ones)."""
    j = k + step
    while 0 <= j < len(alt):
        if alt[j] is not None:
            return alt[j] > alt[k] + 300
        j += step
    return False


def detect_events(tracks: Sequence[Track], sites: Sequence[Site], ctx: FeedContext,
                  params: ActivityParams | None = None, raw: dict[str, list[tuple]] | None = None) -> list[Event]:
    """All events in a feed's tracks, oldest first (``raw``: TrackBuilder.raw, a faster path to the fixes)."""
    return ActivityDetector(sites, ctx, params).detect(tracks, raw)

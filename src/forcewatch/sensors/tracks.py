"""Tracks: per aircraft or vessel, time-ordered fixes, cleaned and cut into runs.

The sensors stage pushes the readers' decoded fixes in; ``build()`` sorts them, drops duplicates (the same
message heard by two receivers), cuts a run where the platform went unheard for
longer than the gap threshold (or readsb marks a new leg), and drops fixes that
imply an impossible speed (a corrupt position, a spoofed or mistyped one).
Thresholds are in ``TrackParams`` and documented in docs/sensors.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter

import numpy as np

from forcewatch.geo import GEOD, approx_m
from forcewatch.ingest.ais import NAV_STATUS
from forcewatch.records import Position, Track, content_id
from forcewatch.sensors.registry import ship_type_name

UTC = timezone.utc
KN = 1852.0 / 3600.0  # metres per second in one knot

# AIS status code (or None) -> stored text; 9-13 are reserved ("status_9"...), 15 "not defined".
_STATUS_TEXT = {None: None, 15: None, **{k: NAV_STATUS.get(k, f"status_{k}") for k in range(15)}}


@dataclass
class TrackParams:
    """Where tracks are cut and which fixes are thrown away (docs/sensors.md explains each)."""

    aircraft_gap_s: float = 30 * 60  # an aircraft unheard for 30 min starts a new track
    vessel_gap_s: float = 6 * 3600  # GFW: AIS gaps of >= 6 h are gaps, not slow reporting
    aircraft_max_kn: float = 1000.0  # faster than any transport or fighter in cruise
    vessel_max_kn: float = 60.0  # faster than any ship; catches corrupt AIS positions
    min_jump_m: float = 2000.0  # below this, GPS noise over a short interval is not a "jump"
    reset_after: int = 3  # this many rejected fixes in a row: trust them, the earlier fix was bad


# Fix tuple layout, shared by every reader: (t, lat, lon, alt_ft, speed_kn, course, on_ground, status, new_leg)
Fix = tuple


class TrackBuilder:
    """Collects fixes and names per platform, then builds clean Tracks."""

    def __init__(self, platform: str, doc_id: str = "", source: str | None = None,
                 params: TrackParams | None = None, stats: Counter | None = None):
        self.platform = platform
        self.doc_id = doc_id
        self.source = source
        self.params = params or TrackParams()
        self.stats = Counter() if stats is None else stats
        self.fixes: dict[str, list[Fix]] = {}
        self.meta: dict[str, dict] = {}
        self.raw: dict[str, list[Fix]] = {}  # track id -> its fix tuples, so activity skips re-reading Positions

    # -- input -----------------------------------------------------------
    def add(self, ident: str, t: float, lat: float, lon: float, alt: float | None = None,
            speed: float | None = None, course: float | None = None, on_ground: bool | None = None,
            status: int | str | None = None, new_leg: bool = False) -> None:
        lst = self.fixes.get(ident)
        if lst is None:
            lst = self.fixes[ident] = []
        lst.append((t, lat, lon, alt, speed, course, on_ground, status, new_leg))

    def note(self, ident: str, **fields) -> None:
        """Remember what the feed says about a platform (name, type code, flags); later values win."""
        meta = self.meta.setdefault(ident, {})
        for k, v in fields.items():
            if v is not None and v != "":
                meta[k] = v

    def add_ais(self, messages: Iterable[tuple]) -> None:
        """Consume an AIS reader's tuples (positions and static data)."""
        fixes = self.fixes
        untimed = nopos = 0
        for m in messages:
            if m[0] == "P":
                if m[2] is None:
                    untimed += 1
                    continue
                if m[3] is None:
                    nopos += 1
                    continue
                lst = fixes.get(m[1])
                if lst is None:
                    lst = fixes[m[1]] = []
                lst.append((m[2], m[3], m[4], None, m[5], m[6], None, m[8], False))
            elif m[0] == "S":
                self.note(m[1], name=m[2], ship_type=m[3], callsign=m[4], imo=m[5])
        self.stats["skipped:no_time"] += untimed
        self.stats["skipped:no_position"] += nopos

    def add_adsb(self, messages: Iterable[tuple]) -> None:
        """Consume an ADS-B reader's tuples (fixes and identities)."""
        fixes = self.fixes
        for m in messages:
            if m[0] == "F":
                lst = fixes.get(m[1])
                if lst is None:
                    lst = fixes[m[1]] = []
                lst.append((m[2], m[3], m[4], m[5], m[6], m[7], m[8], None, m[9]))
            elif m[0] == "I":
                self.note(m[1], callsign=m[2], type_code=m[3], registration=m[4], db_flags=m[5])

    # -- output ----------------------------------------------------------
    def build(self) -> list[Track]:
        """Clean tracks for every platform heard, ordered by platform id then time."""
        tracks: list[Track] = []
        for ident in sorted(self.fixes):
            for run in self._runs(self.fixes[ident]):
                tracks.append(self._track(ident, run))
        self.stats["tracks"] += len(tracks)
        return tracks

    def _runs(self, fixes: list[Fix]) -> list[list[Fix]]:
        p = self.params
        fixes.sort(key=itemgetter(0))
        gap = p.aircraft_gap_s if self.platform == "aircraft" else p.vessel_gap_s
        max_ms = (p.aircraft_max_kn if self.platform == "aircraft" else p.vessel_max_kn) * KN
        runs: list[list[Fix]] = []
        run: list[Fix] = []
        last_t = None
        dups = 0
        for f in fixes:
            if last_t is not None and f[0] - last_t < 0.5:
                dups += 1
                continue
            if run and (f[0] - last_t > gap or f[8]):
                runs.append(run)
                run = []
            run.append(f)
            last_t = f[0]
        if run:
            runs.append(run)
        self.stats["dropped:duplicate"] += dups
        return [r for r in (self._filter_jumps(r, max_ms) for r in runs) if r]

    def _filter_jumps(self, run: list[Fix], max_ms: float) -> list[Fix]:
        """Drop fixes that imply flying/sailing faster than possible from the last good fix."""
        if len(run) < 2:
            return run
        p = self.params
        ts, lats, lons = (np.array(c, float) for c in list(zip(*run))[:3])
        dt = np.maximum(np.diff(ts), 1.0)
        limit = np.maximum(p.min_jump_m, max_ms * dt)
        if (approx_m(lats[:-1], lons[:-1], lats[1:], lons[1:]) * 1.02 <= limit).all():
            return run  # the usual case, settled by a cheap bound: nothing near the limit
        _, _, dist = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
        if (dist <= limit).all():
            return run
        dist = dist.tolist()
        keep = [run[0]]
        last = 0
        streak = 0
        dropped = 0
        for i in range(1, len(run)):
            if last == i - 1:
                d = dist[i - 1]
            else:
                d = GEOD.inv(run[last][2], run[last][1], run[i][2], run[i][1])[2]
            dt = run[i][0] - run[last][0]
            if d > p.min_jump_m and d > max_ms * max(dt, 1.0):
                streak += 1
                if streak < p.reset_after:
                    dropped += 1
                    continue
            streak = 0
            keep.append(run[i])
            last = i
        self.stats["dropped:impossible_jump"] += dropped
        return keep

    def _track(self, ident: str, run: list[Fix]) -> Track:
        track = make_track(self.platform, ident, run, self.doc_id, self.meta.get(ident, {}), self.source)
        self.raw[track.id] = run
        return track

    def runs(self, fixes: list[Fix]) -> list[list[Fix]]:
        """One platform's fixes (sorted in place) as clean runs: duplicates dropped, cut at gaps and new
        legs, impossible jumps dropped; what ``build`` does per platform (the live tracker's use)."""
        return self._runs(fixes)


def make_track(platform: str, ident: str, run: list[Fix], doc_id: str, meta: dict, source: str | None,
               positions: bool = True) -> Track:
    """A Track of one clean run, named from what the feed said (``meta``); its id from the document,
    the platform and the run's first fix. ``positions=False``: without its Positions (costly to
    make), for a look at an open track whose events come from the fix tuples."""
    fromts = datetime.fromtimestamp
    status = _STATUS_TEXT.get
    positions = [Position(fromts(f[0], UTC), f[1], f[2], f[3], f[4], f[5], f[6], status(f[7], f[7]))
                 for f in run] if positions else []
    track = Track(
        id=content_id("track", doc_id, platform, ident, repr(run[0][0])),
        platform=platform, ident=ident, positions=positions, source=source,
        name=meta.get("name") or meta.get("callsign"),
        type_code=meta.get("type_code"), registration=meta.get("registration"),
        operator=meta.get("operator"), military=meta.get("military"),
    )
    if platform == "vessel" and meta.get("ship_type") is not None:
        track.type_code = ship_type_name(int(meta["ship_type"])) if str(meta["ship_type"]).isdigit() \
            else str(meta["ship_type"])
    return track

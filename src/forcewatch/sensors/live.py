"""Tracks and site events from a live stream, built as the messages arrive, with bounded memory.

The file path (``sensors.process_feed``) keeps every fix until the file ends, then builds the
tracks and finds their events. A stream has no end: ``LiveTracker`` keeps only the open
track of each platform, looks for events in it as it grows (the same ``TrackBuilder`` cleaning
and the same ``ActivityDetector`` rules as files), hands out each event once it is certain,
and closes a track when its platform has been unheard for the gap (``TrackParams``), after
which the track is returned for storing and forgotten.

Differences from the file path (docs/sensors.md, "Live streams"): an event may be handed out
again with the same id and a fuller sentence when its track closes (a departure's "last heard"
part); what the feed says about a platform (callsign, type) applies from when it is heard, not
to earlier tracks; a track longer than ``max_fixes_per_track`` is cut there.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone

from forcewatch.records import Document, Event, Position, Site, Track, content_id
from forcewatch.sensors.activity import ActivityDetector, ActivityParams, FeedContext
from forcewatch.sensors.registry import Registry
from forcewatch.sensors.tracks import TrackBuilder, TrackParams, make_track

UTC = timezone.utc
STATE_VERSION = 1


class StreamDocuments:
    """The documents live sensor events cite: one per stream per UTC hour (``window_s``).

    The id comes from the stream's name and the window's start only, so a restarted watcher
    derives the same ids and the store's upserts make a replay idempotent. The text is fixed
    for a stream (the same length every hour), so every event's span is the whole text.
    """

    def __init__(self, name: str, sensor: str, window_s: int = 3600):
        self.name, self.sensor, self.window_s = name, sensor, int(window_s)

    def start(self, t: float) -> int:
        return int(t // self.window_s) * self.window_s

    def id_for(self, t: float) -> str:
        return content_id("sensor-stream", self.name, str(self.start(t)), str(self.window_s))

    def text(self, t: float) -> str:
        d = datetime.fromtimestamp(self.start(t), UTC)
        return f"{self.sensor} stream {self.name}: {self.window_s // 60} min from {d:%Y-%m-%d %H:%M} UTC"

    def document(self, t: float) -> Document:
        d = datetime.fromtimestamp(self.start(t), UTC)
        return Document(id=self.id_for(t), text=self.text(t), title=f"{self.name} {d:%Y-%m-%d %H:%M}",
                        url=None, path=None, published=d.date(), outlet=self.sensor,
                        media_type="ais" if self.sensor == "AIS" else "adsb")


def _digest(e: Event) -> str:
    """What a consumer would see change in an event handed out before (sentence, times, place, flags)."""
    key = "\x1f".join(map(str, (e.sentence, e.time.start_time if e.time else None, e.time.end_time if e.time else None,
                                e.location.name if e.location else None, e.actor.name if e.actor else None,
                                getattr(e, "military_reason", None), [q.name for q in e.equipment])))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


class _Open:
    """One platform's open track: its raw fixes in time order, when to look at it next, what was handed out."""

    __slots__ = ("fixes", "next_check", "emitted", "base", "checked", "quiet")

    def __init__(self, fixes: list, next_check: float, emitted: dict | None = None, base: int = 0,
                 checked: int = 0, quiet: bool = False):
        self.fixes = fixes
        self.next_check = next_check
        self.emitted = emitted or {}
        self.base = base  # vessels: checks look at fixes[base:] (see LiveTracker._rebase)
        self.checked = checked  # fixes looked at by the last full check
        self.quiet = quiet  # that check held nothing back and ended far from every site (see _far)


class LiveTracker:
    """Tracks of one stream's platforms and the events at the watched sites, as messages arrive.

    ``add(messages)`` takes the readers' tuples (``ingest.streams.open_stream`` or a file reader)
    and returns the events that became certain (new ones, and ones handed out before whose
    sentence or times changed: consumers upsert by id); ``flush(now)`` closes the tracks
    unheard for the gap and returns them with their last events. ``state()`` and
    ``restore(state)`` checkpoint everything open as JSON.

    ``doc_id``: a stream name (events then cite ``StreamDocuments(name, sensor)``: one document
    per UTC hour) or a function of a time giving the document id (e.g. a file's, to compare
    with the file path). ``source``: what tracks name as their source (default the stream name).
    """

    def __init__(self, platform: str, registry: Registry, sites: Sequence[Site], params: TrackParams | None = None,
                 activity_params: ActivityParams | None = None, doc_id: str | Callable[[float], str] = "stream",
                 max_fixes_per_track: int = 20000, *, sensor: str | None = None, summary: str | None = None, source: str | None = None,
                 check_s: float | None = None, check_fraction: float = 0.1, check_fixes: int = 8, window_s: int = 3600,
                 meta_ttl_s: float = 86400.0, dark_memory_s: float = 30 * 86400.0, stats: Counter | None = None):
        self.platform = platform
        self.sensor = sensor or ("AIS" if platform == "vessel" else "ADS-B")
        self.registry = registry
        self.params = params or TrackParams()
        self.stats = Counter() if stats is None else stats
        if isinstance(doc_id, str):
            self.documents = StreamDocuments(doc_id, self.sensor, window_s)
            self.doc_for = self.documents.id_for
            self.source = source or doc_id
            summary = summary or self.documents.text(0)
        else:
            self.documents, self.doc_for, self.source = None, doc_id, source
        self.builder = TrackBuilder(platform, params=self.params, stats=Counter())
        self.detector = ActivityDetector(sites, FeedContext(doc_id="", summary=summary or "", sensor=self.sensor,
                                                            registry=registry), activity_params)
        self.gap = self.params.aircraft_gap_s if platform == "aircraft" else self.params.vessel_gap_s
        self.max_fixes = max(2, int(max_fixes_per_track))
        # How often an open track is looked at (data time): every check_s (1 min aircraft, 30 min vessels:
        # a ship takes longer than that to clear a port), or a tenth of its age when
        # longer, so a long track costs O(n log n) and an event waits at most ~10 % of the track's age.
        self.check_s = check_s if check_s is not None else (60.0 if platform == "aircraft" else 1800.0)
        self.check_fraction = check_fraction
        self.check_fixes = check_fixes  # and not before about this many new fixes (a sparse feed)
        ap = activity_params or ActivityParams()
        self.settle_s = ap.max_ground_air_gap_s
        # Farther than this from every site, a fix can be in no aircraft event at a site (zone) and in
        # no orbit near one (an orbit's fixes are within 2R of its start, its centre within 4R of any).
        self.far_km = max(ap.airfield_zone_km, ap.relative_max_km + 4 * ap.orbit_radius_km) + 10.0
        self.meta_ttl_s, self.dark_memory_s = meta_ttl_s, dark_memory_s
        self.open: dict[str, _Open] = {}
        self.meta: dict[str, dict] = {}
        self.heard: dict[str, float] = {}  # platform -> last fix of its last closed track
        self.closed: dict[str, Track] = {}  # vessel -> its last closed track's last fix (dark periods)
        self.done: list[Track] = []  # closed since the last flush
        self.retracted: list[str] = []  # ids handed out early that the closed track no longer gives
        self.clock = -math.inf  # the latest fix time seen

    # -- input -----------------------------------------------------------
    def add(self, messages: Iterable[tuple]) -> list[Event]:
        """Consume reader tuples; the events that became certain (or changed) meanwhile, oldest first."""
        out: list[Event] = []
        opened = self.open
        gap, cap = self.gap, self.max_fixes
        clock = self.clock
        untimed = nopos = 0
        aircraft = self.platform == "aircraft"
        # Tracks to look at once the batch is in: once each, as at the last fix that made it due (a
        # batch of many messages costs one look a track, not one every time it fell due).
        due: dict[str, tuple[_Open, float]] = {}
        for m in messages:
            kind = m[0]
            if kind == "F" or kind == "P":
                t = m[2]
                if t is None:
                    untimed += 1
                    continue
                if m[3] is None:
                    nopos += 1
                    continue
                if aircraft:
                    fix = (t, m[3], m[4], m[5], m[6], m[7], m[8], None, m[9])
                else:
                    fix = (t, m[3], m[4], None, m[5], m[6], None, m[8], False)
                if t > clock:
                    clock = t
                ident = m[1]
                o = opened.get(ident)
                if o is None:
                    self._start(ident, fix, out)
                    continue
                fixes = o.fixes
                last = fixes[-1][0]
                if t >= last:
                    if t - last > gap or fix[8] or len(fixes) >= cap:
                        if len(fixes) >= cap:
                            self.stats["live:cut_at_max_fixes"] += 1
                        self._close(ident, out)
                        self._start(ident, fix, out)
                        continue
                    fixes.append(fix)
                else:
                    insort(fixes, fix, key=_t)
                    self.stats["live:out_of_order"] += 1
                    o.base = 0
                    o.quiet = False
                if t >= o.next_check:
                    due[ident] = (o, t)
                    self._schedule(o, fixes)  # as the look would: the same fixes fall due as if looked at now
            elif kind == "I":
                self._note(m[1], callsign=m[2], type_code=m[3], registration=m[4], db_flags=m[5])
            elif kind == "S":
                self._note(m[1], name=m[2], ship_type=m[3], callsign=m[4], imo=m[5])
        self.clock = clock
        for ident, (o, t) in due.items():
            if opened.get(ident) is o:  # not closed meanwhile (its closing gave its events)
                self._check(ident, o, out, t)
        self.stats["skipped:no_time"] += untimed
        self.stats["skipped:no_position"] += nopos
        out.sort(key=lambda e: (e.time.start_time, e.id))
        return out

    def _note(self, ident: str, **fields) -> None:
        meta = self.meta.get(ident)
        if meta is None:
            meta = self.meta[ident] = {}
        for k, v in fields.items():
            if v is not None and v != "":
                meta[k] = v

    def _start(self, ident: str, fix: tuple, out: list[Event]) -> None:
        self.open[ident] = _Open([fix], fix[0] + self.check_s)
        before = self.closed.pop(ident, None)
        if before is not None and self.platform == "vessel":
            after = Track(id="", platform="vessel", ident=ident,
                          positions=[Position(datetime.fromtimestamp(fix[0], UTC), fix[1], fix[2])])
            out += self._redoc(self.detector._dark_periods([before, after]))

    # -- detection -------------------------------------------------------
    def _tracks(self, ident: str, fixes: list, positions: bool = True,
                first: float | None = None) -> tuple[list[tuple[Track, list]], Counter]:
        """The clean tracks of an open track's fixes (``first``: the time of the track's first fix,
        when ``fixes`` is a later part of it: the track keeps its id)."""
        scratch = self.builder.stats = Counter()
        runs = self.builder.runs(list(fixes))
        meta = self.meta.get(ident, {})
        out = []
        for run in runs:
            t0 = run[0][0] if first is None or out else first
            track = make_track(self.platform, ident, run, self.doc_for(t0), meta, self.source, positions)
            if t0 != run[0][0]:
                track.id = content_id("track", self.doc_for(t0), self.platform, ident, repr(t0))
            self.registry.enrich(track, db_flags=meta.get("db_flags"))
            out.append((track, run))
        return out, scratch

    def _detect(self, track: Track, run: list, first: float | None = None) -> list[Event]:
        self.detector.ctx.doc_id = self.doc_for(run[0][0] if first is None else first)
        events = self.detector.track_events(track, run)
        events.sort(key=lambda e: (e.time.start_time, e.id))
        return self._redoc(events)

    def _redoc(self, events: list[Event]) -> list[Event]:
        """Each event cites the document of the hour it starts in (the track's may be an earlier one)."""
        for e in events:
            doc = self.doc_for(e.time.start_time.timestamp())
            if doc != e.doc_id:
                e.doc_id = doc
                e.id = content_id("sensor-event", doc, e.track_id, e.subtype, e.location.name,
                                  repr(round(e.time.start_time.timestamp(), 3)))
        return events

    def _check(self, ident: str, o: _Open, out: list[Event], upto: float | None = None) -> None:
        """Look at an open track (its fixes up to ``upto``); hand out the events no later fix can change."""
        fixes = o.fixes
        if upto is not None and fixes[-1][0] > upto:
            fixes = fixes[:bisect_right(fixes, upto, key=_t)]
        self._schedule(o, fixes)
        if o.quiet and self.platform == "aircraft" and self._far(fixes, o.checked):
            # Nothing was held back and every fix since is far from every site: no event can have
            # begun, grown or settled (a departure's "last heard" part is brought up to date at close).
            o.checked = len(fixes)
            self.stats["live:checks_skipped"] += 1
            return
        self.stats["live:checks"] += 1
        o.checked, held = len(fixes), False
        first = fixes[0][0] if o.base else None
        pairs, _ = self._tracks(ident, fixes[o.base:] if o.base else fixes, positions=False, first=first)
        if first is not None and len(pairs) != 1:  # cleaning cut the part: look at the whole track
            o.base, first = 0, None
            pairs, _ = self._tracks(ident, fixes, positions=False)
        for track, run in pairs:
            end = run[-1][0]
            ground = {f[0]: f[6] for f in run} if self.platform == "aircraft" else None
            for e in self._detect(track, run, first):
                t1 = e.time.end_time.timestamp()
                if t1 >= end:
                    held = True
                    continue  # the last fix is part of it: it may still grow
                if ground is not None and e.subtype == "arrive" and ground.get(t1) is not True \
                        and end - t1 < self.settle_s:
                    held = True
                    continue  # the touchdown fix may still move to a later on-ground fix
                d = _digest(e)
                if o.emitted.get(e.id) != d:
                    o.emitted[e.id] = d
                    out.append(e)
        o.quiet = not held and len(pairs) == 1 and self._far(fixes, len(fixes) - 1)
        if self.platform == "vessel" and len(pairs) == 1:
            self._rebase(o, pairs[0][1])

    def _schedule(self, o: _Open, fixes: list) -> None:
        """When to look at a track next, after a look at ``fixes``."""
        last_t = fixes[-1][0]
        age = last_t - fixes[0][0]
        o.next_check = last_t + max(self.check_s, self.check_fraction * age, self.check_fixes * age / len(fixes))

    def _far(self, fixes: list, start: int) -> bool:
        """Whether every fix from ``start`` on is farther than ``far_km`` from every site (a box test)."""
        part = fixes[start:]
        if not part:
            return True
        lats = [f[1] for f in part]
        lons = [f[2] for f in part]
        box = (min(lats), max(lats), min(lons), max(lons))
        index = self.detector.index
        return not any(index.near(site, *box, self.far_km) for site in index.sites)

    def _rebase(self, o: _Open, run: list) -> None:
        """Let the next checks of a vessel start at the last fix where nothing can be going on: moving
        faster than any stop or loiter lasts (so no anchoring or loitering spans it) and outside
        every site (no visit, arrival or departure spans it). Vessel rules are local, so the events
        after that fix are the same whether the look starts there or at the track's start; the
        closing look is always at the whole track. Keeps each check's cost to the recent fixes."""
        p = self.detector.p
        fast = max(p.stop_end_kn, p.loiter_end_kn)
        cands = [k for k in range(len(run) - 2, 0, -1) if run[k][4] is not None and run[k][4] > fast
                 and run[k - 1][4] is not None]
        if not cands:
            return
        index = self.detector.index
        for k in cands[:64]:
            lat, lon = run[k][1], run[k][2]
            if not index.sites or not any(
                    index.near(site, lat, lat, lon, lon, 0.5) for site in index.sites):
                t = run[k][0]
                o.base = bisect_left(o.fixes, t, lo=o.base, key=_t)
                self.stats["live:rebased"] += 1
                return

    def _close(self, ident: str, out: list[Event]) -> None:
        o = self.open.pop(ident)
        pairs, scratch = self._tracks(ident, o.fixes)
        self.stats.update(scratch)
        final = set()
        for track, run in pairs:
            self.stats["tracks"] += 1
            for e in self._detect(track, run):
                final.add(e.id)
                if o.emitted.get(e.id) != _digest(e):
                    out.append(e)
            self.done.append(track)
        gone = [i for i in o.emitted if i not in final]
        if gone:
            self.retracted += gone
            self.stats["live:retracted"] += len(gone)
        if pairs:
            track = pairs[-1][0]
            last = track.positions[-1]
            self.heard[ident] = last.t.timestamp()
            if self.platform == "vessel":
                self.closed[ident] = Track(id=track.id, platform=track.platform, ident=ident, name=track.name,
                                           type_code=track.type_code, registration=track.registration,
                                           operator=track.operator, flag=track.flag, military=track.military,
                                           military_reason=track.military_reason,
                                           positions=[last], source=track.source)

    # -- output ----------------------------------------------------------
    def flush(self, now: float | None = None) -> tuple[list[Track], list[Event]]:
        """Close the tracks unheard for the gap at ``now`` (default: the latest fix time seen);
        return every track closed since the last flush and the events their closing gave.

        Pass the wall clock for a live receiver, nothing for a replay of old traffic, ``math.inf``
        at the end of a recording (closes everything).
        """
        now = self.clock if now is None else now
        out: list[Event] = []
        for ident in [i for i, o in self.open.items() if now - o.fixes[-1][0] > self.gap]:
            self._close(ident, out)
        if math.isfinite(now):
            for ident in [i for i, t in self.heard.items() if now - t > self.meta_ttl_s and i not in self.open]:
                del self.heard[ident]
                self.meta.pop(ident, None)
            for ident in [i for i, tr in self.closed.items() if now - tr.positions[-1].t.timestamp() > self.dark_memory_s]:
                del self.closed[ident]
        done, self.done = self.done, []
        out.sort(key=lambda e: (e.time.start_time, e.id))
        return done, out

    def take_retracted(self) -> list[str]:
        """Ids of events handed out early that their closed track no longer gives (rare; docs/sensors.md)."""
        gone, self.retracted = self.retracted, []
        return gone

    def document_for(self, event: Event) -> Document | None:
        """The document an event cites (None when ``doc_id`` was a function)."""
        if self.documents is None:
            return None
        return self.documents.document(event.time.start_time.timestamp())

    def documents_for(self, events: Iterable[Event]) -> list[Document]:
        """The distinct documents some events cite, to store before them (empty when ``doc_id`` was a function)."""
        if self.documents is None:
            return []
        docs: dict[str, Document] = {}
        for e in events:
            if e.doc_id not in docs:
                docs[e.doc_id] = self.documents.document(e.time.start_time.timestamp())
        return list(docs.values())

    def retained(self) -> dict[str, int]:
        """What is held in memory: open tracks, their fixes, platforms remembered, closed tracks unflushed."""
        return {"open_tracks": len(self.open), "fixes": sum(len(o.fixes) for o in self.open.values()),
                "platforms": len(self.meta), "remembered": len(self.closed) + len(self.heard),
                "unflushed_tracks": len(self.done)}

    # -- checkpoints -----------------------------------------------------
    def state(self) -> dict:
        """Everything open, as JSON-serialisable data (``restore`` takes it back)."""
        return {
            "version": STATE_VERSION, "platform": self.platform, "clock": self.clock if math.isfinite(self.clock) else None,
            "open": {i: {"fixes": o.fixes, "next_check": o.next_check, "emitted": o.emitted, "base": o.base,
                         "checked": o.checked, "quiet": o.quiet} for i, o in self.open.items()},
            "meta": self.meta, "heard": self.heard,
            "closed": {i: t.to_dict() for i, t in self.closed.items()},
            "done": [t.to_dict() for t in self.done], "retracted": self.retracted,
        }

    def restore(self, state: dict) -> LiveTracker:
        """Take back a checkpoint of ``state()`` (after a restart); returns self."""
        if state.get("version") != STATE_VERSION or state.get("platform") != self.platform:
            raise ValueError(f"not a {self.platform} tracker checkpoint of version {STATE_VERSION}")
        self.clock = state["clock"] if state.get("clock") is not None else -math.inf
        self.open = {i: _Open([tuple(f) for f in o["fixes"]], o["next_check"], dict(o["emitted"]), o.get("base", 0),
                              o.get("checked", 0), o.get("quiet", False)) for i, o in state["open"].items()}
        self.meta = {i: dict(m) for i, m in state["meta"].items()}
        self.heard = dict(state["heard"])
        self.closed = {i: Track.from_dict(t) for i, t in state["closed"].items()}
        self.done = [Track.from_dict(t) for t in state["done"]]
        self.retracted = list(state["retracted"])
        return self


def _t(fix: tuple) -> float:
    return fix[0]

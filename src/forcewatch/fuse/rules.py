"""Standing rules: what the watcher tells a user about, evaluated over events as they are stored.

A rule is data (watch.yaml, docs/watch.md): a name, a severity, filters that pick events (where:
a watched site, or a point and a radius; subtype; equipment category or type; military; actor;
source), and one named predicate that decides when the picked events make an alert:

* ``each``: every picked event (the default);
* ``count``: at least ``min_count`` within ``window`` at one site, net of the events that undo them
  (``net_of``: arrivals against departures) and above the site's own routine (``baseline_days``);
  a daily shuttle leaves and comes back, and does so every day: it is neither;
* ``dark``: a vessel silent for at least ``min_dark``;
* ``new_type``: an equipment type never seen at the site in the ``baseline_days`` before, at a site
  watched for a day at least (in an empty store every type would be new);
* ``posture``: a posture flag of fuse/posture at a watched site (the built-in rules);
* ``claim_without_track_support``: a report of a movement at a site the sensors covered then, that no
  track event corroborates, judged once sensor time has passed the claim's window (its dates, a day
  either side): not before the tracks of its days are in;
* ``claim_contradicted_by_track``: a report that corroboration links to a track event denying it.

Alert ids come from the rule and the events that fired it, so evaluating the same events again
(after a restart) raises nothing new; a ``count`` alert's events are never counted again by the rule.
``history`` is the store (any object with ``events``, ``events_by_id``, ``platforms``,
``alerted_events``, ``last_alert_end`` and ``sensor_clock``), so this module needs nothing above fuse.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from forcewatch.fuse.corroborate import is_sensor, names_type
from forcewatch.fuse.posture import detect as posture_flags
from forcewatch.geo import geodesic_km
from forcewatch.records import Alert, Event, Place, Site

PREDICATES = ("each", "count", "dark", "new_type", "posture", "claim_without_track_support",
              "claim_contradicted_by_track")
SEVERITIES = ("info", "low", "medium", "high", "critical")
POSTURE_CHANGES = ("withdrawal", "build-up", "redeployment")
MOVEMENTS = ("depart", "arrive", "withdraw", "deploy", "load", "anchor", "presence", "transit")
NEAR_KM = 5.0  # slack beyond a site's radius, as fuse/posture
MAX_PLACE_KM = 25.0  # a vaguer place than this is not "at" a site


class RuleError(ValueError):
    """A rule that cannot be used; the message names the rule and the key."""


@dataclass(frozen=True)
class Area:
    """A circle a rule watches: a site's or one the user draws."""

    id: str
    name: str
    lat: float
    lon: float
    radius_km: float

    @classmethod
    def of_site(cls, site: Site) -> Area:
        return cls(site.id, site.name, site.lat, site.lon, site.radius_km)

    def holds(self, place: Place | None) -> bool:
        if place is None or place.lat is None or (place.radius_km or 0) > MAX_PLACE_KM:
            return False
        return geodesic_km(self.lat, self.lon, place.lat, place.lon) <= self.radius_km + min(place.radius_km or 0, NEAR_KM)


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str = "medium"
    predicate: str = "each"
    title: str | None = None
    sites: tuple[str, ...] = ()  # site ids; none and no area: every watched site
    area: Area | None = None
    types: tuple[str, ...] = ()  # event types (MOBILIZE...)
    subtypes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # equipment categories (aircraft, ship...)
    equipment: tuple[str, ...] = ()  # equipment names or type codes, any case ("Il-76", "frigate")
    military: bool | None = None
    actors: tuple[str, ...] = ()  # ISO alpha-3 codes or names
    source: str | None = None  # sensor | report: where the events come from
    min_count: int = 1
    window: timedelta = timedelta(hours=24)
    net_of: tuple[str, ...] = ()  # subtypes that undo the counted ones at the site (arrive for depart)
    baseline_days: int = 0
    above_baseline: float = 2.0  # count rules: the count must be this many times the routine one
    min_dark: timedelta = timedelta(hours=6)
    changes: tuple[str, ...] = POSTURE_CHANGES
    posture_days: int = 7

    @classmethod
    def parse(cls, data: dict, where: str = "rule") -> Rule:
        """A rule from its YAML mapping; RuleError naming ``where`` and the key for anything wrong."""
        if not isinstance(data, dict):
            raise RuleError(f"{where}: a rule is a mapping with at least a name")
        name = data.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[\w.:-]+", name or ""):
            raise RuleError(f"{where}: name must be a word (letters, digits, - _ . :), not {name!r}")
        where = f"{where} {name}"
        known = {"name", "severity", "predicate", "title", "where", "type", "subtype", "category", "equipment",
                 "military", "actor", "source", "min_count", "window", "net_of", "baseline_days", "above_baseline",
                 "min_dark", "change", "posture_days"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RuleError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values: dict = {"name": name}

        def choice(key, allowed):
            v = data.get(key)
            if v is not None and v not in allowed:
                raise RuleError(f"{where}: {key} {v!r} is not one of {', '.join(allowed)}")
            return v

        if (v := choice("severity", SEVERITIES)) is not None:
            values["severity"] = v
        if (v := choice("predicate", PREDICATES)) is not None:
            values["predicate"] = v
        if (v := choice("source", ("sensor", "report"))) is not None:
            values["source"] = v
        if data.get("title") is not None:
            values["title"] = str(data["title"])
        for key, attr in (("type", "types"), ("subtype", "subtypes"), ("category", "categories"),
                          ("equipment", "equipment"), ("actor", "actors"), ("net_of", "net_of"), ("change", "changes")):
            if key in data:
                values[attr] = _names(data[key], f"{where}: {key}")
        for c in values.get("changes", ()):
            if c not in POSTURE_CHANGES:
                raise RuleError(f"{where}: change {c!r} is not one of {', '.join(POSTURE_CHANGES)}")
        if "military" in data:
            if not isinstance(data["military"], bool):
                raise RuleError(f"{where}: military must be true or false")
            values["military"] = data["military"]
        for key, low in (("min_count", 1), ("baseline_days", 0), ("posture_days", 1)):
            if key in data:
                v = data[key]
                if not isinstance(v, int) or isinstance(v, bool) or v < low:
                    raise RuleError(f"{where}: {key} must be a whole number >= {low}")
                values[key] = v
        if "above_baseline" in data:
            v = data["above_baseline"]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v <= 0:
                raise RuleError(f"{where}: above_baseline must be a number > 0")
            values["above_baseline"] = float(v)
        for key in ("window", "min_dark"):
            if key in data:
                values[key] = duration(data[key], f"{where}: {key}")
        if "where" in data:
            w = data["where"]
            if isinstance(w, str):
                values["sites"] = (w,)
            elif isinstance(w, dict) and "site" in w:
                values["sites"] = _names(w["site"], f"{where}: where.site")
            elif isinstance(w, dict) and {"lat", "lon", "radius_km"} <= set(w):
                try:
                    lat, lon, km = (float(w[k]) for k in ("lat", "lon", "radius_km"))
                except (TypeError, ValueError):
                    raise RuleError(f"{where}: where: lat, lon and radius_km must be numbers") from None
                if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < km <= 2000):
                    raise RuleError(f"{where}: where: lat/lon out of range or radius_km not in (0, 2000]")
                values["area"] = Area(f"area:{name}", str(w.get("name") or f"{km:g} km of {lat:.3f},{lon:.3f}"),
                                      lat, lon, km)
            else:
                raise RuleError(f"{where}: where is a site id, {{site: ID}} or {{lat, lon, radius_km}}")
        return cls(**values)


def _names(value, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise RuleError(f"{where} must be a name or a list of names")
    return tuple(v.strip() for v in items)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)\s*$")


def duration(value, where: str) -> timedelta:
    """"90s", "20m", "6h", "2d", or a number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return timedelta(seconds=value)
    m = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not m or float(m.group(1)) <= 0:
        raise RuleError(f"{where}: {value!r} is not a duration (like 90s, 20m, 6h, 2d)")
    unit = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}[m.group(2)]
    return timedelta(seconds=float(m.group(1)) * unit)


def builtin_rules() -> list[Rule]:
    """The packaged rules (data/watch_rules.yaml): posture changes at the watched sites."""
    from forcewatch.data import packaged

    return [Rule.parse(d, "packaged watch_rules.yaml") for d in packaged("watch_rules.yaml") or []]


# -- evaluation ------------------------------------------------------------

def instant(e: Event) -> datetime:
    """When an event starts, to the minute when known (sensors), else the start of its first day."""
    t = e.time
    if t is None:
        return datetime.min.replace(tzinfo=UTC)
    if t.start_time is not None:
        return t.start_time if t.start_time.tzinfo else t.start_time.replace(tzinfo=UTC)
    return datetime.combine(t.start, time(0), UTC)


def _end(e: Event) -> datetime:
    t = e.time
    if t is not None and t.end_time is not None:
        return t.end_time if t.end_time.tzinfo else t.end_time.replace(tzinfo=UTC)
    return instant(e) if t is None or t.start_time is not None else datetime.combine(t.end, time(23, 59), UTC)


def is_dark(e: Event) -> bool:
    return e.trigger == "went dark" or e.subtype == "dark"


@dataclass
class Evaluation:
    """What one batch of new events is judged with: the watched sites, the store, the military flags."""

    sites: Sequence[Site]  # every known site (rules name them by id)
    history: object
    now: datetime
    watched: Sequence[Site] | None = None  # the sites a rule without ``where`` watches (default: all)
    sensor_since: datetime | None = None  # sensor time before the batch was stored (None: it did not move)
    batch: dict[str, Event] = field(default_factory=dict)
    military: dict[str, bool | None] = field(default_factory=dict)  # track id -> military flag
    _pool: dict[tuple, list[Event]] = field(default_factory=dict)

    def areas(self, rule: Rule) -> list[Area]:
        if rule.area is not None:
            return [rule.area]
        by_id = {s.id: s for s in self.sites}
        return [Area.of_site(by_id[i]) for i in rule.sites if i in by_id] if rule.sites else \
            [Area.of_site(s) for s in (self.watched if self.watched is not None else self.sites)]

    def is_military(self, e: Event) -> bool:
        if e.track_id:
            if e.track_id not in self.military:
                self.military.update({k: v.get("military") for k, v in self.history.platforms([e.track_id]).items()})
            flag = self.military.get(e.track_id)
            return bool(flag) if flag is not None else "military" in e.sentence[:200]
        return bool(e.equipment) or bool(e.actor and e.actor.country)

    def stored(self, since: datetime, until: datetime) -> list[Event]:
        """Stored events of the days from ``since`` to ``until``, and the batch's (the batch wins)."""
        key = (since.date(), until.date())
        if key not in self._pool:
            found = {e.id: e for e in self.history.events(since=since.date(), until=until.date())}
            found.update(self.batch)
            self._pool[key] = list(found.values())
        return self._pool[key]


def matches(rule: Rule, e: Event, ev: Evaluation, subtypes: Iterable[str] | None = None) -> bool:
    """Whether the rule's filters (all but where) pick the event."""
    if e.background or e.duplicate_of or e.modality in ("no_comment",):
        return False
    wanted = tuple(subtypes) if subtypes is not None else rule.subtypes
    if wanted and e.subtype not in wanted:
        return False
    if rule.types and e.type not in rule.types:
        return False
    if rule.source == "sensor" and not is_sensor(e) or rule.source == "report" and is_sensor(e):
        return False
    if rule.categories and not any(q.category in rule.categories for q in e.equipment):
        return False
    if rule.equipment:
        names = {n.lower().replace("-", "") for n in rule.equipment}
        if not any(q.name.lower().replace("-", "") in names or q.name.lower().split()[0].replace("-", "") in names
                   for q in e.equipment):
            return False
    if rule.actors:
        a = e.actor
        wanted_actors = {x.lower() for x in rule.actors}
        if a is None or not ({(a.country or "").lower(), (a.name or "").lower()} & wanted_actors):
            return False
    if rule.military is not None and ev.is_military(e) != rule.military:
        return False
    return True


def _places(e: Event) -> list[Place]:
    return [p for p in (e.location, e.origin, e.destination) if p is not None]


def area_of(e: Event, areas: Sequence[Area]) -> Area | None:
    for area in areas:
        if any(area.holds(p) for p in _places(e)):
            return area
    return None


def evidence(e: Event) -> dict:
    return {"event_id": e.id, "doc_id": e.doc_id, "span": list(e.span), "text": e.sentence,
            "trigger": e.trigger, "subtype": e.subtype, "at": instant(e).isoformat()}


def _alert(rule: Rule, ev: Evaluation, events: list[Event], key: str, title: str, *id_parts: str) -> Alert:
    events = sorted(events, key=lambda e: (instant(e), e.id))
    return Alert(
        id=Alert.make_id(rule.name, key, *id_parts), rule=rule.name, severity=rule.severity,
        title=rule.title.format(count=len(events), key=key) if rule.title else title, raised_at=ev.now,
        event_ids=[e.id for e in events], evidence=[evidence(e) for e in events], key=key,
        start=min(instant(e) for e in events), end=max(_end(e) for e in events),
    )


def evaluate(rules: Sequence[Rule], new_events: Iterable[Event], sites: Sequence[Site], history,
             now: datetime | None = None, watched: Sequence[Site] | None = None,
             sensor_since: datetime | None = None) -> list[Alert]:
    """The alerts the new events (stored already, in ``history``) raise, each once (by id).
    ``sites``: every known site; ``watched``: those a rule without ``where`` watches (default: all).
    ``sensor_since``: sensor time (``history.sensor_clock()``) before the batch was stored: the stored
    claims whose window closed since are judged too (``claim_without_track_support``)."""
    ev = Evaluation(sites, history, now or datetime.now(UTC), watched, sensor_since=sensor_since)
    ev.batch = {e.id: e for e in new_events}
    if not ev.batch and sensor_since is None:
        return []
    out: dict[str, Alert] = {}
    for rule in rules:
        for alert in PREDICATE[rule.predicate](rule, ev):
            out.setdefault(alert.id, alert)
    return list(out.values())


def _each(rule: Rule, ev: Evaluation) -> list[Alert]:
    areas = ev.areas(rule) if (rule.sites or rule.area) else None
    out = []
    for e in ev.batch.values():
        if not matches(rule, e, ev):
            continue
        area = area_of(e, areas) if areas is not None else None
        if areas is not None and area is None:
            continue
        where = area.name if area else (e.location.name if e.location else "")
        out.append(_alert(rule, ev, [e], e.id, f"{rule.name}: {e.subtype or e.type} at {where}".rstrip(" at"), e.id))
    return out


def _count(rule: Rule, ev: Evaluation) -> list[Alert]:
    areas = ev.areas(rule)
    counted = rule.subtypes or None
    fresh = sorted((e for e in ev.batch.values() if matches(rule, e, ev) and area_of(e, areas)), key=instant)
    out: list[Alert] = []
    taken: set[str] = set()
    span = rule.window + (timedelta(days=rule.baseline_days) + rule.window if rule.baseline_days else timedelta(0))
    # Per stored pool and area, computed once for the batch: its events in time order, which the rule
    # picks or nets, and which an alert of the rule holds already (a batch of hundreds of events would
    # otherwise filter the pool and ask the store once per event).
    views: dict[tuple[int, str], tuple] = {}
    for e in fresh:
        if e.id in taken:
            continue
        area = area_of(e, areas)
        t = instant(e)
        whole = ev.stored(t - span, t)
        view = views.get((id(whole), area.id))
        if view is None:
            pool = sorted((x for x in whole if area_of(x, [area])), key=instant)
            picked = {x.id for x in pool if matches(rule, x, ev)}
            netted = {x.id for x in pool if rule.net_of and matches(rule, x, ev, rule.net_of)}
            view = views[(id(whole), area.id)] = (pool, [instant(x) for x in pool], picked, netted,
                                                   ev.history.alerted_events(rule.name, picked))
        pool, times, picked, netted, alerted = view
        in_window = pool[bisect_left(times, t - rule.window):bisect_right(times, t)]
        hits = [x for x in in_window if x.id in picked and x.id not in alerted and x.id not in taken]
        undone = [x for x in in_window if x.id in netted]
        net = len(hits) - len(undone)
        if net < rule.min_count:
            continue
        if rule.baseline_days:
            routine = _routine(rule, ev, pool, t, counted)
            if net < rule.above_baseline * routine:
                continue
        taken.update(x.id for x in hits)
        out.append(_alert(rule, ev, hits, area.id,
                          f"{len(hits)} × {'/'.join(rule.subtypes) or 'event'} at {area.name} within "
                          f"{_span_text(rule.window)}" + (f" (net of {len(undone)} {'/'.join(rule.net_of)})" if undone else ""),
                          *sorted(x.id for x in hits)))
    return out


def _routine(rule: Rule, ev: Evaluation, pool: list[Event], t: datetime, counted) -> float:
    """The site's routine: the net count per window over the baseline days before this window, as a
    rate over the part of them the site was watched (after its first stored event); 0 with none."""
    hi = t - rule.window
    lo = max(hi - timedelta(days=rule.baseline_days), min((instant(x) for x in pool), default=hi))
    if lo >= hi:
        return 0.0
    inside = [x for x in pool if lo <= instant(x) < hi]
    net = sum(1 for x in inside if matches(rule, x, ev)) - sum(
        1 for x in inside if rule.net_of and matches(rule, x, ev, rule.net_of))
    return max(0, net) / ((hi - lo) / rule.window)


def _span_text(d: timedelta) -> str:
    s = d.total_seconds()
    return f"{s / 86400:g} d" if s >= 86400 and s % 86400 == 0 else f"{s / 3600:g} h"


def _dark(rule: Rule, ev: Evaluation) -> list[Alert]:
    areas = ev.areas(rule)
    out = []
    for e in ev.batch.values():
        if not is_dark(e) or not matches(rule, e, ev) or (area := area_of(e, areas)) is None:
            continue
        if _end(e) - instant(e) < rule.min_dark:
            continue
        out.append(_alert(rule, ev, [e], area.id, f"a vessel went dark near {area.name} for "
                          f"{(_end(e) - instant(e)).total_seconds() / 3600:.1f} h", e.id))
    return out


def _new_type(rule: Rule, ev: Evaluation) -> list[Alert]:
    areas = ev.areas(rule)
    days = timedelta(days=rule.baseline_days or 30)
    out = []
    fresh = sorted((e for e in ev.batch.values() if matches(rule, e, ev) and area_of(e, areas)), key=instant)
    raised: set[str] = set()
    for e in fresh:
        area = area_of(e, areas)
        t = instant(e)
        before = [x for x in ev.stored(t - days, t) if instant(x) < t and x.id != e.id and area_of(x, [area])]
        if not before or min(instant(x) for x in before) > t - timedelta(days=1):
            continue  # the site is not watched long enough to call a type new
        for q in e.equipment:
            if rule.categories and q.category not in rule.categories or not names_type(q.name):
                continue
            key = f"{area.id}:{q.name}"
            if key in raised or any(q.name == r.name for x in before for r in x.equipment):
                continue
            last = ev.history.last_alert_end(rule.name, key)
            if last is not None and last > t - days:
                continue
            raised.add(key)
            out.append(_alert(rule, ev, [e], key, f"a new type at {area.name}: {q.name}", e.id))
    return out


def _posture(rule: Rule, ev: Evaluation) -> list[Alert]:
    dated = [e for e in ev.batch.values() if e.time is not None]
    if not dated:
        return []
    sites = [s for s in ev.sites if s.id in rule.sites] if rule.sites else list(
        ev.watched if ev.watched is not None else ev.sites)
    end = max(e.time.end for e in dated)
    start = end - timedelta(days=rule.posture_days - 1)
    window = [e for e in ev.stored(datetime.combine(start, time(0), UTC), datetime.combine(end, time(0), UTC))
              if matches(rule, e, ev)]
    out = []
    by_id = {e.id: e for e in window}
    for flag in posture_flags(window, sites, rule.posture_days, end):
        if flag.change not in rule.changes or not set(flag.evidence) & set(ev.batch):
            continue
        key = f"{flag.site_id}:{flag.change}"
        last = ev.history.last_alert_end(rule.name, key)
        if last is not None and last.date() >= flag.start:
            continue  # this change at this site is alerted for an overlapping window already
        events = [by_id[i] for i in flag.evidence if i in by_id]
        title = f"posture: {flag.change} at {flag.site}" + (f" → {flag.to_site}" if flag.to_site else "")
        alert = _alert(rule, ev, events, key, title, str(flag.start), str(flag.end))
        alert.end = datetime.combine(flag.end, time(23, 59), UTC)
        out.append(alert)
    return out


def window_closes(e: Event) -> datetime:
    """When the window a claim is judged over (its dates, a day either side) has closed: the end of the
    day after its last date."""
    return datetime.combine(e.time.end + timedelta(days=2), time(0), UTC)


def _claims_to_judge(ev: Evaluation) -> list[Event]:
    """The claims whose window has closed on sensor time (``history.sensor_clock()``: the latest fix
    stored, not the wall clock, nor the time a report came in, so a claim is not called unsupported
    before the tracks of its days are in): the batch's, and the stored ones whose window closed
    since ``ev.sensor_since``. Each is judged once: when sensor time passes its window, or, when it
    comes in after that, then."""
    clock = ev.history.sensor_clock()
    if clock is None:
        return []
    claims = [e for e in ev.batch.values() if not is_sensor(e) and e.time is not None and window_closes(e) <= clock]
    since = ev.sensor_since
    if since is not None and since < clock:
        stored = ev.history.events(since=(since - timedelta(days=2)).date(), until=(clock - timedelta(days=2)).date(),
                                   reports_only=True)
        claims += [e for e in stored if e.id not in ev.batch and e.time is not None
                   and since < window_closes(e) <= clock]
    return claims


def _unsupported(rule: Rule, ev: Evaluation) -> list[Alert]:
    areas = ev.areas(rule)
    wanted = rule.subtypes or ("depart", "arrive", "withdraw", "deploy")
    out = []
    for e in _claims_to_judge(ev):
        if e.modality not in ("asserted", "hedged") or not matches(rule, e, ev, wanted):
            continue
        if (area := area_of(e, areas)) is None:
            continue
        lo = datetime.combine(e.time.start - timedelta(days=1), time(0), UTC)
        hi = datetime.combine(e.time.end + timedelta(days=1), time(23, 59), UTC)
        covered = [x for x in ev.stored(lo, hi) if is_sensor(x) and lo <= instant(x) <= hi and area_of(x, [area])]
        if not covered:
            continue  # no sensor watched the site then: silence says nothing
        support = [x for x in _linked(ev, e.corroborated_by) if is_sensor(x)]
        if support:
            continue
        out.append(_alert(rule, ev, [e], e.id, f"a report of {e.subtype} at {area.name} that no track supports "
                          f"({len(covered)} sensor event(s) there then)", e.id))
    return out


def _linked(ev: Evaluation, ids: Iterable[str]) -> list[Event]:
    ids = list(ids)
    known = [ev.batch[i] for i in ids if i in ev.batch]
    rest = [i for i in ids if i not in ev.batch]
    return known + (ev.history.events_by_id(rest) if rest else [])


def _contradicted(rule: Rule, ev: Evaluation) -> list[Alert]:
    claims: dict[str, Event] = {}
    for e in ev.batch.values():
        if not e.contradicted_by:
            continue
        if is_sensor(e):
            for c in _linked(ev, e.contradicted_by):
                if not is_sensor(c):
                    claims[c.id] = c
        else:
            claims[e.id] = e
    out = []
    for c in claims.values():
        if not matches(rule, c, ev):
            continue
        tracks = [x for x in _linked(ev, c.contradicted_by) if is_sensor(x)]
        if not tracks:
            continue
        if rule.sites or rule.area:
            if area_of(c, ev.areas(rule)) is None:
                continue
        out.append(_alert(rule, ev, [c, *tracks], c.id, f"a report of {c.subtype or c.type} contradicted by "
                          f"{len(tracks)} track event(s)", *sorted(x.id for x in tracks)))
    return out


PREDICATE = {
    "each": _each, "count": _count, "dark": _dark, "new_type": _new_type, "posture": _posture,
    "claim_without_track_support": _unsupported, "claim_contradicted_by_track": _contradicted,
}

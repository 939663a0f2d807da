"""One happening, one record: which events describe the same act, and what they say together.

``same_act`` is forcewatch's one definition of "the same act" across documents and tracks
(docs/happenings.md). Two events are the same act when

* they come from different documents (one report states each act once: its repeats are already
  linked by resolve/acts.py with ``duplicate_of``, and two events of one sensor feed are two
  platforms or two moments);
* neither is background, nor a refusal to comment, and both are plans or neither is;
* corroboration would compare them (fuse/corroborate.same_happening: the kinds fit, the places
  overlap, the named types of equipment agree, the dates meet with a day's slack);
* and, stricter than corroboration, their dates overlap with no slack at all (two claims dated to
  different days are two happenings unless one of them gives no day of its own), and where both
  name a class of equipment in one category (a frigate, a tanker), they name the same class.

``cluster`` groups events by complete linkage, best match first: a claim joins a happening only
when it is the same act as every member, and each document gives it one act (with that act's
repeats), so a chain of near matches never merges two happenings.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from forcewatch.fuse.corroborate import equipment_fits, names_type, same_happening, source_key
from forcewatch.geo import geodesic_km
from forcewatch.records import Cluster, Credibility, Equipment, Event, Place, Source, TimeSpan

NO_ACT = {"no_comment"}  # says nothing about an act
CONFIDENCE = ("asserted", "negated", "hedged", "unconfirmed", "future")  # most sure first


def dates_overlap(a: Event, b: Event) -> bool:
    """Overlapping date ranges, with no slack."""
    return a.time is not None and b.time is not None and a.time.start <= b.time.end and b.time.start <= a.time.end


def classes_agree(a: Event, b: Event, classes: Collection[str]) -> bool:
    """Where both name a class from ``classes`` in one category (frigate, tanker: not a generic
    word like "ship"), they name one in common."""
    for cat in {q.category for q in a.equipment} & {q.category for q in b.equipment}:
        ca = {q.name for q in a.equipment if q.category == cat and q.name in classes and not names_type(q.name)}
        cb = {q.name for q in b.equipment if q.category == cat and q.name in classes and not names_type(q.name)}
        if ca and cb and not ca & cb:
            return False
    return True


def same_act(a: Event, b: Event, classes: Collection[str] = ()) -> bool:
    """Whether events of two documents describe one act (the definition above)."""
    if a.doc_id == b.doc_id or a.background or b.background:
        return False
    if a.modality in NO_ACT or b.modality in NO_ACT or (a.modality == "future") != (b.modality == "future"):
        return False
    return (same_happening(a, b) and dates_overlap(a, b) and equipment_fits(a, b)
            and classes_agree(a, b, classes))


def _order(e: Event) -> tuple:
    t = e.time
    return (t.start if t else date.max, t.start_time.isoformat() if t and t.start_time else "", e.doc_id, e.id)


def affinity(a: Event, b: Event) -> tuple:
    """How well two claims of one act match, to join the best first: the equipment they both
    name, the same force-posture mode, then the closer places."""
    shared = len({q.name for q in a.equipment} & {q.name for q in b.equipment})
    pa, pb = a.location or a.origin or a.destination, b.location or b.origin or b.destination
    km = geodesic_km(pa.lat, pa.lon, pb.lat, pb.lon) if pa and pb and pa.lat is not None and pb.lat is not None else 0.0
    return (shared, a.subtype == b.subtype, -round(km, 3))


def cluster(events: Iterable[Event], classes: Collection[str] = ()) -> list[Cluster]:
    """Every event not background in exactly one happening (most of one claim), in time order (same-day
    happenings by time of day, as the store lists them).

    Agglomerative with complete linkage: the pairs of acts that are the same act are taken best
    match first (``affinity``), and two groups merge only when every claim of one is the same act
    as every claim of the other and no document is in both. ``classes``: the equipment class
    names that tell happenings apart (``equipment_classes``). The result depends only on the
    events given: grouping them again gives the same clusters, with the same ids."""
    events = sorted((e for e in events if not e.background), key=_order)
    by_id = {e.id: e for e in events}
    groups: dict[str, list[Event]] = {}
    for e in events:  # a report's repeats of an act go with its first statement
        groups.setdefault(e.duplicate_of if e.duplicate_of in by_id else e.id, []).append(e)
    heads = [k for k, g in groups.items() if g[0].time is not None]  # in date order of their first claim
    pairs = []
    for i, ka in enumerate(heads):
        end = min(m.time.end for m in groups[ka])
        for kb in heads[i + 1:]:
            if groups[kb][0].time.start > end:
                break  # claims come in date order: none later can overlap
            if _joinable(groups[ka], groups[kb], classes):
                pairs.append((affinity(groups[ka][0], groups[kb][0]), ka, kb))
    pairs.sort(key=lambda p: (tuple(-x for x in p[0]), p[1], p[2]))
    home = {k: k for k in groups}  # act -> the group it is in now
    for _, ka, kb in pairs:
        ga, gb = home[ka], home[kb]
        if ga != gb and _joinable(groups[ga], groups[gb], classes):
            groups[ga].extend(groups.pop(gb))
            for k, g in home.items():
                if g == gb:
                    home[k] = ga
    out = [summarise(sorted(members, key=_order)) for members in groups.values()]
    out.sort(key=lambda c: (c.time.start if c.time else date.max,
                            c.time.start_time.isoformat() if c.time and c.time.start_time else "", c.id))
    return out


def _joinable(a: list[Event], b: list[Event], classes: Collection[str]) -> bool:
    return not {e.doc_id for e in a} & {e.doc_id for e in b} and all(same_act(x, y, classes) for x in a for y in b)


def equipment_classes(catalogue_entries: Iterable[dict]) -> frozenset[str]:
    """The class names of an equipment catalogue (data/equipment.yaml) that tell acts apart: not
    generic words, not type designations."""
    return frozenset(e["name"] for e in catalogue_entries if not e.get("generic") and not names_type(e["name"]))


# -- what a happening says -------------------------------------------------------------------------

def _grade_key(e: Event) -> tuple:
    c = e.credibility
    return (c.reliability if c else "Z", c.information if c else 9, CONFIDENCE.index(e.modality)
            if e.modality in CONFIDENCE else 9)


def _narrowest(places: Iterable[Place | None]) -> Place | None:
    located = [p for p in places if p is not None and p.lat is not None and p.lon is not None]
    return min(located, key=lambda p: p.radius_km if p.radius_km is not None else float("inf"), default=None)


def _common_time(events: list[Event]) -> TimeSpan | None:
    """Where every member's dates overlap (they overlap pairwise, so on a line all of them do)."""
    times = [e.time for e in events if e.time is not None]
    if not times:
        return None
    start, end = max(t.start for t in times), min(t.end for t in times)
    stated = [t for t in times if not t.inferred] or times
    best = min(stated, key=lambda t: (t.end - t.start, t.start))
    exact = next((t for t in times if t.start_time is not None and start <= t.start_time.date() <= end), None)
    return TimeSpan(start=start, end=max(start, end), precision=best.precision if best.start == start else "day",
                    text=best.text, inferred=all(t.inferred for t in times),
                    start_time=exact.start_time if exact else None, end_time=exact.end_time if exact else None)


def _sources(events: list[Event]) -> list[Source]:
    seen: dict[tuple, Source] = {}
    for e in events:
        key = source_key(e)
        if key not in seen:
            s = e.source
            seen[key] = (Source(kind=s.kind, name=s.name, affiliation=s.affiliation, anonymous=s.anonymous,
                                reliability=s.reliability) if s else Source(kind="analyst", name=None))
    return list(seen.values())


def _equipment(events: list[Event]) -> list[Equipment]:
    out: dict[str, Equipment] = {}
    for e in events:
        for q in e.equipment:
            have = out.get(q.name)
            if have is None:
                out[q.name] = Equipment(name=q.name, category=q.category, count=q.count,
                                        count_qualifier=q.count_qualifier)
            elif q.count and (have.count or 0) < q.count:
                have.count, have.count_qualifier = q.count, q.count_qualifier
    return list(out.values())


def summarise(members: list[Event]) -> Cluster:
    """The record of one happening from its claims (in time order).

    The side with more independent sources (denials or the rest; a tie goes to the claim) is what
    the happening states; the other side's claims contradict it. The grade takes the letter of
    the most reliable source that states it, and the digit: 1 when two or more independent
    sources state it and none contradicts, 3 when it is contradicted, else its best claim's."""
    deny = [e for e in members if e.modality == "negated"]
    claim = [e for e in members if e.modality != "negated"]
    for_, against = _sources(claim), _sources(deny)
    side, other, sources = (deny, claim, against) if len(against) > len(for_) else (claim or deny, deny if claim else [], for_ or against)
    lead = min(side, key=_grade_key)
    graded = [e.credibility for e in side if e.credibility]
    credibility = None
    if graded:
        letter = min(c.reliability for c in graded)
        if len(sources) >= 2 and not other:
            digit = 1
        elif other:
            digit = 3
        else:
            digit = min(c.information for c in graded)
        basis = f"{len(sources)} independent source(s) state it, {len(other)} claim(s) contradict it"
        credibility = Credibility(letter, digit, basis)
    ids = [e.id for e in members]
    return Cluster(
        id=Cluster.make_id(ids), event_ids=ids, type=lead.type, subtype=lead.subtype,
        modality=min((e.modality for e in side), key=lambda m: CONFIDENCE.index(m) if m in CONFIDENCE else 9),
        place=_narrowest(e.location for e in side),
        origin=_narrowest(e.origin for e in side), destination=_narrowest(e.destination for e in side),
        time=_common_time(members), equipment=_equipment(side),
        actor=lead.actor or next((e.actor for e in side if e.actor), None),
        sources=sources, n_sources=len(sources), contradicted_by=[e.id for e in other],
        credibility=credibility, doc_ids=sorted({e.doc_id for e in members}),
        track_ids=sorted({e.track_id for e in members if e.track_id}),
    )

"""From place mentions to coordinates, and from events to their place.

Resolution is deterministic: each gazetteer candidate gets a linear score, the weights of the
shipped ranker (data/ranker.json, fitted by bench/train_ranker.py on the train halves of
GeoWebNews and LGL) dotted with its :func:`features`, which cover:

* priors: curated facilities, regions and seas, then countries and first-level
  divisions, then population (log scale);
* the document's focus: the countries and first-level divisions the other
  mentions of the document point at (a first pass without context gives them);
* proximity to the document's other places;
* what the text says about the place: "Alexandria, Louisiana" and
  "Al-Khadim air base in Libya" name the container; "air base" asks for an
  airfield; an event's equipment asks for a facility type (aircraft ->
  airfield, ships -> port or sea).

Relative places are computed on the WGS84 ellipsoid (forcewatch.geo) ("13 km
north-west of Tartous", "between X and Y", "the highway connecting X to Y",
"outside the facility"), each with a radius_km uncertainty.

Each event then gets its location, origin and destination from the place
mentions of its sentence, leaving out the dateline (where the report was
filed), places inside the attribution's speaker phrase ("an Istanbul-based
analyst"), the actor itself ("Moscow is withdrawing") and a facility's
container ("... air base in Libya").
"""

from __future__ import annotations

import dataclasses
import math
import re
from functools import lru_cache
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from forcewatch import geo
from forcewatch.extract.events import COUNTRY_HEADS
from forcewatch.extract.nlp import token_at
from forcewatch.extract.places import BEARINGS, mention_name
from forcewatch.gazetteer.lookup import Entry, Gazetteer
from forcewatch.gazetteer.names import PLACE_SUFFIXES
from forcewatch.lexicon import MONTH_PATTERN, SKIPPED_SPEAKER_LABELS, WEEKDAY_PATTERN, fold
from forcewatch.records import Analysis, Event, Mention, Place

_ORIGIN = re.compile(
    r"\b(?:from|out of|leaving|left|departing|departed|evacuated from|withdrawn from|withdrew from)\s+(?:the\s+)?(?:\w+\s+)?$"
    r"|\bfrom\s+(?:the\s+)?(?:[\w-]+\s+){1,4}?(?:in|at|near|around)\s+(?:the\s+)?$", re.I)  # "from the front lines in X"
_DESTINATION = re.compile(
    r"\b(?:to|towards|toward|into|heading to|headed to|bound for|back to|then to|for|arriving in|arrived in|"
    r"landed (?:in|at)|reached|en route to)\s+(?:the\s+)?(?:\w+\s+)?$", re.I)
_VIA = re.compile(r"\b(?:through|via|over|across|passing)\s+(?:the\s+)?(?:\w+\s+)?$", re.I)
_LOCATIVE = re.compile(
    r"(?:\b(?:in|at|near|outside|off|inside|on|within|around|over|across|throughout|into)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:of\s+)?"
    r"|\b(?:city|town|village|province|district|region|area|neighbou?rhood|suburb|governorate|capital|port|"
    r"county|state|island|commune|municipality|camp)s?\s+of\s+)$", re.I)
MOVEMENT = {"withdraw", "deploy", "depart", "arrive", "transit", "load"}
PLACED_ACTS = {"MOBILIZE", "RETREAT", "ASSAULT", "COERCE"}  # types whose object can be where it happens
SITE_KINDS = {"airfield", "port", "base", "anchorage"}
KIND_OUT = {"anchorage": "port"}
RANK = {"site": 0, "relative": 0, "city": 1, "admin": 2, "region": 3, "country": 4}


# ----------------------------------------------------------------------------- context
@dataclass
class Context:
    """What the whole document says about where it is: focus countries, divisions, points."""

    countries: Counter = field(default_factory=Counter)
    admins: Counter = field(default_factory=Counter)
    points: list[tuple[float, float, object]] = field(default_factory=list)  # lat, lon, name (folded)
    own: dict = field(default_factory=dict)  # span -> the name (folded) it was written as
    votes_of: dict = field(default_factory=dict)  # name -> (Counter of countries, Counter of divisions) it voted
    support: dict = field(default_factory=dict)  # (span, lat, lon) -> other names that have a candidate nearby

    def name_of(self, span):
        """What a mention is told apart by: its name, so that the other mentions of the same name
        ("Washington" five times) are no evidence for each other; a span no name has: itself."""
        return self.own.get(span, span)

    def top_country(self) -> str | None:
        """The country with the most votes (ties: the first counted)."""
        if "_top" not in self.__dict__:
            self.__dict__["_top"] = self.countries.most_common(1)[0][0] if self.countries else None
        return self.__dict__["_top"]

    def share(self, country: str | None, span=None) -> float:
        """Share of the votes of the mentions of *other* names that go to a country."""
        if not country:
            return 0.0
        mine = self.votes_of.get(self.own.get(span))
        total = sum(self.countries.values()) - (sum(mine[0].values()) if mine else 0)
        votes = self.countries.get(country, 0) - (mine[0].get(country, 0) if mine else 0)
        return votes / total if total > 1e-9 else 0.0

    def admin_share(self, country: str | None, admin1: str | None, span=None) -> float:
        if not admin1:
            return 0.0
        mine = self.votes_of.get(self.own.get(span))
        total = sum(self.admins.values()) - (sum(mine[1].values()) if mine else 0)
        votes = self.admins.get((country, admin1), 0) - (mine[1].get((country, admin1), 0) if mine else 0)
        return votes / total if total > 1e-9 else 0.0


def _nearest_km(lat: float, lon: float, points, name) -> float:
    """Distance to the nearest point of another name, equirectangular: plenty for 50/200/600 km bands
    and several times cheaper than haversine in the inner loop of candidate scoring."""
    coslat = math.cos(math.radians(lat))
    best = 1e18
    for la, lo, sp in points:
        if sp == name:
            continue
        dlon = abs(lo - lon)
        if dlon > 180:
            dlon = 360 - dlon
        d = (la - lat) ** 2 + (dlon * coslat) ** 2
        if d < best:
            best = d
    return 111.2 * math.sqrt(best) if best < 1e18 else 1e9


KIND_PRIOR = {"region": "region_or_sea", "sea": "region_or_sea", "country": "country", "admin": "admin",
              "airfield": "airfield"}


def prior_features(e: Entry) -> dict[str, float]:
    """What is known of a candidate before any context (only the features that are not zero)."""
    f = {"log_population": math.log10(e.population + 10)}
    if e.site_id:
        f["site"] = 1.0  # a curated facility
    elif e.kind in KIND_PRIOR:
        f[KIND_PRIOR[e.kind]] = 1.0
        if e.kind == "admin":
            f["admin_log_radius"] = math.log10(max(e.radius_km, 1.0))
        if e.feature == "ADM1":
            f["first_level_admin"] = 1.0  # a state or province, not a county
    elif e.kind == "city" and e.population >= 100_000:
        f["big_city"] = 1.0  # a notable city rather than the province named after it
    if e.feature == "PPLC":
        f["capital"] = 1.0  # a national capital
    return f


def features(e: Entry, ctx: Context | None, want: set[str] | None = None, within: list[Entry] | None = None,
             span: tuple | None = None, key: str | None = None, top_population: int | None = None) -> dict[str, float]:
    """The ranker's features of one gazetteer candidate for one mention (zeros left out).

    ``key``: the folded name as written; ``want``: kinds the text asks for; ``within``: containers
    written next to the name; ``ctx``: the document's focus and points; ``span``: the mention's own
    span, so that the votes and points of its name's mentions are left out of the context; ``top_population``: the largest
    population among the name's candidates."""
    f = prior_features(e)
    if top_population is not None:
        gap = math.log10(top_population + 10) - f["log_population"]
        if gap > 0:
            f["population_gap"] = gap  # orders of magnitude below the name's largest candidate
    if key is not None:
        own = (fold(e.name), fold(e.original or ""))
        if key in own:
            f["own_name"] = 1.0  # its own name ("Mexico" the country, not Mexico City)
        elif key not in own[0] and key not in own[1]:
            f["alternate_name_only"] = 1.0  # found under an alternate (often historical or foreign) name only
    if want and e.kind in want:
        f["wanted_kind"] = 1.0
    if within and (any(w.kind == "country" and w.country == e.country for w in within) or any(
            w.kind == "admin" and w.country == e.country and w.admin1 == e.admin1 for w in within)):
        f["within_agrees"] = 1.0
    if ctx is not None:
        share = ctx.share(e.country, span)
        if share:
            f["country_share"] = share
            if e.country == ctx.top_country():
                f["top_country"] = 1.0  # in the country most of the document points at
            if e.feature == "PPLC":
                f["capital_share"] = share  # the capital of a country the document is about
        elif ctx.countries:
            f["country_unvoted"] = 1.0  # in a country no other mention points at
        share = ctx.admin_share(e.country, e.admin1, span)
        if share:
            f["admin_share"] = share
        if ctx.points and e.kind not in ("country", "region", "sea"):
            near = _nearest_km(e.lat, e.lon, ctx.points, ctx.name_of(span))
            f["log_nearest_km"] = math.log10(1.0 + min(near, 20_000.0))
            if near < 600:
                f["near_600km"] = 1.0
                if near < 200:
                    f["near_200km"] = 1.0
                    if near < 50:
                        f["near_50km"] = 1.0
        support = ctx.support.get((span, e.lat, e.lon), 0.0)
        if support:
            f["spatial_support"] = min(support, 3.0)
    return f


@dataclass(frozen=True)
class Ranker:
    """A linear candidate score: intercept + weights . features (a missing weight is zero)."""

    weights: dict[str, float]
    intercept: float = 0.0
    info: dict = field(default_factory=dict, compare=False)

    def __call__(self, f: dict[str, float]) -> float:
        w = self.weights
        return self.intercept + sum(w.get(k, 0.0) * v for k, v in f.items())

    @classmethod
    def from_dict(cls, d: dict) -> Ranker:
        return cls({k: float(v) for k, v in d["weights"].items()}, float(d.get("intercept", 0.0)), d)

    @classmethod
    def packaged(cls, name: str = "ranker.json") -> Ranker:
        import json

        from forcewatch.data import packaged_text

        return cls.from_dict(json.loads(packaged_text(name)))


_RANKER: Ranker | None = None


def ranker() -> Ranker:
    """The ranker in use: the packaged, fitted one (src/forcewatch/data/ranker.json) unless
    :func:`use_ranker` set another."""
    global _RANKER
    if _RANKER is None:
        _RANKER = Ranker.packaged()
    return _RANKER


def use_ranker(r: Ranker | None) -> Ranker | None:
    """Rank with ``r`` from now on (None: the packaged one again); returns the one it replaces.
    For training and comparison (bench/train_ranker.py)."""
    global _RANKER
    old, _RANKER = _RANKER, r
    return old


def score(e: Entry, ctx: Context | None, want: set[str] | None = None, within: list[Entry] | None = None,
          span: tuple | None = None, key: str | None = None, top_population: int | None = None) -> float:
    """The ranker's score of a candidate: its weights dotted with :func:`features`."""
    return ranker()(features(e, ctx, want, within, span, key, top_population))


def choose(entries: list[Entry], want: set[str] | None = None, ctx: Context | None = None,
           within: list[Entry] | None = None, span=None, name: str | None = None) -> Entry | None:
    """The best candidate."""
    if not entries:
        return None
    key = fold(name) if name else None
    top = max(e.population for e in entries)
    return max(entries, key=lambda e: (score(e, ctx, want, within, span, key, top), e.population,
                                       -(e.geonames_id or 0), e.name))


# ----------------------------------------------------------------------------- mentions
def _candidates(name: str, gazetteer: Gazetteer, fuzzy: bool = False) -> list[Entry]:
    entries = gazetteer.lookup(name)
    if name.isupper() and len(name.replace(".", "")) <= 4:
        # "EU", "UAE", "BC": acronyms name countries, states, regions or facilities, not villages
        big = [e for e in entries if e.kind not in ("city",) or e.population >= 1_000_000]
        entries = big or entries
    if not entries and (fuzzy or len(name) >= 5) and not name.isupper():  # acronyms are not transliterated
        hits = gazetteer.fuzzy(name, 85.0)
        if hits:
            top = hits[0][1]
            entries = [e for e, s, _ in hits if s >= top - 5]
    if not entries and " " in name.strip():
        entries = _embedded(name, gazetteer)
    return entries


def _embedded(name: str, gazetteer: Gazetteer) -> list[Entry]:
    """The place inside a longer name ("Colorado State University", "Lisbon Cathedral", "University of
    California"): the longest run of its words the gazetteer knows, if it is a sizeable place."""
    from forcewatch.gazetteer.names import COMMON_WORDS, NEVER_ALONE

    words = [w for w in re.split(r"\s+", name.strip()) if w]
    for n in range(len(words) - 1, 0, -1):
        for i in range(0, len(words) - n + 1):
            phrase = " ".join(words[i:i + n]).strip(".,")
            key = fold(phrase)
            if not key or key in NEVER_ALONE or key in COMMON_WORDS or len(key) < 3:
                continue
            # Only a place's own name: "Inn" in "Riverside Inn" is not Innsbruck's alternate name.
            found = [e for e in gazetteer.lookup(phrase)
                     if (e.kind in ("country", "admin", "region", "sea") or e.site_id or e.population >= 10_000)
                     and (e.site_id or key in (fold(e.name), fold(e.original or "")))]
            if found:
                return found
    return []


def _entry_place(entry: Entry, m: Mention) -> Place:
    return Place(
        name=entry.name, lat=round(entry.lat, 5), lon=round(entry.lon, 5),
        kind=KIND_OUT.get(entry.kind, entry.kind), precision=entry.precision,
        radius_km=entry.radius_km, country=entry.country, geonames_id=entry.geonames_id,
        text=m.text, span=tuple(m.span),
    )


def _within(text: str, m: Mention, gazetteer: Gazetteer) -> list[Entry]:
    """Containers written next to a name: 'Alexandria, Louisiana', 'air base in Libya', dateline region."""
    out: list[Entry] = []
    if m.data.get("within"):
        out += [e for e in gazetteer.lookup(m.data["within"]) if e.kind in ("country", "admin")]
    after = text[m.span[1]:m.span[1] + 50]
    c = re.match(r"(?:,|\s+in)\s+(?:the\s+)?([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)?)", after)
    if c:
        for cand in (c.group(1), c.group(1).split()[0]):
            found = [e for e in gazetteer.lookup(cand.rstrip(".,")) if e.kind in ("country", "admin")]
            if found:
                out += found
                break
    return out


def route_ends(m: Mention, gazetteer: Gazetteer, ctx: Context | None = None) -> tuple[Entry, Entry] | None:
    """The two places a ROAD or BETWEEN mention names ("between Benghazi and the Latakia base")."""
    def end(key):  # "the Hmeimim air base" asks for an airfield, "the base in Tartous" for any facility
        kind = m.data.get(f"{key}_facility")
        want = ({kind} if kind in ("airfield", "port") else SITE_KINDS) if kind else None
        return choose(_candidates(m.data[key], gazetteer), want, ctx, name=m.data[key])

    a, b = end("a"), end("b")
    return (a, b) if a is not None and b is not None else None


def _end_place(entry: Entry, m: Mention, name: str) -> Place:
    """One end of a route, traced to its words inside the route's mention."""
    at = m.text.find(name)
    span = (m.span[0] + at, m.span[0] + at + len(name)) if at >= 0 else tuple(m.span)
    return _entry_place(entry, Mention(kind="place", text=name, span=span, label="NAME", sentence=m.sentence))


def resolve_mention(m: Mention, gazetteer: Gazetteer, want: set[str] | None = None,
                    ctx: Context | None = None, text: str | None = None,
                    resolved: dict | None = None, looked_up: dict | None = None) -> Place | None:
    """One place mention to a Place, or None when the gazetteer does not know it.

    ``looked_up``: span -> (candidates, containers) already found for the document's names."""
    resolved = resolved or {}

    def pick(name: str, want_kinds=None, span=None) -> Entry | None:
        return choose(_candidates(name, gazetteer), want_kinds, ctx, span=span, name=name)

    if m.label == "RELATIVE":
        if m.data.get("generic_anchor") or m.data.get("anchor") is None:
            return None
        entry = pick(m.data["anchor"], {"port", "airfield", "base"} if m.data.get("facility") else None, tuple(m.span))
        if entry is None:
            return None
        km = m.data["distance_km"]
        bearing = m.data.get("bearing_deg")
        if bearing is None:  # "15 km from X": a ring around X
            return Place(
                name=f"{_km(km)} km from {entry.name}", lat=round(entry.lat, 5), lon=round(entry.lon, 5),
                kind="relative", precision="relative", radius_km=round(km * 1.1 + min(entry.radius_km, 5.0), 2),
                country=entry.country, text=m.text, span=tuple(m.span), anchor=entry.name, distance_km=km,
            )
        lat, lon = geo.offset(entry.lat, entry.lon, bearing, km)
        # Uncertainty: a share of the distance (more when "about"), plus half the anchor's size.
        radius = km * (0.15 if m.data.get("approximate") else 0.08) + min(entry.radius_km, 5.0) / 2
        return Place(
            name=f"{_km(km)} km {geo.compass(bearing)} of {entry.name}",
            lat=round(lat, 5), lon=round(lon, 5), kind="relative", precision="relative",
            radius_km=round(radius, 2), country=entry.country, text=m.text, span=tuple(m.span),
            anchor=entry.name, distance_km=km, bearing_deg=bearing,
        )
    if m.label in ("ROAD", "BETWEEN"):
        ends = route_ends(m, gazetteer, ctx)
        if ends is None:
            return None
        a, b = ends
        lat, lon, dist = geo.midpoint(a.lat, a.lon, b.lat, b.lon)
        what = m.data.get("road") if m.label == "ROAD" else "between"
        # a road is rarely straight: half the distance covers its bends
        return Place(
            name=f"{what} between {a.name} and {b.name}" if m.label == "ROAD" else f"between {a.name} and {b.name}",
            lat=round(lat, 5), lon=round(lon, 5), kind="road" if m.label == "ROAD" else "relative",
            precision="relative", radius_km=round(max(dist / 2000 * 1.15, 1.0), 1), country=a.country,
            text=m.text, span=tuple(m.span), anchor=a.name, distance_km=round(dist / 1000, 2),
        )
    if m.label == "NEAR":
        anchor = m.data.get("anchor")
        if not anchor:
            return None
        target = resolved.get(tuple(m.data["refers_span"])) if m.data.get("refers_span") else None
        if target is not None:
            entry = Entry(target.name, target.lat, target.lon, target.kind, target.country, 0, target.radius_km or 3.0,
                          target.geonames_id)
        else:
            entry = pick(anchor, SITE_KINDS if m.data.get("backref") else None)
        rel = m.data["relation"]
        if entry is None or (rel == "outside" and entry.precision in ("country", "admin", "region")):
            return None  # "a unit stationed outside Germany" is anywhere but there
        bearing = _bearing_word(rel)
        coast = _COAST_SIDE.search(m.text.replace(anchor, "")) if "coast" in m.text.replace(anchor, "") else None
        if coast:
            return _coast_place(m, entry, gazetteer, coast.group("side"))
        if bearing is not None:
            # "north of X": beyond X in that direction; the pin goes a radius out.
            offset = max(entry.radius_km, 10.0)
            lat, lon = geo.offset(entry.lat, entry.lon, bearing, offset)
            radius = offset
        else:
            lat, lon = entry.lat, entry.lon
            radius = entry.radius_km + (2.0 if entry.precision == "site" else 10.0)
        return Place(
            name=f"{rel} {entry.name}", lat=round(lat, 5), lon=round(lon, 5), kind="relative",
            precision="relative", radius_km=round(radius, 1), country=entry.country, text=m.text,
            span=tuple(m.span), anchor=entry.name, bearing_deg=bearing,
        )
    if m.label == "BACKREF":
        referred = tuple(m.data.get("refers_span") or ())
        if referred in resolved:  # the mention it points back to, as resolved (or left unresolved)
            target = resolved[referred]
            return Place(**{**target.to_dict(), "text": m.text, "span": tuple(m.span), "anchor": None}) if target else None
        name = m.data.get("refers_to")
        facility = m.data.get("facility")
        entry = pick(name, {facility} if facility in SITE_KINDS else SITE_KINDS)
        return _entry_place(entry, m) if entry else None
    if m.label == "UNKNOWN":
        # NER says place, the gazetteer does not know it: only the place inside its name, if any
        entries = _embedded(mention_name(m), gazetteer) if " " in mention_name(m) else []
        entry = choose(entries, None, ctx, None, tuple(m.span))
        if entry is None:
            return None
        place = _entry_place(entry, m)
        place.name = f"{mention_name(m)} ({entry.name})"
        place.precision = entry.precision if entry.precision != "site" else "city"
        return place
    if m.label == "DEMONYM":
        if m.data.get("place"):
            entry = choose([e for e in gazetteer.lookup(m.data["place"]) if e.kind in ("region", "sea", "admin")])
        else:
            entry = gazetteer.country(m.data["country"])
        return _entry_place(entry, m) if entry else None
    name = mention_name(m)
    facility = m.data.get("facility")
    wanted = set(want or ())
    if facility:
        wanted |= {facility} if facility != "base" else SITE_KINDS
    unit = _unit_word(text, m) if text and m.label == "NAME" and not facility else None
    units = [e for e in gazetteer.lookup(f"{name} {unit}") if e.kind in ("admin", "region")] if unit else []
    if unit and (units or unit != "district"):  # a district is rarely a province: "Kandahar district"
        wanted |= {"admin", "region"} if unit == "region" else {"admin"}
    entries = []
    if m.label == "FACILITY" and m.data.get("full"):
        entries = [e for e in gazetteer.lookup(m.data["full"]) if e.kind in SITE_KINDS]
    known = (looked_up or {}).get(tuple(m.span))
    if known:
        entries, within = entries or known[0], known[1]
    else:
        entries = entries or _candidates(name, gazetteer, bool(m.data.get("fuzzy")))
        within = _within(text, m, gazetteer) if text else []
    entries = entries + [e for e in units if e not in entries]  # "the region of Donetsk": Donetsk region
    if unit == "district" and not units:  # smaller than the province of the same name: the town's district
        entries = [e for e in entries if e.kind != "admin"] or entries
    entry = choose(entries, wanted or None, ctx, within, tuple(m.span), name)
    if entry is None:
        return None
    place = _entry_place(entry, m)
    if "part" in m.data and entry.kind in ("country", "admin", "region"):
        # "northern Syria": half-way out towards that side, over about half the area
        bearing = m.data["part"]
        if bearing is not None:
            lat, lon = geo.offset(entry.lat, entry.lon, bearing, entry.radius_km / 2)
            place.lat, place.lon = round(lat, 5), round(lon, 5)
        place.name = f"{m.data['part_word'].lower()} {entry.name}"
        place.kind, place.precision = "region", "region"
        place.radius_km = round(entry.radius_km * 0.6, 1)
        return place
    if unit and entry.kind not in ("admin", "region", "country") and gazetteer.lookup(name):  # not a guess
        # "Arghandab district", "the province of X": no such unit known; the unit named after the town
        place.kind, place.precision = "admin", "admin"
        place.name = f"{entry.name} {unit}"
        place.radius_km = max(entry.radius_km, UNIT_RADIUS_KM.get(unit, 25.0))
        return place
    if m.label == "FACILITY" and entry.kind not in SITE_KINDS:
        if entry.kind in ("admin", "region"):  # "Air Base 201 in Agadez": at the town, not the province
            town = next((e for e in entries if e.kind == "city" and e.country == entry.country), None)
            if town is not None:
                entry, place = town, _entry_place(town, m)
        site = nearest_site(gazetteer, entry, facility)
        if site is not None:
            return _entry_place(site, m)
        # "the naval facility in Tartus": the facility is in or at the place; a site-sized pin there.
        place.kind = facility if facility in SITE_KINDS else "base"
        place.precision = "site"
        place.name = f"{entry.name} {_FACILITY_NAMES.get(place.kind, 'facility')}"
        place.radius_km = max(entry.radius_km, 5.0)
    return place


# The unit word written with a name settles the reading: "the state of New York", "Arghandab district".
_UNIT_WORDS = r"(?:province|governorate|oblast|krai|kray|district|county|prefecture|region|state|department|okrug)"
# "the (northern) province of X", "Russia's southern region of X"; not "the Sayidda Zaynab district of
# Damascus" (a part of the city, named before the unit word)
_UNIT_BEFORE = re.compile(rf"(?:^|[^\w'’-])(?P<prev>[\w'’-]+)\s+(?P<unit>{_UNIT_WORDS})\s+of\s+(?:the\s+)?$", re.I)
_UNIT_AFTER = re.compile(rf"^\s+(?P<unit>{_UNIT_WORDS})\b", re.I)
# How large a unit named after a town, and known only as the town, is at least (radius, km).
UNIT_RADIUS_KM = {"district": 25.0, "county": 30.0, "department": 50.0, "prefecture": 50.0, "region": 80.0,
                  "province": 80.0, "governorate": 80.0, "oblast": 120.0, "krai": 150.0, "kray": 150.0,
                  "okrug": 150.0, "state": 150.0}


def _unit_word(text: str, m: Mention) -> str | None:
    """The administrative unit word written just before ("the province of") or after ("district")
    a name that does not take it in (lower case: "Arghandab district"; not "Islamic State")."""
    before = _UNIT_BEFORE.search(text[max(0, m.span[0] - 40):m.span[0]])
    if before and before.group("unit").islower() and (before.group("prev")[0].islower()
                                                      or before.group("prev") in ("The", "A")):
        return before.group("unit")
    after = _UNIT_AFTER.match(text[m.span[1]:m.span[1] + 20])
    if after and after.group("unit").islower():
        return after.group("unit")
    return None


def nearest_site(gazetteer: Gazetteer, entry: Entry, facility: str | None, max_km: float = 20.0) -> Entry | None:
    """A known facility of the kind named, in or next to a place ("the naval facility in Tartus")."""
    kinds = {facility} if facility in ("airfield", "port") else SITE_KINDS
    best = None
    nearby = gazetteer.facilities_near(entry.lat, entry.lon, max_km) \
        if entry.kind == "city" and facility in ("airfield", "port") else []
    for site in gazetteer.site_entries() + nearby:
        if site.kind not in kinds or (site.country and entry.country and site.country != entry.country):
            continue
        d = geo.haversine_km(entry.lat, entry.lon, site.lat, site.lon)
        key = d - (5.0 if site.site_id else 0.0)  # a curated site beats an airfield up to 5 km nearer
        if d <= (max(max_km, entry.radius_km) if site.site_id else max_km) and (best is None or key < best[0]):
            best = (key, site)
    return best[1] if best else None


_FACILITY_NAMES = {"airfield": "airfield", "port": "port", "base": "base"}


def _km(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{round(value, 1):g}"


_COAST_SIDE = re.compile(r"(?:\b(?P<side>(?:north|south)(?:-?(?:east|west))?|east|west)(?:ern)?\s+)?\bcoast(?:line)?\b"
                         r"(?!\s*guard)", re.I)
COAST_OFFSHORE_KM = (5.0, 30.0)  # how far out "off the coast" is: at least, at most


def _coast_place(m: Mention, entry: Entry, gazetteer: Gazetteer, side: str | None) -> Place:
    """'off the east coast of Australia', 'the Syrian coast', 'off Yemen's coast': a point just offshore.

    The coast on a side is where the populated places of the country (or province, region) end that
    way: the middle of the places that reach furthest along the bearing (the 70 % of the furthest
    reach and beyond), moved out to where that stretch's places end, plus a few km out to sea. The
    radius covers the stretch of coast those places line (their spread across the bearing).

    Without a side, the coast is the one facing the nearest sea of the marine gazetteer (Syria's is
    on the eastern Mediterranean, Libya's on the Gulf of Sidra): the middle of its places nearest that
    sea's point, a few km out towards it; the radius is then at least half the place's, the stretch
    being a guess. A city or facility has no sides worth computing: its coast is itself, a
    little out."""
    bearing = BEARINGS.get(side.lower().replace("ern", "")) if side else None
    name = f"{side.lower()} coast of {entry.name}" if side else f"coast of {entry.name}"
    offshore = min(max(entry.radius_km * 0.05, COAST_OFFSHORE_KM[0]), COAST_OFFSHORE_KM[1])
    lat, lon, radius = entry.lat, entry.lon, entry.radius_km + offshore
    pts = gazetteer.populated_places(entry) if entry.kind in ("country", "admin", "region") else []
    own = _polar(entry, pts)
    guessed = False
    sea = _nearest_sea(entry, gazetteer) if own is not None and bearing is None else None
    if sea is not None:
        # the stretch of its coast that faces that sea: its places nearest the sea's point
        import numpy as np

        arr = np.array(pts, dtype=float)
        d = geo.haversine_np(arr[:, 0], arr[:, 1], sea.lat, sea.lon)
        order = np.argsort(d)[:400]  # the places nearest the sea (a bounded set, for large countries)
        near = _coastal(arr[order[d[order] <= d.min() + 300.0]], sea, gazetteer, entry)
        d = geo.haversine_np(near[:, 0], near[:, 1], sea.lat, sea.lon)
        near = near[d <= d.min() + 25.0]
        mlat, mlon = float(near[:, 0].mean()), float(near[:, 1].mean())
        spread = float(geo.haversine_np(near[:, 0], near[:, 1], mlat, mlon).max()) if len(near) > 1 else 0.0
        towards = float(geo.geodesic(mlat, mlon, sea.lat, sea.lon)[0]) % 360
        lat, lon = geo.offset(mlat, mlon, towards, offshore)
        radius = max(spread + offshore, entry.radius_km / 2)
        guessed = True
    elif own is not None and bearing is not None:
        found = _coast_stretch(own, bearing)
        if found is not None:
            along, across, spread = found
            lat, lon = geo.offset(entry.lat, entry.lon, bearing, along + offshore)
            if abs(across) > 1.0:  # the middle of that stretch of coast, not of the country
                lat, lon = geo.offset(lat, lon, bearing + 90, across)
            radius = max(spread / 2, offshore) + offshore
        else:
            lat, lon = geo.offset(entry.lat, entry.lon, bearing, entry.radius_km + offshore)
            radius = max(entry.radius_km, offshore)
    elif bearing is not None:
        lat, lon = geo.offset(entry.lat, entry.lon, bearing, entry.radius_km + offshore)
        radius = max(entry.radius_km, offshore)
    return Place(
        name=f"off the {name}" if re.match(r"(?i)off\b", m.text) else name, lat=round(lat, 5),
        lon=round(lon, 5), kind="relative", precision="relative", radius_km=round(radius, 1),
        country=entry.country, text=m.text, span=tuple(m.span), anchor=entry.name,
        bearing_deg=None if guessed else bearing,
    )


def _polar(entry: Entry, pts):
    """Populated places as (km from the entry's point, azimuth in radians, population) arrays."""
    import numpy as np

    if len(pts) < 3:
        return None
    arr = np.array(pts, dtype=float)
    az, dist = geo.geodesic(np.full(len(arr), entry.lat), np.full(len(arr), entry.lon), arr[:, 0], arr[:, 1])
    return np.asarray(dist) / 1000.0, np.radians(np.asarray(az)), arr[:, 2]


def _coast_stretch(own, bearing: float, cone: float = 60.0):
    """(km along the bearing to the coast, km across to its middle, its length in km) from the places
    that lie that way, or None when too few do."""
    import numpy as np

    dist, az, _ = own
    off = np.angle(np.exp(1j * (az - math.radians(bearing))))
    along, across = dist * np.cos(off), dist * np.sin(off)
    ahead = np.abs(off) <= math.radians(cone)
    if ahead.sum() < 3:
        return None
    reach = float(np.percentile(along[ahead], 95))
    coastal = ahead & (along >= 0.7 * reach)
    if coastal.sum() < 3:
        return reach, 0.0, reach
    lo, hi = np.percentile(across[coastal], [10, 90])
    middle = float(lo + hi) / 2
    # how far the coast is out there: the places near the stretch's middle line
    near = coastal & (np.abs(across - middle) <= max((hi - lo) / 4, 25.0))
    if near.sum() >= 2:
        reach = float(np.percentile(along[near], 90))
    return reach, middle, float(hi - lo)


_NOT_A_COAST = {"ocean", "route", "canal", "gap", "estuary"}


def _coastal(own, sea: Entry, gazetteer: Gazetteer, entry: Entry, out_km: float = 25.0, clear_km: float = 20.0):
    """Of a place's populated places (an array of lat, lon rows), those on its coast facing a sea:
    25 km out from them towards the sea's point, no populated place of any country lies within 20 km
    (the Golan's villages face Israel's, not the sea). All of them when none passes."""
    import numpy as np

    everyone = np.array(gazetteer.populated_places(entry, entry.radius_km * 1.3 + 100.0, any_country=True) or
                        [(entry.lat, entry.lon, 0)], dtype=float)
    pad = (out_km + clear_km) / 111.0 + 0.1
    box = ((everyone[:, 0] >= own[:, 0].min() - pad) & (everyone[:, 0] <= own[:, 0].max() + pad)
           & (everyone[:, 1] >= own[:, 1].min() - pad * 3) & (everyone[:, 1] <= own[:, 1].max() + pad * 3))
    everyone = everyone[box] if box.any() else everyone[:1]
    az = np.asarray(geo.geodesic(own[:, 0], own[:, 1], np.full(len(own), sea.lat), np.full(len(own), sea.lon))[0])
    lon_q, lat_q, _ = geo.GEOD.fwd(own[:, 1], own[:, 0], az, np.full(len(own), out_km * 1000.0))
    keep = np.ones(len(own), dtype=bool)
    for i in range(0, len(own), 256):  # bounded matrices
        block = geo.approx_m(lat_q[i:i + 256, None], lon_q[i:i + 256, None], everyone[None, :, 0], everyone[None, :, 1])
        keep[i:i + 256] = ~(block < clear_km * 1000.0).any(axis=1)
    return own[keep] if keep.any() else own


def _nearest_sea(entry: Entry, gazetteer: Gazetteer) -> Entry | None:
    """The sea a place named without a side faces (see _coast_place), or None: the sea, gulf or bay
    of the marine gazetteer nearest it (distance to the sea's point less the sea's radius; a sizeable
    sea that only it borders first: Libya's Gulf of Sidra)."""
    best = None
    for sea in gazetteer.sea_entries():
        if sea.feature in _NOT_A_COAST or sea.radius_km < 50:
            continue
        d = geo.haversine_km(entry.lat, entry.lon, sea.lat, sea.lon)
        if d > entry.radius_km * 2 + sea.radius_km + 300:
            continue
        own = bool(entry.country) and sea.country == entry.country and sea.radius_km >= 150
        key = (not own, d - sea.radius_km)
        if best is None or key < best[0]:
            best = (key, sea)
    return best[1] if best else None


def _bearing_word(rel: str) -> float | None:
    word = rel.replace(" of", "").strip()
    return BEARINGS.get(word)


# ----------------------------------------------------------------------------- document
def _context(analysis: Analysis, candidates: dict, provisional: dict) -> Context:
    """Votes of the document's mentions for countries and first-level divisions, and their points.

    A name with candidates in several countries votes with half weight; the dateline votes too
    (where a report was filed says much about what its place names mean).
    """
    ctx = Context()
    for m in analysis.mentions:
        if m.kind != "place" or m.label not in ("NAME", "FACILITY", "DEMONYM"):
            continue
        if m.label == "DEMONYM":
            if m.data.get("country"):
                ctx.countries[m.data["country"]] += 0.5
            continue
        entries = candidates[tuple(m.span)]
        entry = provisional.get(tuple(m.span)) or choose(entries)
        if entry is None:
            continue
        weight = 1.0 if len({e.country for e in entries}) <= 1 else 0.5
        admin = entry.admin1 if entry.kind in ("city", "admin", "airfield", "port", "base") else None
        if entry.country:
            ctx.countries[entry.country] += weight
        if admin:
            ctx.admins[(entry.country, admin)] += weight
        name = fold(mention_name(m))
        ctx.own[tuple(m.span)] = name
        mine = ctx.votes_of.setdefault(name, (Counter(), Counter()))
        if entry.country:
            mine[0][entry.country] += weight
        if admin:
            mine[1][(entry.country, admin)] += weight
        if entry.kind not in ("country", "region", "sea"):
            ctx.points.append((entry.lat, entry.lon, name))
    return ctx


SUPPORT_KM = 150.0
MAX_SUPPORT_POINTS = 2000  # candidate points per document: 2000 x 2000 matrices, ~32 MB each


def _spatial_support(names: list[Mention], candidates: dict) -> dict:
    """For each candidate point of each ambiguous name: how many *other* names of the document have a
    candidate within SUPPORT_KM, each weighted by 1/its number of candidates (an unambiguous
    neighbour counts 1, a "Springfield" with thirty candidates hardly at all).

    Local news names places near each other ("Paris", "Lamar County", "Clarksville" are all in
    north-east Texas); the first, context-free guess for each ("Paris, France") cannot see that,
    this can. Vectorised: one distance matrix per document."""
    import numpy as np

    owners, lats, lons, keys = [], [], [], []
    by_key: dict[str, list[Mention]] = {}
    for m in names:
        by_key.setdefault(fold(mention_name(m)), []).append(m)
    if len(by_key) < 2:
        return {}
    weights = []
    per_name = max(5, min(80, MAX_SUPPORT_POINTS // len(by_key)))  # the matrix stays small in long documents
    for k, (key, ms) in enumerate(by_key.items()):
        entries = [e for e in candidates[tuple(ms[0].span)] if e.kind not in ("country", "region", "sea")]
        entries = sorted(entries, key=lambda e: -e.population)[:per_name]
        if not entries:
            continue
        for e in entries:
            owners.append(k)
            lats.append(e.lat)
            lons.append(e.lon)
            keys.append((key, e.lat, e.lon))
        weights += [1.0 / len(entries)] * len(entries)
    if not owners:
        return {}
    owner = np.array(owners)
    la, lo = np.array(lats), np.array(lons)
    near = geo.haversine_np(la[:, None], lo[:, None], la[None, :], lo[None, :]) <= SUPPORT_KM
    near &= owner[:, None] != owner[None, :]
    w = np.array(weights)
    n_owners = len(by_key)
    # per candidate, per other name: the best weight of that name's nearby candidates
    score = np.zeros(len(owners))
    for k in range(n_owners):
        cols = owner == k
        if cols.any():
            score += (near[:, cols] * w[cols][None, :]).max(axis=1)
    out = {}
    for (key, lat, lon), value in zip(keys, score):
        if value > 0:
            for m in by_key[key]:
                out[(tuple(m.span), lat, lon)] = float(value)
    return out


def place_mentions(analysis: Analysis, gazetteer: Gazetteer) -> list[tuple[Mention, Place | None]]:
    """Resolve every place mention of a document: a pass without context, two with it, then all."""
    return _place_mentions(analysis, gazetteer)[0]


def _place_mentions(analysis: Analysis, gazetteer: Gazetteer) -> tuple[list[tuple[Mention, Place | None]], Context]:
    """The resolved mentions, and the document context that settled them (events are placed with it)."""
    text = analysis.document.text
    mentions, candidates, within, ctx, provisional = _settle(analysis, gazetteer)
    firm = _firm_countries(analysis, candidates, provisional)
    out: list[tuple[Mention, Place | None]] = []
    resolved: dict = {}
    # Names first, then what refers to them (back-references, "outside the facility", roads).
    order = sorted(mentions, key=lambda m: (m.label in ("BACKREF", "NEAR", "RELATIVE", "ROAD", "BETWEEN"), m.span[0]))
    for m in order:
        place = resolve_mention(m, gazetteer, None, ctx, text, resolved,
                                {span: (candidates[span], within[span]) for span in candidates})
        if m.label in ("NAME", "FACILITY"):
            if place is not None and (_doubtful(m, place, candidates, firm) or _stray(m, place, firm, gazetteer, provisional, candidates)):
                place = None
            resolved[tuple(m.span)] = place
        elif m.label in ("NEAR", "RELATIVE") and place is not None and place.anchor and firm and \
                place.country not in firm and _guessed_anchor(m, place, gazetteer):
            place = None  # "north of Galwan" read as Galan, in Colombia, in a report about Ladakh
        if place is not None:
            resolved[tuple(m.span)] = place
            if m.label == "FACILITY" and m.data.get("name_span"):
                resolved[tuple(m.data["name_span"])] = place
        out.append((m, place))
    out.sort(key=lambda mp: mp[0].span[0])
    return out, ctx


def candidate_features(analysis: Analysis, gazetteer: Gazetteer) -> dict[tuple, list[tuple[Entry, dict[str, float]]]]:
    """For each place name of a document (NAME mentions), every gazetteer candidate with its
    :func:`features` in the settled document context: what the ranker chooses among when the
    name is resolved (bench/train_ranker.py learns from these)."""
    mentions, candidates, within, ctx, _ = _settle(analysis, gazetteer)
    out = {}
    for m in mentions:
        span = tuple(m.span)
        if m.label == "NAME" and span in candidates:
            key = fold(mention_name(m))
            top = max((e.population for e in candidates[span]), default=0)
            out[span] = [(e, features(e, ctx, None, within[span], span, key, top)) for e in candidates[span]]
    return out


def _settle(analysis: Analysis, gazetteer: Gazetteer):
    """The document's place mentions, each name's candidates and written containers, the document
    context after a pass without context and two with it, and each name's reading in that context."""
    text = analysis.document.text
    mentions = [m for m in analysis.mentions if m.kind == "place"]
    names = [m for m in mentions if m.label in ("NAME", "FACILITY")]
    candidates = {tuple(m.span): (m.label == "FACILITY" and gazetteer.lookup(m.data.get("full") or "")) or
                  _candidates(mention_name(m), gazetteer, bool(m.data.get("fuzzy"))) for m in names}
    within = {tuple(m.span): _within(text, m, gazetteer) for m in names}
    provisional: dict = {}
    for m in names:
        entry = choose(candidates[tuple(m.span)], None, None, within[tuple(m.span)], None, mention_name(m))
        if entry is not None:
            provisional[tuple(m.span)] = entry
    support = _spatial_support(names, candidates)
    ctx = _context(analysis, candidates, provisional)
    ctx.support = support
    for _ in range(2):  # let the mentions settle each other ("Paris" and "Lamar County": Texas)
        for m in names:
            entries = candidates[tuple(m.span)]
            if len(entries) > 1:
                provisional[tuple(m.span)] = choose(entries, None, ctx, within[tuple(m.span)],
                                                    tuple(m.span), mention_name(m))
        ctx = _context(analysis, candidates, provisional)
        ctx.support = support
    return mentions, candidates, within, ctx, provisional


def _loose(m: Mention, candidates: dict) -> bool:
    """Matched by a spelling guess, or only under another language's or an older name (a watched
    site's own aliases are written for it, and "Rostov" is the start of Rostov-on-Don; "Air" is not
    the start of Air Khas)."""
    key = _core(fold(mention_name(m)))
    return not any(e.site_id or any(n == key or n.startswith(key + "-")
                                    for n in (_core(fold(e.name)), _core(fold(e.original or ""))))
                   for e in candidates.get(tuple(m.span), ()))


def _core(key: str) -> str:
    """A folded name without its unit word: "aleppo province" and "aleppo governorate" are one name."""
    words = key.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in PLACE_SUFFIXES else key


def _guessed_anchor(m: Mention, place: Place, gazetteer: Gazetteer) -> bool:
    """Whether a relative place's anchor was read by a spelling guess: its name is not the place's
    as written, and the place is no country, region or sea known under that name ("the UK")."""
    anchor = m.data.get("anchor") or ""
    if fold(anchor) == fold(place.anchor):
        return False
    return not any(e.name == place.anchor and e.kind in ("country", "region", "sea", "admin")
                   for e in gazetteer.lookup(anchor))


def _firm_countries(analysis: Analysis, candidates: dict, provisional: dict) -> Counter:
    """Countries the document names outright, with how many mentions name each: by a name matched
    as written, a demonym, the dateline."""
    firm: Counter = Counter()
    for m in analysis.mentions:
        if m.kind != "place":
            continue
        if m.label == "DEMONYM" and m.data.get("country"):
            firm[m.data["country"]] += 1
        elif m.label in ("NAME", "FACILITY") and not _loose(m, candidates):
            entry = provisional.get(tuple(m.span))
            if entry is not None and entry.country:
                firm[entry.country] += 1
    return firm


STRAY_KM = 1500.0  # a small town this far from every country the report names is a namesake
STRAY_POPULATION = 100_000
STRAY_EVIDENCE = 3  # mentions of the other countries it takes to call the report elsewhere


def _stray(m: Mention, place: Place, firm: Counter, gazetteer: Gazetteer, provisional: dict, candidates: dict) -> bool:
    """"Troop positions in the Hot Springs area" in a report about Ladakh: a small town abroad whose
    country no other mention names, far from every country the report names (named at least
    STRAY_EVIDENCE times), is a namesake, not the place meant: better no pin than one on another
    continent."""
    entry = next((e for e in candidates.get(tuple(m.span), ()) if e.geonames_id and e.geonames_id == place.geonames_id), None)
    if place.kind != "city" or not place.country or entry is None or (entry.population or 0) >= STRAY_POPULATION:
        return False
    own = provisional.get(tuple(m.span))
    support = firm[place.country] - (1 if own is not None and own.country == place.country else 0)
    others = [c for c, n in firm.items() if n and c != place.country]
    if support > 0 or sum(firm[c] for c in others) < STRAY_EVIDENCE:
        return False
    centres = [gazetteer.country(c) for c in others]
    return all(e is None or geo.haversine_km(place.lat, place.lon, e.lat, e.lon) > STRAY_KM + e.radius_km
               for e in centres)


def _doubtful(m: Mention, place: Place, candidates: dict, firm: set[str]) -> bool:
    """A loose match in a country the document does not name while it names others: better no pin
    than one on another continent ("Khadim" as Hadim in Turkey, in a report about Libya; "Hamas" as
    Hamm in Germany). A text that names no country leaves its transliterations be."""
    if place.kind in ("country", "region", "sea") or place.precision in ("country", "region"):
        return False
    if not _loose(m, candidates):
        return False
    if str(m.data.get("cue")).startswith("modifier"):
        return True  # "Hamid Karzai airport": an old name of a province, read off a modifier, is a guess
    # a facility named after a town only loosely matched ("Shati base" as Shatoy) is a guess anywhere
    return (firm and place.country not in firm) or (m.label == "FACILITY" and not any(
        e.site_id or e.kind in SITE_KINDS for e in candidates.get(tuple(m.span), ())))


def resolve_places(analysis: Analysis, gazetteer: Gazetteer) -> None:
    """Resolve every place mention, then give each event its location, origin and destination."""
    text = analysis.document.text
    pairs, ctx = _place_mentions(analysis, gazetteer)
    capitals = gazetteer.capitals()
    by_sentence: dict[int, list[tuple[Mention, Place]]] = {}
    for m, place in pairs:
        if place is None:
            continue
        analysis.places.append(place)
        by_sentence.setdefault(m.sentence, []).append((m, place))
    # a speaker's place is not the act's ("an official in Kyiv said"); imagery's is what it shows
    # ("photographs of Bholari Air Base show damage")
    speakers = [m for m in analysis.mentions if m.kind == "attribution" and m.label in SKIPPED_SPEAKER_LABELS
                and m.label != "IMAGERY"]
    index_of = {s: i for i, s in enumerate(analysis.sentences)}
    doers: dict[int, set] = {}  # per sentence, from its parse
    for event in analysis.events:
        index = index_of.get(tuple(event.span))
        if index is None:
            continue
        candidates = by_sentence.get(index, [])
        speaker_spans = [tuple(a.span) for a in speakers if a.sentence == index]
        if index not in doers:
            doers[index] = _doers(analysis, index, candidates)
        others = [tuple(e.trigger_span) for e in analysis.events if e is not event and tuple(e.span) == tuple(event.span)]
        parsed = (analysis.parse or {}).get(index)
        named_acts = [t for t in others if getattr(token_at(parsed, t[0], exact=True), "pos_", None) == "NOUN"]
        location, origin, destination = assign_roles(text, event, candidates, capitals, speaker_spans, doers[index], others,
                                                     named_acts)
        if event.subtype in MOVEMENT and location and not (origin or destination):
            route = _route(location, gazetteer, ctx)
            if route is not None:  # "flights between Benghazi and Latakia": from one to the other
                location, (origin, destination) = None, route
        want = wanted_kinds(event)
        event.location = _refine(location, want, gazetteer, ctx, text)
        if event.subtype in MOVEMENT:
            event.origin = _refine(origin, want, gazetteer, ctx, text)
            event.destination = _refine(destination, want, gazetteer, ctx, text)
        # The speaker watching from a facility: what took off was there ("an official stationed
        # outside the facility said a cargo plane took off heading to Libya").
        if event.subtype in ("depart", "transit", "arrive") and not (event.origin if event.subtype != "arrive" else event.destination):
            site = _speaker_site(candidates, speaker_spans, event)
            if site is not None:
                if event.subtype == "arrive":
                    event.destination = site
                else:
                    event.origin = site
        if event.location is None and event.subtype == "depart" and event.origin is not None:
            event.location = event.origin
        if event.location is None and event.subtype == "arrive" and event.destination is not None:
            event.location = event.destination
    unplaced = {m.sentence for m, place in pairs if place is None and _names_a_place(m)}
    _carry_over(analysis, index_of, unplaced)
    for event in analysis.events:  # "strikes on Syrian military targets", and no place named or carried
        if event.location is None and event.subtype not in MOVEMENT:
            target = next((p for m, p in by_sentence.get(index_of.get(tuple(event.span)), [])
                           if m.label == "DEMONYM" and _demonym_target(m, text, event)), None)
            if target is not None:
                event.location = target


# "strikes on Syrian military targets", "damage to Iranian air defences": what an attack hit,
# named by its country; the country is where the attack happened (unless a place is named)
_TARGETS_AFTER = re.compile(r"\s+(?:[a-z-]+\s+){0,2}?(?:targets?|bases?|positions?|airfields?|air\s?bases?|"
                            r"air\s+defen[cs]es?|facilit(?:y|ies)|sites?|depots?|installations?|infrastructure|"
                            r"outposts?|ports?|warships?|frigates?|radars?)\b")


def _demonym_target(m: Mention, text: str, event: Event) -> bool:
    """A demonym after an attack's trigger that names what it hit ("damage to Syrian military targets")."""
    return event.type == "ASSAULT" and m.data.get("country") is not None and bool(
        _TARGETS_AFTER.match(text, m.span[1])) and event.trigger_span[1] <= m.span[0] < event.trigger_span[1] + 120


_QUOTE = re.compile(r'“[^”]{3,}”|"[^"]{3,}"')


def _quotes(text: str, span) -> list[tuple[int, int]]:
    """Where a sentence quotes someone: the spans inside its quotation marks."""
    s0, s1 = span
    return [(s0 + q.start(), s0 + q.end()) for q in _QUOTE.finditer(text[s0:s1])]


ROUTE_KM = 100.0  # a "between" whose ends are farther apart than this is a route, not a place


def _route(choice, gazetteer: Gazetteer, ctx: Context):
    """((mention, place), (mention, place)) of a BETWEEN place whose ends are a route apart."""
    m, place = choice
    if m.label != "BETWEEN" or not place.distance_km or place.distance_km <= ROUTE_KM:
        return None
    ends = route_ends(m, gazetteer, ctx)
    if ends is None:
        return None
    return tuple((m, _end_place(entry, m, m.data[key])) for entry, key in zip(ends, "ab"))


def _names_a_place(m: Mention) -> bool:
    """Whether a mention surely names a place (a facility, a place NER found, a spelling guess after a
    place preposition, "the town of X", a relative place), so that, left unresolved, its sentence
    takes no carried place: better no pin than the last one."""
    return m.label in ("UNKNOWN", "FACILITY", "NEAR", "RELATIVE") or \
        str(m.data.get("cue", "")).startswith(("ner", "prep+fuzzy", "settlement"))


CARRY_SENTENCES = 3  # how far back a story's place still holds for a sentence that names none


def _carry_over(analysis: Analysis, index_of: dict, unplaced: Collection[int] = ()) -> None:
    """An event whose sentence names no place of its own happened where the story last was: the
    place of the event before it, if that was at most CARRY_SENTENCES sentences back ("Two ships
    docked at Ream on Dec 3. ... The ships are visible docked at a new pier"), or further back when
    no other place has been named since. The place keeps the earlier mention's text and span as its
    evidence and is marked inferred. A sentence that names a place the gazetteer cannot place
    (``unplaced``: "arrived at the Polonka railway station") takes none: better no pin than the last one."""
    named: dict[int, set[str]] = {}  # sentence -> the places named in it ("Greek" names a people, not one)
    for m in analysis.mentions:
        if m.kind == "place" and m.sentence is not None and m.label not in ("DEMONYM", "BACKREF"):
            named.setdefault(m.sentence, set()).add(m.text)
    last: tuple[int, Place] | None = None
    for event in sorted(analysis.events, key=lambda e: e.trigger_span[0]):
        index = index_of.get(tuple(event.span))
        if index is None:
            continue
        if event.location or event.destination or event.origin:
            here = event.location or (event.destination if event.subtype in ("arrive", "deploy") else
                                      event.origin if event.subtype in ("withdraw", "depart") else None)
            if here is not None and not here.inferred and _holds(here, event):
                last = (index, here)
        elif last is not None and index not in unplaced and _holds(last[1], event) and (
                index - last[0] <= CARRY_SENTENCES
                or not any(named.get(i, set()) - {last[1].text} for i in range(last[0] + 1, index + 1))):
            event.location = dataclasses.replace(last[1], inferred=True)


def _holds(place: Place, event: Event) -> bool:
    """Whether a place can stand for where the story is: not a route between two far places, nor
    the actor's own country (U.S. forces "withdrawn from the country" are not in the U.S.)."""
    if place.anchor and place.distance_km and place.distance_km > 100 and place.bearing_deg is None:
        return False
    actor = event.actor.country if event.actor else None
    return not (place.precision == "country" and actor and _alpha3(place.country) == actor)


def _doers(analysis: Analysis, index: int, candidates) -> set[tuple[int, int]]:
    """Spans of the sentence's place mentions that the parse makes a subject or a possessor, or
    the object of an act that is not a movement ("has backed Damascus", "accused Ankara"): parties."""
    parsed = (analysis.parse or {}).get(index)
    if parsed is None:
        return set()
    starts = {parsed.span(t)[0]: t for t in parsed.doc}
    acts = {starts[e.trigger_span[0]].i for e in analysis.events
            if e.trigger_span[0] in starts and e.subtype is None and e.type not in PLACED_ACTS
            and tuple(e.span) == analysis.sentences[index]}
    out = set()
    for m, _ in candidates:
        tok = starts.get(m.span[0])
        if tok is None:
            continue
        if tok.dep_ in ("compound", "amod", "nmod") and tok.head.lower_ in COUNTRY_HEADS:
            out.add(tuple(m.span))  # "the withdrawal of U.S. troops": whose troops, not where
            continue
        while tok.dep_ == "compound" and tok.head.i != tok.i:
            tok = tok.head
        if tok.dep_ in ("nsubj", "nsubjpass", "poss") or (tok.dep_ in ("dobj", "dative") and tok.head.i in acts):
            out.add(tuple(m.span))
    return out


def _refine(choice, want, gazetteer, ctx, text) -> Place | None:
    if choice is None:
        return None
    m, place = choice
    if want and m.label in ("NAME", "FACILITY") and place.kind not in want:
        refined = resolve_mention(m, gazetteer, want, ctx, text)
        if refined is not None and refined.kind in want:
            return refined
    return place


def _speaker_site(candidates, speaker_spans, event) -> Place | None:
    for m, place in candidates:
        inside = any(s <= m.span[0] and m.span[1] <= e for s, e in speaker_spans)
        if inside and not _contains(event.trigger_span, m.span) and place.precision in ("site", "relative"):
            if place.kind == "relative" and place.anchor:
                return Place(name=place.anchor, lat=place.lat, lon=place.lon, kind="base", precision="site",
                             radius_km=place.radius_km, country=place.country, text=place.text, span=place.span)
            if place.kind in SITE_KINDS or place.kind == "airfield":
                return place
    return None


def _contains(outer, inner) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def wanted_kinds(event: Event) -> set[str] | None:
    cats = {e.category for e in event.equipment}
    if "ship" in cats:
        return {"port", "sea", "anchorage"}
    if "aircraft" in cats:
        return {"airfield"}
    return None



def role_of(text: str, m: Mention, sentence_start: int) -> str:
    """origin, destination, via or location, from the words just before a mention."""
    before = text[max(sentence_start, m.span[0] - 40):m.span[0]]
    if _ORIGIN.search(before):
        return "origin"
    if _DESTINATION.search(before):
        return "destination"
    if _VIA.search(before):
        return "via"
    return "location"


def assign_roles(text: str, event: Event, candidates: list[tuple[Mention, Place]], capitals: Collection[int],
                 speaker_spans: list[tuple[int, int]] = (), doers: set[tuple[int, int]] = frozenset(),
                 others: Sequence[tuple[int, int]] = (), named_acts: Sequence[tuple[int, int]] = ()):
    """(location, origin, destination) for an event, each a (Mention, Place) or None.

    ``capitals``: GeoNames ids of national capitals (Gazetteer.capitals()): a capital, like a
    country, can be the doer rather than the place.

    ``doers``: spans of mentions the parse shows acting (subjects, possessors); a country or capital
    among them is an actor somewhere in the sentence ("after Moscow helped him escape"), not a place.
    ``others``: trigger spans of the sentence's other events; a "from X" between one of them and this
    trigger is that movement's ("withdrawing from X, but will not leave its bases"). ``named_acts``:
    those of them that are nouns; a place after one of them is that act's ("the departure from Kidal,
    which follows withdrawals from Timbuktu")."""
    roles: dict[str, list[tuple[float, Mention, Place]]] = {}
    trigger = tuple(event.trigger_span)
    movement = event.subtype in MOVEMENT
    named = next(((m, p) for m, p in candidates if _contains(m.span, trigger)), None)
    if named is not None and not movement:
        return named, None, None  # the event is named by its place: a listed "al Jufra base"
    ordered = sorted(candidates, key=lambda mp: mp[0].span[0])
    # "X's northern Y province", "the X city of Y": X contains Y and Y says more
    outer: set[tuple] = set()
    inherits: set[tuple] = set()
    for (m1, p1), (m2, p2) in zip(ordered, ordered[1:]):
        between = text[m1.span[1]:m2.span[0]]
        if re.fullmatch(r"['’]s\s+(?:[\w-]+\s+){0,3}?(?:of\s+)?|\s+(?:city|town|village|province|district|"
                        r"governorate|region|neighbou?rhood|suburb|area)s?\s+of\s+", between or "x"):
            outer.add(tuple(m1.span))
            inherits.add(tuple(m2.span))
        # "Syria's largest city, Aleppo", "Congo's capital, Kinshasa": the first holds the second
        if re.match(r"['’]s\b", between) and p1.precision in ("country", "admin", "region") and len(between) < 80 \
                and not re.search(r"[;.]", between):
            outer.add(tuple(m1.span))
            inherits.add(tuple(m2.span))
        # "in Kerak, 120 km south of Amman", "the camp near Jenin", "Qaryatayn, a town on the
        # road between Homs and Palmyra": the relative phrase describes the place just named
        if m2.label in ("RELATIVE", "NEAR", "ROAD", "BETWEEN", "BACKREF") and m1.label in ("NAME", "FACILITY", "RELATIVE", "NEAR") and \
                re.fullmatch(r",\s*(?:(?:just\s+)?(?:outside|near|off|inside|beyond|by)\s+)?(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,4})?|"
                             r"\s+(?:[a-z-]+\s+){0,3}", between or "x"):
            outer.add(tuple(m2.span))
    locative_spans: set[tuple] = set()
    quotes = _quotes(text, event.span)
    quoted_trigger = any(a <= trigger[0] and trigger[1] <= b for a, b in quotes)
    prev_end, prev, prev_container = -1, None, False
    for m, place in ordered:
        between = text[prev_end:m.span[0]] if prev is not None else "x"
        container = prev is not None and re.fullmatch(r"\s*(?:,|in|,\s*in)\s+(?:the\s+)?(?:\w+ern\s+)?|,\s*", between or "x")
        # "the airfield in Russia's Rostov Oblast": what the container holds contains the airfield too
        container = container or (prev_container and tuple(m.span) in inherits)
        prev_container = bool(container) and place.precision in ("country", "admin", "region")
        coordinated = prev is not None and tuple(prev.span) in locative_spans and \
            re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", between or "x")
        prev_end, prev = m.span[1], m
        if tuple(m.span) in outer and (place.precision in ("country", "admin", "region", "city") or m.label in ("RELATIVE", "NEAR", "BACKREF")):
            continue
        if m.data.get("dateline") or m.label == "DEMONYM" or m.data.get("people") or m.data.get("doer"):
            continue  # the report's place, whose forces ("U.S. troops"), who backs them ("Iran-backed"): not where
        if (place.kind == "sea" and str(m.data.get("cue")).startswith("modifier")) or m.data.get("cue") == "modifier+org":
            continue  # "the North Atlantic Treaty Organization", "the Kurdistan Workers' Party": a name, not a place
        if container and place.precision in ("country", "admin", "region"):
            continue  # "Al-Khadim air base in Libya": Libya says where the base is
        if any(s <= m.span[0] and m.span[1] <= e for s, e in speaker_spans) and not any(
            s <= trigger[0] and trigger[1] <= e for s, e in speaker_spans
        ):
            continue
        if quoted_trigger and not any(a <= m.span[0] and m.span[1] <= b for a, b in quotes):
            continue  # '"We have stationed a unit abroad," the minister said in Berlin': the speaker's place
        if tuple(m.span) in doers and (place.kind == "country" or (place.geonames_id or 0) in capitals):
            continue
        if _is_actor_word(m, place, event) or _is_subject(text, m, trigger, place, capitals):
            continue
        own_subject = bool(_OWN_VERB.match(text[m.span[1]:m.span[1] + 30])) and not _AFTER_PREPOSITION.search(
            text[max(0, m.span[0] - 20):m.span[0]])  # "forces from Chad was completed": Chad is no subject
        adjacent = m.span[1] <= trigger[0] and _is_subject(text, m, trigger)
        if own_subject and not adjacent and (place.kind == "country" or (place.geonames_id or 0) in capitals):
            continue  # "... while Damascus is sending troops": a capital doing something else
        role = role_of(text, m, event.span[0])
        if role in ("origin", "destination", "via"):
            if not movement:
                if role == "destination":
                    continue
                role = "location" if role == "via" else role
            elif m.span[0] < trigger[0] - 80 or any(t[1] <= m.span[0] and m.span[1] <= trigger[0] for t in others):
                continue  # a movement named earlier in the sentence, not this one's
            elif any(trigger[1] <= t[0] and t[1] <= m.span[0] for t in named_acts):
                continue  # "the departure from Kidal, which follows withdrawals from Timbuktu": the later act's
        if not movement and role == "origin":
            role = "location"
        if role == "location" and any(m.span[1] <= t[0] and t[1] <= trigger[0] or trigger[1] <= t[0] and t[1] <= m.span[0]
                                      for t in others):
            continue  # another event's trigger stands between: "left X, ... its war ... attacks on America"
        gap = m.span[0] - trigger[1] if m.span[0] >= trigger[1] else trigger[0] - m.span[1]
        before = text[max(event.span[0], m.span[0] - 30):m.span[0]]
        locative = bool(_LOCATIVE.search(before)) or m.label in ("RELATIVE", "NEAR", "ROAD", "BETWEEN") or \
            tuple(m.span) in inherits or bool(coordinated)
        if locative:
            locative_spans.add(tuple(m.span))
        cost = gap / 30.0 + RANK.get(place.precision, 5) * 0.35 - (2.0 if locative else 0.0)
        if m.span[0] < trigger[0]:
            cost += 1.5 if not locative else 0.5
        if not locative and not movement and place.precision not in ("site", "relative"):
            if not locative and re.search(r"\b(?:with|and|between|against|by)\s+(?:the\s+)?$", before):
                continue  # "an alliance with Moscow": a party, not a place
            cost += 2.0
        roles.setdefault(role, []).append((cost, m, place))
    want = wanted_kinds(event)

    def best(role: str):
        options = roles.get(role, [])
        if not options:
            return None
        cost, m, place = min(options, key=lambda o: (o[0] - (2.0 if want and o[2].kind in want else 0.0), o[1].span[0]))
        return m, place

    # "passed through the English Channel": the way a movement takes is where it was seen
    return best("location") or best("via"), best("origin"), best("destination")


_AFTER_PREPOSITION = re.compile(r"\b(?:in|at|near|outside|from|to|towards|into|off|of)\s+(?:the\s+)?$")
_OWN_VERB = re.compile(r"\s+(?:is|was|are|were|has|have|had|will|would|said|says|sent|sends|announced|denied|"
                       r"accused|warned|insisted|claimed|reported)\b")
def _is_subject(text: str, m: Mention, trigger, place: Place | None = None, capitals: Collection[int] = ()) -> bool:
    """'Moscow is withdrawing', 'Damascus sought to overthrow': a country or capital as the doer.

    A town as the subject ("Jableh is holding a market") is where it happens.
    """
    if m.span[1] > trigger[0]:
        return False
    if place is not None and not (place.kind == "country" or (place.geonames_id or 0) in capitals):
        return False
    between = _WHEN.sub("", text[m.span[1]:trigger[0]])  # "Moscow in 2017 was granted": still the doer
    return len(between) <= 30 and not re.search(r"[,;:(]|\b(?:in|at|near|from|to|where|that|which|when)\b", between) and (
        m.span[0] == 0 or not re.search(r"\b(?:in|at|near|outside|from|to|towards|into|off)\s+(?:the\s+)?$", text[max(0, m.span[0] - 20):m.span[0]])
    )


_WHEN = re.compile(rf"\s(?:in|on|last|this|since)\s+(?:(?:19|20)\d\d|{WEEKDAY_PATTERN}|{MONTH_PATTERN}(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?"
                   r"|week|month|year)\b")


def _is_actor_word(m: Mention, place: Place, event: Event) -> bool:
    """'Russia is withdrawing', 'Moscow helped': the actor named before the trigger is not where it happens."""
    actor = event.actor
    if actor is None or m.span[0] >= event.trigger_span[0]:
        return False
    if actor.span and actor.span[0] <= m.span[0] and m.span[1] <= actor.span[1]:
        return True
    name = fold(actor.name or "")
    return bool(name) and (fold(m.text) == name or fold(m.text).startswith(name) or name.startswith(fold(m.text)))


def choose_event_mention(text: str, trigger_span, sentence_span, candidates, capitals: Collection[int],
                         subtype: str | None = None):
    """The mention an event happened at, for scoring against gold (no Event record needed)."""
    ev = Event(id="x", doc_id="x", type="OTHER", subtype=subtype, trigger=text[trigger_span[0]:trigger_span[1]],
               trigger_span=tuple(trigger_span), sentence=text[sentence_span[0]:sentence_span[1]], span=tuple(sentence_span))
    loc, origin, dest = assign_roles(text, ev, candidates, capitals)
    return loc or dest or origin


@lru_cache(maxsize=None)
def _alpha3(alpha2: str | None) -> str | None:
    """ISO alpha-2 (places, as GeoNames) to alpha-3 (actors, as PLOVER)."""
    import pycountry

    found = pycountry.countries.get(alpha_2=alpha2) if alpha2 else None
    return found.alpha_3 if found else None

"""Record types every stage of forcewatch passes along.

This module imports nothing of ours, so that ingest, extract, resolve, fuse,
store and serve can all depend on it without depending on each other.
Every record turns into plain JSON-ready dicts with ``to_dict`` and back with
``from_dict``; spans are ``(start, end)`` character offsets into the
document text, so any field can be traced to its evidence.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Span = tuple[int, int]

# PLOVER top-level categories, in the order of the PLOVER codebook.
EVENT_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
    "OTHER",
)
# Force-posture modes, our refinement of PLOVER for military movements.
SUBTYPES = (
    "withdraw", "deploy", "depart", "arrive", "load", "transit", "anchor", "presence",
    "basing", "no_comment",
)
MODALITIES = ("asserted", "hedged", "negated", "future", "unconfirmed", "no_comment")
SOURCE_KINDS = (
    "named", "anonymous", "official", "organization", "journalist", "imagery", "sensor", "analyst",
)
PLACE_PRECISIONS = ("site", "city", "admin", "country", "region", "relative")
PLACE_KINDS = (
    "country", "admin", "city", "airfield", "port", "base", "region", "sea", "relative", "road",
)


def content_id(*parts: str, length: int = 16) -> str:
    """Stable id from content, so the same input always gets the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class Record:
    """JSON round-tripping shared by all records (dates as ISO strings)."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        return cls(**{name: _typed(hint, data[name]) for name, hint in _field_hints(cls) if name in data})


@functools.cache
def _field_hints(cls) -> tuple[tuple[str, Any], ...]:
    """(field name, resolved type) of a record class, worked out once: it is costly."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _typed(inner[0], value) if len(inner) == 1 else value
    if origin is list:
        return [_typed(args[0], v) for v in value]
    if origin is tuple:
        return tuple(value)
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_dict(value)
    if hint is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if hint is date and isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


@dataclass
class Document(Record):
    """One report as ingested: its text and what we know of its origin."""

    id: str
    text: str
    path: str | None = None
    url: str | None = None
    title: str | None = None
    published: date | None = None
    outlet: str | None = None
    media_type: str = "text"  # text | html | rss | jsonl | observation

    @staticmethod
    def make_id(text: str) -> str:
        """Documents are identified by their text: the same report twice is one document."""
        return content_id(text.strip())


def doc_ref(doc: Document | None, doc_id: str) -> dict[str, Any]:
    """What an event record says about its document: {id, path, url, title, published}."""
    if doc is None:
        return {"id": doc_id, "path": None, "url": None, "title": None, "published": None}
    return {"id": doc.id, "path": doc.path, "url": doc.url, "title": doc.title,
            "published": doc.published.isoformat() if doc.published else None}


@dataclass
class Place(Record):
    """A resolved place: a point with an uncertainty radius, traced to its mention."""

    name: str
    lat: float | None = None
    lon: float | None = None
    kind: str | None = None  # one of PLACE_KINDS
    precision: str | None = None  # one of PLACE_PRECISIONS
    radius_km: float | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, as GeoNames
    geonames_id: int | None = None
    text: str | None = None  # the mention as written
    span: Span | None = None
    anchor: str | None = None  # for relative places: the place it is relative to
    distance_km: float | None = None
    bearing_deg: float | None = None
    inferred: bool = False  # True when the event's sentence names no place and this one, named earlier, carried over


@dataclass
class TimeSpan(Record):
    """When something happened, as an inclusive date range with its precision."""

    start: date
    end: date
    precision: str = "day"  # day | month | year
    text: str | None = None  # the expression as written; None when taken from the publication date
    span: Span | None = None
    inferred: bool = False  # True when the act has no date of its own: a range up to the report (or statement, or deadline)
    start_time: datetime | None = None  # exact UTC instants when known (sensor events)
    end_time: datetime | None = None


@dataclass
class Actor(Record):
    name: str
    country: str | None = None  # ISO 3166-1 alpha-3, as PLOVER/CAMEO
    text: str | None = None
    span: Span | None = None


@dataclass
class Equipment(Record):
    name: str  # canonical catalogue name, e.g. "An-124"
    category: str | None = None  # aircraft | ship | vehicle | air_defence | personnel
    count: int | None = None
    count_qualifier: str | None = None  # exact | at_least | about | at_most
    text: str | None = None
    span: Span | None = None
    operator: str | None = None  # ISO 3166-1 alpha-3 of the force it belongs to, as written ("the Turkish corvette")


@dataclass
class Source(Record):
    """Who says so: the attribution of a claim."""

    kind: str  # one of SOURCE_KINDS
    name: str | None = None
    affiliation: str | None = None
    anonymous: bool = False
    reliability: str | None = None  # Admiralty A-F
    text: str | None = None  # the attribution as written
    span: Span | None = None
    cue: str | None = None  # the attribution verb or phrase ("told", "according to", "showed")
    refers_to: str | None = None  # for "the official", "he": the earlier attribution it refers back to
    nested_via: Source | None = None  # "X said Y told him": on Y's Source, X (who relays Y's claim)


@dataclass
class Evidence(Record):
    """A piece of text that supports a field: document id and character span."""

    doc_id: str
    span: Span
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Credibility(Record):
    """An Admiralty grade (NATO AJP-2.1), kept as its two scales so that no one parses "B2".

    ``reliability`` is the source's letter, ``information`` the claim's digit;
    ``basis`` says in words why (docs/credibility.md). ``to_dict`` adds the
    ``code`` for readers; it is derived, so ``from_dict`` ignores it.
    """

    reliability: str  # A-F
    information: int  # 1-6
    basis: str | None = None

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.information}"

    def to_dict(self) -> dict[str, Any]:
        return {"reliability": self.reliability, "information": self.information, "code": self.code,
                "basis": self.basis}

    @staticmethod
    def split(code: str) -> tuple[str, int | None]:
        """"B2" -> ("B", 2), "B" -> ("B", None): a code as filters and records from before this type give it."""
        digit = code[1:]
        return code[:1], int(digit) if digit.isdigit() else None

    @classmethod
    def parse(cls, code: str, basis: str | None = None) -> Credibility:
        """The grade of a record stored as a code; no digit reads as 6 (cannot be judged)."""
        letter, digit = cls.split(code)
        return cls(letter, 6 if digit is None else digit, basis)

    def fused(self, information: int, note: str) -> Credibility:
        """The grade after fusion: a new digit, and the fusion note in place of any earlier one."""
        basis = (self.basis or "").split("; fusion:")[0]
        return Credibility(self.reliability, information, f"{basis}; fusion: {note}" if basis else f"fusion: {note}")


@dataclass
class Event(Record):
    """One claim about the world: what, who, where, when, who says so, how sure."""

    id: str
    doc_id: str
    type: str
    subtype: str | None
    trigger: str
    trigger_span: Span
    sentence: str
    span: Span  # the sentence in the document
    actor: Actor | None = None
    target: Actor | None = None
    equipment: list[Equipment] = field(default_factory=list)
    location: Place | None = None
    origin: Place | None = None
    destination: Place | None = None
    time: TimeSpan | None = None
    source: Source | None = None
    modality: str = "asserted"
    credibility: Credibility | None = None  # Admiralty grade, e.g. B2 (docs/credibility.md)
    track_id: str | None = None  # set for events derived from a sensor track
    corroborated_by: list[str] = field(default_factory=list)  # ids of events from independent sources that agree
    contradicted_by: list[str] = field(default_factory=list)  # ids of events from independent sources that deny it
    background: bool = False  # history the report recalls (dated a year or more before it), not its news
    duplicate_of: str | None = None  # id of the event of the same report that first states this act
    military_reason: str | None = None  # sensor events: why the platform counts as military (docs/sensors.md)

    @staticmethod
    def make_id(doc_id: str, trigger_span: Span, type_: str, subtype: str | None) -> str:
        return content_id(doc_id, str(trigger_span[0]), str(trigger_span[1]), type_, subtype or "")

    @staticmethod
    def upgrade(data: dict[str, Any]) -> dict[str, Any]:
        """An event dict in today's form: stores keep records written before ``Credibility``,
        with the grade as a code ("B2") and its reason in ``credibility_basis``."""
        code = data.get("credibility")
        if not isinstance(code, str) and "credibility_basis" not in data:
            return data
        data = dict(data)
        basis = data.pop("credibility_basis", None)
        if isinstance(code, str):
            data["credibility"] = Credibility.parse(code, basis).to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return super().from_dict(cls.upgrade(data))


@dataclass
class Cluster(Record):
    """One happening: the events (claims) of several documents and tracks that describe the same act.

    What the claims say together (docs/happenings.md): the best place, the narrowest date, how many
    independent sources state it, the claims that contradict it, and a grade for the whole.
    """

    id: str
    event_ids: list[str]  # every claim, in time order
    type: str
    subtype: str | None
    modality: str  # of the claims that state it: asserted, hedged... (negated when the happening is a denial)
    place: Place | None = None  # the member's place with the smallest uncertainty
    origin: Place | None = None
    destination: Place | None = None
    time: TimeSpan | None = None  # where all the claims' dates overlap
    equipment: list[Equipment] = field(default_factory=list)
    actor: Actor | None = None
    sources: list[Source] = field(default_factory=list)  # one per independent source that states it
    n_sources: int = 0
    contradicted_by: list[str] = field(default_factory=list)  # ids of member claims that say the opposite
    credibility: Credibility | None = None
    doc_ids: list[str] = field(default_factory=list)
    track_ids: list[str] = field(default_factory=list)

    @staticmethod
    def make_id(event_ids: list[str]) -> str:
        """Identified by its members: the same claims always make the same cluster."""
        return content_id("cluster", *sorted(event_ids))


@dataclass
class Mention(Record):
    """Something extraction found in the text, before resolution gives it meaning.

    ``kind`` is place, date, actor, equipment or attribution; ``label`` is the
    finer tag (NER label, cue type); ``data`` holds what the finder learned.
    """

    kind: str
    text: str
    span: Span
    label: str | None = None
    sentence: int | None = None  # index into Analysis.sentences
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Analysis:
    """The working state of one document as it passes through the pipeline.

    ``parse`` is the NLP library's own object for the document (a spaCy Doc);
    stages read it, but what they hand on to later stages goes in records.
    """

    document: Document
    sentences: list[Span] = field(default_factory=list)
    relevant: list[int] = field(default_factory=list)  # sentence indexes worth parsing
    mentions: list[Mention] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)  # every resolved place mention
    parse: Any = None


@dataclass
class Site(Record):
    """A facility analysts watch: a point with a radius, or a polygon."""

    id: str
    name: str
    kind: str  # airfield | port | base | anchorage | region
    lat: float
    lon: float
    radius_km: float = 3.0
    country: str | None = None
    aliases: list[str] = field(default_factory=list)
    polygon: list[tuple[float, float]] | None = None  # (lat, lon) ring


@dataclass
class Position(Record):
    """One sensor fix of an aircraft or vessel."""

    t: datetime
    lat: float
    lon: float
    altitude_ft: float | None = None
    speed_kn: float | None = None
    course_deg: float | None = None
    on_ground: bool | None = None
    status: str | None = None  # AIS navigational status, e.g. "at_anchor"


@dataclass
class Track(Record):
    """A time-ordered run of positions of one aircraft (ICAO hex) or vessel (MMSI)."""

    id: str
    platform: str  # aircraft | vessel
    ident: str  # ICAO 24-bit hex or MMSI
    name: str | None = None  # callsign or vessel name
    type_code: str | None = None  # e.g. "A124", or AIS ship type
    registration: str | None = None
    operator: str | None = None
    flag: str | None = None
    military: bool | None = None
    military_reason: str | None = None  # the rule that made it military, e.g. "callsign prefix RCH (...)"
    positions: list[Position] = field(default_factory=list)
    source: str | None = None  # file or feed it came from


@dataclass
class Alert(Record):
    """A standing rule that fired: which rule, how grave, and the events (with their evidence) that fired it.

    ``id`` is derived from the rule and what fired it (``make_id``), so the same events never raise
    the same rule twice, across restarts too."""

    id: str
    rule: str
    severity: str  # info | low | medium | high | critical
    title: str
    raised_at: datetime  # when the watcher raised it (UTC)
    event_ids: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {event_id, doc_id, span, text}, one per event
    key: str | None = None  # what the rule watches the alert for (a site, a site and type): repeats are judged by it
    start: datetime | None = None  # the period of the events that fired it
    end: datetime | None = None

    @staticmethod
    def make_id(rule: str, *parts: str) -> str:
        return content_id("alert", rule, *parts)

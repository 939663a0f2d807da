"""Place mentions: named places, facilities, relative places and back-references.

spaCy's small model often mislabels Levantine names (Hmeimim as NORP or
PERSON, Tartus as ORG, Al-Khadim as PERSON), so NER labels alone are not
trusted. Recognition is gazetteer-first: every run of capitalised words is
matched against the gazetteer's alias index (longest known sub-run first,
fuzzy for transliterations when the context says "place"), then filtered
with context cues (a preposition such as "in" or "near", a place word such as
"air base" or "province", "X, Texas") and, where a parse exists, NER labels.
Facility phrases ("the Hmeimim air base", "the naval facility in Tartus"),
relative places ("13 km north-west of Tartous", "between X and Y", "the
highway connecting X to Y"), datelines ("TARTUS, Syria (Reuters) -") and
back-references ("the air base" -> the last named airfield) are found by
pattern. Everything works without a parse, so the geoparser runs on any text.

Mention labels: NAME (a gazetteer name), FACILITY, RELATIVE, NEAR, BETWEEN,
ROAD, BACKREF, UNKNOWN (NER says place, gazetteer does not know it);
``data["dateline"]`` marks the dateline.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from forcewatch.data import packaged
from forcewatch.extract.equipment import Catalogue, find_equipment
from forcewatch.extract.events import COUNTRY_HEADS, ORG_HEADS
from forcewatch.gazetteer.lookup import Gazetteer, continent
from forcewatch.gazetteer.names import CONTINENT_ADJECTIVES, COMMON_WORDS, DATE_WORDS, NEVER_ALONE, PLACE_DESPITE_COMMON, PLACE_SUFFIXES
from forcewatch.lexicon import NUMBER_WORDS, fold
from forcewatch.records import Analysis, Mention

_W = r"[A-Z\u00C0-\u00DE\u0100-\u017F][\w'’\u00B4\u02BC.\u00C0-\u024F-]*"
_FAC = r"(?:[Aa]ir\s?[Bb]ase|[Aa]irbase|[Aa]irfield|[Aa]ir\s+[Ff]ield|[Aa]irport|[Aa]ir\s+[Ss]tation|[Nn]aval\s+(?:[Bb]ase|[Ff]acility|[Ss]tation|[Pp]ort)|military\s+base|(?:[Rr]ailway|[Tt]rain)\s+[Ss]tation|port|harbou?r|base|facility)"

# ", Louisiana" after a name: the place that holds it
_COMMA_PLACE = re.compile(rf",\s+({_W}(?:\s+{_W})?)")
# "the Hmeimim air base", "Al-Khadim air base"
_FACILITY_AFTER = re.compile(rf"\b((?:{_W}\s+){{1,3}}?)(?:(?:military|main|former|strategic|army|navy)\s+)?{_FAC}\b")
# "the naval facility in Tartus", "the port of Tartous", "a base near Latakia"
_FACILITY_OF = re.compile(rf"\b(?P<fac>{_FAC})(?:\s+(?P<designator>\d+|{_W}))??\s+(?P<prep>in|at|of|near|outside)\s+(?:the\s+)?"
                          rf"(?P<name>{_W}(?:\s+{_W}){{0,2}})")
_BACKREF = re.compile(
    r"\b[Tt]he\s+(?:(?:Russian|Syrian|American|U\.S\.|US|British|French|Turkish|Israeli|Iranian|Chinese|main|naval|"
    r"military|nearby|same|former)\s+)?(?P<word>air\s?base|airbase|airfield|airport|naval\s+base|naval\s+facility|"
    r"port|harbou?r|base|facility)\b(?!\s+(?:in|at|of|near)\s+(?:the\s+)?[A-Z])(?!\s+(?:commander|gate|perimeter's))"
)
# "the country", "the North African country", "the nation": the country last named
_COUNTRY_BACKREF = re.compile(r"\b[Tt]he\s+(?:(?:[A-Z][\w-]*|central|southern|northern|eastern|western|landlocked|"
                              r"small|tiny|oil-rich|impoverished|neighbouring|neighboring)\s+){0,3}(?:country|nation)\b"
                              r"(?!['’]s\s+(?:army|military|forces|government))")
UNITS = {"km": 1.0, "kilometer": 1.0, "kilometre": 1.0, "kilometers": 1.0, "kilometres": 1.0,
         "mile": 1.609344, "miles": 1.609344, "mi": 1.609344,
         "nautical mile": 1.852, "nautical miles": 1.852, "nm": 1.852, "m": 0.001, "meters": 0.001,
         "metres": 0.001, "meter": 0.001, "metre": 0.001}
BEARINGS = {"north": 0, "north-east": 45, "northeast": 45, "east": 90, "south-east": 135,
            "southeast": 135, "south": 180, "south-west": 225, "southwest": 225, "west": 270,
            "north-west": 315, "northwest": 315,
            "north-northeast": 22.5, "east-northeast": 67.5, "east-southeast": 112.5,
            "south-southeast": 157.5, "south-southwest": 202.5, "west-southwest": 247.5,
            "west-northwest": 292.5, "north-northwest": 337.5}
_NUM = r"\d{1,3}(?:,\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?|" + "|".join(NUMBER_WORDS)
_BEARING_RE = "|".join(sorted(BEARINGS, key=len, reverse=True))
_UNIT_RE = r"nautical\s+miles?|kilomet(?:er|re)s?|km|miles?|mi|nm|met(?:er|re)s?|m"
_RELATIVE = re.compile(
    rf"(?:(?P<approx>about|some|around|roughly|nearly|approximately|almost|an estimated)\s+)?(?<![\w.,-])(?P<num>{_NUM})[\s-]*"
    rf"(?P<unit>{_UNIT_RE})\b"
    r"(?:\s*\([^)]*\))?\s+(?:to\s+the\s+)?"
    rf"(?P<bearing>{_BEARING_RE})\s+(?:of|from)\s+"
    rf"(?:the\s+)?(?P<anchor>{_W}(?:\s+{_W}){{0,3}}|(?:air\s?base|base|port|facility|city|town|capital)\b)",
    re.IGNORECASE,
)
# "15 km from Homs" (no bearing)
_DISTANCE_FROM = re.compile(
    rf"(?:(?P<approx>about|some|around|roughly|nearly|approximately|almost)\s+)?(?<![\w.,-])(?P<num>{_NUM})[\s-]*(?P<unit>{_UNIT_RE})\b"
    rf"(?:\s*\([^)]*\))?\s+(?:away\s+)?from\s+(?:the\s+)?(?P<anchor>{_W}(?:\s+{_W}){{0,3}})",
    re.IGNORECASE,
)
_SIDE = r"(?:(?:north|south)(?:-?(?:east|west))?|east|west)(?:ern)?"
_NEAR = re.compile(
    rf"\b(?P<rel>near|nearby|outside|off(?=\s+the\s+(?:{_SIDE}\s+)?coast)|just outside|close to|on the outskirts of|in the vicinity of|"
    r"off the coast of|(?:north|south|east|west|northeast|northwest|southeast|southwest|north-east|north-west|"
    rf"south-east|south-west)\s+of)\s+(?:the\s+)?(?:(?:{_SIDE}\s+)?coast(?:line)?\s+of\s+)?"
    rf"(?P<anchor>{_W}(?:\s+{_W}){{0,3}}|(?:air\s?base|airbase|airfield|base|port|facility|naval\s+base)\b)"
)
# "off Yemen's coast", "the Syrian coast", "off Norway's northern coast": the coast named before the word
_COAST = re.compile(rf"\b(?:(?P<rel>off|along)\s+)?(?:the\s+)?(?P<anchor>{_W}(?:\s+{_W}){{0,2}}?)(?:['’]s)?\s+"
                    rf"(?:{_SIDE}\s+)?coast(?:line)?\b(?!\s*guard)")
# "off the east coast of Australia", "past the eastern coast of the UK": the coast named after it
_COAST_OF = re.compile(rf"\b(?:(?P<rel>off|along|past)\s+)?the\s+(?:{_SIDE}\s+)?coast(?:line)?\s+of\s+(?:the\s+)?"
                       rf"(?P<anchor>{_W}(?:\s+{_W}){{0,2}})")
_BETWEEN = re.compile(rf"\bbetween\s+(?:the\s+)?(?P<a>{_W}(?:\s+{_W}){{0,2}})\s+and\s+(?:the\s+)?(?P<b>{_W}(?:\s+{_W}){{0,2}})")
_ROAD = re.compile(
    r"\b(?:on\s+)?the\s+(?:[a-z-]+\s+){0,2}?(?P<road>highway|road|motorway|route|M\d+\s+highway)\s+"
    r"(?:connecting|linking|between|from)\s+(?:the\s+)?"
    r"(?P<a>.+?)\s+(?:to|and|with)\s+(?:the\s+)?(?P<b>[\w'’-]+(?:\s+[\w'’-]+){0,4}?)"
    r"(?=[,.;]|\s+(?:a|an|the|on|near|as|after|before|while|when|where|from)\s|$)"
)
# "TARTUS, Syria (Reuters) -", "MOSCOW (AP) —", "Kyiv, Ukraine —"
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Za-z.]*\s+\d{1,2}\s*[-–—:]\s*)?(?P<city>[A-Z][A-Z.'’ -]{2,}?|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)"
    r"(?:,\s*(?P<region>[A-Z][\w.]*(?:\s[A-Z][\w.]*)?))?\s*(?:\((?P<agency>[^)]{2,25})\))?\s*[-–—]+\s"
)
NER_PLACE_LABELS = {"GPE", "LOC", "FAC"}
NER_NOT_PLACE = {"PERSON", "ORG", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW", "LANGUAGE"}
_LOC_PREP = re.compile(
    r"(?:\b(?:in|at|near|from|to|into|towards?|toward|outside|across|through|via|of|across|around|throughout|"
    r"inside|within|entered|visited|visit|reached|left|leaving|bound for|heading to|off)\s+(?:the\s+)?"
    r"(?:(?:city|town|village|port|province|state|region|capital|county|country)\s+of\s+)?)$"
)
# words that describe a facility rather than name it ("Hamid Karzai International Airport")
_FACILITY_DESCRIPTORS = {"international", "regional", "national", "municipal", "military", "naval", "domestic", "civil",
                         "joint", "army", "main", "central", "commercial", "strategic", "former"}
_POSSESSOR = re.compile(rf"(?P<name>{_W}(?:\s+{_W})?)['’]s\s+(?:{_W}\s+){{1,5}}$")
_CONNECT = {"of", "de", "del", "du", "la", "le", "al", "el", "upon", "on", "the", "and", "da", "do", "dos", "das"}
_QUALIFIERS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "upper",
               "lower", "greater", "northeastern", "northwestern", "southeastern", "southwestern", "northeast",
               "northwest", "southeast", "southwest", "coastal", "rural", "downtown", "suburban", "occupied"}
_TITLES = {"mr", "mrs", "ms", "dr", "president", "gen", "general", "gov", "governor", "sen", "senator", "rep", "king",
           "prince", "queen", "sheikh", "minister", "judge", "coach", "st", "saint", "lt", "col", "capt", "adm",
           "secretary", "chancellor", "pope", "emir", "ayatollah", "imam", "bishop", "pastor", "father", "sir", "lady",
           "lord", "officer", "detective", "sgt", "deputy", "mayor"}
_RUN = re.compile(rf"{_W}(?:\s+(?:(?:of|de|del|du|la|le|al|el|upon|on|the|and|da|do|dos|das)\s+)?{_W})*")
_ORG_WORDS = {"university", "college", "school", "hospital", "church", "bank", "company", "corp", "inc", "ltd",
              "club", "party", "council", "committee", "association", "institute", "foundation", "times", "post",
              "news", "herald", "tribune", "journal", "gazette", "magazine", "airlines", "airways", "fc", "united",
              "city", "rangers", "giants", "stadium", "museum", "center", "centre", "hall", "hotel", "street", "st",
              "avenue", "road", "group", "ministry", "department", "agency", "office", "court", "police", "army",
              "navy", "force", "forces", "guard", "corps", "brigade", "division", "regiment", "fleet", "government",
              "administration", "press", "daily", "observer", "tv", "radio", "network", "review", "express",
              "mail", "telegraph", "monitor", "star", "sun", "chronicle", "record", "gallery", "theatre", "theater",
              "academy", "library", "mall", "market", "square", "park", "bridge", "tower", "plaza", "high", "elementary",
              "board", "society", "services", "utilities", "bureau", "commission", "authority", "manager",
              "chamber", "coalition", "federation", "union", "institute", "county", "hospital", "airport",
              "middle", "state", "republic", "express", "cup", "open", "games", "league", "fair", "festival"}


@lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Folded demonym -> ISO country code, from the packaged countries.yaml."""
    from forcewatch.gazetteer.build import country_points
    from forcewatch.gazetteer.names import REGION_DEMONYMS

    found = {fold(d): "@" + place for d, place in REGION_DEMONYMS.items()}
    found.update({fold(d): iso for iso, c in country_points().items() for d in (c or {}).get("demonyms", [])})
    return found


def _stop_words() -> set[str]:
    """English function words: spaCy's list (spaCy is a dependency anyway), less "us": "US" is a country."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return set(STOP_WORDS) - {"us"}



_STOP = _stop_words()


def _clean_name(name: str) -> str:
    return re.sub(r"['’]s$", "", re.sub(r"[\s,.;:]+$", "", name.strip()))


def _facility_kind(phrase: str) -> str:
    p = phrase.lower()
    if "air" in p:
        return "airfield"
    if "naval" in p or "port" in p or "harbo" in p:
        return "port"
    return "base"


_PERSON = re.compile(r"(?<![\w.'’-])([A-Z][a-z]+)\s+(?:[A-Z]\.\s+)?([A-Z][a-z]+(?:[-'’][A-Z][a-z]+)?)(?![\w'’-]|\s+[A-Z])")
_ROAD_WORDS = {"street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "lane", "way", "highway",
               "parkway", "pike", "court", "place", "terrace", "trail", "circle"}


def _person_words(text: str, gazetteer: Gazetteer) -> set[str]:
    """First names and surnames of people named in full ("Martha Hollister", "Dale R. Whitcomb"), so that
    "Bailey said" elsewhere in the document is not read as Bailey, Colorado."""
    out: set[str] = set()
    for m in _PERSON.finditer(text):
        first, last = m.group(1), m.group(2)
        fl, ll = first.lower(), last.lower()
        if fl in _STOP or fl in _QUALIFIERS or fl in _ORG_WORDS or ll in _ORG_WORDS or ll in PLACE_SUFFIXES:
            continue
        if ll in _ROAD_WORDS or fl in COMMON_WORDS:
            continue
        if f"{first} {last}" in gazetteer:
            continue
        big = lambda w: any(e.feature != "ADM2" and (e.kind in ("country", "admin", "region", "sea")  # noqa: E731
                                                     or e.population >= 100_000) for e in gazetteer.lookup(w))
        if big(last) or big(first):
            continue
        if fl not in _TITLES:
            out.add(fold(first))
        out.add(fold(last))
    for m in _TITLED.finditer(text):
        name = m.group(1)
        if not any(e.feature != "ADM2" and (e.kind in ("country", "admin") or e.population >= 100_000)
                   for e in gazetteer.lookup(name)):
            out.add(fold(name))
    return out


_DIVISION_UNITS = frozenset(w for w, kind in PLACE_SUFFIXES.items() if kind == "admin")


def _bare_divisions(phrase: str, entries) -> list:
    """The second-level divisions (GeoNames ADM2) among ``entries`` that ``phrase`` names without a
    unit word ("Essex", not "Essex County")."""
    if not any(e.feature == "ADM2" for e in entries) or set(phrase.lower().split()) & _DIVISION_UNITS:
        return []
    return [e for e in entries if e.feature == "ADM2"]


_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Adm|Gov|Sen|Rep|President|Prime Minister|Minister|"
                     r"Sheikh|Judge|Detective|Officer|Superintendent|Chief|Mayor|Coach)\.?\s+([A-Z][a-z]+)\b")


class _Doc:
    """What recognition needs about one document: text, sentences, parse, gazetteer answers."""

    def __init__(self, analysis: Analysis, gazetteer: Gazetteer):
        self.analysis = analysis
        self.text = analysis.document.text
        self.gaz = gazetteer
        self.taken: list[tuple[int, int]] = []
        self.found: list[Mention] = []
        lower = set(re.findall(r"(?<![\w'’.-])[a-z][a-z'’-]+", self.text))
        self.lower_words = lower
        self.person_words = _person_words(self.text, gazetteer)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a character of [start, end) is taken: looked up in a map of the taken characters,
        marked as spans are added (a junk document takes hundreds of thousands: a scan of the list
        per question was quadratic)."""
        taken = self.taken
        if taken is not getattr(self, "_marked_list", None) or len(taken) < self._marked:
            self._occupied, self._marked, self._marked_list = bytearray(len(self.text) + 1), 0, taken
        occupied = self._occupied
        for s, e in taken[self._marked:]:
            s, e = max(0, s), min(e, len(occupied))
            if e > s:
                occupied[s:e] = b"\x01" * (e - s)
        self._marked = len(taken)
        return any(occupied[max(0, start):end])

    def add(self, label: str, start: int, end: int, index: int, **data) -> Mention | None:
        if start >= end or self.overlaps(start, end):
            return None
        m = Mention("place", self.text[start:end], (start, end), label, index, data)
        self.taken.append((start, end))
        self.found.append(m)
        return m

    def drop(self, start: int, end: int, label: str) -> None:
        """Forget the mentions of one label inside a span, for a longer mention that holds them."""
        gone = [m for m in self.found if m.label == label and start <= m.span[0] and m.span[1] <= end]
        self.found = [m for m in self.found if m not in gone]
        spans = {tuple(m.span) for m in gone}
        self.taken = [t for t in self.taken if t not in spans]

    def known(self, name: str) -> bool:
        return bool(name) and name in self.gaz

    def known_prefix(self, name: str) -> str | None:
        """The longest leading run of words the gazetteer knows ("Tartous Port" -> "Tartous")."""
        words = name.split()
        for n in range(len(words), 0, -1):
            candidate = _clean_name(" ".join(words[:n]))
            key = fold(candidate) if candidate else ""
            if key in DATE_WORDS or key in NEVER_ALONE or (key in COMMON_WORDS and key not in PLACE_DESPITE_COMMON):
                continue
            if candidate and candidate.lower() not in _CONNECT and self.known(candidate):
                return candidate
        return None

    def known_or_fuzzy(self, name: str) -> str | None:
        """A name the gazetteer knows, exactly or as a transliteration."""
        name = _clean_name(name)
        if (k := self.known_prefix(name)):
            return k
        words = name.split()
        for n in range(min(len(words), 3), 0, -1):
            candidate = " ".join(words[:n])
            key = fold(candidate)
            if key in DATE_WORDS or key in COMMON_WORDS or key in self.person_words:
                continue
            if len(candidate) >= 5 and self.gaz.fuzzy(candidate, 85.0):
                return candidate
        return None


_NAME_RUN = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"


@lru_cache(maxsize=1)
def _vessel_words() -> tuple[re.Pattern, re.Pattern]:
    data = packaged("vessel_names.yaml")
    prefixes = "|".join(sorted(map(re.escape, data["prefixes"]), key=len, reverse=True))
    classes = "|".join(map(re.escape, data["class_words"]))
    return (re.compile(rf"\b(?:{prefixes})\s+(?P<name>{_NAME_RUN})"),
            re.compile(rf"(?<![\w-])(?P<name>[A-Z][\w'’]*(?:\s+\d+)?)[\s-](?:{classes})\b"))


def names_of_things(text: str, gazetteer: Gazetteer, catalogue: Catalogue | None,
                    groups: Collection[str] = ()) -> list[tuple[int, int]]:
    """Spans that name equipment, ships or armed groups, so a place name inside them is no place:
    catalogue equipment ("MiG-29s"), a design ("Kilo-class"), a ship after a prefix ("HMS
    Somerset"), after a type of ship ("the submarine Krasnodar") or as the name before one ("the
    Liaoning carrier"), and the armed groups of the actor table ("the Wagner group", "Hamas")."""
    prefix, design = _vessel_words()
    ships = [m.span("name") for m in prefix.finditer(text)]
    spans = [m.span("name") for m in design.finditer(text)]
    spans += _acronyms_of_things(text, gazetteer)
    if groups:
        names = "|".join(sorted(map(re.escape, groups), key=len, reverse=True))
        spans += [m.span() for m in re.finditer(rf"(?<![\w-])(?:{names})(?![\w-])", text, re.IGNORECASE)
                  if m.group()[0].isupper()]
    for item in find_equipment(text, catalogue) if catalogue is not None else ():
        spans.append(tuple(item.span))
        if item.category != "ship" or item.name in catalogue.generic_names:
            continue
        after = _SHIP_NAME_AFTER.match(text, item.span[1])  # matched in place: slicing the rest was quadratic
        if after and not _names_a_country(after.group("name"), gazetteer):
            ships.append(after.span("name"))
        window = max(0, item.span[0] - SHIP_NAME_LOOKBACK)
        before = _SHIP_NAME_BEFORE.search(text, window, item.span[0])
        if before and not demonyms().get(fold(before.group("name"))) and \
                not _names_a_country(before.group("name"), gazetteer):
            ships.append(before.span("name"))
    # One sense per document: a ship named once is the ship when its name comes back alone.
    names = sorted({text[a:b] for a, b in ships}, key=lambda n: (-len(n), n))
    if names:  # one pass for all of them, longest first
        alternatives = "|".join(map(re.escape, names))
        spans += [m.span() for m in re.finditer(rf"(?<![\w-])(?:{alternatives})(?![\w-])", text)]
    return spans


SHIP_NAME_LOOKBACK = 200  # "the Admiral Kuznetsov aircraft carrier": the name before a type of ship is this near
_SHIP_NAME_AFTER = re.compile(rf"\s+(?:the\s+)?(?P<name>{_NAME_RUN})")
_SHIP_NAME_BEFORE = re.compile(r"(?:\b[Tt]he|['’]s)\s+(?P<name>[A-Z][\w'’-]*)\s+(?:[a-z-]+\s+)?$")


_DEFINED = re.compile(r"(?P<long>(?:[A-Z][\w'’-]*\s+(?:(?:of|the|and|for|on)\s+)*){1,6}[A-Z][\w'’-]*)\s*"
                      r"(?:\(|,\s+or\s+)(?P<short>[A-Z]{2,6})\b")


def _acronyms_of_things(text: str, gazetteer: Gazetteer) -> list[tuple[int, int]]:
    """Every use of an acronym the text defines for a name that is no place ("the Line of Actual
    Control, or LAC", "Air Defense Identification Zone (ADIZ)"): it stands for that name."""
    spans = []
    for m in _DEFINED.finditer(text):
        tokens = m.group("long").split()
        short = m.group("short")
        for i, first in enumerate(tokens):  # the initials of the run's last capitalised words
            name = tokens[i:]
            if first[0].isupper() and "".join(w[0] for w in name if w[0].isupper()) == short:
                if not gazetteer.lookup(" ".join(name)):
                    spans += [a.span() for a in re.finditer(rf"(?<![\w-]){short}(?![\w-])", text)]
                break
    return spans


def _names_a_country(name: str, gazetteer: Gazetteer) -> bool:
    """'the frigates Russia sent', 'the Black Sea frigates': a country or sea there is still a place."""
    return any(e.kind in ("country", "sea", "region") for e in gazetteer.lookup(name))


def find_places(analysis: Analysis, gazetteer: Gazetteer, sentences: list[int] | None = None,
                catalogue: Catalogue | None = None, groups: Collection[str] = ()) -> None:
    """Add place mentions of every sentence (or of ``sentences``) to ``analysis.mentions``.

    ``catalogue``: the equipment catalogue, whose names (and ships' names) are never places;
    ``groups``: names of armed groups, never places either (see names_of_things)."""
    # One batch lookup for every capitalised sub-run of the document, before anything looks names up.
    gazetteer.prefetch(_candidate_strings(analysis.document.text))
    doc = _Doc(analysis, gazetteer)
    doc.taken.extend(names_of_things(doc.text, gazetteer, catalogue, groups))
    text = doc.text
    indexes = range(len(analysis.sentences)) if sentences is None else sentences
    parse = analysis.parse if isinstance(analysis.parse, dict) else {}
    _dateline(doc)
    last_facility: dict[str, tuple[str, list[int]]] = {}  # kind -> (name, span)
    countries: list[tuple[str, list[int], str | None]] = []  # every country named, in order
    for index in indexes:
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        before = len(doc.found)
        _relatives(doc, index, s0, sentence)
        _facilities(doc, index, s0, sentence)
        _names(doc, index, s0, sentence, parse.get(index))
        _backrefs(doc, index, s0, sentence, last_facility, countries)
        for hit in sorted(doc.found[before:], key=lambda h: h.span[0]):
            for kind, name, span in _site_kinds(hit, gazetteer):
                last_facility[kind] = last_facility["any"] = (name, span)
            country = next((e for e in gazetteer.lookup(hit.data.get("name") or hit.text) if e.kind == "country"), None) \
                if hit.label == "NAME" and not hit.data.get("part") else None
            if country is not None and _names_its_people(text, hit.span[1]):
                hit.data["people"] = True
            elif country is not None:
                countries.append((hit.data.get("name") or hit.text, list(hit.span), country.country))
    analysis.mentions.extend(doc.found)
    analysis.mentions.sort(key=lambda m: m.span[0])


def _candidate_strings(text: str) -> set[str]:
    out: set[str] = set()
    for run in _RUN.finditer(text):
        words = run.group().split()
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 6) + 1):
                out.add(_clean_name(" ".join(words[i:j])))
    return out


def _dateline(doc: _Doc) -> None:
    """The dateline says where the report was filed: a place mention, never an event's place.

    "TARTUS, Syria (Reuters) -" or "Kyiv (AP) -" near the top; an upper-case "WINSLOW --"
    at the start of any line-opening sentence.
    """
    for index, (s0, s1) in enumerate(doc.analysis.sentences):
        sentence = doc.text[s0:s1]
        if index < 3 and re.match(r"(?i)(?:written|reporting|editing|by)\b", sentence):
            continue
        m = _DATELINE.match(sentence)
        if not m:
            continue
        city = m.group("city").strip()
        region = (m.group("region") or "").strip()
        uppercase = city.isupper() and len(city) > 2
        if not ((uppercase and (index < 3 or s0 == 0 or doc.text[s0 - 1] == "\n")) or (m.group("agency") and index < 3)):
            continue
        name = city.title() if uppercase else city
        if not doc.known(name):
            continue
        doc.add("NAME", s0 + m.start("city"), s0 + m.start("city") + len(city), index, name=name, dateline=True,
                within=region or None)
        if region and doc.known(region):
            doc.add("NAME", s0 + m.start("region"), s0 + m.end("region"), index, name=region, dateline=True)


def _number(text: str) -> float:
    """'1,200' is twelve hundred, '2,5' two and a half, 'twenty' 20."""
    low = text.lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", low):
        return float(low.replace(",", ""))
    return float(low.replace(",", ".")) if low[0].isdigit() else float(NUMBER_WORDS[low])


def _distance(m: re.Match) -> tuple[str, float]:
    """(unit as written, kilometres) of a matched "13 km", "eight miles"."""
    unit = re.sub(r"\s+", " ", m.group("unit").lower())
    return unit, _number(m.group("num")) * UNITS.get(unit, UNITS.get(unit.rstrip("s"), 1.0))


# Words every match of _RELATIVE (a bearing) and of _DISTANCE_FROM holds: a quick search for them
# spares most sentences those two patterns, the slowest of the place patterns.
_BEARING_WORD = re.compile(r"north|south|east|west", re.IGNORECASE)
_FROM = re.compile(r"from", re.IGNORECASE)


def _relatives(doc: _Doc, index: int, s0: int, sentence: str) -> None:
    for m in _RELATIVE.finditer(sentence) if _BEARING_WORD.search(sentence) else ():
        anchor = _clean_name(m.group("anchor"))
        generic = anchor.lower() in ("base", "airbase", "air base", "port", "facility", "city", "town", "capital")
        if not generic:
            anchor = doc.known_or_fuzzy(anchor) or anchor
        unit, km = _distance(m)
        end = s0 + m.start("anchor") + len(anchor)
        doc.add("RELATIVE", s0 + m.start(), end, index, anchor=anchor, distance_km=km,
                bearing_deg=BEARINGS[m.group("bearing").lower()], approximate=bool(m.group("approx")),
                anchor_span=[s0 + m.start("anchor"), end], generic_anchor=generic, unit=unit)
    for m in _DISTANCE_FROM.finditer(sentence) if _FROM.search(sentence) else ():
        anchor = doc.known_or_fuzzy(m.group("anchor"))
        if anchor:
            unit, km = _distance(m)
            end = s0 + m.start("anchor") + len(anchor)
            doc.add("RELATIVE", s0 + m.start(), end, index, anchor=anchor, distance_km=km, bearing_deg=None,
                    approximate=True, anchor_span=[s0 + m.start("anchor"), end], unit=unit)
    for m in _ROAD.finditer(sentence):
        a, b = _place_in(doc, m.group("a")), _place_in(doc, m.group("b"))
        if a and b:
            start = m.start() + (len(re.match(r"on\s+", m.group()).group()) if re.match(r"on\s", m.group()) else 0)
            doc.add("ROAD", s0 + start, s0 + m.end("b"), index, a=a[0], b=b[0], road=m.group("road"),
                    a_facility=a[1], b_facility=b[1])
    for m in _BETWEEN.finditer(sentence):
        if any(demonyms().get(fold(_clean_name(m.group(end)))) for end in ("a", "b")):
            continue  # "between U.S. and Nigerian forces": peoples, not places
        a, b = doc.known_or_fuzzy(m.group("a")), doc.known_or_fuzzy(m.group("b"))
        if a and b and _states(doc, a) and _states(doc, b) and not _SPATIAL_BEFORE.search(sentence[:m.start()]):
            continue  # "an agreement between Beijing and Phnom Penh": the parties, not a place between them
        if a and b:
            doc.add("BETWEEN", s0 + m.start(), s0 + m.start("b") + len(b), index, a=a, b=b)
    for m in _NEAR.finditer(sentence):
        raw = _clean_name(m.group("anchor"))
        rel = re.sub(r"\s+", " ", m.group("rel").lower())
        if raw.split()[0].lower() in ("air", "airbase", "airfield", "base", "port", "facility", "naval"):
            # "outside the facility": relative to the facility last named
            doc.add("NEAR", s0 + m.start(), s0 + m.start("anchor") + len(raw), index, anchor=None,
                    relation=rel, backref=_facility_kind(raw), word=raw)
            continue
        anchor = doc.known_or_fuzzy(raw)
        if anchor:
            after = sentence[m.start("anchor") + len(anchor):]
            if re.match(r"\s+(?:embassy|consulate|mission|headquarters|building|office|offices|compound|hotel|"
                        r"ministry|parliament|stadium|university|airport|station|border|coast)\b", after):
                continue  # "outside the US embassy in London": the place is the building's, named later
            doc.add("NEAR", s0 + m.start(), s0 + m.start("anchor") + len(anchor), index, anchor=anchor, relation=rel)
    coasts = [*_COAST.finditer(sentence), *_COAST_OF.finditer(sentence)] if "coast" in sentence else []
    for m in coasts:
        raw = _clean_name(m.group("anchor"))
        iso = demonyms().get(fold(raw))
        anchor = doc.gaz.country(iso).name if iso and not iso.startswith("@") and doc.gaz.country(iso) else None
        if anchor is None and fold(raw) == fold(doc.known_prefix(raw) or ""):
            anchor = raw
        if anchor and not all(e.kind == "sea" for e in doc.gaz.lookup(anchor)):  # "the Black Sea coast": the sea
            doc.add("NEAR", s0 + m.start(), s0 + m.end(), index, anchor=anchor, relation=m.group("rel") or "coast")


# words after which "between X and Y" is a stretch of ground or water, even when X and Y are states
_SPATIAL_BEFORE = re.compile(r"\b(?:border|borders|frontier|line|flights?|route|routes|corridor|waters|strait|sea|"
                             r"road|roads|highway|railway|area|zone|region|gap|channel|crossing|crossings|airspace|"
                             r"midway|halfway|somewhere|located|lies|lying|sailed|sailing|flew|flying|shuttled)\s+$",
                             re.IGNORECASE)


def _states(doc: _Doc, name: str) -> bool:
    """A country or a capital: a name that often stands for a government."""
    capitals = doc.gaz.capitals()
    return any(e.kind == "country" or (e.geonames_id or 0) in capitals for e in doc.gaz.lookup(name))


def _place_in(doc: _Doc, phrase: str) -> tuple[str, str | None] | None:
    """A known place inside 'Hmeimim air base' or 'base in Tartous', and the facility kind named."""
    facility = _facility_kind(phrase) if re.search(_FAC, phrase, re.I) else None
    for w in re.findall(rf"{_W}(?:\s+{_W})*", phrase):
        if (k := doc.known_or_fuzzy(w)):
            return k, facility
    return None


def _unknown_name(parts: list[str]) -> str | None:
    """The name words of an unknown facility: its trailing run of capitalised words that are no
    demonym ("Pakistani"), stop word or acronym ("NATO base", "US base" name no place)."""
    run: list[str] = []
    for word in reversed(parts):
        low = word.lower()
        if not word[0].isupper() or low in _STOP or low in COMMON_WORDS or low in DATE_WORDS or fold(word) in demonyms() \
                or (word.isupper() and len(word) <= 5):
            break
        run.insert(0, word)
    name = " ".join(run)
    return name if len(name) >= 4 else None


def _facilities(doc: _Doc, index: int, s0: int, sentence: str) -> None:
    for m in _FACILITY_AFTER.finditer(sentence):
        words = _clean_name(m.group(1))
        # drop leading words that are not part of the name ("Russian Hmeimim air base")
        parts = words.split()
        for i in range(len(parts)):
            name = " ".join(parts[i:])
            if (parts[i].islower() and parts[i] in _CONNECT) or parts[i].lower() in _STOP:
                continue
            article = re.search(rf"\b(?:{_W}\s+)?(?:al|el|as|ash|ad|an|ar)[\s-]$", sentence[:m.start(1)])
            if i == 0 and article and not doc.known(article.group() + name):
                article = re.search(r"\b(?:al|el|as|ash|ad|an|ar)[\s-]$", article.group())
            if i == 0 and article and doc.known(article.group() + name):
                # "al Khadim air base", "the Maaten al Sarra base": the article (and the word before it) name it too
                name, i = article.group() + name, -1
            full = f"{name} {m.group(0)[len(m.group(1)):]}"
            if doc.known(full) or doc.known(name) or (i == len(parts) - 1 and len(name) >= 5 and
                                                      name.lower() not in _FACILITY_DESCRIPTORS and doc.gaz.fuzzy(name, 85.0)):
                start = s0 + m.start(1) - len(article.group()) if i < 0 else \
                    s0 + m.start(1) + len(" ".join(parts[:i])) + (1 if i else 0)
                doc.add("FACILITY", start, s0 + m.end(), index, name=name, facility=_facility_kind(m.group(0)),
                        full=full)
                break
        else:  # a named facility the gazetteer does not know ("the Bholari Air Base"): a place, unplaced
            owner = _POSSESSOR.search(sentence[:m.end(1)])
            words = owner.group("name").split() if owner else []
            town = next((" ".join(words[k:]) for k in range(len(words)) if doc.known(" ".join(words[k:]))), None)
            if town and not _names_a_country(town, doc.gaz):
                # "Kabul's Hamid Karzai International Airport": a facility of that town, named for someone
                start = s0 + owner.end("name") - len(town)
                doc.add("FACILITY", start, s0 + m.end(), index, name=town,
                        facility=_facility_kind(m.group(0)), via="possessive")
                continue
            name = _unknown_name(parts)
            if name:
                start = s0 + sentence.index(name, m.start(1))
                doc.add("UNKNOWN", start, s0 + m.end(), index, name=name, facility=_facility_kind(m.group(0)),
                        cue="facility")
    for m in _FACILITY_OF.finditer(sentence):
        # "Al-Khadim air base in Libya": a name before the facility word means the facility is
        # named there, and what follows "in" is where it is, not its name.
        head = sentence[:m.start()]
        if re.search(rf"{_W}\s*$", head) and not re.search(r"\b(?:The|A|An)\s*$", head):
            continue
        name = doc.known_or_fuzzy(m.group("name"))
        if not name or _names_a_country(name, doc.gaz) or re.match(r"['’]s\b", sentence[m.start("name") + len(name):]):
            continue  # "an airfield in Russia('s Rostov Oblast)": the container, named by _names
        start = s0 + m.start()
        if re.search(r"\bthe\s+$", sentence[max(0, m.start() - 4):m.start()], re.I):
            start -= 4
        end = s0 + m.start("name") + len(name)
        doc.add("FACILITY", start, end, index, name=name, facility=_facility_kind(m.group("fac")),
                name_span=[s0 + m.start("name"), end], via=m.group("prep"))


def _names(doc: _Doc, index: int, s0: int, sentence: str, parsed) -> None:
    ents = {}
    if parsed is not None:
        for ent in parsed.doc.ents:
            start, end = parsed.span(ent)
            ents[(start, end)] = ent.label_
    text = doc.text
    _compounds(doc, index, s0, sentence)
    for run in _RUN.finditer(sentence):
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", run.group())]
        i = 0
        while i < len(words):
            match = None
            for j in range(min(len(words), i + 6), i, -1):
                a, b = run.start() + words[i][0], run.start() + words[j - 1][1]
                phrase = _clean_name(sentence[a:b])
                first, last = phrase.split()[0].lower(), phrase.split()[-1].lower()
                if first in _CONNECT or last in _CONNECT:
                    continue
                if j == len(words):  # "Alawite mountains", "Latakia province": a lower-case place word
                    tail = re.match(r"\s+([a-z]+)", sentence[b:])
                    if tail and tail.group(1) in PLACE_SUFFIXES and doc.known(f"{phrase} {tail.group(1)}"):
                        match = (a, b + tail.end(), f"{phrase} {tail.group(1)}", j)
                        break
                iso = demonyms().get(fold(phrase))
                if doc.known(phrase) and not iso and fold(phrase) not in NEVER_ALONE:
                    match = (a, a + len(phrase), phrase, j)
                    break
                if iso and not doc.overlaps(s0 + a, s0 + a + len(phrase)):
                    match = (a, a + len(phrase), phrase, j, iso)
                    break
            if match is None:
                i += 1
                continue
            if len(match) == 5:  # "Russian troops": the people or things of a country
                a, b, phrase, j, iso = match
                i = j
                if iso.startswith("@"):
                    doc.add("DEMONYM", s0 + a, s0 + b, index, name=phrase, place=iso[1:])
                else:
                    doc.add("DEMONYM", s0 + a, s0 + b, index, name=phrase, country=iso)
                continue
            a, b, phrase, j = match
            i = j
            start, end = s0 + a, s0 + b
            if doc.overlaps(start, end):
                continue
            verdict = _judge(doc, sentence, a, b, phrase, run, ents, s0)
            if verdict:
                part = _PART.search(sentence[max(0, a - 20):a])
                if part and any(e.kind in ("country", "admin", "region") for e in doc.gaz.lookup(phrase)):
                    # "northern Syria": the part of a country or province that lies that way
                    word = part.group(1).lower().replace("-", "")
                    doc.add("NAME", s0 + a - len(part.group(0)), end, index, name=phrase, cue=verdict,
                            part=_PARTS[word], part_word=part.group(1))
                else:
                    doc.add("NAME", start, end, index, name=phrase, cue=verdict)
    # NER places the gazetteer does not know exactly: transliterations, or unknown places.
    for (start, end), label in ents.items():
        if label not in NER_PLACE_LABELS or doc.overlaps(start, end):
            continue
        name = _clean_name(re.sub(r"^(?:the|The)\s+", "", text[start:end]))
        if not name or not name[0].isupper():
            continue
        start = text.index(name, start)
        fuzzy = doc.gaz.fuzzy(name, 85.0) if len(name) >= 5 else []
        if fuzzy:
            doc.add("NAME", start, start + len(name), index, name=name, cue="ner+fuzzy", fuzzy=True)
        elif label in ("GPE", "LOC"):
            doc.add("UNKNOWN", start, start + len(name), index, name=name, cue="ner")
    # Unknown capitalised words after a strong place cue: transliterations ("in Khmeimim").
    for m in re.finditer(rf"\b(?:in|near|outside|at|from|to)\s+(?P<name>{_W})(?![\w'’.-]|\s+[A-Z])", sentence):
        start, end = s0 + m.start("name"), s0 + m.end("name")
        name = _clean_name(m.group("name"))
        if doc.overlaps(start, end) or len(name) < 5 or name.lower() in COMMON_WORDS or fold(name) in doc.person_words:
            continue
        if ents.get((start, end)) in ("PERSON", "ORG"):
            continue
        hits = doc.gaz.fuzzy(name, 80.0)
        if hits and not doc.known(name):
            doc.add("NAME", start, start + len(name), index, name=name, cue="prep+fuzzy", fuzzy=True)
    # "the town of Gossi": a settlement named as one, known to the gazetteer or not.
    for m in _SETTLEMENT_OF.finditer(sentence):
        start, end = s0 + m.start("name"), s0 + m.end("name")
        name = _clean_name(m.group("name"))
        if doc.overlaps(start, end) or doc.known(name) or ents.get((start, end)) in ("PERSON", "ORG"):
            continue
        fuzzy = len(name) >= 5 and bool(doc.gaz.fuzzy(name, 85.0))
        doc.add("NAME" if fuzzy else "UNKNOWN", start, start + len(name), index, name=name,
                cue="settlement+fuzzy" if fuzzy else "settlement", fuzzy=fuzzy)


_SETTLEMENT_OF = re.compile(rf"\bthe\s+(?:small\s+|remote\s+|northern\s+|southern\s+|eastern\s+|western\s+)?"
                           rf"(?:town|village|city|settlement|hamlet|port|commune)\s+of\s+(?P<name>{_W})(?![\w'’.-])")
_COMPOUND = re.compile(r"(?<![\w-])([A-Z][\w.’']*(?:-[\w.’']+)+)")


# "Iran-backed", "U.S.-led", "Russian-held": the participle's doer, named before it ("backed by Iran");
# "X-based" says where, so it is no doer.
_DOER_PARTICIPLE = re.compile(r"(?i)(?!based$)(?:[a-z]+ed|made|held|run|built|born|grown|flown|driven|drawn)$")


def _compounds(doc: _Doc, index: int, s0: int, sentence: str) -> None:
    """Places inside hyphenated words: 'Istanbul-based', 'Egyptian-US relations', 'Arab-Israeli', 'D-S.C.'.
    A place before a participle ("Iran-backed militias", "U.S.-led strikes") is marked ``doer``: it
    names who backs or leads, not where anything happens."""
    for m in _COMPOUND.finditer(sentence):
        token = _clean_name(m.group(1))
        if doc.known(token):
            continue
        parts = token.split("-")
        doer = {"doer": True} if len(parts) > 1 and _DOER_PARTICIPLE.match(parts[-1]) else {}
        pos = m.start(1)
        for part in parts:
            start = s0 + pos
            pos += len(part) + 1
            part = part.rstrip(".") if not re.search(r"\.\w", part) else part
            if len(part) < 2 or not part[0].isupper():
                continue
            key = fold(part)
            iso = demonyms().get(key)
            if iso:
                data = {"place": iso[1:]} if iso.startswith("@") else {"country": iso}
                doc.add("DEMONYM", start, start + len(part), index, name=part, **data, **doer)
                continue
            entries = doc.gaz.lookup(part)
            if any(e.kind in ("country", "region", "sea")
                   or (e.kind == "admin" and e.feature != "ADM2" and (fold(e.name) == key or "." in part))
                   or (e.kind == "city" and e.population >= 100_000) for e in entries):
                doc.add("NAME", start, start + len(part), index, name=part, cue="compound", **doer)


_PARTS = {"northern": 0, "northeastern": 45, "eastern": 90, "southeastern": 135, "southern": 180,
          "southwestern": 225, "western": 270, "northwestern": 315, "central": None}
_PART = re.compile(r"\b((?:north|south)?(?:-)?(?:east|west)ern|northern|southern|central)\s+$", re.I)


def _judge(doc: _Doc, sentence: str, a: int, b: int, phrase: str, run, ents: dict, s0: int) -> str | None:
    """Why a known name in running text is a place mention here, or None when it is not."""
    entries = doc.gaz.lookup(phrase)
    key = fold(phrase)
    abbreviations = [e for e in entries if e.kind == "admin" and e.country == "US" and fold(e.name) != key]
    if abbreviations:
        # "W.Va.", "Ga.", "Miss.": state abbreviations only with their dot, after a comma or "in"
        if re.search(r"(?:,|-|\bin)\s*$", sentence[:a]) and sentence[b:b + 1] == ".":
            return "comma"
        entries = [e for e in entries if e not in abbreviations]
        if not entries:
            return None
    label = next((lab for (s, e), lab in ents.items() if s <= s0 + a and s0 + b <= e), None)
    exact_label = ents.get((s0 + a, s0 + b))
    before = sentence[max(0, a - 60):a]
    after = sentence[b:b + 40]
    prep = bool(_LOC_PREP.search(before))
    comma = _COMMA_PLACE.match(after)
    comma_place = bool(comma) and doc.known(comma.group(1).rstrip(".,"))
    suffix = re.match(r"\s+([A-Za-z]+(?:\s+[a-z]+)?)", after)
    place_word = bool(suffix and (suffix.group(1).lower() in PLACE_SUFFIXES or suffix.group(1).split()[0].lower() in PLACE_SUFFIXES))
    # A second-level division named bare ("Essex", "Nadia", "Casey") is no stronger than a town: many
    # are people's names too. Written with its unit word ("Pike County") it is as strong as any division.
    bare = _bare_divisions(phrase, entries)
    big = max((e.population for e in entries if e not in bare), default=0)
    kinds = {"city" if e in bare else e.kind for e in entries}
    strong_kind = bool(kinds & {"country", "admin", "region", "sea", "airfield", "port", "base"})
    words_in_run = run.group().split()
    rel_a, rel_b = a - run.start(), b - run.start()
    prev_word = run.group()[:rel_a].split()[-1] if rel_a > 0 else None
    rest = run.group()[rel_b:].split()
    next_word = rest[0] if rest and rest[0].strip(".,’'") else None
    if rest and re.match(r"^[.,]", run.group()[rel_b:]):
        next_word = None  # "London. The ...": the name ends the clause
    # possessive or part of a longer unknown name: "Texas Rangers", "Jackson Browne", "Ali Halloum"
    if next_word is not None and (next_word.lower().strip(".,") in _STOP - _CONNECT or next_word.lower().strip(".,") in DATE_WORDS):
        next_word = None
    if next_word is not None and next_word.lower().strip(".,") in _ROAD_WORDS:
        return None  # "Marshall Street"
    early_common = key in COMMON_WORDS and key not in PLACE_DESPITE_COMMON and not strong_kind
    if key in COMMON_WORDS and key not in PLACE_DESPITE_COMMON and next_word and next_word.lower() in _CONNECT:
        return None  # "the Line of Actual Control": a common word opening a longer name
    if early_common:
        return None
    if key in doc.person_words and len(words_in_run) <= 2 and not strong_kind and big < 100_000 \
            and not comma_place and not place_word:
        return None  # "Hollister said", after "Martha Hollister"
    if next_word is not None:
        nw = next_word.lower().strip(".,")
        if nw not in PLACE_SUFFIXES and nw not in _CONNECT:
            # "U.S. Army", "New York Times", "Texas Rangers": the place names something else,
            # but is still a (modifier) place mention; small places there are usually not places.
            later = {w.lower().strip(".,'’") for w in rest}
            if kinds & {"country", "admin", "region", "sea"} or (big >= 500_000 and nw in _ORG_WORDS) or \
                    (big >= 10_000 and later & _ORG_WORDS):
                # "U.S. Army", "Dublin Historical Society", "Springfield Water Board"; "modifier+org" when
                # an organisation's word ends the name ("the Kurdistan Workers' Party"): no event's place
                return "modifier+org" if later & _ORG_WORDS else "modifier"
            return None if exact_label not in NER_PLACE_LABELS else "ner"
    if prev_word is not None and (prev_word.lower().strip(".,") in _STOP or re.search(r"['’]s$", prev_word)):
        prev_word = None  # "In Hmeimim", "the FBI's Atlanta office"
    if key in _STOP:
        return None
    if phrase.replace(".", "").isupper() and len(phrase.replace(".", "")) <= 4 and not strong_kind:
        return None  # "PRI", "GNR": acronyms name countries, states or bases, not villages
    if prev_word is not None:
        pw = prev_word.lower().strip(".,")
        if pw in _TITLES:
            return None
        if pw not in _QUALIFIERS and pw not in _CONNECT:
            if pw in _ORG_WORDS or not (kinds & {"country", "admin"}):
                if exact_label not in NER_PLACE_LABELS:
                    return None
    if label in ("PERSON",) and not (prep or place_word or comma_place) and not strong_kind:
        return None
    if _is_demonym_like(phrase, entries):
        return None
    sentence_initial = a == 0 or bool(re.search(r"[\"“(]\s*$", sentence[:a]))
    if prev_word is None and rel_a > 0:
        sentence_initial = False
    is_common = key in COMMON_WORDS or (key in doc.lower_words and len(words_in_run) == 1 and not phrase.isupper())
    if is_common and key not in PLACE_DESPITE_COMMON and not strong_kind:
        return None
    cue = "prep" if prep else "comma" if comma_place else "suffix" if place_word else None
    if exact_label in NER_PLACE_LABELS or label in NER_PLACE_LABELS:
        return cue or "ner"
    if is_common and not cue:
        return None
    if strong_kind or big >= 50_000:
        return cue or "gazetteer"
    if cue:
        return cue
    if sentence_initial and big < 100_000:
        return None
    if label in NER_NOT_PLACE:
        return None
    if big >= 5_000 and not phrase.isupper():
        return "gazetteer"
    return None


def _is_demonym_like(name: str, entries) -> bool:
    if any(e.kind in ("country", "admin", "airfield", "port", "base", "region", "sea") for e in entries):
        return False
    if max((e.population for e in entries), default=0) >= 200_000:
        return False
    return bool(re.search(r"(?:ian|ese|ish|ans|ians|ite|ites)$", name))


PEOPLE_HEADS = COUNTRY_HEADS | ORG_HEADS | {"department", "armed"}
_NEXT_WORD = re.compile(r"\.?(?:\s+and\s+[A-Z][\w.-]*)?\s+(?i:military\s+|armed\s+)?([A-Za-z]+)")


def _names_its_people(text: str, end: int) -> bool:
    """'U.S. troops', 'U.S. and Nigerian forces', 'the U.S. Department': a country named for its forces
    or government, the doer, not a place: neither where an event is nor what "the country" means later."""
    word = _NEXT_WORD.match(text, end)
    return bool(word) and word.group(1).lower() in PEOPLE_HEADS


def _country_referred(phrase: str, start: int, countries: list[tuple[str, list[int], str | None]]):
    """(name, span, ISO alpha-2) of the country "the country" points back to: the last one named before it, or,
    for "the North African country", the last one named on that continent (none if none was)."""
    low = phrase.lower()
    words = [w for w in CONTINENT_ADJECTIVES if re.search(rf"\b{w}\b", low)]
    allowed = {c for w in words for c in CONTINENT_ADJECTIVES[w]}
    for name, span, iso2 in reversed(countries):
        if span[0] < start and (not allowed or continent(iso2) in allowed):
            return name, span, iso2
    return None


def _backrefs(doc: _Doc, index: int, s0: int, sentence: str, last: dict[str, tuple[str, list[int]]],
              countries: list[tuple[str, list[int], str | None]]) -> None:
    """'the air base' -> the airfield last named; 'the facility', 'the base' -> the facility last named;
    'the country' -> the country last named (``countries``: (name, span, ISO alpha-2) in text order)."""
    def target(kind: str):
        return last.get(kind if kind != "base" else "any") or (last.get("any") if kind == "base" else None)

    here = sorted((h for h in doc.found if h.sentence == index), key=lambda h: h.span[0])
    outer = dict(last)
    for m in _BACKREF.finditer(sentence):
        kind = _facility_kind(m.group("word"))
        last = dict(outer)
        for h in here:  # facilities named earlier in this sentence come last
            if h.span[1] <= s0 + m.start():
                for k, name, span in _site_kinds(h, doc.gaz):
                    last[k] = last["any"] = (name, span)
        hit = target(kind)
        if hit is None:
            continue
        doc.add("BACKREF", s0 + m.start(), s0 + m.end(), index, refers_to=hit[0],
                refers_span=list(hit[1]) if hit[1] else None, facility=kind)
    for m in _COUNTRY_BACKREF.finditer(sentence):
        hit = _country_referred(m.group(0), s0 + m.start(), countries)
        if hit is not None:
            doc.drop(s0 + m.start(), s0 + m.end(), "DEMONYM")  # "the North African country" is one place
            doc.add("BACKREF", s0 + m.start(), s0 + m.end(), index, refers_to=hit[0], refers_span=list(hit[1]),
                    facility="country")
            countries.append((hit[0], [s0 + m.start(), s0 + m.end()], hit[2]))  # named again, here
    for m in doc.found:
        if m.label == "NEAR" and m.data.get("backref") and m.sentence == index and "refers_to" not in m.data:
            hit = target(m.data["backref"])
            if hit is not None and (hit[1] is None or hit[1][0] < m.span[0]):
                m.data.update(anchor=hit[0], refers_span=list(hit[1]) if hit[1] else None, refers_to=hit[0])


def _site_kinds(m: Mention, gazetteer: Gazetteer) -> list[tuple[str, str, list[int]]]:
    """The facilities a mention names, as (kind, name, span), for later back-references."""
    if m.label == "FACILITY":
        entries = gazetteer.lookup(m.data.get("full") or "") or gazetteer.lookup(m.data["name"])
        site = next((e for e in entries if e.kind in ("airfield", "port", "base")), None)
        kind = site.kind if site and m.data["facility"] == "base" else m.data["facility"]
        return [(kind, m.data["name"], list(m.span))]
    if m.label == "NAME":
        entries = gazetteer.lookup(m.data.get("name") or m.text)
        if entries and all(e.kind in ("airfield", "port", "base") for e in entries):
            return [(entries[0].kind, m.data.get("name") or m.text, list(m.span))]
    if m.label == "ROAD":
        # the road's ends are named inside the road mention: refer to them by name
        return [(m.data[f"{end}_facility"], m.data[end], None) for end in ("a", "b") if m.data.get(f"{end}_facility")]
    if m.label == "BACKREF":
        return [(m.data["facility"], m.data["refers_to"], m.data["refers_span"])]
    return []


def mention_name(m: Mention) -> str:
    """The name to look up for a place mention."""
    return m.data.get("name") or m.data.get("anchor") or m.text


__all__ = ["find_places", "mention_name", "fold", "BEARINGS", "UNITS"]

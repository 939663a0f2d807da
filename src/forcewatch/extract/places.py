"""Place mentions: named places, facilities, relative places and back-references.

spaCy's small model often mislabels Levantine names (Hmeimim as NORP or
PERSON, Tartus as ORG), so NER labels alone are not trusted: any entity or
capitalised phrase the gazetteer knows is a candidate, and facility phrases
("the Hmeimim air base", "the naval facility in Tartus") are found by pattern.
"""

from __future__ import annotations

import re

from forcewatch.extract.nlp import ParsedSentence
from forcewatch.gazetteer.lookup import Gazetteer, fold
from forcewatch.records import Analysis, Mention

FACILITY_WORDS = r"(?:air\s?base|airbase|airfield|airport|air\s+field|naval\s+(?:base|facility)|naval\s+port|port|base|facility)"
_FACILITY_AFTER = re.compile(rf"\b((?:[A-Z][\w'’-]*\s+){{1,3}}){FACILITY_WORDS}\b")
_FACILITY_OF = re.compile(rf"\b(?:the\s+)?{FACILITY_WORDS}\s+(?:in|at|of|near)\s+((?:[A-Z][\w'’-]*\s?){{1,3}})")
_BACKREF = re.compile(r"\b[Tt]he\s+(?:Russian\s+|Syrian\s+|naval\s+|military\s+|air\s+)?(air\s?base|airbase|base|facility|port|airfield|airport)\b(?!\s+(?:in|at|of)\s+[A-Z])")

UNITS = {"km": 1.0, "kilometer": 1.0, "kilometre": 1.0, "kilometers": 1.0, "kilometres": 1.0,
         "mile": 1.609344, "miles": 1.609344, "mi": 1.609344,
         "nautical mile": 1.852, "nautical miles": 1.852, "nm": 1.852}
BEARINGS = {"north": 0, "north-east": 45, "northeast": 45, "east": 90, "south-east": 135,
            "southeast": 135, "south": 180, "south-west": 225, "southwest": 225, "west": 270,
            "north-west": 315, "northwest": 315,
            "north-northeast": 22.5, "east-northeast": 67.5, "east-southeast": 112.5,
            "south-southeast": 157.5, "south-southwest": 202.5, "west-southwest": 247.5,
            "west-northwest": 292.5, "north-northwest": 337.5}
_NUM = r"\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred"
WORD_NUMS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
             "forty": 40, "fifty": 50, "hundred": 100}
_RELATIVE = re.compile(
    rf"(?:(?P<approx>about|some|around|roughly|nearly|approximately|almost)\s+)?(?P<num>{_NUM})[\s-]*"
    r"(?P<unit>nautical miles?|kilometers?|kilometres?|km|miles?|mi|nm)\b"
    r"(?:\s*\([^)]*\))?\s+(?:to\s+the\s+)?"
    r"(?P<bearing>" + "|".join(sorted(BEARINGS, key=len, reverse=True)) + r")\s+of\s+"
    r"(?:the\s+)?(?P<anchor>(?:[A-Z][\w'’-]*\s?){1,4})",
    re.IGNORECASE,
)
_NEAR = re.compile(
    r"\b(?P<rel>near|outside|off|just outside|close to|on the outskirts of|north of|south of|east of|west of|"
    r"northeast of|northwest of|southeast of|southwest of)\s+(?:the\s+)?(?P<anchor>(?:[A-Z][\w'’-]*\s?){1,4})"
)
_ROAD = re.compile(
    r"\b(?:on\s+)?the\s+(?P<road>highway|road|motorway)\s+(?:connecting|linking|between|from)\s+(?:the\s+)?"
    r"(?P<a>.+?)\s+(?:to|and|with)\s+(?:the\s+)?(?P<b>(?:[\w'’-]+\s?){1,5}?)(?=[,.;]|\s+(?:a|an|the)\s)"
)
NER_PLACE_LABELS = {"GPE", "LOC", "FAC"}
NER_MAYBE = {"ORG", "NORP", "PERSON"}


def _clean_name(name: str) -> str:
    return re.sub(r"[\s,.;:]+$", "", name.strip())


def find_places(analysis: Analysis, gazetteer: Gazetteer) -> None:
    """Add place mentions for every parsed sentence to ``analysis.mentions``."""
    text = analysis.document.text
    taken: list[tuple[int, int]] = []
    last_facility: Mention | None = None

    def add(kind_label: str, start: int, end: int, index: int, **data) -> Mention | None:
        if any(start < e and end > s for s, e in taken):
            return None
        m = Mention("place", text[start:end], (start, end), kind_label, index, data)
        taken.append((start, end))
        analysis.mentions.append(m)
        return m

    for index in sorted(analysis.parse):
        parsed: ParsedSentence = analysis.parse[index]
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        found: list[Mention] = []
        # 1. Relative places and roads first: they contain other names.
        for m in _RELATIVE.finditer(sentence):
            anchor = _clean_name(m.group("anchor"))
            anchor = _known_prefix(anchor, gazetteer) or anchor
            num = m.group("num").lower().replace(",", ".")
            value = float(num) if num[0].isdigit() else float(WORD_NUMS[num])
            km = value * UNITS[m.group("unit").lower().rstrip("s") if m.group("unit").lower() not in UNITS else m.group("unit").lower()]
            end = s0 + m.start("anchor") + len(anchor)
            hit = add("RELATIVE", s0 + m.start(), end, index, anchor=anchor,
                      distance_km=km, bearing_deg=BEARINGS[m.group("bearing").lower()],
                      approximate=bool(m.group("approx")),
                      anchor_span=(s0 + m.start("anchor"), end))
            found += [hit] if hit else []
        for m in _ROAD.finditer(sentence):
            a, b = _place_name(m.group("a"), gazetteer), _place_name(m.group("b"), gazetteer)
            if a and b:
                hit = add("ROAD", s0 + m.start("road") - 4, s0 + m.end("b"), index, a=a, b=b, road=m.group("road"))
                found += [hit] if hit else []
        for m in _NEAR.finditer(sentence):
            anchor = _known_prefix(_clean_name(m.group("anchor")), gazetteer)
            if anchor:
                rel = m.group("rel").lower()
                hit = add("NEAR", s0 + m.start(), s0 + m.start("anchor") + len(anchor), index,
                          anchor=anchor, relation=rel)
                found += [hit] if hit else []
        # 2. Facilities by pattern.
        for pattern in (_FACILITY_AFTER, _FACILITY_OF):
            for m in pattern.finditer(sentence):
                name = _clean_name(m.group(1))
                if _known_prefix(name, gazetteer) or name in gazetteer:
                    hit = add("FACILITY", s0 + m.start(1), s0 + m.end(), index, name=name,
                              facility=_facility_kind(m.group(0)))
                    if hit:
                        found.append(hit)
        # 3. Entities the model found, and known names it mislabelled.
        for ent in parsed.doc.ents:
            name = _clean_name(re.sub(r"^(?:the|The)\s+", "", ent.text))
            if ent.label_ in NER_PLACE_LABELS or (ent.label_ in NER_MAYBE and name in gazetteer):
                if ent.label_ == "NORP" and not name in gazetteer:
                    continue
                start, end = parsed.span(ent)
                if ent.text != name:
                    start = text.index(name, start)
                    end = start + len(name)
                if ent.label_ == "NORP" and _is_demonym(name):
                    continue
                hit = add(ent.label_, start, end, index, name=name)
                found += [hit] if hit else []
        # 4. "the facility", "the base": the facility last named.
        for m in _BACKREF.finditer(sentence):
            if last_facility is not None:
                hit = add("BACKREF", s0 + m.start(), s0 + m.end(), index,
                          refers_to=last_facility.data.get("name") or last_facility.text,
                          refers_span=list(last_facility.span))
                found += [hit] if hit else []
        for hit in sorted(found, key=lambda h: h.span[0]):
            if hit.label in ("FACILITY",) or (hit.label != "BACKREF" and _is_site(hit, gazetteer)):
                last_facility = hit
    analysis.mentions.sort(key=lambda m: m.span[0])


def _is_demonym(name: str) -> bool:
    return bool(re.search(r"(?:ian|ese|ish|i|ic|an)s?$", name)) and name not in ("Hmeimim",)


def _is_site(m: Mention, gazetteer: Gazetteer) -> bool:
    name = m.data.get("name")
    return bool(name) and any(e.site_id for e in gazetteer.lookup(name))


def _facility_kind(phrase: str) -> str:
    p = phrase.lower()
    if "air" in p:
        return "airfield"
    if "naval" in p or "port" in p:
        return "port"
    return "base"


def _known_prefix(name: str, gazetteer: Gazetteer) -> str | None:
    """The longest leading run of words that the gazetteer knows ("Tartous Port" -> "Tartous")."""
    words = name.split()
    for n in range(len(words), 0, -1):
        candidate = " ".join(words[:n])
        if candidate in gazetteer:
            return candidate
    return None


def _place_name(phrase: str, gazetteer: Gazetteer) -> str | None:
    """A known place inside a phrase such as 'Hmeimim air base' or 'base in Tartous'."""
    words = re.findall(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", phrase)
    for w in words:
        if (k := _known_prefix(w, gazetteer)):
            return k
    return None


def mention_name(m: Mention) -> str:
    """The name to look up for a place mention."""
    return m.data.get("name") or m.data.get("anchor") or m.text


__all__ = ["find_places", "mention_name", "fold"]

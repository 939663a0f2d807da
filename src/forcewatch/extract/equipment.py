"""Equipment mentions with counts, from a packaged catalogue.

"at least two Antonov AN-124s" is one mention: An-124, count 2, at_least.
Longer catalogue matches win over shorter ones at the same place, so
"guided-missile frigates" is not also a plain "frigate".
"""

from __future__ import annotations

import re
from functools import cached_property

from forcewatch.data import packaged
from forcewatch.lexicon import MONTH_PATTERN, NUMBER_WORDS
from forcewatch.records import Equipment, Span

# The number words, and the other words a count of equipment is written with: an article before a
# singular noun ("an oil ship"), a pair, dozens, and vague amounts (several: a count without a value).
COUNT_WORDS = {
    **NUMBER_WORDS, "a": 1, "an": 1, "single": 1, "pair": 2,
    "dozen": 12, "dozens": 24, "several": None, "some": None, "many": None,
    "a pair": 2, "a couple": 2, "a dozen": 12, "a few": None, "a handful": None, "hundreds": None, "thousands": None,
}
QUALIFIERS = {
    "at least": "at_least", "more than": "at_least", "over": "at_least", "some": "about",
    "about": "about", "around": "about", "roughly": "about", "nearly": "about", "up to": "at_most",
    "at most": "at_most", "almost": "about", "approximately": "about",
}
_QUAL = "|".join(sorted(QUALIFIERS, key=len, reverse=True))
_COUNT = re.compile(
    rf"(?:(?P<qual>{_QUAL})\s+)?"
    r"(?<![\w.-])(?P<num>\d[\d,]*|" + "|".join(sorted(COUNT_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:of\s+(?:the\s+)?)?(?:[A-Za-z.'’-]+\s+){0,3})?$",
    re.IGNORECASE,
)


_PART_OF = re.compile(
    rf"(?:(?P<qual>{_QUAL})\s+)?"
    r"(?<![\w.-])(?P<num>\d[\d,]*|" + "|".join(w for w in sorted(COUNT_WORDS, key=len, reverse=True) if " " not in w
                                             and w not in ("a", "an", "some", "many")) + r")"
    r"\s+of\s+(?:the|its|their|his|her|[A-Z][\w-]*['’]s)\s+$", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"\b{MONTH_PATTERN}\s+$", re.IGNORECASE)


class Catalogue:
    """The equipment catalogue (data/equipment.yaml or a user file of the same form), compiled once."""

    def __init__(self, entries: list[dict]):
        self.entries = [
            (re.compile(r"(?<![\w-])(?:" + "|".join(e["patterns"]) + r")(?![\w-])", re.IGNORECASE), e)
            for e in entries
        ]
        self.generic_names = {e["name"] for e in entries if e.get("generic")}
        # Without IGNORECASE, for lower-cased text: a third faster, and every parsed sentence is
        # searched with all of it. A pattern written with capitals keeps the flag.
        self.lower_case = [re.compile(p.pattern) if not re.search(r"[A-Z]", re.sub(r"\\.", "", p.pattern)) else p
                           for p, _ in self.entries]
        # Where any entry's name can start: one scan of a text instead of one per entry (the per-entry
        # scans were the costliest line of our own code). Each entry is then tried at those places only.
        self._starts = rf"(?<![\w-])(?=(?:{'|'.join(p for e in entries for p in e['patterns'])})(?![\w-]))"
        self.lower_starts = re.compile(self._starts, re.IGNORECASE if any(
            p.flags & re.IGNORECASE for p in self.lower_case) else 0)

    @cached_property
    def starts(self) -> re.Pattern:
        """The same for text as written (rare: where lower-casing changes its length)."""
        return re.compile(self._starts, re.IGNORECASE)

    @classmethod
    def packaged(cls) -> Catalogue:
        return cls(packaged("equipment.yaml"))

    def __iter__(self):
        return iter(self.entries)


def find_equipment(text: str, catalogue: Catalogue, offset: int = 0) -> list[Equipment]:
    """Equipment named in a stretch of text (a sentence), with counts where stated."""
    found: list[Equipment] = []
    candidates = [(m.start(), -(m.end() - m.start()), m, entry) for m, entry in catalogue_matches(text, catalogue)]
    occupied = bytearray(len(text) + 1)  # characters a longer name took: linear, where a list of spans was quadratic
    for start, _, m, entry in sorted(candidates, key=lambda c: (c[1], c[0])):
        if any(occupied[start:m.end()]):
            continue
        occupied[start:m.end()] = b"\x01" * (m.end() - start)
        count, qualifier = _count_before(text, start, plural=m.group().lower().endswith("s"))
        found.append(Equipment(
            name=entry["name"], category=entry["category"], count=count, count_qualifier=qualifier,
            text=text[start:m.end()], span=(offset + start, offset + m.end()),
        ))
    found.sort(key=lambda e: e.span[0])
    # A generic word right after a type of the same category names the same thing:
    # "Il-76 transport planes" is one mention of Il-76s.
    generic = catalogue.generic_names
    keep: list[Equipment] = []
    for e in found:
        prev = keep[-1] if keep else None
        if prev is not None and (e.name in generic or e.name == prev.name) and prev.category == e.category and 0 <= e.span[0] - prev.span[1] <= 1:
            prev.text = text[prev.span[0] - offset:e.span[1] - offset]
            prev.span = (prev.span[0], e.span[1])
            continue
        keep.append(e)
    return keep


def catalogue_matches(text: str, catalogue: Catalogue) -> list[tuple[re.Match, dict]]:
    """Each entry's matches in ``text``, entry by entry, as the entry's own finditer would give them
    (leftmost first, none overlapping), with one scan of the text for the places any can start."""
    low = text.lower()
    if len(low) == len(text):  # offsets stay the same (not so for a few letters, such as "İ")
        haystack, patterns, starts = low, catalogue.lower_case, catalogue.lower_starts
    else:
        haystack, patterns, starts = text, [pattern for pattern, _ in catalogue.entries], catalogue.starts
    positions = [m.start() for m in starts.finditer(haystack)]
    out = []
    for pattern, (_, entry) in zip(patterns, catalogue.entries) if positions else ():
        end = 0
        for pos in positions:
            if pos >= end and (m := pattern.match(haystack, pos)):
                out.append((m, entry))
                end = m.end()
    return out


def _count_before(text: str, start: int, plural: bool) -> tuple[int | None, str | None]:
    """The number in the few words before a mention: 'at least two Antonov' -> (2, at_least).

    An article counts as one only before a singular noun it governs ("an oil ship"),
    not in "a convoy of vehicles".
    """
    window = text[max(0, start - 60):start]
    # Only look within the current phrase.
    window = re.split(r"[;:()—–]|,\s|\band\b|\bwith\b", window)[-1]
    m = _COUNT.search(window)
    if not m:
        return None, None
    while not re.match(r"\s+of\b", window[m.end("num"):]):  # "5 of the 12 frigates": five
        # the number nearest the noun: "dated December 9 showed two frigates" -> two
        later = _COUNT.search(window, m.end("num"))
        if later is None:
            break
        m = later
    part = _PART_OF.search(window[:m.start("num")])
    if part:  # "5 of the 12 frigates", "at least three of Russia's 11 submarines": the part is counted
        m = part
    num = m.group("num").lower().replace(",", "")
    lead = window[:m.start("num")]
    if num.isdigit() and (_MONTH_BEFORE.search(lead) or (len(num) == 4 and re.search(r"\b(?:in|since|by|until)\s+$", lead, re.IGNORECASE))):
        return None, None  # "on December 9 showed frigates", "in 2017 warships": a date, not a count
    if num in ("a", "an") and (plural or re.search(r"\bof\b", m.group(), re.IGNORECASE)):
        return None, None
    value = int(num) if num.isdigit() else COUNT_WORDS.get(num)
    qual = QUALIFIERS.get((m.group("qual") or "").lower())
    if num in ("some", "several", "many", "dozens"):
        qual = "about" if value else None
    if value is not None and qual is None:
        qual = "exact"
    return value, qual

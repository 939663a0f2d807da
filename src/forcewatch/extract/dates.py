"""Date and time expressions, as written; resolve/time gives them calendar dates.

Found by pattern (weekdays, month-day, years, ranges, named eras such as "the
early Cold War", relative phrases) and by the
model's DATE entities; durations ("a 49-year lease", "five years") are kept
out because they say how long, not when.
"""

from __future__ import annotations

import re

from forcewatch.lexicon import MONTH_PATTERN, MONTHS, NUMBER_WORDS, ORDINAL_DAY_PATTERN, WEEKDAY_PATTERN
from forcewatch.records import Analysis, Mention

# "a week ago", "seven days ago": a longer while back is written as a date
_FEW = "|".join(["a", *(word for word, n in NUMBER_WORDS.items() if n <= 7)])
_PATTERNS = [
    ("DATE", re.compile(rf"\b{MONTH_PATTERN}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b")),
    ("DATE", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_PATTERN}(?:,?\s+\d{{4}})?\b")),
    ("DATE", re.compile(rf"\bthe\s+{ORDINAL_DAY_PATTERN}\s+of\s+{MONTH_PATTERN}(?:,?\s+\d{{4}})?\b")),
    ("DATE", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("DATE", re.compile(rf"\b\d{{1,2}}-(?i:{'|'.join(m[:3] for m in MONTHS)})-(?:\d{{4}}|\d{{2}})\b")),  # 08-FEB-17
    ("SHIFT", re.compile(rf"\b(?:\d+|{_FEW}|a|one|two|three|four|five|six)\s+(?:days?|weeks?)\s+(?:from|after)\s+"
                         rf"(?:(?:next|this|last)\s+)?{WEEKDAY_PATTERN}\b", re.IGNORECASE)),
    ("MONTH", re.compile(rf"\b{MONTH_PATTERN}\s+(?:of\s+)?(?:last|this|next)\s+year\b")),
    ("DECADE", re.compile(r"\b(?:the\s+)?(?:(?:early|mid|late)[- ])?(?:19|20)\d0s\b")),
    ("SAME", re.compile(r"\b(?:(?:earlier|later)\s+(?:on\s+)?)?(?:the\s+same\s+day|that\s+(?:same\s+)?day)\b", re.IGNORECASE)),
    ("MONTH", re.compile(rf"\b(?:(?:early|mid|late)[- ])?{MONTH_PATTERN}\s+\d{{4}}\b")),
    ("MONTH", re.compile(rf"\b(?:last|this|next)\s+month\b|\b(?:in|since|during|until)\s+(?:early\s+|mid-?|late\s+)?{MONTH_PATTERN}\b(?!\s+\d)")),
    ("WEEKDAY", re.compile(rf"\b(?:(?:last|this|next|on|early|late)\s+)?{WEEKDAY_PATTERN}(?:\s+(?:morning|afternoon|evening|night))?\b")),
    ("RELATIVE", re.compile(r"\b(?:today|yesterday|tonight|last night|this week|last week|earlier this week|later this week|next week|this weekend|last weekend|(?:in\s+)?the\s+coming\s+(?:days|weeks)|(?:" + _FEW + r"|\d+) (?:days?|weeks?) ago)\b", re.IGNORECASE)),
    ("RANGE", re.compile(r"\b(?:between|from)\s+(?:19|20)\d{2}\s+(?:and|to|until|through)\s+(?:19|20)\d{2}\b|\b(?:19|20)\d{2}\s?[-–]\s?(?:(?:19|20)\d{2}|\d{2})\b(?![-\s]*(?:year|km|kilomet|mile))")),
    # A named period as a time ("since the early Cold War", "during World War Two"), not as a label
    # ("Cold War-era bombers", "a new Cold War"): it needs a preposition before it.
    ("ERA", re.compile(r"\b(?:[Ss]ince|[Dd]uring|[Ii]n|[Aa]fter|[Bb]efore|[Uu]ntil|[Tt]hroughout)\s+(?:the\s+)?"
                       r"(?:(?:early|late|mid|final|first)[- ](?:years\s+of\s+the\s+)?)?"
                       r"(?:Cold War|Second World War|First World War|World War (?:II|I|One|Two|2|1)|Soviet era|Soviet times)"
                       r"\b(?![-–](?:era|style|vintage|type|like|built|made))")),
    ("RELATIVE", re.compile(r"\b(?:last|this|next|earlier this|later this) year\b", re.IGNORECASE)),
    # a stretch reaching back from the report ("for decades", "over the past decade", "in recent years")
    ("BACK", re.compile(r"\b(?:for|over|in|during|throughout)\s+(?:the\s+)?(?:(?:past|last|recent|previous)\s+)?"
                        r"(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many|a\s+few)\s+)?"
                        r"(?:decades?|years)\b(?!\s+(?:old|ago|later|earlier|from))", re.IGNORECASE)),
    # the year an act is named by ("the 2015 intervention"), not a count ("the 2000 troops")
    ("YEAR", re.compile(r"\b(?:[Tt]he|its|their|his|her|[A-Z][\w-]+['’]s)\s+((?:19|20)\d{2})\s+(?=[a-z])"
                        r"(?![a-z]+s\b)(?!(?:km|kilomet|mile|year)\w*)")),
    # a year, not a count: "around 2000 troops", "a force of 1500 soldiers" say how many
    ("YEAR", re.compile(r"\b(?:in|since|by|until|from|during|of|to|before|after|around|early|late|mid-?)\s+((?:19|20)\d{2})\b"
                        r"(?![-\s]*(?:year|km|kilomet|mile))(?!\s+(?:more\s+|additional\s+|extra\s+)?(?!(?:was|is|has|as|this|its|thus|his)\b)[a-z]+s\b)")),
]
_DURATION = re.compile(r"^\d+[-\s](?:year|month|week|day|hour)s?(?:-long|-old)?$|^(?:\w+\s+)?(?:years?|months?|weeks?|days?|decades?)$|"
                       r"^(?:(?:more|less|fewer)\s+than|nearly|about|almost|over|some|around|at\s+least|up\s+to)\s+"
                       r"(?:\d+|[a-z]+)\s+(?:years?|months?|weeks?|days?|hours?|decades?)$|"
                       r"^\d{2}-\d{4}$(?<!-19\d\d)(?<!-20\d\d)", re.IGNORECASE)  # durations; serials ("60-0024")


def find_dates(analysis: Analysis) -> None:
    """Add date mentions for parsed sentences (pattern hits first, then the model's DATE entities)."""
    text = analysis.document.text
    taken: list[tuple[int, int]] = []

    def add(label: str, start: int, end: int, index: int) -> Mention | None:
        if any(start < e and end > s for s, e in taken):
            return None
        taken.append((start, end))
        mention = Mention("date", text[start:end], (start, end), label, index)
        analysis.mentions.append(mention)
        return mention

    for index in sorted(analysis.parse):
        s0, s1 = analysis.sentences[index]
        sentence = text[s0:s1]
        for label, pattern in _PATTERNS:
            for m in pattern.finditer(sentence):
                group = 1 if label == "YEAR" else 0
                mention = add(label, s0 + m.start(group), s0 + m.end(group), index)
                if mention is not None:
                    lead = re.match(r"(since|until|by|before|after|from|during|in)\b", m.group(0), re.I)
                    if lead:
                        mention.data["prep"] = lead.group(1).lower()
        parsed = analysis.parse[index]
        for ent in parsed.doc.ents:
            if ent.label_ == "DATE" and not _DURATION.match(ent.text):
                start, end = parsed.span(ent)
                if re.search(r"\d{4}|day|week|month|year|ago|" + MONTH_PATTERN, ent.text):
                    add("DATE_NER", start, end, index)
    analysis.mentions.sort(key=lambda m: m.span[0])

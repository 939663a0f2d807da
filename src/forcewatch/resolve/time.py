"""Calendar dates for date mentions, relative to the publication date.

Weekday names mean the most recent such day on or before publication (news
reports the past); a month and day without a year takes the year that puts it
on or before publication; years and months keep their coarser precision.
Ranges ("between 2014 and 2016", "since the early Cold War") keep both ends;
"since X" runs to the publication date. Without a publication date, relative
expressions stay unresolved rather than guessed. Each event takes the date
closest to its trigger in the dependency tree, so one sentence can carry a
background event ("in 2015") beside a recent one ("on Sunday").
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from forcewatch.extract.nlp import token_at
from forcewatch.lexicon import MONTH_NUMBER, NUMBER_WORDS, ORDINAL_DAY_PATTERN, ORDINAL_DAYS, WEEKDAY_NUMBER
from forcewatch.records import Analysis, Mention, TimeSpan


def resolve_date(m: Mention, published: date | None, future: bool = False) -> TimeSpan | None:
    """One date mention to a TimeSpan, or None when it cannot be pinned down.

    ``future``: the date of something still to come ("is due to sail on Friday", "will leave in
    January"): a weekday, month or day without a year is the next one, not the last."""
    text = m.text.strip()
    low = text.lower()
    span = _resolve(m, text, low, published)
    if future and span is not None and published is not None and span.end < published and _relative(m, text):
        span = _forward(span, published)
    if span is not None and m.data.get("prep") == "since" and published is not None and published > span.start:
        span.end = published  # "since 2015": from then until the report
    return span


def _resolve(m: Mention, text: str, low: str, published: date | None) -> TimeSpan | None:
    part = re.match(r"(?:the\s+)?(?:end|beginning|start|middle|close)\s+of\s+(?:the\s+)?(.+)$", text, re.I)
    if part:  # "the end of January": the month (its end is a finer point than reports keep)
        inner = Mention("date", part.group(1), m.span, "MONTH", m.sentence, m.data)
        span = _resolve(inner, part.group(1), part.group(1).lower(), published)
        if span is not None:
            span.text = text
        return span
    if m.label == "ERA":
        return _era(m, low, published)
    if m.label == "SAME":
        return None  # "that day": the day of the sentence before (resolve_times)
    if m.label == "BACK":  # "for decades", "over the past two years": from that long before the report to it
        return _back(m, low, published)
    if m.label == "DECADE":  # "the 1950s", "the early 1990s": year precision
        first = int(re.search(r"(?:19|20)\d0", low).group())
        last = first + 9
        if re.search(r"\bearly\b", low):
            last = first + 3
        elif re.search(r"\bmid\b", low):
            first, last = first + 3, first + 6
        elif re.search(r"\blate\b", low):
            first = first + 6
        return TimeSpan(date(first, 1, 1), date(last, 12, 31), "year", text, m.span)
    if m.label == "SHIFT":  # "two weeks from next Tuesday"
        count = re.match(r"(\w+)", low).group(1)
        n = int(count) if count.isdigit() else NUMBER_WORDS.get(count, 1)
        base_text = re.search(r"(?:from|after)\s+(.+)$", text).group(1)
        base = _resolve(Mention("date", base_text, m.span, "WEEKDAY", m.sentence), base_text, base_text.lower(), published)
        if base is None:
            return None
        day = base.start + timedelta(days=n * (7 if "week" in low else 1))
        return TimeSpan(day, day, "day", text, m.span)
    shifted = re.fullmatch(r"([a-z]+)\.?\s+(?:of\s+)?(last|this|next)\s+year", low)
    if shifted and shifted.group(1) in MONTH_NUMBER and published is not None:  # "August last year"
        y = published.year + {"last": -1, "this": 0, "next": 1}[shifted.group(2)]
        return _month(y, MONTH_NUMBER[shifted.group(1)], text, m.span)
    dmy = re.fullmatch(r"(\d{1,2})-([a-z]{3})-(\d{2}|\d{4})", low)
    if dmy and dmy.group(2) in MONTH_NUMBER:  # "08-FEB-17": day, month, year of military and logistics records
        y = int(dmy.group(3))
        if y < 100:
            y += 2000 if published is None or 2000 + y <= published.year else 1900
        try:
            day = date(y, MONTH_NUMBER[dmy.group(2)], int(dmy.group(1)))
        except ValueError:
            return None
        return TimeSpan(day, day, "day", text, m.span)
    if m.label == "RANGE":
        years = [int(y) for y in re.findall(r"\d{2,4}", text)]
        first, last = years[0], years[-1]
        if last < 100:
            last += first // 100 * 100
        if last >= first:
            return TimeSpan(date(first, 1, 1), date(last, 12, 31), "year", text, m.span)
        return None
    if re.search(r"\b(?:last|this|next|earlier this|later this) year\b", low):
        if published is None:
            return None
        year = published.year + (-1 if low.startswith("last") else 1 if low.startswith("next") else 0)
        end = date(year, 12, 31)
        if year == published.year and "later" not in low:
            end = published
        return TimeSpan(date(year, 1, 1), end, "year", text, m.span)
    if m.label == "YEAR" or re.fullmatch(r"(?:19|20)\d{2}", text):
        year = int(re.search(r"(?:19|20)\d{2}", text).group())
        return TimeSpan(date(year, 1, 1), date(year, 12, 31), "year", text, m.span)
    weekday = next((i for w, i in WEEKDAY_NUMBER.items() if w in low), None)
    if weekday is not None and not re.search(r"\d", low):
        if published is None:
            return None
        back = (published.weekday() - weekday) % 7
        if "last" in low and back == 0:
            back = 7
        if "next" in low:
            day = published + timedelta(days=(weekday - published.weekday()) % 7 or 7)
        else:
            day = published - timedelta(days=back)
        return TimeSpan(day, day, "day", text, m.span)
    month_year = re.fullmatch(r"(?:(?:early|mid|late)[- ])?([A-Za-z]+)\.?\s+((?:19|20)\d{2})", text)
    if month_year and month_year.group(1).lower() in MONTH_NUMBER:
        y, mo = int(month_year.group(2)), MONTH_NUMBER[month_year.group(1).lower()]
        return _month(y, mo, text, m.span)
    month_only = re.search(r"\b([a-z]+)\.?$", low) if m.label in ("MONTH", "DATE_NER") and not re.search(r"\d", low) else None
    if month_only and month_only.group(1) in MONTH_NUMBER and published is not None:
        # "in January": the latest such month that began on or before publication.
        mo = MONTH_NUMBER[month_only.group(1)]
        y = published.year if mo <= published.month else published.year - 1
        return _month(y, mo, text, m.span)
    if re.search(r"\b(?:last|this|next) month\b", low) and published:
        shift = {"last": -1, "this": 0, "next": 1}[re.search(r"(last|this|next)", low).group(1)]
        y, mo = divmod(published.year * 12 + published.month - 1 + shift, 12)
        mo += 1
        return _month(y, mo, text, m.span)
    if re.search(r"\b(?:last|this) weekend\b", low) and published:
        # the Saturday and Sunday before this week ("last"), or of this week ("this")
        monday = published - timedelta(days=published.weekday())
        saturday = monday + timedelta(days=-2 if low.startswith("last") else 5)
        return TimeSpan(saturday, saturday + timedelta(days=1), "day", text, m.span)
    if re.search(r"\bnext week\b", low) and published:
        monday = published - timedelta(days=published.weekday()) + timedelta(days=7)
        return TimeSpan(monday, monday + timedelta(days=6), "day", text, m.span)
    if re.search(r"\blater this week\b", low) and published:
        sunday = published + timedelta(days=6 - published.weekday())
        return TimeSpan(min(published + timedelta(days=1), sunday), sunday, "day", text, m.span)
    coming = re.search(r"\bthe coming (days|weeks)\b", low)
    if coming and published:  # "further departures are expected in the coming days"
        return TimeSpan(published, published + timedelta(days=7 if coming.group(1) == "days" else 28), "day", text, m.span)
    if re.search(r"\b(?:last|this|earlier this) week\b", low) and published:
        monday = published - timedelta(days=published.weekday())
        if low.startswith("last"):
            monday -= timedelta(days=7)
        return TimeSpan(monday, min(monday + timedelta(days=6), published if not low.startswith("last") else monday + timedelta(days=6)), "day", text, m.span)
    return _dateparser(m, published)


def _relative(m: Mention, text: str) -> bool:
    """A date written without its year ("Friday", "March 3", "in January"), so read against the report."""
    return m.label in ("WEEKDAY", "MONTH", "DATE", "DATE_NER") and not re.search(r"(?:19|20)\d{2}|\blast\b|\bago\b",
                                                                            text, re.I)


def _forward(span: TimeSpan, published: date) -> TimeSpan:
    """The same day or month, moved to its next occurrence on or after publication."""
    if span.precision == "day" and span.start == span.end and (published - span.start).days < 7 and \
            span.text and any(w in span.text.lower() for w in WEEKDAY_NUMBER):
        day = span.start + timedelta(days=7)
        return TimeSpan(day, day, "day", span.text, span.span)
    if span.precision == "month":
        return _month(span.start.year + 1, span.start.month, span.text, span.span)
    start, end = (_next_year(d) for d in (span.start, span.end))
    return TimeSpan(start, end, span.precision, span.text, span.span)


def _next_year(day: date, years: int = 1) -> date:
    """The same day ``years`` years on (29 February becomes the 28th)."""
    return day.replace(year=day.year + years, day=min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)


def _month(year: int, month: int, text: str, span) -> TimeSpan:
    """The whole of one calendar month, month precision."""
    return TimeSpan(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month", text, span)


# Named periods news refers to, as (first year, last year).
ERAS = {
    "cold war": (1947, 1991), "second world war": (1939, 1945), "world war ii": (1939, 1945),
    "world war two": (1939, 1945), "world war 2": (1939, 1945), "first world war": (1914, 1918),
    "world war i": (1914, 1918), "world war one": (1914, 1918), "world war 1": (1914, 1918),
    "soviet era": (1922, 1991), "soviet times": (1922, 1991),
}


BACK_YEARS = {"decade": 10, "decades": 20, "years": 3}  # "for decades": a generation; "for years": a few


def _back(m: Mention, low: str, published: date | None) -> TimeSpan | None:
    """A stretch of years that ends at the report: "in recent years", "over the past decade"."""
    if published is None:
        return None
    unit = re.search(r"(decades?|years)\b", low).group(1)
    count = re.search(r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(?:decades?|years)", low)
    n = (int(count.group(1)) if count.group(1).isdigit() else NUMBER_WORDS.get(count.group(1), 1)) if count else None
    years = n * (10 if unit.startswith("decade") else 1) if n else BACK_YEARS[unit]
    return TimeSpan(_next_year(published, -years), published, "year", m.text, m.span)


def _era(m: Mention, low: str, published: date | None) -> TimeSpan | None:
    """'since the early Cold War' -> 1947..(publication), year precision; early/mid/late take a third."""
    name = next((k for k in sorted(ERAS, key=len, reverse=True) if k in low), None)
    if name is None:
        return None
    first, last = ERAS[name]
    third = (last - first + 1) / 3
    if re.search(r"\b(?:early|first)\b", low):
        last = int(first + third - 1)
    elif re.search(r"\bmid\b", low):
        first, last = int(first + third), int(first + 2 * third - 1)
    elif re.search(r"\b(?:late|final)\b", low):
        first = int(last - third + 1)
    start, end = date(first, 1, 1), date(last, 12, 31)
    if low.startswith("since") and published is not None:
        end = published
    elif low.startswith(("after",)) and published is not None:
        start, end = end, published
    return TimeSpan(start, end, "year", m.text, m.span)


_DAY = rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?:the\s+)?(?P<word>{ORDINAL_DAY_PATTERN})"
_MONTH = r"(?P<month>[A-Za-z]+)\.?"
_CALENDAR = [re.compile(rf"^(?:on\s+)?{_MONTH}\s+(?:{_DAY})(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?$", re.I),
             re.compile(rf"^(?:on\s+)?(?:{_DAY})\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?$", re.I)]


def _calendar_day(text: str, published: date | None) -> date | None:
    """"December 9", "Dec. 9, 2024", "9 December", "the second of December": the day, without
    dateparser (most dates in reports are written so, and its first call costs half a second).
    Without a year: the latest such day on or before publication."""
    for pattern in _CALENDAR:
        m = pattern.match(text.strip())
        if not m or m.group("month").lower() not in MONTH_NUMBER:
            continue
        day = int(m.group("day")) if m.group("day") else ORDINAL_DAYS[m.group("word").lower()]
        month = MONTH_NUMBER[m.group("month").lower()]
        year = int(m.group("year")) if m.group("year") else (published.year if published else None)
        if year is None:
            return None
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if not m.group("year") and found > published:
            found = _next_year(found, -1)
        return found
    return None


_RECENT = re.compile(r"^(?:in\s+|over\s+|during\s+)?the\s+(?:past|last)\s+(?:(?P<n>\d+|few|several|two|three|four|five|six|seven)\s+)?"
                     r"(?P<unit>days?|weeks?|months?)$", re.I)
_DAYS_BACK = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0,
              "yesterday": 1, "last night": 1}


def _near_report(text: str, published: date | None) -> tuple[date, date] | None:
    """'today', 'yesterday', 'the past week', 'the last few days': days counted back from the report."""
    if published is None:
        return None
    low = text.lower().strip()
    if low in _DAYS_BACK:
        day = published - timedelta(days=_DAYS_BACK[low])
        return day, day
    m = _RECENT.match(low)
    if m:
        n = m.group("n")
        count = int(n) if n and n.isdigit() else NUMBER_WORDS.get(n, 3) if n else 1
        days = count * {"d": 1, "w": 7, "m": 30}[m.group("unit")[0]]
        return published - timedelta(days=days), published
    return None


def _dateparser(m: Mention, published: date | None) -> TimeSpan | None:
    """Dates in the forms reports use most are read here (calendar days, days counted back from the
    report); dateparser reads the rest, relative to the publication date."""
    day = _calendar_day(m.text, published)
    if day is not None:
        return TimeSpan(day, day, "day", m.text, m.span)
    near = _near_report(m.text, published)
    if near is not None:
        return TimeSpan(near[0], near[1], "day", m.text, m.span)
    import dateparser

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": False,
                "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": []}
    has_year = bool(re.search(r"(?:19|20)\d{2}", m.text))
    if published is None and not has_year:
        return None
    if published is not None:
        settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day, 12)
    parsed = dateparser.parse(m.text, languages=["en"], settings=settings)
    if parsed is None:
        return None
    day = parsed.date()
    if published is not None and not has_year and day > published:
        day = day.replace(year=day.year - 1)
    return TimeSpan(day, day, "day", m.text, m.span)


_DEADLINE_NOUN = re.compile(r"\s*(?:deadline|target date|cut-?off)\b", re.I)
_AND = re.compile(r"\s*,?\s*(?:and|to|until|through|-|–)\s*(?:on\s+)?$", re.I)


def _with_coordinated(mention: Mention, chosen: TimeSpan, options, text: str) -> TimeSpan:
    """'images taken on April 30 and May 13 show damage': two days written together bound the act
    between them."""
    for other, span in options:
        a, b = sorted((mention, other), key=lambda m: m.span[0])
        if other is mention or not _AND.fullmatch(text[a.span[1]:b.span[0]]):
            continue
        if span.precision == chosen.precision == "day":
            first, last = min(chosen.start, span.start), max(chosen.end, span.end)
            return TimeSpan(first, last, "day", text[a.span[0]:b.span[1]], (a.span[0], b.span[1]))
    return chosen


# "by the end of", "before", "by the mutually agreed upon date of Sept. 15": on or before that day
_DEADLINE = re.compile(r"\b(?:by|until|before|no later than)\s+(?:the\s+)?(?:(?:end|middle|start|beginning)\s+of\s+|"
                       r"(?:[\w-]+\s+){0,3}?(?:date|deadline)\s+of\s+)?$", re.I)
RECENT_DAYS = 14  # an undated act is placed no further back than this before its anchor
_STATEMENT_GAP = re.compile(r"\s*(?:,\s*)?(?:on|late|early|last|this)?\s*", re.I)


def statement_dates(analysis: Analysis) -> set[tuple[int, int]]:
    """Spans of date mentions that date a speech act, not what it reports: "the ministry said
    (on) Sunday", "the ministry on Sunday said". Such a date bounds the reported act from above."""
    text = analysis.document.text
    out = set()
    says = [m for m in analysis.mentions if m.kind == "attribution" and m.data.get("verb_span")]
    for m in analysis.mentions:
        if m.kind != "date":
            continue
        for a in says:
            v0, v1 = a.data["verb_span"]
            after = m.span[0] >= v1 and _STATEMENT_GAP.fullmatch(text[v1:m.span[0]])
            before = m.span[1] <= v0 and m.span[0] >= a.span[1] and _STATEMENT_GAP.fullmatch(text[a.span[1]:m.span[0]]) \
                and _STATEMENT_GAP.fullmatch(text[m.span[1]:v0])
            if after or before:
                out.add(tuple(m.span))
    return out


def _named_weekdays(mentions, text: str) -> set[tuple[int, int]]:
    """Spans of weekdays written with the date they name ("on Monday, December 3"): the explicit date
    says the day, and wins when the two disagree."""
    dates = sorted((m for m in mentions if m.kind == "date"), key=lambda m: m.span[0])
    return {tuple(a.span) for a, b in zip(dates, dates[1:])
            if a.label == "WEEKDAY" and b.label == "DATE" and re.fullmatch(r",?\s*(?:the\s+)?", text[a.span[1]:b.span[0]])}


def resolve_times(analysis: Analysis) -> None:
    """Give each event the date mention its trigger governs, else the one closest to it in
    the sentence's dependency tree (ties go to the nearer one in the text).

    A date that dates the sentence's speech act ("..., the ministry said Sunday") dates only that
    act. An event with no date of its own happened on or before the report (or the statement
    about it) and, in a story told in order, not before the last day the story named: its time is
    that range, marked inferred ("landed on October 10 ... one B-52 landed after arriving":
    October 10 to publication)."""
    published = analysis.document.published
    by_sentence: dict[int, list[tuple[Mention, TimeSpan]]] = {}
    text = analysis.document.text
    parses = analysis.parse or {}
    named_days = _named_weekdays(analysis.mentions, text)
    for m in analysis.mentions:
        if m.kind == "date":
            if m.sentence in parses and m.span[0] < parses[m.sentence].offset:
                continue  # the dateline's date is the report's ("Tokyo, Dec. 26 (Jiji Press)--")
            if tuple(m.span) in named_days:
                continue
            deadline = _DEADLINE_NOUN.match(text[m.span[1]:m.span[1] + 20])
            span = resolve_date(m, published, future=bool(deadline))
            if span is not None:
                by_sentence.setdefault(m.sentence, []).append((m, span))
    statements = statement_dates(analysis)
    same_day: dict[int, Mention] = {}  # "that day", by sentence
    for m in analysis.mentions:
        if m.kind == "date" and m.label == "SAME":
            same_day.setdefault(m.sentence, m)
    deadlines = {tuple(m.span) for options in by_sentence.values() for m, _ in options
                 if m.data.get("prep") in ("by", "until", "before") or _DEADLINE.search(text[max(0, m.span[0] - 60):m.span[0]])
                 or _DEADLINE_NOUN.match(text[m.span[1]:m.span[1] + 20])}
    index_of = {s: i for i, s in enumerate(analysis.sentences)}
    triggers: dict[tuple, list[int]] = {}  # sentence span -> where its events' triggers start
    for event in analysis.events:
        triggers.setdefault(tuple(event.span), []).append(event.trigger_span[0])
    for event in analysis.events:
        index = index_of.get(event.span)
        future = event.modality == "future"
        options = by_sentence.get(index) or []
        same = same_day.get(index)
        if same is not None and not options:
            latest = published or date.max
            day = _story_day(by_sentence, statements, index, latest, days=None)  # the day named before
            if day != latest:
                event.time = TimeSpan(day, day, "day", same.text, same.span)
                continue
        if future:
            options = [(m, resolve_date(m, published, future=True) or span) for m, span in options]
        said = [o for o in options if tuple(o[0].span) in statements]
        own = options if event.type == "OTHER" else [o for o in options if o not in said]
        parsed = (analysis.parse or {}).get(index)
        if parsed is not None:
            own = [o for o in own if not _dates_another(parsed, event.trigger_span[0], triggers[tuple(event.span)], o[0].span[0])]
        nearest = lambda o: (*_tree_relation(parsed, event.trigger_span[0], o[0].span[0]),  # noqa: E731
                             abs(o[0].span[0] - event.trigger_span[0]))
        if own:
            mention, chosen = min(own, key=nearest)
            if tuple(mention.span) not in deadlines:
                event.time = _with_coordinated(mention, chosen, own, text)
                continue
            # "to withdraw by the end of January", "had left by Tuesday": on or before the deadline
            if future and published and published <= chosen.end:
                start = published
            elif published and chosen.end > published:  # "ahead of the Sept. 11 deadline", already done
                start, chosen = _story_day(by_sentence, statements, index, published), \
                    TimeSpan(published, published, "day", chosen.text, chosen.span)
            else:
                start = _story_day(by_sentence, statements, index, chosen.end)
                if start == chosen.end:  # nothing named before: on or before the deadline
                    start = chosen.start if chosen.start < chosen.end else chosen.end - timedelta(days=RECENT_DAYS)
            event.time = TimeSpan(min(start, chosen.end), chosen.end, chosen.precision, chosen.text, chosen.span,
                                  inferred=True)
            continue
        end = min((o[1].end for o in said), default=published)
        if end is None:
            continue
        start = _story_day(by_sentence, statements, index, end)
        event.time = TimeSpan(start, end, "day", None, None, inferred=True)
    for event in analysis.events:
        event.background = is_background(event, published)


BACKGROUND_DAYS = 365


def is_background(event, published: date | None) -> bool:
    """History the report recalls ("Moscow has backed Damascus since the Cold War", "the 2015
    intervention"): its own date begins a year or more before the report. Timelines, corroboration
    and posture leave such events out unless asked."""
    t = event.time
    return bool(t and published and not t.inferred and t.start < published - timedelta(days=BACKGROUND_DAYS))


def _story_day(by_sentence, statements, index: int | None, end: date, days: int | None = RECENT_DAYS) -> date:
    """The last day named before sentence ``index`` (not a speech act's), if recent (``days``: None,
    however long ago); else ``end``."""
    if index is None:
        return end
    earliest = date.min if days is None else end - timedelta(days=days)
    named = [span.start for i, options in by_sentence.items() if i < index for m, span in options
             if span.precision == "day" and span.start == span.end and tuple(m.span) not in statements
             and earliest <= span.start <= end]
    return max(named, default=end)



def _dates_another(parsed, own_char: int, trigger_chars: list[int], char: int) -> bool:
    """Whether the date at ``char`` belongs to another event of the sentence: the lowest event whose
    subtree holds it is another one, not joined to this one by "and" ("had left the base, before they
    were spotted in images taken in March": March dates the sighting; "promise that they would be gone
    by Sept. 11": the deadline is the going's, not the withdrawal's the sentence opens with)."""
    tok, own = token_at(parsed, char), token_at(parsed, own_char)
    if tok is None or own is None:
        return False
    triggers = {t.i: t for t in (token_at(parsed, c) for c in trigger_chars) if t is not None and t.i != own.i}
    for node in [tok, *tok.ancestors]:
        if node.i == own.i:
            return False
        if node.i in triggers:
            return not _joined(node, own)
    return False


def _joined(a, b) -> bool:
    """Two verbs joined by "and"/"or" (one a conj of the other, or both of a third)."""
    return (a.dep_ == "conj" and a.head.i == b.i) or (b.dep_ == "conj" and b.head.i == a.i) or (
        a.dep_ == "conj" and b.dep_ == "conj" and a.head.i == b.head.i)


def _tree_relation(parsed, head_char: int, char: int) -> tuple[bool, int]:
    """(whether the token at ``char`` is outside the subtree of the token at ``head_char``, the edges
    between them): a date the trigger governs comes first, then the nearest in the tree."""
    if parsed is None:
        return True, 0
    head, tok = token_at(parsed, head_char), token_at(parsed, char)
    if head is None or tok is None:
        return True, 0
    up_head = [head.i] + [t.i for t in head.ancestors]
    up_tok = [tok.i] + [t.i for t in tok.ancestors]
    common = next((i for i in up_head if i in up_tok), None)
    distance = len(up_head) + len(up_tok) if common is None else up_head.index(common) + up_tok.index(common)
    return head.i not in up_tok, distance


"""Calendar dates for date mentions, relative to the publication date.

Weekday names mean the most recent such day on or before publication (news
reports the past); a month and day without a year takes the year that puts it
on or before publication; years and months keep their coarser precision.
Without a publication date, relative expressions stay unresolved rather than
guessed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

from forcewatch.records import Analysis, Mention, TimeSpan

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9


def resolve_date(m: Mention, published: date | None) -> TimeSpan | None:
    """One date mention to a TimeSpan, or None when it cannot be pinned down."""
    text = m.text.strip()
    low = text.lower()
    if m.label == "YEAR" or re.fullmatch(r"(?:19|20)\d{2}", text):
        year = int(re.search(r"(?:19|20)\d{2}", text).group())
        return TimeSpan(date(year, 1, 1), date(year, 12, 31), "year", text, m.span)
    weekday = next((i for i, w in enumerate(WEEKDAYS) if w in low), None)
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
    if month_year and month_year.group(1).lower() in MONTHS:
        y, mo = int(month_year.group(2)), MONTHS[month_year.group(1).lower()]
        return TimeSpan(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]), "month", text, m.span)
    if re.search(r"\b(?:last|this|next) month\b", low) and published:
        shift = {"last": -1, "this": 0, "next": 1}[re.search(r"(last|this|next)", low).group(1)]
        y, mo = divmod(published.year * 12 + published.month - 1 + shift, 12)
        mo += 1
        return TimeSpan(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]), "month", text, m.span)
    if re.search(r"\b(?:last|this|earlier this) week(?:end)?\b", low) and published:
        monday = published - timedelta(days=published.weekday())
        if low.startswith("last"):
            monday -= timedelta(days=7)
        return TimeSpan(monday, min(monday + timedelta(days=6), published if not low.startswith("last") else monday + timedelta(days=6)), "day", text, m.span)
    return _dateparser(m, published)


def _dateparser(m: Mention, published: date | None) -> TimeSpan | None:
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


def resolve_times(analysis: Analysis) -> None:
    """Give each event the date mention nearest its trigger in the same sentence, else the document date."""
    published = analysis.document.published
    by_sentence: dict[int, list[tuple[Mention, TimeSpan]]] = {}
    for m in analysis.mentions:
        if m.kind == "date":
            span = resolve_date(m, published)
            if span is not None:
                by_sentence.setdefault(m.sentence, []).append((m, span))
    for event in analysis.events:
        index = next(i for i, s in enumerate(analysis.sentences) if s == event.span)
        options = by_sentence.get(index)
        if options:
            _, event.time = min(options, key=lambda o: abs(o[0].span[0] - event.trigger_span[0]))
        elif published is not None:
            event.time = TimeSpan(published, published, "day", None, None, inferred=True)

"""resolve/time on date mentions written for these tests: relative to the publication date, or not at all."""

from __future__ import annotations

from datetime import date

import pytest

from forcewatch.records import Analysis, Document, Event, Mention
from forcewatch.resolve.time import resolve_date, resolve_times

WEDNESDAY = date(2024, 12, 11)


def when(text: str, label: str, published: date | None = WEDNESDAY, **data):
    span = resolve_date(Mention("date", text, (0, len(text)), label, 0, data), published)
    return None if span is None else (span.start, span.end, span.precision)


@pytest.mark.parametrize("text,day", [
    ("on Sunday", date(2024, 12, 8)),
    ("Monday", date(2024, 12, 9)),
    ("Wednesday", WEDNESDAY),  # the day of publication itself
    ("last Wednesday", date(2024, 12, 4)),  # "last" on the same weekday goes a week back
    ("Thursday", date(2024, 12, 5)),  # news reports the past
    ("next Friday", date(2024, 12, 13)),
    ("late Saturday night", date(2024, 12, 7)),
])
def test_weekdays_before_publication(text, day):
    assert when(text, "WEEKDAY") == (day, day, "day")


def test_months():
    assert when("last month", "MONTH") == (date(2024, 11, 1), date(2024, 11, 30), "month")
    assert when("last month", "MONTH", date(2025, 1, 20)) == (date(2024, 12, 1), date(2024, 12, 31), "month")
    assert when("next month", "MONTH") == (date(2025, 1, 1), date(2025, 1, 31), "month")
    assert when("in March", "MONTH") == (date(2024, 3, 1), date(2024, 3, 31), "month")
    assert when("in March", "MONTH", date(2025, 2, 3)) == (date(2024, 3, 1), date(2024, 3, 31), "month")
    assert when("in Sept.", "MONTH") == (date(2024, 9, 1), date(2024, 9, 30), "month")
    assert when("February 2024", "MONTH") == (date(2024, 2, 1), date(2024, 2, 29), "month")
    assert when("mid-Dec. 2023", "MONTH") == (date(2023, 12, 1), date(2023, 12, 31), "month")


def test_years():
    assert when("2015", "YEAR") == (date(2015, 1, 1), date(2015, 12, 31), "year")
    assert when("2015", "YEAR", prep="since") == (date(2015, 1, 1), WEDNESDAY, "year")
    assert when("last year", "RELATIVE") == (date(2023, 1, 1), date(2023, 12, 31), "year")
    assert when("this year", "RELATIVE") == (date(2024, 1, 1), WEDNESDAY, "year")
    assert when("later this year", "RELATIVE") == (date(2024, 1, 1), date(2024, 12, 31), "year")


def test_ranges_and_eras():
    assert when("between 2014 and 2016", "RANGE") == (date(2014, 1, 1), date(2016, 12, 31), "year")
    assert when("2014-16", "RANGE") == (date(2014, 1, 1), date(2016, 12, 31), "year")
    assert when("2016-2014", "RANGE") is None  # backwards: not a range
    assert when("during the Cold War", "ERA") == (date(1947, 1, 1), date(1991, 12, 31), "year")
    assert when("since the early Cold War", "ERA") == (date(1947, 1, 1), WEDNESDAY, "year")
    assert when("in the late Soviet era", "ERA")[:2] == (date(1968, 1, 1), date(1991, 12, 31))  # the last third of 1922-91
    assert when("in the early Cold War", "ERA")[:2] == (date(1947, 1, 1), date(1961, 12, 31))


def test_a_month_and_day_take_the_year_before_publication():
    assert when("December 9", "DATE") == (date(2024, 12, 9), date(2024, 12, 9), "day")
    assert when("December 20", "DATE") == (date(2023, 12, 20), date(2023, 12, 20), "day")
    assert when("9 Dec 2022", "DATE") == (date(2022, 12, 9), date(2022, 12, 9), "day")


def test_without_a_publication_date_relative_expressions_stay_unresolved():
    for text, label in [("on Sunday", "WEEKDAY"), ("last month", "MONTH"), ("in March", "MONTH"),
                        ("last year", "RELATIVE"), ("December 9", "DATE"), ("two days ago", "RELATIVE")]:
        assert when(text, label, None) is None, text
    # what carries its own year still resolves
    assert when("2015", "YEAR", None) == (date(2015, 1, 1), date(2015, 12, 31), "year")
    assert when("February 2024", "MONTH", None)[2] == "month"
    assert when("9 Dec 2022", "DATE", None)[:2] == (date(2022, 12, 9), date(2022, 12, 9))


def _analysis(text: str, published: date | None, dates: list[str], trigger: str) -> Analysis:
    doc = Document(id="d", text=text, published=published)
    analysis = Analysis(document=doc, sentences=[(0, len(text))])
    for d in dates:
        start = text.index(d)
        label = "YEAR" if d.isdigit() else "WEEKDAY"
        analysis.mentions.append(Mention("date", d, (start, start + len(d)), label, 0))
    t = text.index(trigger)
    analysis.events.append(Event(id="e", doc_id="d", type="MOBILIZE", subtype="withdraw", trigger=trigger,
                                 trigger_span=(t, t + len(trigger)), sentence=text, span=(0, len(text))))
    return analysis


def test_events_take_the_nearest_date_without_a_parse():
    text = "The base, leased since 2017, was emptied on Sunday as the frigates withdrew."
    analysis = _analysis(text, WEDNESDAY, ["2017", "on Sunday"], "withdrew")
    resolve_times(analysis)
    time = analysis.events[0].time
    assert (time.start, time.text, time.inferred) == (date(2024, 12, 8), "on Sunday", False)


def test_events_without_a_date_take_publication_inferred_or_nothing():
    text = "The frigates withdrew from Tartus."
    analysis = _analysis(text, WEDNESDAY, [], "withdrew")
    resolve_times(analysis)
    time = analysis.events[0].time
    assert (time.start, time.end, time.inferred, time.text) == (WEDNESDAY, WEDNESDAY, True, None)
    analysis = _analysis(text, None, [], "withdrew")
    resolve_times(analysis)
    assert analysis.events[0].time is None


def _times(pipeline, text: str, published: date = WEDNESDAY) -> dict[str, tuple]:
    analysis = pipeline(Document(id="t", text=text, published=published))
    return {e.trigger: (e.time.start, e.time.end, e.time.inferred) for e in analysis.events if e.time}


def test_the_statement_date_does_not_date_the_act_it_reports(pipeline):
    times = _times(pipeline, "Two destroyers crossed the strait late on Monday, the navy said on Wednesday.")
    assert times["crossed"] == (date(2024, 12, 9), date(2024, 12, 9), False)
    # no date of its own: on or before the statement, not on its day
    times = _times(pipeline, "The brigade withdrew from the river crossing, the defence ministry said Tuesday.")
    assert times["withdrew"] == (date(2024, 12, 10), date(2024, 12, 10), True)


def test_an_undated_act_runs_from_the_last_day_the_story_named(pipeline):
    text = ("Four tanker aircraft landed at the northern airfield on Saturday evening.\n\n"
            "Two of the aircraft flew on to the coast and back before landing again at the base.")
    times = _times(pipeline, text)
    assert times["landed"] == (date(2024, 12, 7), date(2024, 12, 7), False)
    assert times["flew"] == (date(2024, 12, 7), WEDNESDAY, True)
    # a day long before publication is background, not the story's clock
    text = ("The garrison was founded on March 3, 1998.\n\n"
            "Its last tanks left the garrison by rail.")
    assert _times(pipeline, text)["left"] == (WEDNESDAY, WEDNESDAY, True)


def test_a_deadline_bounds_the_act_and_the_future_looks_forward(pipeline):
    wednesday = date(2024, 5, 8)
    times = _times(pipeline, "The battalions will withdraw by the end of January, officials said.", wednesday)
    assert times["withdraw"] == (wednesday, date(2025, 1, 31), True)  # the coming January, not the last
    times = _times(pipeline, "The battalions withdrew by the end of January, officials said.", wednesday)
    assert times["withdrew"] == (date(2024, 1, 1), date(2024, 1, 31), True)
    times = _times(pipeline, "The frigate is due to sail from the base on Monday.", wednesday)
    assert times["sail"][:2] == (date(2024, 5, 13), date(2024, 5, 13))  # the coming Monday


@pytest.mark.parametrize("text,start,end", [
    ("Russian troops withdrew from the base on the second of December.", date(2024, 12, 2), date(2024, 12, 2)),
    ("Russian troops withdrew from the base on Dec. 3.", date(2024, 12, 3), date(2024, 12, 3)),
    ("Russian troops withdrew from the base on 08-FEB-17.", date(2017, 2, 8), date(2017, 2, 8)),
    ("Russian troops were stationed at the base in the 1950s.", date(1950, 1, 1), date(1959, 12, 31)),
    ("Russian troops will withdraw from the base two weeks from next Tuesday.", date(2024, 12, 31), date(2024, 12, 31)),
    ("Russian troops withdrew from the base in August last year.", date(2023, 8, 1), date(2023, 8, 31)),
    # the explicit date says the day, even where the weekday written with it is wrong (Dec 3, 2024 is a Tuesday)
    ("Russian troops withdrew from the base on Tuesday, December 3.", date(2024, 12, 3), date(2024, 12, 3)),
    ("Russian troops withdrew from the base on Monday, December 3.", date(2024, 12, 3), date(2024, 12, 3)),
])
def test_written_dates_with_their_precision(pipeline, text, start, end):
    (event,) = pipeline(Document(id="t", text=text, published=WEDNESDAY)).events
    assert (event.time.start, event.time.end) == (start, end)


def test_that_day_is_the_day_of_the_sentence_before(pipeline):
    text = "Two Russian ships docked at Tartus on Monday. Russian troops withdrew from the base earlier the same day."
    times = _times(pipeline, text)
    assert times["withdrew"] == (date(2024, 12, 9), date(2024, 12, 9), False)


def test_history_the_report_recalls_is_background(pipeline):
    text = "Moscow has backed Damascus since the Cold War, and Russian troops withdrew from Palmyra on Sunday."
    events = {e.trigger: e for e in pipeline(Document(id="t", text=text, published=WEDNESDAY)).events}
    assert events["backed"].background and events["backed"].time.start == date(1947, 1, 1)
    assert not events["withdrew"].background
    # an undated act is the report's news, never background
    (event,) = pipeline(Document(id="u", text="Russian troops withdrew from Palmyra.", published=WEDNESDAY)).events
    assert not event.background


def test_the_datelines_date_is_the_reports_and_two_dates_bound_the_act(pipeline):
    text = "Tokyo, Dec. 11 (Jiji Press)--Two destroyers passed through the strait on Monday, the ministry said."
    assert _times(pipeline, text)["passed"][:2] == (date(2024, 12, 9), date(2024, 12, 9))
    text = "Satellite images taken on November 30 and December 8 show damage at the air base."
    assert _times(pipeline, text)["damage"] == (date(2024, 11, 30), date(2024, 12, 8), False)


def test_an_act_done_ahead_of_a_deadline_is_not_dated_by_it(pipeline):
    times = _times(pipeline, "The last foreign troops have left the country ahead of the January 15 deadline.")
    assert times["left"] == (WEDNESDAY, WEDNESDAY, True)


def test_that_day_without_a_publication_date(pipeline):
    text = "Two Russian ships docked at Tartus on March 3, 2024. Russian troops withdrew from the base that same day."
    times = _times(pipeline, text, published=None)
    assert times["withdrew"] == (date(2024, 3, 3), date(2024, 3, 3), False)
    text = "Two Russian ships docked at Tartus. Russian troops withdrew from the base that same day."
    assert all(e.time is None for e in pipeline(Document(id="u", text=text, published=None)).events)


def test_that_day_long_after_and_the_29th_of_february(pipeline):
    text = "Two Russian ships docked at Tartus on January 10. Russian troops withdrew from the base that same day."
    assert _times(pipeline, text, published=date(2025, 3, 6))["withdrew"][:2] == (date(2025, 1, 10), date(2025, 1, 10))
    times = _times(pipeline, "Russian troops will leave the base in February.", published=date(2024, 3, 10))
    assert times["leave"][:2] == (date(2025, 2, 1), date(2025, 2, 28))


@pytest.mark.parametrize("text,trigger,background", [
    ("The 2015 intervention by Russian troops saved the government.", "intervention", True),
    ("Over the past decade, Russian troops have trained the national army.", "trained", True),
    ("Russian troops have been stationed at the base for decades.", "stationed", True),
    ("In recent years Russian troops have patrolled the border.", "patrolled", True),
    ("Russian troops patrolled the border for two days last week.", "patrolled", False),
    ("The 2000 troops withdrew from the base on Sunday.", "withdrew", False),  # a count, not a year
])
def test_a_year_naming_the_act_and_a_stretch_reaching_back_are_background(pipeline, text, trigger, background):
    event = next(e for e in pipeline(Document(id="t", text=text, published=WEDNESDAY)).events if e.trigger == trigger)
    assert event.background is background, event.time


def test_a_date_dates_the_event_whose_clause_holds_it(pipeline):
    text = ("In January, a local radio reported that the Chinese warships had left the base, before they were "
            "spotted again in images taken in March.")
    times = _times(pipeline, text, date(2024, 4, 27))
    assert times["left"][:2] == (date(2024, 1, 1), date(2024, 1, 31))  # on or before the January report
    assert times["spotted"][:2] == (date(2024, 3, 1), date(2024, 3, 31))
    text = "The withdrawal is under way, months ahead of the promise that the troops would be gone by Sept. 11."
    times = _times(pipeline, text, date(2021, 7, 2))
    assert times["withdrawal"][1] == date(2021, 7, 2) and times["gone"][1] == date(2021, 9, 11)
    times = _times(pipeline, "Russian troops withdrew and the ships left the port on Sunday.", date(2024, 12, 12))
    assert times["withdrew"][:2] == times["left"][:2] == (date(2024, 12, 8), date(2024, 12, 8))  # joined: shared


@pytest.mark.parametrize("text,published,days", [
    ("last weekend", WEDNESDAY, (date(2024, 12, 7), date(2024, 12, 8))),
    ("last weekend", date(2024, 12, 16), (date(2024, 12, 14), date(2024, 12, 15))),  # a Monday: the one just gone
    ("this weekend", WEDNESDAY, (date(2024, 12, 14), date(2024, 12, 15))),
    ("last week", WEDNESDAY, (date(2024, 12, 2), date(2024, 12, 8))),
])
def test_a_weekend_is_its_saturday_and_sunday(text, published, days):
    assert when(text, "RELATIVE", published)[:2] == days


@pytest.mark.parametrize("text,days", [
    ("next week", (date(2024, 12, 16), date(2024, 12, 22))),
    ("later this week", (date(2024, 12, 12), date(2024, 12, 15))),
    ("in the coming days", (WEDNESDAY, date(2024, 12, 18))),
])
def test_the_weeks_and_days_ahead(text, days):
    assert when(text, "RELATIVE")[:2] == days


def test_a_date_named_as_the_agreed_deadline_dates_the_act_on_or_before_it(pipeline):
    from forcewatch.records import Document

    text = ("The withdrawal of the troops was completed without incident by the mutually agreed upon date of "
            "Sept. 15, officials said.")
    (withdrawal,) = [e for e in pipeline(Document(id="d", text=text, published=date(2024, 9, 17))).events
                     if e.trigger == "withdrawal"]
    assert withdrawal.time.end == date(2024, 9, 15) and withdrawal.time.start <= date(2024, 9, 15)

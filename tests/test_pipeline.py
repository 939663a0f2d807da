"""End to end: reports in, geolocated, dated, sourced events out."""

from datetime import date

from pyproj import Geod

from forcewatch.records import Document

GEOD = Geod(ellps="WGS84")
HMEIMIM = (35.4011, 35.9487)
TARTUS = (34.8890, 35.8866)


def km(a, b) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2] / 1000


def find(analysis, subtype=None, trigger=None, **kw):
    for e in analysis.events:
        if subtype and e.subtype != subtype:
            continue
        if trigger and trigger not in e.trigger:
            continue
        if all(getattr(e, k) == v for k, v in kw.items()):
            return e
    raise AssertionError(f"no event {subtype} {trigger} {kw} among " + ", ".join(f"{e.type}/{e.subtype}:{e.trigger}" for e in analysis.events))


def test_every_field_traces_back_to_the_text(sample_analysis):
    text = sample_analysis.document.text
    assert sample_analysis.events
    for e in sample_analysis.events:
        assert text[e.span[0]:e.span[1]] == e.sentence
        assert text[e.trigger_span[0]:e.trigger_span[1]] == e.trigger
        assert e.span[0] <= e.trigger_span[0] < e.trigger_span[1] <= e.span[1]
        for place in (e.location, e.origin, e.destination):
            if place is not None and place.span is not None:
                assert text[place.span[0]:place.span[1]] == place.text
        for item in e.equipment:
            assert text[item.span[0]:item.span[1]] == item.text
        if e.time is not None and e.time.span is not None:
            assert text[e.time.span[0]:e.time.span[1]] == e.time.text
        if e.source is not None and e.source.span is not None:
            assert text[e.source.span[0]:e.source.span[1]] == e.source.text


def test_sample_an124s_seen_on_imagery_at_hmeimim_on_friday(sample_analysis):
    e = next(e for e in sample_analysis.events if any(q.name == "An-124" for q in e.equipment))
    assert e.type == "MOBILIZE"
    assert e.location is not None and km((e.location.lat, e.location.lon), HMEIMIM) < 3
    assert e.time.start == date(2024, 12, 13) and e.time.precision == "day"
    assert e.source.kind == "imagery"
    assert e.modality == "hedged"
    an124 = next(q for q in e.equipment if q.name == "An-124")
    assert (an124.count, an124.count_qualifier) == (2, "at_least")


def test_sample_ships_anchored_northwest_of_tartus_on_december_9(sample_analysis):
    e = find(sample_analysis, "anchor")
    target = GEOD.fwd(TARTUS[1], TARTUS[0], 315, 13000)
    assert km((e.location.lat, e.location.lon), (target[1], target[0])) < 3
    assert e.location.precision == "relative" and e.location.radius_km > 0
    assert e.time.start == date(2024, 12, 9)
    assert e.source.kind == "imagery" and e.source.name == "Planet Labs"
    assert {q.name for q in e.equipment} >= {"guided-missile frigate", "tanker"}


def test_sample_convoy_seen_by_a_journalist(sample_analysis):
    e = next(e for e in sample_analysis.events if "convoy" in e.sentence and e.source.kind == "journalist")
    assert e.type == "MOBILIZE"
    assert e.location is not None
    # On the highway between Hmeimim and Tartus: a road between the two, pinned half-way.
    assert e.location.precision == "relative" and "highway" in e.location.text
    assert km((e.location.lat, e.location.lon), HMEIMIM) < 40 and km((e.location.lat, e.location.lon), TARTUS) < 40
    assert {q.category for q in e.equipment} == {"vehicle"}


def test_sample_kremlin_statement_and_silent_ministry(sample_analysis):
    kremlin = next(e for e in sample_analysis.events if "Kremlin" in e.sentence and e.type == "CONSULT")
    assert kremlin.source.kind == "official"
    assert kremlin.actor.country == "RUS"
    ministry = find(sample_analysis, "no_comment")
    assert ministry.modality == "no_comment"
    assert ministry.actor.country == "RUS"
    assert "Ministry" in (ministry.source.name or "")


def test_sample_withdrawal_and_refusal_to_leave(sample_analysis):
    withdrawals = [e for e in sample_analysis.events if e.subtype == "withdraw"]
    assert any(e.modality == "asserted" and e.actor and e.actor.country == "RUS" for e in withdrawals)
    assert any(e.modality == "negated" for e in withdrawals)
    assert all(e.credibility and len(e.credibility.code) == 2 for e in sample_analysis.events)


def test_report_on_another_theatre(pipeline):
    text = (
        "US troops complete pullout from Niger air base\n"
        "The last American troops pulled out of Air Base 201 in Agadez on Monday, the Pentagon said.\n"
        "Two C-17 transport planes took off from Niamey on Sunday heading to Germany, a Nigerien officer "
        "who asked not to be named told reporters.\n"
    )
    doc = Document(id=Document.make_id(text), text=text, published=date(2024, 8, 7), outlet="Desk")
    a = pipeline(doc)
    pullout = find(a, "withdraw", trigger="pulled")
    assert pullout.actor.country == "USA"
    assert pullout.time.start == date(2024, 8, 5)
    assert pullout.source.kind == "official"
    depart = find(a, "depart", trigger="took off")
    assert depart.time.start == date(2024, 8, 4)
    assert depart.source.kind == "anonymous"
    assert [(q.name, q.count) for q in depart.equipment if q.category == "aircraft"][0] == ("C-17", 2)
    assert depart.destination is not None and depart.destination.country == "DE"
    assert depart.origin is not None and depart.origin.country == "NE"


def test_without_publication_date_relative_days_stay_unresolved(pipeline):
    text = "Satellite images showed two frigates anchored off Tartus on Friday."
    a = pipeline(Document(id=Document.make_id(text), text=text))
    e = find(a, "anchor")
    assert e.time is None

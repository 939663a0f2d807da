"""One happening, one record: the definition of "same act" (fuse/happenings.py) on invented claims,
then on invented reports of one event by several outlets, coded by the real pipeline and stored."""

from datetime import date, datetime, timezone

import pytest

from forcewatch.fuse.happenings import cluster, equipment_classes, same_act
from forcewatch.records import Credibility, Document, Equipment, Event, Place, Source, TimeSpan

HMEIMIM = Place("Hmeimim Air Base", 35.4011, 35.9487, "airfield", "site", 3.0, "SY")
TARTUS_ANCHORAGE = Place("13 km NW of Tartus", 34.97, 35.79, "relative", "relative", 3.3, "SY")
LATAKIA = Place("Latakia Governorate", 35.6, 36.0, "admin", "admin", 30.0, "SY")
CLASSES = frozenset({"frigate", "tanker", "cargo ship", "landing ship"})


def ev(doc, subtype, place, day, source, modality="asserted", gear=(), n=0, grade="B2", end=None, **kw):
    return Event(
        id=f"{doc}-{subtype}-{n}", doc_id=doc, type="MOBILIZE", subtype=subtype, trigger="x", trigger_span=(n, n + 1),
        sentence="x", span=(0, 1), location=place,
        time=TimeSpan(date(2024, 12, day), date(2024, 12, end or day), inferred=kw.pop("inferred", False)),
        source=source, modality=modality, equipment=[Equipment(name, cat, 1) for name, cat in gear],
        credibility=Credibility.parse(grade), **kw,
    )


REUTERS, AFP, TASS = Source("journalist", "Reuters"), Source("journalist", "AFP"), Source("official", "TASS")
MAXAR = Source("imagery", "Maxar")
IL76 = [("Il-76", "aircraft")]


def test_one_departure_told_by_three_outlets_and_a_track_is_one_happening():
    claims = [
        ev("reuters", "depart", HMEIMIM, 14, REUTERS, gear=IL76),
        ev("afp", "depart", HMEIMIM, 14, AFP, gear=IL76, grade="C3"),
        ev("adsb", "depart", HMEIMIM, 14, Source("sensor", "ADS-B"), gear=IL76, track_id="t1"),
        ev("tass", "depart", HMEIMIM, 14, TASS, modality="negated", grade="C2"),
    ]
    [h] = cluster(claims)
    assert sorted(h.event_ids) == sorted(e.id for e in claims)
    assert h.n_sources == 3 and h.contradicted_by == ["tass-depart-0"]
    assert h.credibility.code == "B3"  # the best letter; contradicted: possibly true
    assert h.place.name == "Hmeimim Air Base" and h.time.start == h.time.end == date(2024, 12, 14)
    assert h.track_ids == ["t1"] and h.doc_ids == ["adsb", "afp", "reuters", "tass"]
    # Grouped again, the same claims give the same record.
    assert cluster(reversed(claims)) == [h]


def test_agreeing_independent_sources_confirm_the_happening():
    [h] = cluster([ev("a", "anchor", TARTUS_ANCHORAGE, 9, MAXAR), ev("b", "anchor", TARTUS_ANCHORAGE, 9, REUTERS)])
    assert h.n_sources == 2 and h.credibility.code == "B1" and not h.contradicted_by


def test_the_best_place_and_the_narrowest_date_win():
    wide = ev("a", "presence", LATAKIA, 8, REUTERS, end=12)
    exact = ev("b", "presence", HMEIMIM, 10, MAXAR)
    [h] = cluster([wide, exact])
    assert h.place.name == "Hmeimim Air Base"
    assert (h.time.start, h.time.end) == (date(2024, 12, 10), date(2024, 12, 10))


def test_two_lookalike_departures_on_different_days_are_two_happenings():
    monday = ev("reuters", "depart", HMEIMIM, 9, REUTERS, gear=IL76)
    tuesday = ev("afp", "depart", HMEIMIM, 10, AFP, gear=IL76)
    assert not same_act(monday, tuesday)
    assert len(cluster([monday, tuesday])) == 2
    # A claim with no day of its own (the report's date range) may be either; it joins one.
    undated = ev("tass", "depart", HMEIMIM, 8, TASS, gear=IL76, end=10, inferred=True)
    assert sorted(len(h.event_ids) for h in cluster([monday, tuesday, undated])) == [1, 2]


def test_different_equipment_is_another_happening():
    frigate = ev("a", "anchor", TARTUS_ANCHORAGE, 9, MAXAR, gear=[("frigate", "ship")])
    tanker = ev("b", "anchor", TARTUS_ANCHORAGE, 9, REUTERS, gear=[("tanker", "ship")])
    ship = ev("c", "anchor", TARTUS_ANCHORAGE, 9, AFP, gear=[("ship", "ship")])
    assert not same_act(frigate, tanker, CLASSES)
    assert same_act(frigate, ship, CLASSES) and same_act(tanker, ship, CLASSES)
    # Complete linkage: the generic "ship" joins one of them, never both into one happening.
    assert sorted(len(h.event_ids) for h in cluster([frigate, tanker, ship], CLASSES)) == [1, 2]
    an124 = ev("d", "depart", HMEIMIM, 14, REUTERS, gear=[("An-124", "aircraft")])
    assert not same_act(an124, ev("e", "depart", HMEIMIM, 14, AFP, gear=IL76))


def test_one_document_states_each_act_once():
    first = ev("a", "withdraw", HMEIMIM, 14, REUTERS)
    again = ev("a", "withdraw", HMEIMIM, 14, REUTERS, n=50, duplicate_of=first.id)
    other = ev("a", "withdraw", HMEIMIM, 14, Source("official", "Kremlin"), n=90)
    elsewhere = ev("b", "withdraw", HMEIMIM, 14, AFP)
    groups = sorted((sorted(h.event_ids) for h in cluster([first, again, other, elsewhere])), key=len)
    assert groups[-1] == sorted([first.id, again.id, elsewhere.id]) and groups[0] == [other.id]


def test_two_tracks_of_one_feed_are_two_platforms():
    t = [ev("ais", "anchor", TARTUS_ANCHORAGE, 9, Source("sensor", "AIS"), n=i, track_id=f"v{i}") for i in range(3)]
    report = ev("osc", "anchor", TARTUS_ANCHORAGE, 9, MAXAR, gear=[("frigate", "ship")])
    t[2].equipment = [Equipment("frigate", "ship", 1)]
    happenings = cluster([*t, report], CLASSES)
    assert len(happenings) == 3
    joined = next(h for h in happenings if len(h.event_ids) == 2)
    assert set(joined.event_ids) == {report.id, t[2].id}  # the track that names what the report names


def test_plans_background_and_no_comment_stay_apart():
    done = ev("a", "deploy", HMEIMIM, 14, REUTERS)
    plan = ev("b", "deploy", HMEIMIM, 14, AFP, modality="future")
    silent = ev("c", "deploy", HMEIMIM, 14, TASS, modality="no_comment")
    old = ev("d", "deploy", HMEIMIM, 14, MAXAR, background=True)
    happenings = cluster([done, plan, silent, old])
    assert len(happenings) == 3 and all(len(h.event_ids) == 1 for h in happenings)
    assert old.id not in {i for h in happenings for i in h.event_ids}


def test_exact_time_of_day_is_kept_from_a_track():
    t0 = datetime(2024, 12, 14, 13, 31, tzinfo=timezone.utc)
    track = ev("adsb", "depart", HMEIMIM, 14, Source("sensor", "ADS-B"), gear=IL76, track_id="t1")
    track.time.start_time = track.time.end_time = t0
    [h] = cluster([ev("reuters", "depart", HMEIMIM, 14, REUTERS, gear=IL76), track])
    assert h.time.start_time == t0


def test_classes_come_from_the_catalogue(lexicons):
    classes = equipment_classes(e for _, e in lexicons.equipment.entries)
    assert {"frigate", "tanker"} <= classes
    assert not {"ship", "aircraft", "An-124", "Il-76"} & classes


# -- invented reports through the real pipeline, into the store ----------------------------------

OUTLETS = {
    "Reuters": "Two Russian Il-76 transport aircraft took off from Hmeimim air base on Saturday, "
               "a Syrian security source told Reuters.",
    "AFP": "Two Il-76 planes left the Hmeimim air base in Syria on Saturday, a witness told AFP.",
    "Levant Monitor": "On Saturday two Ilyushin Il-76 cargo planes departed Hmeimim, the monitor said.",
}
LOOKALIKES = {
    # The same base and kind of aircraft, on another day.
    "Coast Daily": "Two Il-76 transport aircraft took off from Hmeimim air base on Tuesday, "
                   "a Syrian security source told Coast Daily.",
    # The same day and base, other aircraft.
    "Air Desk": "Two An-124 transport aircraft took off from Hmeimim air base on Saturday, "
                "a Syrian security source told Air Desk.",
}


@pytest.fixture(scope="module")
def ingested(resources, tmp_path_factory):
    from forcewatch.service import Ingester
    from forcewatch.store import Store

    docs = [Document(id=Document.make_id(text), text=text, outlet=outlet, published=date(2024, 12, 15),
                     title=f"{outlet} report")
            for outlet, text in {**OUTLETS, **LOOKALIKES}.items()]
    store = Store(tmp_path_factory.mktemp("happen") / "h.duckdb")
    ingester = Ingester(resources)
    ingester.documents(store, docs[:2])
    ingester.documents(store, docs[2:])  # in two batches: later reports join stored happenings
    yield store, {d.outlet: d.id for d in docs}, ingester, docs
    store.close()


def _happenings(store):
    total, items = store.cluster_page(100)
    assert total == len(items)
    return items


def test_reports_of_one_departure_are_one_stored_happening(ingested):
    store, doc_of, _, _ = ingested
    events = store.events()
    departures = [e for e in events if e.subtype == "depart"]
    assert {e.doc_id for e in departures} == set(doc_of.values()), [(e.doc_id, e.sentence) for e in events]
    of = store.cluster_ids(e.id for e in departures)
    assert len(of) == len(departures)
    by_doc = {e.doc_id: of[e.id] for e in departures}
    one = {by_doc[doc_of[o]] for o in OUTLETS}
    assert len(one) == 1, "the three outlets' reports are one happening"
    assert by_doc[doc_of["Coast Daily"]] not in one and by_doc[doc_of["Air Desk"]] not in one
    assert by_doc[doc_of["Coast Daily"]] != by_doc[doc_of["Air Desk"]]
    h = store.cluster(one.pop())
    assert h.n_sources == 3 and h.time.start == h.time.end == date(2024, 12, 14)
    assert h.place.name.startswith("Hmeimim") and h.credibility.information == 1


def test_ingesting_again_changes_no_happening(ingested):
    store, _, ingester, docs = ingested
    before = _happenings(store)
    ingester.documents(store, docs)
    assert _happenings(store) == before
    assert store.count("clusters") == len(before)

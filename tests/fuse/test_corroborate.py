from datetime import date

from forcewatch.fuse.corroborate import fuse, link, same_happening
from forcewatch.records import Actor, Credibility, Equipment, Event, Place, Source, TimeSpan

HMEIMIM = Place("Hmeimim Air Base", 35.4011, 35.9487, "airfield", "site", 3.0, "SY")
TARTUS_ANCHORAGE = Place("13 km NW of Tartus", 34.97, 35.79, "relative", "relative", 3.3, "SY")
SYRIA = Place("Syria", 35.0, 38.5, "country", "country", 240.0, "SY")


def ev(doc, subtype, place, day, source, modality="asserted", type_="MOBILIZE", inferred=False, n=0, **kw):
    return Event(
        id=f"{doc}-{subtype}-{n}", doc_id=doc, type=type_, subtype=subtype, trigger="x", trigger_span=(n, n + 1),
        sentence="x", span=(0, 1), location=place, time=TimeSpan(date(2024, 12, day), date(2024, 12, day), inferred=inferred),
        source=source, modality=modality, **kw,
    )


OFFICIAL = Source("anonymous", None, "Syrian security", True)
TRACK = Source("sensor", "ADS-B")
KREMLIN = Source("official", "Kremlin")


def test_a_tracked_departure_corroborates_a_reported_take_off():
    claim = ev("news", "depart", None, 14, OFFICIAL, origin=HMEIMIM)
    track = ev("adsb", "depart", HMEIMIM, 14, TRACK, track_id="t1")
    changed = link([claim], [track])
    assert {e.id for e in changed} == {claim.id, track.id}
    assert claim.corroborated_by == [track.id] and track.corroborated_by == [claim.id]
    # Linking again changes nothing.
    assert link([claim], [track]) == []


def test_same_document_or_same_named_source_is_not_independent():
    a = ev("doc1", "anchor", TARTUS_ANCHORAGE, 9, Source("imagery", "Planet Labs"))
    b = ev("doc1", "anchor", TARTUS_ANCHORAGE, 9, Source("journalist", "Desk"), n=5)
    assert link([a, b]) == []
    c = ev("doc2", "anchor", TARTUS_ANCHORAGE, 9, Source("imagery", "Planet Labs"))
    assert link([a], [c]) == []
    d = ev("doc3", "anchor", TARTUS_ANCHORAGE, 10, Source("imagery", "Maxar"))
    link([a], [c, d])
    assert a.corroborated_by == [d.id]


def test_place_time_and_kind_must_all_fit():
    base = ev("a", "anchor", TARTUS_ANCHORAGE, 9, Source("imagery", "Maxar"))
    assert not same_happening(base, ev("b", "anchor", HMEIMIM, 9, TRACK))  # ~60 km away
    assert not same_happening(base, ev("b", "anchor", TARTUS_ANCHORAGE, 14, TRACK))  # five days later
    assert not same_happening(base, ev("b", "depart", TARTUS_ANCHORAGE, 9, TRACK))  # another kind of event
    assert same_happening(base, ev("b", "presence", TARTUS_ANCHORAGE, 10, TRACK))
    # A country-wide pin is too vague to corroborate a site.
    assert not same_happening(ev("a", "presence", HMEIMIM, 9, TRACK), ev("b", "presence", SYRIA, 9, OFFICIAL))
    # An inferred (publication) date gets more slack than a stated one.
    assert same_happening(base, ev("b", "anchor", TARTUS_ANCHORAGE, 12, OFFICIAL, inferred=True))


def test_a_denial_contradicts_the_claim():
    claim = ev("a", "withdraw", HMEIMIM, 14, OFFICIAL, type_="RETREAT")
    denial = ev("b", "withdraw", HMEIMIM, 14, KREMLIN, modality="negated", type_="RETREAT")
    link([denial], [claim])
    assert claim.contradicted_by == [denial.id] and denial.contradicted_by == [claim.id]
    assert claim.corroborated_by == []


def test_no_comment_neither_confirms_nor_denies():
    claim = ev("a", "withdraw", HMEIMIM, 14, OFFICIAL, type_="RETREAT")
    silent = ev("b", "withdraw", HMEIMIM, 14, KREMLIN, modality="no_comment", type_="RETREAT")
    assert link([silent], [claim]) == []


def test_non_movement_events_need_the_same_actor():
    talks = ev("a", None, SYRIA, 14, KREMLIN, type_="CONSULT", actor=Actor("Russia", "RUS"))
    more = ev("b", None, SYRIA, 14, OFFICIAL, type_="CONSULT", actor=Actor("Moscow", "RUS"))
    other = ev("c", None, SYRIA, 14, OFFICIAL, type_="CONSULT", actor=Actor("Ankara", "TUR"))
    # Country-wide pins are too coarse to tell, whoever speaks.
    assert not same_happening(talks, more)
    talks.location = more.location = other.location = Place("Damascus", 33.51, 36.29, "city", "city", 10.0, "SY")
    assert same_happening(talks, more) and not same_happening(talks, other)


def test_fusion_regrades_information_credibility():
    claim = ev("news", "depart", None, 14, OFFICIAL, origin=HMEIMIM,
               credibility=Credibility("D", 3, "D: relayed. 3 (possibly true): reported"))
    track = ev("adsb", "depart", HMEIMIM, 14, TRACK, track_id="t1", credibility=Credibility("B", 2))
    hedged = ev("analyst", "depart", HMEIMIM, 14, Source("analyst", "A. Analyst"), modality="hedged",
                credibility=Credibility("C", 4))
    changed = fuse([claim], [track, hedged])
    assert {e.id for e in changed} == {claim.id, track.id, hedged.id}
    assert (claim.credibility.code, track.credibility.code, hedged.credibility.code) == ("D1", "B1", "C2")
    assert claim.credibility.basis == ("D: relayed. 3 (possibly true): reported; "
                                       "fusion: corroborated by 2, contradicted by 0 independent report(s)")
    assert track.credibility.basis == "fusion: corroborated by 1, contradicted by 0 independent report(s)"
    denial = ev("kremlin", "depart", HMEIMIM, 14, KREMLIN, modality="negated", credibility=Credibility("C", 3))
    lone = ev("other", "depart", HMEIMIM, 14, Source("named", "X"), credibility=Credibility("C", 3))
    fuse([denial], [lone])
    assert lone.credibility.code == "C5" and denial.credibility.code == "C5"


def test_equipment_must_not_differ():
    an124 = [Equipment("An-124", "aircraft", 2)]
    il76 = [Equipment("Il-76", "aircraft", 1)]
    plane = [Equipment("cargo plane", "aircraft", 1)]
    ships = [Equipment("frigate", "ship", 2)]
    claim = ev("news", "depart", HMEIMIM, 14, OFFICIAL, equipment=an124)
    assert not same_happening(claim, ev("adsb", "depart", HMEIMIM, 14, TRACK, equipment=il76))
    assert same_happening(claim, ev("adsb", "depart", HMEIMIM, 14, TRACK, equipment=an124))
    assert same_happening(claim, ev("other", "depart", HMEIMIM, 14, KREMLIN, equipment=plane))
    assert same_happening(claim, ev("other", "depart", HMEIMIM, 14, KREMLIN))
    assert not same_happening(claim, ev("ais", "depart", HMEIMIM, 14, TRACK, equipment=ships))


def test_two_track_events_do_not_confirm_each_other():
    a = ev("ais", "anchor", TARTUS_ANCHORAGE, 9, TRACK, track_id="frigate")
    b = ev("ais2", "anchor", TARTUS_ANCHORAGE, 9, TRACK, track_id="tanker")
    assert link([a, b]) == []

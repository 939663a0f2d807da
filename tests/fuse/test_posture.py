from datetime import date

from forcewatch.fuse.posture import detect
from forcewatch.records import Credibility, Equipment, Event, Place, Site, Source, TimeSpan

HMEIMIM = Site("hmeimim", "Hmeimim Air Base", "airfield", 35.4011, 35.9487, 3.0, "SY")
KHADIM = Site("al-khadim", "Al-Khadim Air Base", "airfield", 31.9985, 21.1918, 4.0, "LY")
TARTUS = Site("tartus", "Tartus naval facility", "port", 34.8915, 35.8730, 2.0, "SY")


def at(site: Site) -> Place:
    return Place(site.name, site.lat, site.lon, "airfield", "site", site.radius_km)


def ev(n, subtype, day, credibility="B2", modality="asserted", location=None, origin=None, destination=None, gear="aircraft"):
    return Event(
        id=f"e{n}", doc_id=f"d{n}", type="MOBILIZE", subtype=subtype, trigger="x", trigger_span=(0, 1),
        sentence="x", span=(0, 1), location=location, origin=origin, destination=destination,
        time=TimeSpan(date(2024, 12, day), date(2024, 12, day)), source=Source("sensor"),
        modality=modality, credibility=Credibility.parse(credibility), equipment=[Equipment("Il-76", gear, 1)],
    )


def test_departures_flag_a_withdrawal_and_arrivals_elsewhere_a_redeployment():
    events = [
        ev(1, "depart", 12, origin=at(HMEIMIM), destination=at(KHADIM)),
        ev(2, "depart", 13, location=at(HMEIMIM)),
        ev(3, "load", 13, location=at(HMEIMIM), credibility="B4"),
        ev(4, "arrive", 13, location=at(KHADIM)),
        ev(5, "arrive", 14, location=at(KHADIM), credibility="C3"),
    ]
    flags = detect(events, [HMEIMIM, KHADIM, TARTUS], window_days=7)
    by_change = {(f.change, f.site): f for f in flags}
    withdrawal = by_change[("withdrawal", "Hmeimim Air Base")]
    assert set(withdrawal.evidence) == {"e1", "e2", "e3"}
    assert withdrawal.start == date(2024, 12, 8) and withdrawal.end == date(2024, 12, 14)
    assert ("build-up", "Al-Khadim Air Base") in by_change
    redeploy = by_change[("redeployment", "Hmeimim Air Base")]
    assert redeploy.to_site == "Al-Khadim Air Base"
    assert not any(f.site == "Tartus naval facility" for f in flags)


def test_weak_or_denied_claims_do_not_flag():
    # One hedged report is below the threshold.
    assert detect([ev(1, "depart", 12, location=at(HMEIMIM), credibility="C4")], [HMEIMIM]) == []
    # Three possibly-true departures against a confirmed denial and a no-comment.
    events = [
        ev(1, "depart", 12, location=at(HMEIMIM), credibility="C3"),
        ev(2, "withdraw", 12, location=at(HMEIMIM), credibility="C3"),
        ev(6, "withdraw", 11, location=at(HMEIMIM), credibility="C3"),
        ev(3, "withdraw", 12, location=at(HMEIMIM), credibility="C1", modality="negated"),
        ev(4, "withdraw", 12, location=at(HMEIMIM), credibility="C6", modality="no_comment"),
    ]
    [flag] = detect(events, [HMEIMIM])
    assert flag.change == "withdrawal" and flag.score == 1.3
    assert set(flag.evidence) == {"e1", "e2", "e6"}
    # A second confirmed denial outweighs them.
    events.append(ev(5, "withdraw", 13, location=at(HMEIMIM), credibility="A1", modality="negated"))
    assert detect(events, [HMEIMIM]) == []


def test_window_limits_what_counts():
    events = [ev(1, "depart", 1, location=at(HMEIMIM)), ev(2, "depart", 14, location=at(HMEIMIM))]
    assert detect(events, [HMEIMIM], window_days=7) == []
    assert detect(events, [HMEIMIM], window_days=14)[0].change == "withdrawal"


def test_background_events_give_no_posture_signal():
    from datetime import date

    from forcewatch.fuse.posture import detect
    from forcewatch.records import Credibility, Event, Place, Site, TimeSpan

    site = Site(id="s", name="Base", kind="base", lat=35.0, lon=36.0, radius_km=5.0)
    def withdrawal(i, background):
        return Event(id=f"e{i}", doc_id="d", type="RETREAT", subtype="withdraw", trigger="withdrew", trigger_span=(0, 8),
                     sentence="x", span=(0, 1), location=Place("Base", 35.0, 36.0, "base", "site", 2.0),
                     time=TimeSpan(date(2024, 12, 1), date(2024, 12, 1)), credibility=Credibility("A", 1),
                     background=background)
    assert detect([withdrawal(1, False), withdrawal(2, False)], [site])
    assert not detect([withdrawal(1, True), withdrawal(2, True)], [site])

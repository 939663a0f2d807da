"""Seas, straits and coasts, and admin units named with their unit word, through the geoparser
(on sentences written for these tests)."""

from __future__ import annotations

from forcewatch.geo import haversine_km
from forcewatch.records import Document
from forcewatch.resolve.geoparse import analyse


def places(text: str, gaz) -> dict:
    """Mention text -> resolved place, as `forcewatch places` gives them."""
    return {p.text: p for p in analyse(Document(id="t", text=text), gaz).places}


def town(gaz, name, country):
    return max((e for e in gaz.lookup(name) if e.kind == "city" and e.country == country), key=lambda e: e.population)


def test_seas_and_straits_in_running_text(gaz):
    found = places("A Russian submarine was tracked in the Norwegian Sea before two frigates sailed "
                   "through the Miyako Strait and on into the Philippine Sea.", gaz)
    norwegian, miyako = found["Norwegian Sea"], found["Miyako Strait"]
    assert norwegian.kind == "sea" and norwegian.radius_km >= 300
    assert miyako.kind == "sea" and miyako.radius_km <= 200
    naha = town(gaz, "Naha", "JP")
    assert haversine_km(miyako.lat, miyako.lon, naha.lat, naha.lon) < 250
    assert found["Philippine Sea"].kind == "sea"


def test_lower_case_strait_and_gap(gaz):
    found = places("Patrol aircraft watched the GIUK gap while a convoy crossed the Kerch strait.", gaz)
    assert found["GIUK gap"].kind == "sea" and found["Kerch strait"].kind == "sea"


def test_off_the_east_coast_is_offshore_on_that_side(gaz):
    found = places("The task group exercised off the east coast of Australia for a week.", gaz)
    coast = found["off the east coast of Australia"]
    australia = gaz.country("AU")
    assert coast.kind == "relative" and coast.anchor == "Australia"
    assert coast.lon > 152.5  # east of the coast's towns, out at sea
    assert -38 < coast.lat < -17
    assert 150 <= coast.radius_km < australia.radius_km  # a stretch of coast, not the continent
    brisbane, sydney = town(gaz, "Brisbane", "AU"), town(gaz, "Sydney", "AU")
    for t in (brisbane, sydney):
        assert haversine_km(coast.lat, coast.lon, t.lat, t.lon) <= coast.radius_km + 50


def test_coast_without_a_side_faces_the_sea(gaz):
    syria = places("Warships gathered off the Syrian coast on Monday.", gaz)["off the Syrian coast"]
    tartus, latakia = town(gaz, "Tartus", "SY"), town(gaz, "Latakia", "SY")
    assert syria.country == "SY" and syria.kind == "relative"
    assert min(haversine_km(syria.lat, syria.lon, t.lat, t.lon) for t in (tartus, latakia)) < 60
    assert syria.lon < 35.9  # at sea, not inland
    libya = places("A tanker was hit off the coast of Libya.", gaz)["off the coast of Libya"]
    assert libya.lat > 30.5 and libya.country == "LY"  # the north, the Mediterranean side
    yemen = places("A cargo ship sank off Yemen's coast.", gaz)["off Yemen's coast"]
    assert yemen.country == "YE" and yemen.lat < 16


def test_admin_unit_word_settles_the_reading(gaz):
    found = places("Drones struck an oil depot in Russia's Rostov Oblast, and shelling was reported "
                   "in Aleppo province.", gaz)
    rostov, aleppo = found["Rostov Oblast"], found["Aleppo province"]
    assert rostov.kind == "admin" and rostov.country == "RU" and rostov.radius_km >= 80
    assert aleppo.kind == "admin" and aleppo.country == "SY"
    city = town(gaz, "Aleppo", "SY")
    assert aleppo.radius_km > city.radius_km
    assert "Russia" in found and found["Russia"].kind == "country"


def test_unit_word_written_before_the_name(gaz):
    ny = places("The governor of the state of New York declared an emergency.", gaz)["New York"]
    assert ny.kind == "admin" and ny.country == "US"
    donetsk = places("Troops massed in the region of Donetsk.", gaz)["Donetsk"]
    assert donetsk.kind == "admin" and donetsk.country == "UA" and donetsk.radius_km >= 60


def test_district_named_after_its_town_widens_the_town(gaz):
    place = places("Clashes were reported in Kandahar district overnight.", gaz)["Kandahar"]
    city = town(gaz, "Kandahar", "AF")
    assert place.kind == "admin" and place.radius_km >= 25
    assert haversine_km(place.lat, place.lon, city.lat, city.lon) < 1


def test_the_side_coast_of_a_country_named_after_it(pipeline):
    from forcewatch.records import Document
    from datetime import date

    text = "The Russian submarine sailed past the eastern coast of the UK on Friday, escorted by a frigate."
    (sailed,) = [e for e in pipeline(Document(id="c", text=text, published=date(2017, 5, 5))).events
                 if e.trigger == "sailed"]
    assert sailed.subtype == "transit" and sailed.location.lon > -1.5 and 51 < sailed.location.lat < 56

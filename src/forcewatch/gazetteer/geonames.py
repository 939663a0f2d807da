"""Import GeoNames dumps (allCountries.zip, XX.zip, cities500.zip, alternateNamesV2.zip).

Files are read as a stream (zip members are never extracted into memory) and
spooled to temporary CSV files that DuckDB loads with COPY, under a memory
limit, so the full dump (~13 M places, ~16 M alternate names) imports in well
under 2 GB of RAM. Everything goes into the user import database (see
:func:`forcewatch.gazetteer.lookup.user_db_path`), which the gazetteer
searches beside the packaged data. Importing a file again replaces the places
it holds (names are kept, and added to); alternate names attach to places already
imported or imported later.

GeoNames main table columns (tab-separated): geonameid, name, asciiname,
alternatenames, latitude, longitude, feature class, feature code, country code,
cc2, admin1, admin2, admin3, admin4, population, elevation, dem, timezone,
modification date. alternateNamesV2: alternateNameId, geonameid, isolanguage,
alternate name, isPreferredName, isShortName, isColloquial, isHistoric, from, to.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from forcewatch.gazetteer.build import (
    NAMES_DDL, NAME_COLUMNS, PLACE_COLUMNS, PLACES_DDL, CsvSpool, city_radius, finish, name_rows, skeleton,
    usable_alias,
)
from forcewatch.lexicon import fold

AIRFIELD_CODES = {"AIRB", "AIRF", "AIRP", "AIRH", "AIRS"}
PORT_CODES = {"PRT", "HBR", "NVB", "DCKY", "ANCH", "MAR"}
BASE_CODES = {"MILB", "INSM", "BRKS", "MSSN"}
SEA_CODES = {"SEA", "OCN", "GULF", "STRT", "BAY", "BAYS", "CHN", "CHNM", "SD", "COVE", "LGN"}
SKIP_LANGUAGES = {"link", "post", "iata", "icao", "faac", "fr_1793", "unlc", "wkdt", "tcid"}


def kind_of(fclass: str, fcode: str) -> str:
    if fcode.startswith("PCL"):
        return "country"
    if fclass == "A":
        return "admin"
    if fclass == "P":
        return "city"
    if fcode in AIRFIELD_CODES:
        return "airfield"
    if fcode in PORT_CODES:
        return "port"
    if fcode in BASE_CODES:
        return "base"
    if fcode in SEA_CODES or fclass == "H" and fcode in ("SEA", "OCN"):
        return "sea"
    return "region"


def radius_of(kind: str, fcode: str, population: int) -> float:
    if kind == "city":
        return city_radius(population)
    if kind == "country":
        return 300.0
    if kind == "admin":
        return {"ADM1": 100.0, "ADM2": 30.0}.get(fcode, 10.0)
    if kind in ("airfield", "port", "base"):
        return 3.0
    if kind == "sea":
        return 100.0
    return 10.0 if fcode not in ("CONT", "RGN", "MTS", "DSRT", "PLN", "PLAT") else 200.0


def _members(path: Path) -> Iterator[tuple[str, io.TextIOBase, int, Callable[[], int]]]:
    """(member name, text stream, total bytes, bytes read so far) for each data file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = Path(info.filename).name
                if not name.endswith(".txt") or name.lower().startswith(("readme", "iso-languagecodes")):
                    continue
                with zf.open(info) as raw:
                    counter = _Counting(raw)
                    yield (name, io.TextIOWrapper(counter, encoding="utf-8", newline="\n"), info.file_size,
                           lambda c=counter: c.n)
    else:
        with open(path, "rb") as raw:
            counter = _Counting(raw)
            yield (path.name, io.TextIOWrapper(counter, encoding="utf-8", newline="\n"), os.path.getsize(path),
                   lambda: counter.n)


class _Counting(io.RawIOBase):
    """Counts bytes read, for the progress bar."""

    def __init__(self, raw):
        self.raw, self.n = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        self.n += len(data)
        b[: len(data)] = data
        return len(data)


def _is_alternate_names(name: str, first_line: str) -> bool:
    cols = first_line.rstrip("\n").split("\t")
    return name.lower().startswith("alternatename") or (len(cols) in (4, 8, 10) and not _looks_like_main(cols))


def _looks_like_main(cols: list[str]) -> bool:
    if len(cols) < 15:
        return False
    try:
        float(cols[4]), float(cols[5])
    except ValueError:
        return False
    return True


def import_file(path: str | Path, db: str | Path, progress: Callable[[float], None] | None = None,
                memory_limit: str = "1GB") -> str:
    """Import one GeoNames file into ``db`` (the configuration's import database); returns a summary."""
    import duckdb

    path = Path(path)
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    spool_dir = tempfile.mkdtemp(prefix="fw-geonames-", dir=db.parent)
    con = duckdb.connect(str(db))
    n_places = n_names = 0
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET temp_directory = '{spool_dir}'")
        con.execute(PLACES_DDL.replace("pid BIGINT PRIMARY KEY", "pid BIGINT"))
        con.execute(NAMES_DDL)
        found_any = False
        try:
            for member, stream, total, done in _members(path):
                first = stream.readline()
                if not first:
                    continue
                places, names = CsvSpool(spool_dir), CsvSpool(spool_dir)
                if _is_alternate_names(member, first):
                    n_names += _alternate_names(first, stream, names, total, done, progress)
                else:
                    if not _looks_like_main(first.split("\t")):
                        raise ValueError(f"{path}: {member} is not a GeoNames table (19 tab-separated columns)")
                    p, n = _main_table(first, stream, places, names, total, done, progress)
                    n_places += p
                    n_names += n
                found_any = True
                con.execute("CREATE TEMP TABLE IF NOT EXISTS new_places AS SELECT * FROM places LIMIT 0")
                con.execute("DELETE FROM new_places")
                places.load(con, "new_places", PLACE_COLUMNS)
                con.execute("DELETE FROM places WHERE pid IN (SELECT pid FROM new_places)")
                con.execute("INSERT INTO places SELECT * FROM new_places")
                names.load(con, "names", NAME_COLUMNS)
        except BaseException:
            try:
                finish(con)  # members that did go in stay consistent with the lookup table
            except Exception:  # noqa: BLE001 - the first error is the one to report
                pass
            raise
        if not found_any:
            raise ValueError(f"{path}: no GeoNames data file in it")
        # alternate names of places not (yet) imported are kept: a later import may bring them
        con.execute("CREATE OR REPLACE TABLE names AS SELECT DISTINCT * FROM names")
        finish(con)
        total_places = con.execute("SELECT count(*) FROM places").fetchone()[0]
        total_names = con.execute("SELECT count(*) FROM names").fetchone()[0]
    finally:
        con.close()
        for f in Path(spool_dir).glob("*"):
            try:
                f.unlink() if f.is_file() else None
            except OSError:
                pass
        try:
            os.rmdir(spool_dir)
        except OSError:
            pass
    if progress:
        progress(1.0)
    return (f"{path.name}: {n_places:,} places and {n_names:,} names read; the import database {db} "
            f"now holds {total_places:,} places and {total_names:,} names")


def _rows(first: str, stream, total: int, done, progress) -> Iterator[list[str]]:
    """The tab-separated columns of each line, from ``first`` on, reporting progress as it goes."""
    line, i = first, 0
    while line:
        yield line.rstrip("\n").split("\t")
        i += 1
        if progress and i % 20000 == 0 and total:
            progress(min(done() / total, 0.99))
        line = stream.readline()


def _main_table(first: str, stream, places: CsvSpool, names: CsvSpool, total: int, done, progress) -> tuple[int, int]:
    n_places = n_names = 0
    for cols in _rows(first, stream, total, done, progress):
        if len(cols) < 15:
            continue
        try:
            gid = int(cols[0])
            lat, lon = float(cols[4]), float(cols[5])
        except ValueError:
            continue
        name, ascii_name, alts = cols[1], cols[2], cols[3]
        fclass, fcode, cc = cols[6], cols[7], cols[8] or None
        pop = int(cols[14]) if cols[14].strip().isdigit() else 0
        kind = kind_of(fclass, fcode)
        display = name if name.isascii() else (ascii_name or name)
        places.write((gid, name, display, lat, lon, kind, cc, cols[10] or None, pop,
                      radius_of(kind, fcode, pop), gid, None, fcode or fclass, "geonames"))
        n_places += 1
        for row in name_rows(gid, [name, ascii_name, *(a for a in alts.split(",") if usable_alias(a))]):
            names.write(row)
            n_names += 1
    return n_places, n_names


def _alternate_names(first: str, stream, names: CsvSpool, total: int, done, progress) -> int:
    n = 0
    for cols in _rows(first, stream, total, done, progress):
        if len(cols) < 4:
            continue
        lang, alias = cols[2], cols[3]
        historic = len(cols) > 7 and cols[7] == "1"
        if lang in SKIP_LANGUAGES or historic or not usable_alias(alias):
            continue
        try:
            gid = int(cols[1])
        except ValueError:
            continue
        key = fold(alias)
        names.write((key, gid, alias, skeleton(key)))
        n += 1
    return n

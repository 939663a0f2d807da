"""The fix archive: every track's fixes as Parquet files partitioned by day and source, beside the store.

Months of AIS are hundreds of millions of fixes; kept as rows of the event store they would make
its file, its checkpoints and its backups grow with them. Here they are plain Parquet files that
DuckDB, pandas/pyarrow, Spark or any Parquet reader reads as one hive-partitioned dataset::

    ROOT/day=2024-12-09/source=ais/fixes-4711-1f0c2a9b.parquet
    ROOT/day=2024-12-09/source=adsb/fixes-4711-1f0c2a9b.parquet

Each file holds the fixes of one batch of tracks (one ``add_tracks`` call: a feed, a live commit)
for one UTC day and one source (``ais`` for vessels, ``adsb`` for aircraft), sorted by track and
time, with the columns ``FIX_COLUMNS``; the day and source are in the path only (hive style).

The database stays the truth about which files are live: the table ``fix_files`` lists, per track,
the files that hold its fixes and how many (``n``), written in the transaction of the tracks
themselves. A batch is written under hidden temporary names, renamed into place, then listed in
that transaction; a rollback removes its files, a track stored again drops its old listing in the
same transaction and its old files after the commit. A writer killed between the rename and the
commit leaves files nobody lists: every file name carries its writer's process id, and opening the
store for writing removes the unlisted files of writers that are gone (``FixArchive.sweep``), as
the scratch folder's CSVs are swept. A plain Parquet reader of the whole folder sees those files
until then; reading through the store (``Store.track_fixes``) reads only listed files.

Nothing here depends on DuckDB being the event store: the listing is SQL any backend can run,
and the Parquet is written and read by an in-memory DuckDB of each thread.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from forcewatch.records import Position, Track
from forcewatch.store.rows import csv_bool, insert_many, utc_naive as _utc_naive, writer_alive as _alive

FIX_COLUMNS = ("track_id", "ident", "t", "lat", "lon", "altitude_ft", "speed_kn", "course_deg", "on_ground", "status")

# One row per (track, file): the files a track's fixes are in, and how many are in each. No index: DuckDB
# 1.4 writes every index anew at each checkpoint and leaves the old blocks free, not reused (256 KB more
# file per index per live commit on a shared store); a scan of this narrow table is milliseconds.
FIX_FILES_SCHEMA = """
CREATE TABLE IF NOT EXISTS fix_files (track_id VARCHAR NOT NULL, path VARCHAR NOT NULL, day DATE, source VARCHAR,
    n INTEGER);
"""

SOURCES = {"vessel": "ais", "aircraft": "adsb"}  # partition name of each platform's fixes

# The batch CSV (scratch) as DuckDB reads it: the track's place in the batch, then its fixes.
_CSV_COLUMNS = {"k": "INTEGER", "source": "VARCHAR", "track_id": "VARCHAR", "ident": "VARCHAR", "t": "TIMESTAMP",
                "lat": "DOUBLE", "lon": "DOUBLE", "altitude_ft": "DOUBLE", "speed_kn": "DOUBLE",
                "course_deg": "DOUBLE", "on_ground": "BOOLEAN", "status": "VARCHAR"}
_FILE = re.compile(r"^\.?fixes-(\d+)-[0-9a-f]+\.parquet(\.tmp)?$")
_PARQUET = "(FORMAT parquet, COMPRESSION zstd)"


def source_of(platform: str | None) -> str:
    """The partition a platform's fixes go in: ``ais``, ``adsb``, else the platform's name made safe."""
    if platform in SOURCES:
        return SOURCES[platform]
    return re.sub(r"[^a-z0-9_]+", "-", (platform or "other").lower()).strip("-") or "other"


_local = threading.local()


def _scratch_con() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB of the calling thread, which writes and reads the Parquet: no lock on the
    store's file is held for it, and opening one costs ~20 ms, so each thread keeps its own."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ reads back as UTC whatever the machine's zone
    return con


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class FixBatch:
    """Tracks whose fixes are written and in place, not yet listed: ``rows`` go into ``fix_files`` in the
    tracks' transaction; ``discard()`` removes the files when that transaction does not commit."""

    archive: FixArchive
    tracks: list[Track] = field(default_factory=list)  # last of each id wins, in the order given
    rows: list[tuple] = field(default_factory=list)  # (track_id, path, day, source, n)
    files: list[str] = field(default_factory=list)  # paths relative to the archive's root

    def discard(self) -> None:
        self.archive.remove(self.files)
        self.files = []


class FixArchive:
    """A folder of Parquet fix files (see the module's docstring); ``root`` is made when first written."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def temporary(cls) -> FixArchive:
        """An archive in a fresh folder of the system's temporary folder, removed with the object
        (the archive of a ``:memory:`` store, which lives as long as it does)."""
        import shutil

        archive = cls(tempfile.mkdtemp(prefix="forcewatch-fixes-"))
        weakref.finalize(archive, shutil.rmtree, str(archive.root), True)
        return archive

    def __repr__(self) -> str:
        return f"FixArchive({str(self.root)!r})"

    # -- writing ---------------------------------------------------------
    def stage(self, tracks: Iterable[Track], scratch: Path) -> FixBatch:
        """Write the fixes of ``tracks`` (one file per day and source) and rename them into place.

        The fixes go through a CSV in ``scratch`` (named with this process's id, so a kill mid-write
        leaves it to the scratch sweep) into an in-memory DuckDB, which writes the Parquet: the
        csv module and DuckDB's reader move a million fixes a second, row inserts a few thousand."""
        batch = FixBatch(self)
        last: dict[str, int] = {}
        seen: list[Track] = []
        fd, path = None, None
        try:
            for attempt in (0, 1):  # another process may remove the empty folder between mkdir and mkstemp
                scratch.mkdir(parents=True, exist_ok=True)
                try:
                    fd, path = tempfile.mkstemp(prefix=f"positions-{os.getpid()}-", suffix=".csv", dir=scratch)
                    break
                except FileNotFoundError:
                    if attempt:
                        raise
            n_fixes = 0
            with open(fd, "w", newline="", encoding="utf-8") as fp:
                out = csv.writer(fp)
                for k, track in enumerate(tracks):
                    seen.append(track)
                    last[track.id] = k
                    source = source_of(track.platform)
                    out.writerows(
                        (k, source, track.id, track.ident, _utc_naive(p.t), p.lat, p.lon, p.altitude_ft, p.speed_kn,
                         p.course_deg, csv_bool(p.on_ground), p.status)
                        for p in track.positions)
                    n_fixes += len(track.positions)
            batch.tracks = [seen[k] for k in sorted(last.values())]
            if n_fixes:
                self._write(batch, path, None if len(last) == len(seen) else sorted(last.values()))
        except BaseException:
            batch.discard()
            raise
        finally:
            if path is not None:
                try:
                    os.unlink(path)
                except OSError:
                    pass
            try:
                scratch.rmdir()  # left when another writer's files are in it
            except OSError:
                pass
        return batch

    def _write(self, batch: FixBatch, csv_path: str, keep: list[int] | None) -> None:
        con = _scratch_con()
        columns = ", ".join(f"'{c}': '{t}'" for c, t in _CSV_COLUMNS.items())
        where = f" WHERE k IN ({', '.join(map(str, keep))})" if keep is not None else ""
        con.execute(f"CREATE OR REPLACE TEMP TABLE fix_batch AS SELECT *, strftime(t, '%Y-%m-%d') AS day"
                    f" FROM read_csv({_literal(csv_path)}, header = false, nullstr = '', columns = {{{columns}}}){where}")
        try:
            counts = con.execute("SELECT day, source, track_id, count(*) FROM fix_batch GROUP BY ALL"
                                 " ORDER BY day, source, track_id").fetchall()
            name = f"fixes-{os.getpid()}-{uuid.uuid4().hex[:12]}.parquet"
            select = ", ".join("timezone('UTC', t) AS t" if c == "t" else c for c in FIX_COLUMNS)
            for day, source in dict.fromkeys((d, s) for d, s, _, _ in counts):
                rel = f"day={day}/source={source}/{name}"
                self._copy(con, f"SELECT {select} FROM fix_batch WHERE day = {_literal(day)}"
                                f" AND source = {_literal(source)} ORDER BY track_id, t", rel)
                batch.files.append(rel)
            batch.rows = [(tid, f"day={d}/source={s}/{name}", d, s, n) for d, s, tid, n in counts]
        finally:
            con.execute("DROP TABLE IF EXISTS fix_batch")

    def _copy(self, con, select: str, rel: str) -> None:
        """``select`` as the Parquet file ``rel``: written under a hidden temporary name (no reader's
        ``*.parquet`` glob takes it), flushed to disk, then renamed into place."""
        final = self.root / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name("." + final.name + ".tmp")
        con.execute(f"COPY ({select}) TO {_literal(str(tmp))} {_PARQUET}")
        os.replace(tmp, final)

    def rewrite_without(self, rel: str, track_ids: Sequence[str]) -> str:
        """A copy of the file ``rel`` without the fixes of ``track_ids`` (tracks stored again), in place
        under a new name; the caller lists it instead of ``rel`` and removes ``rel`` after its commit."""
        day, source = (part.partition("=")[2] for part in rel.split("/")[:2])
        new = f"day={day}/source={source}/fixes-{os.getpid()}-{uuid.uuid4().hex[:12]}.parquet"
        ids = ", ".join(_literal(i) for i in track_ids)
        self._copy(_scratch_con(), f"SELECT * FROM read_parquet({_literal(str(self.root / rel))})"
                                   f" WHERE track_id NOT IN ({ids}) ORDER BY track_id, t", new)
        return new

    def remove(self, rels: Iterable[str]) -> None:
        """Delete these files (and the partition folders they leave empty); those already gone are fine."""
        for rel in rels:
            path = self.root / rel
            try:
                path.unlink()
            except OSError:
                continue
            for folder in (path.parent, path.parent.parent):
                try:
                    folder.rmdir()
                except OSError:
                    break

    def sweep(self, listed: Callable[[], set[str]]) -> int:
        """Remove what killed writers left: temporary files, and files no row of ``fix_files`` lists
        (``listed()``: the listed paths, asked only when there is a candidate), of writers that are
        gone; a living writer's files (this process's included) may be between rename and commit, and
        stay. Returns how many files went."""
        candidates: list[str] = []
        try:
            days = [d for d in os.scandir(self.root) if d.is_dir() and d.name.startswith("day=")]
        except OSError:
            return 0
        for day in days:
            for source in os.scandir(day.path):
                if not source.is_dir():
                    continue
                for entry in os.scandir(source.path):
                    m = _FILE.match(entry.name)
                    if m is None:
                        continue
                    pid = int(m.group(1))
                    if pid == os.getpid() or _alive(pid):
                        continue
                    candidates.append(f"{day.name}/{source.name}/{entry.name}")
        if not candidates:
            return 0
        known = listed()
        gone = [rel for rel in candidates if rel.endswith(".tmp") or rel not in known]
        self.remove(gone)
        return len(gone)

    # -- reading ---------------------------------------------------------
    def read(self, rels: Sequence[str], track_id: str, since: datetime | None = None, until: datetime | None = None,
             limit: int | None = None) -> list[Position]:
        """The fixes of ``track_id`` in the files ``rels`` (those ``fix_files`` lists for it), in time
        order, within [since, until] when given (naive times are UTC)."""
        if not rels:
            return []
        clauses, params = ["track_id = ?"], [track_id]
        for op, at in ((">=", since), ("<=", until)):
            if at is not None:
                clauses.append(f"t {op} ?")
                params.append(at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc))
        files = ", ".join(_literal(str(self.root / r)) for r in dict.fromkeys(rels))
        sql = (f"SELECT t, lat, lon, altitude_ft, speed_kn, course_deg, on_ground, status FROM read_parquet([{files}])"
               f" WHERE {' AND '.join(clauses)} ORDER BY t")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Position(t.astimezone(timezone.utc), *rest) for t, *rest in _scratch_con().execute(sql, params).fetchall()]


# -- the listing, in the store's transaction (any SQL backend) ---------------

def list_batch(con, batch: FixBatch, stored_again: Sequence[str]) -> list[str]:
    """In the tracks' transaction on ``con``: list ``batch``'s files, after dropping the listing of the
    tracks ``stored_again``. Returns the files to delete once it commits: the old files of those tracks
    (a file that other tracks still use is rewritten without them, and the copy listed instead)."""
    obsolete: list[str] = []
    if stored_again:
        ids = list(stored_again)
        old = [r[0] for r in con.execute(
            "SELECT DISTINCT path FROM fix_files WHERE track_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()]
        con.execute("DELETE FROM fix_files WHERE track_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
        for rel in old:
            others = con.execute("SELECT count(*) FROM fix_files WHERE path = ?", [rel]).fetchone()[0]
            if others:
                new = batch.archive.rewrite_without(rel, ids)
                batch.files.append(new)  # discarded with the batch if the transaction does not commit
                con.execute("UPDATE fix_files SET path = ? WHERE path = ?", [new, rel])
            obsolete.append(rel)
    if batch.rows:
        insert_many(con, "INSERT INTO fix_files (track_id, path, day, source, n)", batch.rows)
    return obsolete


def compact(store, before=None, min_files: int = 2) -> int:
    """Merge each partition's files into one, for the days before ``before`` (a date; None: every day)
    that have at least ``min_files`` files: a live watcher writes a small file per commit that closes
    tracks, and readers of the folder pay for every file. Each merged file is written outside any
    transaction, then listed instead of its parts in one short transaction (which also checks that
    nothing relisted them meanwhile); the parts are removed after its commit. ``store``: a store with
    ``fixes``, ``con``, ``session()``, ``transaction()`` and ``_after_transaction``. Returns the files
    merged away."""
    archive: FixArchive = store.fixes
    with store.session():
        clause, params = ("WHERE day < ?", [before]) if before is not None else ("", [])
        groups = store.con.execute(
            f"SELECT day::VARCHAR, source, list(DISTINCT path ORDER BY path) FROM fix_files {clause}"
            f" GROUP BY ALL HAVING count(DISTINCT path) >= ? ORDER BY ALL", [*params, max(2, min_files)]).fetchall()
    merged = 0
    for day, source, parts in groups:
        rel = f"day={day}/source={source}/fixes-{os.getpid()}-{uuid.uuid4().hex[:12]}.parquet"
        files = ", ".join(_literal(str(archive.root / p)) for p in parts)
        try:
            archive._copy(_scratch_con(), f"SELECT * FROM read_parquet([{files}]) ORDER BY track_id, t", rel)
        except duckdb.IOException:  # a part replaced meanwhile: left for the next compaction
            continue
        with store.transaction():
            store._after_transaction(on_rollback=lambda rel=rel: archive.remove([rel]))
            con = store.con
            rows = con.execute("SELECT track_id, sum(n)::INTEGER, count(DISTINCT path) FROM fix_files"
                               " WHERE path IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1", [parts]).fetchall()
            still = con.execute("SELECT count(DISTINCT path) FROM fix_files WHERE path IN (SELECT unnest(?::VARCHAR[]))",
                                [parts]).fetchone()[0]
            if still != len(parts):  # a track of them was stored again meanwhile: its copy is not what is listed
                archive.remove([rel])
                continue
            con.execute("DELETE FROM fix_files WHERE path IN (SELECT unnest(?::VARCHAR[]))", [parts])
            insert_many(con, "INSERT INTO fix_files (track_id, path, day, source, n)",
                        [(tid, rel, day, source, n) for tid, n, _ in rows])
            store._after_transaction(on_commit=lambda parts=parts: archive.remove(parts))
        merged += len(parts)
    return merged


def listed_paths(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT DISTINCT path FROM fix_files").fetchall()}


def paths_of(con, track_id: str) -> list[str]:
    """The files that hold ``track_id``'s fixes."""
    return [r[0] for r in con.execute(
        "SELECT path FROM fix_files WHERE track_id = ? ORDER BY day, path", [track_id]).fetchall()]


def migrate_positions(con, archive: FixArchive) -> int:
    """Move the fixes of a store from before the archive (a ``positions`` table) into it: written to
    Parquet by day and source, listed, and the table dropped in one transaction (a kill before the
    commit leaves the table, and files the next opening sweeps). Returns the fixes moved."""
    if con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'positions'").fetchone() is None:
        return 0
    name = f"fixes-{os.getpid()}-{uuid.uuid4().hex[:12]}.parquet"
    view = ("SELECT p.*, tr.ident, tr.platform,"
            " strftime(p.t, '%Y-%m-%d') AS day FROM positions p LEFT JOIN tracks tr ON tr.id = p.track_id")
    groups = con.execute(f"SELECT day, platform, track_id, count(*) FROM ({view}) WHERE t IS NOT NULL"
                         " GROUP BY ALL ORDER BY ALL").fetchall()
    select = ", ".join("timezone('UTC', t) AS t" if c == "t" else c for c in FIX_COLUMNS)
    rows, files = [], []
    try:
        for day, platform in dict.fromkeys((d, p) for d, p, _, _ in groups):
            source = source_of(platform)
            rel = f"day={day}/source={source}/{name}"
            if rel not in files:
                platforms = [p for d, p, _, _ in groups if d == day and source_of(p) == source]
                match = " OR ".join("platform IS NULL" if p is None else f"platform = {_literal(p)}"
                                    for p in dict.fromkeys(platforms))
                archive._copy(con, f"SELECT {select} FROM ({view}) WHERE day = {_literal(day)} AND ({match})"
                                   " ORDER BY track_id, t", rel)
                files.append(rel)
            rows += [(tid, rel, d, source, n) for d, p, tid, n in groups if d == day and p == platform]
        con.execute("BEGIN TRANSACTION")
        try:
            if rows:
                insert_many(con, "INSERT INTO fix_files (track_id, path, day, source, n)", rows)
            con.execute("DROP TABLE positions")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except BaseException:
        archive.remove(files)
        raise
    return sum(r[4] for r in rows)

"""The embedded store: documents, events, tracks and sites in one DuckDB file.

Each event is kept whole as JSON (the record is the truth) with the fields
analysts filter on copied into columns, so queries need no JSON parsing.

DuckDB lets one process at a time hold a file read-write (others cannot even open it read-only
meanwhile), so a store that several processes use (``serve``, ``ingest``, ``watch``) is opened
with ``shared=True``: it holds no connection between uses, each call (or ``session()`` /
``transaction()`` block) opens one and closes it after, and opening waits up to ``lock_wait``
seconds for the process that holds the file (docs/store.md).
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import orjson

from forcewatch.fuse.corroborate import reach
from forcewatch.records import Alert, Cluster, Credibility, Document, Event, Position, Site, Track, doc_ref
from forcewatch.store.fixes import FIX_FILES_SCHEMA, FixArchive, list_batch, listed_paths, migrate_positions, paths_of
from forcewatch.store.rows import insert_many, writer_alive as _alive

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id VARCHAR PRIMARY KEY,
    path VARCHAR, url VARCHAR, title VARCHAR, published DATE, outlet VARCHAR,
    media_type VARCHAR, text VARCHAR NOT NULL,
    ingested_at TIMESTAMP DEFAULT current_timestamp,
    scope VARCHAR, fused BOOLEAN
);
CREATE TABLE IF NOT EXISTS events (
    id VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    type VARCHAR NOT NULL, subtype VARCHAR,
    lat DOUBLE, lon DOUBLE, place VARCHAR,
    t_start DATE, t_end DATE,
    source_kind VARCHAR, modality VARCHAR, reliability VARCHAR, information INTEGER,
    actor_country VARCHAR, sentence VARCHAR,
    track_id VARCHAR,
    record JSON NOT NULL,
    search VARCHAR, doc_ref VARCHAR, background BOOLEAN, t_at TIMESTAMP,
    reach_south DOUBLE, reach_west DOUBLE, reach_north DOUBLE, reach_east DOUBLE
);
CREATE TABLE IF NOT EXISTS tracks (
    id VARCHAR PRIMARY KEY,
    platform VARCHAR, ident VARCHAR, name VARCHAR, type_code VARCHAR,
    registration VARCHAR, operator VARCHAR, flag VARCHAR, military BOOLEAN, source VARCHAR,
    t_start TIMESTAMP, t_end TIMESTAMP, n_positions INTEGER
);
CREATE TABLE IF NOT EXISTS clusters (
    id VARCHAR PRIMARY KEY, t_start DATE, t_end DATE, lat DOUBLE, lon DOUBLE,
    type VARCHAR, subtype VARCHAR, n_events INTEGER, n_sources INTEGER, record JSON NOT NULL, t_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS cluster_members (event_id VARCHAR PRIMARY KEY, cluster_id VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS sites (
    id VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR, lat DOUBLE, lon DOUBLE,
    radius_km DOUBLE, country VARCHAR, record JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
"""

# -- the watcher's tables (forcewatch watch): alerts, their deliveries, what each source has seen,
# and checkpoints (feed validators, stream and tracker state), all written in the transaction of the
# documents and events they cover (``Store.batch``), so a crash neither loses nor repeats one.
WATCH_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS alert_seq;
CREATE TABLE IF NOT EXISTS alerts (
    id VARCHAR PRIMARY KEY, seq BIGINT DEFAULT nextval('alert_seq'), rule VARCHAR NOT NULL, severity VARCHAR,
    key VARCHAR, raised_at TIMESTAMP, t_start TIMESTAMP, t_end TIMESTAMP, record JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_events (alert_id VARCHAR, event_id VARCHAR, rule VARCHAR, PRIMARY KEY (alert_id, event_id));
CREATE TABLE IF NOT EXISTS alert_deliveries (
    alert_id VARCHAR, target VARCHAR, delivered_at TIMESTAMP, attempts INTEGER, PRIMARY KEY (alert_id, target)
);
CREATE TABLE IF NOT EXISTS watch_seen (source VARCHAR, item VARCHAR, seen_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (source, item));
CREATE TABLE IF NOT EXISTS watch_state (key VARCHAR PRIMARY KEY, value JSON, updated_at TIMESTAMP DEFAULT current_timestamp);
"""


# The schema's version, kept in a one-row table: bump it with each migration step added to _migrate.
SCHEMA_VERSION = 3  # 2: the reach columns; 3: fix_files (the fix archive's listing), no positions table

STATE_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class StoreBusy(Exception):
    """The database file cannot be opened (locked by another process, or not a database)."""


LOCK_WAIT = 30.0  # seconds to wait for another process that holds the file (Settings.lock_wait)


def _holder(message: str) -> str:
    """Who holds the file, from DuckDB's lock error ("... held in /usr/bin/python3 (PID 123) ..."):
    the PID and, where /proc tells, its command line."""
    m = re.search(r"PID (\d+)", message)
    if m is None:
        return "another process"
    pid = m.group(1)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = [Path(a.decode(errors="replace")).name if i == 0 else a.decode(errors="replace")
                 for i, a in enumerate(argv) if a][:4]
        return f"process {pid} ({' '.join(words)})" if words else f"process {pid}"
    except OSError:
        return f"process {pid}"


def connect(path: str, read_only: bool, lock_wait: float = LOCK_WAIT,
            on_wait: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``, waiting up to ``lock_wait`` seconds while another process holds
    the file (``on_wait`` is told who it is once the wait has lasted a second: the short waits for
    another user's write batch go unsaid); StoreBusy, naming the holder, after that."""
    start = time.monotonic()
    deadline = start + max(0.0, lock_wait)
    notice = start + min(1.0, lock_wait / 2)
    pause, told = 0.005, False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.BinderException as exc:
            # another thread of this process is opening or closing the file (shared stores): DuckDB
            # refuses to attach it twice meanwhile; a moment later it is open (joined) or closed
            if "file handle conflict" not in str(exc).lower() or time.monotonic() >= deadline:
                raise StoreBusy(f"{path}: cannot open database ({str(exc).splitlines()[0]})") from None
        except duckdb.IOException as exc:
            message = str(exc)
            if "conflicting lock" not in message.lower() and "could not set lock" not in message.lower():
                raise StoreBusy(f"{path}: cannot open database ({message.splitlines()[0]})") from None
            holder = _holder(message)
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"{path}: database is in use by {holder}; waited {lock_wait:g} s "
                    "(raise lock_wait, stop it, or ingest through the API of a running `forcewatch serve`)"
                ) from None
            if not told and on_wait is not None and time.monotonic() >= notice:
                on_wait(f"waiting for {path}: it is in use by {holder} (up to {lock_wait:g} s)")
                told = True
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.1)


def _once_per_message(tell: Callable[[str], None]) -> Callable[[str], None]:
    """``tell``, saying each message once (a long ingest may wait for the same process many times)."""
    said: set[str] = set()

    def once(message: str) -> None:
        if message not in said:
            said.add(message)
            tell(message)
    return once


_NOT_SESSIONED = {"close", "cursor", "session", "transaction"}


def _sessioned(cls):
    """Give each public method of a shared store (its own and its mixins') a connection of its own
    for the call, unless the calling thread is in a ``session()`` already: methods added later get
    the discipline too. Context managers and generators are left alone: they open their own."""
    seen: set[str] = set()
    for klass in cls.__mro__[:-1]:
        for name, fn in list(vars(klass).items()):
            if name in seen:
                continue
            seen.add(name)
            if name.startswith("_") or name in _NOT_SESSIONED or not inspect.isfunction(fn) \
                    or inspect.isgeneratorfunction(fn) or inspect.isgeneratorfunction(getattr(fn, "__wrapped__", None)):
                continue

            def wrap(fn):
                @functools.wraps(fn)
                def call(self, *args, **kwargs):
                    if not self.shared or getattr(self._local, "con", None) is not None:
                        return fn(self, *args, **kwargs)
                    with self.session():
                        return fn(self, *args, **kwargs)
                return call

            setattr(cls, name, wrap(fn))
    return cls


EVENT_COLUMNS = (
    "id", "doc_id", "type", "subtype", "lat", "lon", "place", "t_start", "t_end",
    "source_kind", "modality", "reliability", "information", "actor_country", "sentence", "track_id", "record",
    "search", "doc_ref", "background", "t_at", "reach_south", "reach_west", "reach_north", "reach_east",
)

CLUSTER_COLUMNS = ("id", "t_start", "t_end", "lat", "lon", "type", "subtype", "n_events", "n_sources", "record",
                   "t_at")
TRACK_COLUMNS = ("id", "platform", "ident", "name", "type_code", "registration", "operator", "flag", "military",
                 "source", "t_start", "t_end", "n_positions")
# The key of each table rows are replaced by (or left out when stored).
KEYS = {"events": ("id",), "event_records": ("id",), "clusters": ("id",), "cluster_members": ("event_id",),
        "tracks": ("id",), "sites": ("id",), "watch_seen": ("source", "item"), "watch_state": ("key",),
        "alert_events": ("alert_id", "event_id"), "alert_deliveries": ("alert_id", "target"), "alerts": ("id",)}

# Text search (the q filter) looks in one lower-cased column: the sentence, the place, who says
# so, the actor and the equipment. A plain substring test on it is several times faster than
# ILIKE over the sentence, which case-folds every row on every query.
SEARCH_MIGRATION = """
ALTER TABLE events ADD COLUMN IF NOT EXISTS search VARCHAR;
UPDATE events SET search = lower(concat_ws(chr(10), sentence, place,
    json_extract_string(record, '$.source.name'), json_extract_string(record, '$.source.affiliation'),
    json_extract_string(record, '$.actor.name'),
    array_to_string(json_extract_string(record, '$.equipment[*].name'), chr(10)))) WHERE search IS NULL;
"""


# Each event row also carries a reference to its document ({id, path, url, title, published}):
# documents never change once stored, and a page of a thousand events then needs no second
# round of look-ups in the documents table.
DOC_REF_MIGRATION = """
ALTER TABLE events ADD COLUMN IF NOT EXISTS doc_ref VARCHAR;
UPDATE events SET doc_ref = to_json({'id': d.id, 'path': d.path, 'url': d.url, 'title': d.title,
                                     'published': CAST(d.published AS VARCHAR)})::VARCHAR
FROM documents d WHERE d.id = events.doc_id AND events.doc_ref IS NULL;
"""


# Which events a report was coded for (pipeline scope: "force" or "all"), so that a later
# `ingest --all-events` codes again what was stored with military events only. Rows from before
# scopes, and sensor feeds, are NULL: coded whole.
SCOPE_MIGRATION = "ALTER TABLE documents ADD COLUMN IF NOT EXISTS scope VARCHAR;"

# Whether a document's events have been corroborated and grouped into happenings with what was
# stored: set in the transaction that stores the fusion's results, so a run killed between storing
# and fusing leaves documents that the next run fuses (service.Ingester). NULL (rows from before
# the column) counts as fused.
FUSED_MIGRATION = "ALTER TABLE documents ADD COLUMN IF NOT EXISTS fused BOOLEAN;"

# Background events (history a report recalls) are a column, so that leaving them out costs a look at a
# boolean, not the parse of every record; rows from before the column are NULL: not background.
BACKGROUND_MIGRATION = "ALTER TABLE events ADD COLUMN IF NOT EXISTS background BOOLEAN;"

# Same-day events are listed in time of day: ``t_at`` is the exact UTC instant an event starts when
# known (sensor events), NULL for a date alone, which comes first in its day (as its day's start).
# Rows from before the column are filled from their records (instants stored in UTC).
INSTANT_MIGRATION = """
ALTER TABLE events ADD COLUMN IF NOT EXISTS t_at TIMESTAMP;
UPDATE events SET t_at = TRY_CAST(left(json_extract_string(record, '$.time.start_time'), 19) AS TIMESTAMP)
WHERE t_at IS NULL AND json_extract_string(record, '$.time.start_time') IS NOT NULL;
ALTER TABLE clusters ADD COLUMN IF NOT EXISTS t_at TIMESTAMP;
UPDATE clusters SET t_at = TRY_CAST(left(json_extract_string(record, '$.time.start_time'), 19) AS TIMESTAMP)
WHERE t_at IS NULL AND json_extract_string(record, '$.time.start_time') IS NOT NULL;
"""
# Oldest first: by day, then time of day (a date alone first), then document and id, so a page
# boundary never splits a tie differently; ``newest_first`` is the exact reverse, undated last.
TIME_ORDER = "t_start NULLS LAST, t_at NULLS FIRST, doc_id, id"
TIME_ORDER_DESC = "t_start DESC NULLS LAST, t_at DESC NULLS LAST, doc_id DESC, id DESC"


# Version 2: where an event's matchable points lie (fuse/corroborate.reach: location, origin and
# destination pinned within MAX_RADIUS_KM), so fusion selects by place in SQL; filled from the records.
_POINTS = ("location", "origin", "destination")
_POINT_OK = "(json_extract(record, '$.{p}.lat') IS NOT NULL AND coalesce(TRY_CAST(json_extract(record, '$.{p}.radius_km') AS DOUBLE), 0) <= 50)"
_COORD = "CASE WHEN {ok} THEN TRY_CAST(json_extract(record, '$.{p}.{c}') AS DOUBLE) END"
REACH_MIGRATION = "".join(
    f"ALTER TABLE events ADD COLUMN IF NOT EXISTS reach_{side} DOUBLE;\n" for side in ("south", "west", "north", "east")
) + "UPDATE events SET " + ", ".join(
    f"reach_{side} = {fn}(" + ", ".join(_COORD.format(ok=_POINT_OK.format(p=p), p=p, c=c) for p in _POINTS) + ")"
    for side, fn, c in (("south", "least", "lat"), ("west", "least", "lon"), ("north", "greatest", "lat"),
                        ("east", "greatest", "lon"))
) + ";\n"

# The Admiralty grade is two columns, reliability (A-F) and information (1-6), as in the record.
# Databases from before kept the code ("B2") in a credibility column; these expressions read it
# the way Credibility.parse does, to migrate it, and to query a read-only database not migrated.
# (DuckDB cannot alter and update a table in one transaction; run again, the steps redo the same.)
GRADE_COLUMNS = ("reliability", "information")
OLD_GRADE_COLUMNS = ("left(credibility, 1)", "coalesce(TRY_CAST(substr(credibility, 2) AS INTEGER), 6)")
GRADE_MIGRATION = f"""
ALTER TABLE events ADD COLUMN IF NOT EXISTS reliability VARCHAR;
ALTER TABLE events ADD COLUMN IF NOT EXISTS information INTEGER;
UPDATE events SET reliability = {OLD_GRADE_COLUMNS[0]}, information = {OLD_GRADE_COLUMNS[1]}
WHERE credibility IS NOT NULL;
ALTER TABLE events DROP COLUMN credibility;
"""


def search_text(event: Event) -> str:
    parts = [event.sentence or ""]
    if event.location:
        parts.append(event.location.name or "")
    if event.source:
        parts += [event.source.name or "", event.source.affiliation or ""]
    if event.actor:
        parts.append(event.actor.name or "")
    parts += [e.name for e in event.equipment]
    return "\n".join(p for p in parts if p).lower()


def _instant(t) -> datetime | None:
    """The exact start of a time span, UTC without offset (the ``t_at`` column), when known."""
    at = t.start_time if t is not None else None
    if at is not None and at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at


def _event_row(event: Event, doc: Document | None = None) -> tuple:
    loc = event.location
    return (
        event.id, event.doc_id, event.type, event.subtype,
        loc.lat if loc else None, loc.lon if loc else None, loc.name if loc else None,
        event.time.start if event.time else None, event.time.end if event.time else None,
        event.source.kind if event.source else None, event.modality,
        event.credibility.reliability if event.credibility else None,
        event.credibility.information if event.credibility else None,
        event.actor.country if event.actor else None, event.sentence, event.track_id,
        json.dumps(event.to_dict(), ensure_ascii=False), search_text(event),
        json.dumps(doc_ref(doc, event.doc_id), ensure_ascii=False) if doc is not None else None,
        event.background, _instant(event.time), *(reach(event) or (None,) * 4),
    )


class WatchTables:
    """The watcher's part of the store (WATCH_SCHEMA), mixed into Store."""

    @contextmanager
    def batch(self):
        """One transaction around several writes that use ``transaction()`` themselves (a document, its
        events, the source's seen mark and checkpoint, the alerts they raise): all or nothing."""
        with self.transaction():  # transactions nest: the inner ones join this one
            yield self

    def has_watch_tables(self) -> bool:
        """Whether the watcher's tables exist (a read-only database from before them has none); once
        they do, they stay, so the answer is kept (a catalog query costs a live commit milliseconds)."""
        if not getattr(self, "_watch_tables", False):
            self._watch_tables = self._has_table("alerts")
        return self._watch_tables

    # seen items and checkpoints
    def seen(self, source: str, items: Iterable[str]) -> set[str]:
        """Which of ``items`` the source has recorded as seen."""
        items = list(dict.fromkeys(items))
        if not items:
            return set()
        rows = self.con.execute("SELECT item FROM watch_seen WHERE source = ? AND item IN (SELECT unnest(?::VARCHAR[]))",
                                [source, items]).fetchall()
        return {r[0] for r in rows}

    def mark_seen(self, source: str, items: Iterable[str]) -> None:
        rows = [(source, i) for i in dict.fromkeys(items)]
        if rows:
            with self.transaction():
                self._put("watch_seen", ("source", "item"), rows, replace=False)

    def put_state(self, key: str, value) -> None:
        """Store a checkpoint (JSON; times as ``str`` gives them). orjson: a stream's checkpoint, every
        open track's fixes, is written with each of its commits, several times faster than ``json``."""
        with self.transaction():
            self._put("watch_state", ("key", "value", "updated_at"),
                      [(key, orjson.dumps(value, default=str, option=STATE_JSON).decode(), _now())])

    def get_state(self, key: str, default=None):
        row = self.con.execute("SELECT value FROM watch_state WHERE key = ?", [key]).fetchone()
        return orjson.loads(row[0]) if row else default

    def put_sensor_clock(self, source: str, t: float) -> None:
        """Record how far in time (epoch seconds) a live stream's fixes have come, open tracks included
        (with its checkpoint): sensor time, which ``sensor_clock`` reads."""
        self.put_state(f"clock:{source}", t if math.isfinite(t) else None)

    def sensor_clock(self) -> datetime | None:
        """Sensor time: the latest fix stored, in a closed track or a stream's recorded clock (UTC), or
        None with none. Claims are judged against tracks once it has passed their window (fuse/rules)."""
        end = self.con.execute("SELECT max(t_end) FROM tracks").fetchone()[0]
        live = self.con.execute(f"SELECT max({self._number('value')}) FROM watch_state WHERE key LIKE 'clock:%'"
                                ).fetchone()[0] if self.has_watch_tables() else None
        times = [t.replace(tzinfo=timezone.utc) for t in [end] if t is not None]
        times += [datetime.fromtimestamp(live, timezone.utc)] if live is not None else []
        return max(times, default=None)

    # alerts
    def add_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Store alerts not stored yet (same id: the same alert); returns those that are new."""
        alerts = list({a.id: a for a in alerts}.values())
        if not alerts:
            return []
        stored = {r[0] for r in self.con.execute(
            "SELECT id FROM alerts WHERE id IN (SELECT unnest(?::VARCHAR[]))", [[a.id for a in alerts]]).fetchall()}
        new = [a for a in alerts if a.id not in stored]
        if new:
            with self.transaction():
                self._put("alerts", ("id", "rule", "severity", "key", "raised_at", "t_start", "t_end", "record"),
                          [(a.id, a.rule, a.severity, a.key, _naive(a.raised_at), _naive(a.start), _naive(a.end),
                            json.dumps(a.to_dict(), ensure_ascii=False)) for a in new], replace=None)
                self._put("alert_events", ("alert_id", "event_id", "rule"),
                          [(a.id, e, a.rule) for a in new for e in dict.fromkeys(a.event_ids)], replace=False)
        return new

    def cluster_members(self, cluster_ids: Iterable[str]) -> list[str]:
        """The event ids of the stored clusters ``cluster_ids``, in one query (fusion of a live batch
        regroups every cluster its events were in)."""
        ids = sorted(set(cluster_ids))
        if not ids or not self._has_clusters():
            return []
        # through the clusters' primary key (each record lists its events): cluster_members has no
        # index on cluster_id, and a scan of it grows with every event stored
        rows = self._by_ids(f"SELECT {self._json_list('record', 'event_ids')} FROM clusters", ids)
        return [i for (members,) in rows for i in members or []]

    def alerted_events(self, rule: str, event_ids: Iterable[str]) -> set[str]:
        """Which of ``event_ids`` an alert of ``rule`` already holds."""
        ids = list(dict.fromkeys(event_ids))
        if not ids:
            return set()
        rows = self.con.execute("SELECT DISTINCT event_id FROM alert_events WHERE rule = ?"
                                " AND event_id IN (SELECT unnest(?::VARCHAR[]))", [rule, ids]).fetchall()
        return {r[0] for r in rows}

    def last_alert_end(self, rule: str, key: str) -> datetime | None:
        """The end of the latest period an alert of ``rule`` for ``key`` covers."""
        row = self.con.execute("SELECT max(coalesce(t_end, raised_at)) FROM alerts WHERE rule = ? AND key = ?",
                               [rule, key]).fetchone()
        return row[0].replace(tzinfo=timezone.utc) if row and row[0] else None

    def alerts(self, after_seq: int = 0, limit: int = 100, newest_first: bool = True) -> list[tuple[int, dict]]:
        """(seq, alert record) of stored alerts after ``after_seq``."""
        if not self.has_watch_tables():
            return []
        order = "DESC" if newest_first else "ASC"
        rows = self.con.execute(f"SELECT seq, record FROM alerts WHERE seq > ? ORDER BY seq {order} LIMIT ?",
                                [after_seq, limit]).fetchall()
        return [(seq, orjson.loads(r)) for seq, r in rows]

    def count_alerts(self) -> int:
        return self.con.execute("SELECT count(*) FROM alerts").fetchone()[0] if self.has_watch_tables() else 0

    def undelivered(self, targets: Sequence[str]) -> list[tuple[dict, str]]:
        """(alert record, target) for every stored alert not yet delivered to each of ``targets``, oldest first."""
        if not targets:
            return []
        rows = self.con.execute(
            "SELECT a.record, t.target FROM alerts a CROSS JOIN (SELECT unnest(?::VARCHAR[]) AS target) t"
            " WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = a.id AND d.target = t.target"
            " AND d.delivered_at IS NOT NULL) ORDER BY a.seq", [list(targets)]).fetchall()
        return [(orjson.loads(r), t) for r, t in rows]

    def mark_delivered(self, alert_id: str, target: str, attempts: int) -> None:
        with self.transaction():
            self._put("alert_deliveries", ("alert_id", "target", "delivered_at", "attempts"),
                      [(alert_id, target, _now(), attempts)])


def track_row(track: Track) -> tuple:
    """A track's row of ``tracks`` (TRACK_COLUMNS): its platform, first and last fix, how many."""
    times = [p.t for p in track.positions]
    return (track.id, track.platform, track.ident, track.name, track.type_code, track.registration, track.operator,
            track.flag, track.military, track.source, _naive(min(times)) if times else None,
            _naive(max(times)) if times else None, len(times))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _naive(t: datetime | None) -> datetime | None:
    if t is not None and t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t


@_sessioned
class Store(WatchTables):
    """A DuckDB file holding everything forcewatch knows.

    ``shared=False`` (the default): one connection, held until ``close()``. ``shared=True``: no
    connection held between uses; each public call, ``session()`` or ``transaction()`` block opens
    one for its thread and closes it after, so other processes can use the file in between.
    ``lock_wait``: seconds to wait for a process that holds the file; ``on_wait``: told who it is."""

    def __init__(self, path: str | Path = "forcewatch.duckdb", read_only: bool = False, *, shared: bool = False,
                 lock_wait: float = LOCK_WAIT, on_wait: Callable[[str], None] | None = None,
                 fixes: str | Path | FixArchive | None = None):
        self.path = str(path)
        # the tracks' fixes, as Parquet (store/fixes.py): beside the file unless ``fixes`` names a folder
        if isinstance(fixes, FixArchive):
            self.fixes = fixes
        elif fixes is not None:
            self.fixes = FixArchive(fixes)
        else:
            self.fixes = FixArchive.temporary() if self.path == ":memory:" else FixArchive(self.path + ".fixes")
        self.read_only, self.lock_wait = read_only, lock_wait
        self.on_wait = _once_per_message(on_wait) if on_wait is not None else None
        self.shared = shared and self.path != ":memory:"
        self._local = threading.local()
        self._held = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if not read_only:
            sweep_scratch(self.scratch)
        con = connect(self.path, read_only, lock_wait, on_wait)
        try:
            if not read_only:
                self._migrate(con)
                self.fixes.sweep(lambda: listed_paths(con))  # what writers killed before a commit left
                migrate_positions(con, self.fixes)  # a store from before the archive
            self._read_columns(con, current=not read_only)
        except BaseException:
            con.close()
            raise
        if self.shared:
            con.close()
        else:
            self._held = con

    @property
    def scratch(self) -> Path:
        """Where the store writes its temporary files (the CSVs tracks go in through): a folder beside
        the database (``NAME.duckdb.scratch``; for ``:memory:`` one in the system's temporary folder),
        each file named with its writer's process id, so a writer killed mid-write leaves its files
        where the next ``Store`` opened on the database finds and removes them (``sweep_scratch``)."""
        if self.path == ":memory:":
            import tempfile

            return Path(tempfile.gettempdir()) / "forcewatch-scratch"
        return Path(self.path + ".scratch")

    @staticmethod
    def _migrate(con) -> None:
        """The schema, made whole, at SCHEMA_VERSION. A file at that version is left alone: one look at
        its version row. A new file gets
        every column from SCHEMA; one written by an earlier forcewatch is altered step by step. Then a
        checkpoint, so no schema change waits in the write-ahead log: DuckDB 1.4 cannot replay an ALTER
        of a table with a DEFAULT column (documents.ingested_at), and a file killed before its first
        checkpoint would never open."""
        version = _schema_version(con)
        if version == SCHEMA_VERSION:
            return
        new = con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'documents'").fetchone() is None
        con.execute(SCHEMA)
        con.execute(WATCH_SCHEMA)
        con.execute(FIX_FILES_SCHEMA)  # version 3: the fix archive's listing (its positions move in __init__)
        if not new and version is None:  # version 1: the files from before the version row
            con.execute(SEARCH_MIGRATION)
            con.execute(DOC_REF_MIGRATION)
            con.execute(SCOPE_MIGRATION)
            con.execute(FUSED_MIGRATION)
            con.execute(BACKGROUND_MIGRATION)
            con.execute(INSTANT_MIGRATION)
            if "credibility" in _event_columns(con):
                con.execute(GRADE_MIGRATION)
        if not new and (version or 1) < 2:
            con.execute(REACH_MIGRATION)
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        con.execute("DELETE FROM schema_version")
        con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
        try:
            con.execute("CHECKPOINT")
        except duckdb.Error:  # another connection of this process is writing: it checkpoints in its turn
            pass

    def _read_columns(self, con, current: bool = False) -> None:
        """Which columns and tables a file has: all of them at this version; an older file opened
        read-only (not migrated) is asked."""
        if current or _schema_version(con) == SCHEMA_VERSION:
            columns = set(EVENT_COLUMNS)
            self._counters = self._fused_column = self._fix_files = True
            self._positions_table = False
        else:
            columns = _event_columns(con)
            tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            self._counters = "counters" in tables
            self._fused_column = con.execute(
                "SELECT 1 FROM duckdb_columns() WHERE table_name = 'documents' AND column_name = 'fused'"
            ).fetchone() is not None
            self._fix_files, self._positions_table = "fix_files" in tables, "positions" in tables
        self._search_column = "search" in columns
        self._doc_ref_column = "doc_ref" in columns
        self._background_column = "background" in columns
        self._reach_columns = "reach_south" in columns
        self._time_order = (TIME_ORDER, TIME_ORDER_DESC) if "t_at" in columns else (
            TIME_ORDER.replace(" t_at NULLS FIRST,", ""), TIME_ORDER_DESC.replace(" t_at DESC NULLS LAST,", ""))
        self._grade_columns = GRADE_COLUMNS if "reliability" in columns else OLD_GRADE_COLUMNS

    def _event_columns(self) -> set[str]:
        return _event_columns(self.con)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The connection of the calling thread's session (shared), or the one held."""
        con = getattr(self._local, "con", None)
        if con is not None:
            return con
        if self._held is None:
            raise RuntimeError(f"{self.path}: a shared store is used inside `with store.session()` "
                               "or `with store.transaction()` (or through its methods)")
        return self._held

    @con.setter
    def con(self, value) -> None:
        self._held = value

    def close(self) -> None:
        if self._held is not None:
            self._held.close()

    def cursor(self) -> Store:
        """The same database for use from another thread (the web server): a shared store is
        already per thread, so itself; a held one, on a cursor of its own."""
        if self.shared:
            return _Borrowed(self)
        other = object.__new__(Store)
        other.__dict__.update(self.__dict__)
        other._local = threading.local()
        other._held = self._held.cursor()
        return other

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def session(self):
        """A connection for the calling thread for the block (shared store: opened now, waiting for
        the file as ``lock_wait`` says, and closed after); nested blocks share it. Reads inside see
        one consistent store only within a transaction."""
        if not self.shared or getattr(self._local, "con", None) is not None:
            yield self
            return
        con = connect(self.path, self.read_only, self.lock_wait, self.on_wait)
        self._local.con, self._local.depth = con, 0
        try:
            yield self
        finally:
            self._local.con = None
            con.close()

    @contextmanager
    def transaction(self):
        """All or nothing: a failure inside leaves what was stored before untouched. Nested blocks
        join the outer one (one commit, at its end); on a shared store the block holds the file,
        so keep the work inside short (compute first, then write)."""
        with self.session():
            local = self._local
            depth = getattr(local, "depth", 0)
            if depth:
                local.depth = depth + 1
                try:
                    yield self
                finally:
                    local.depth = depth
                return
            self._begin()
            local.depth, local.after = 1, []
            try:
                yield self
            except BaseException:
                local.depth = 0
                try:
                    self.con.execute("ROLLBACK")
                finally:
                    self._transaction_ended(False)
                raise
            local.depth = 0
            committed = False
            try:
                self.con.execute("COMMIT")
                committed = True
            finally:
                self._transaction_ended(committed)

    def _after_transaction(self, on_commit: Callable[[], None] | None = None,
                           on_rollback: Callable[[], None] | None = None) -> None:
        """Run ``on_commit`` once the calling thread's outermost transaction commits, ``on_rollback`` if it
        does not (files written for it: the fix archive's, removed or kept by what the database says)."""
        self._local.after.append((on_commit, on_rollback))

    def _transaction_ended(self, committed: bool) -> None:
        after, self._local.after = getattr(self._local, "after", []), []
        for on_commit, on_rollback in after:
            then = on_commit if committed else on_rollback
            if then is not None:
                then()

    def _begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    # -- documents -------------------------------------------------------
    def has_document(self, doc_id: str) -> bool:
        return self.con.execute("SELECT 1 FROM documents WHERE id = ?", [doc_id]).fetchone() is not None

    def add_document(self, doc: Document, events: Sequence[Event] = (), scope: str | None = None,
                     fused: bool = False) -> bool:
        """Store a document and its events once; returns False if it was already stored (checked
        in the same transaction, so two processes storing it at once store it once).
        ``scope``: the pipeline scope the events were coded with (None: everything was);
        ``fused``: whether its events are corroborated already (else ``unfused_documents`` lists it)."""
        with self.transaction():
            if self.has_document(doc.id):
                return False
            self.con.execute(
                "INSERT INTO documents (id, path, url, title, published, outlet, media_type, text, scope, fused)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [doc.id, doc.path, doc.url, doc.title, doc.published, doc.outlet, doc.media_type, doc.text, scope,
                 fused],
            )
            self._insert_events(events, {doc.id: doc})
        return True

    def unfused_documents(self) -> list[str]:
        """Ids of stored documents whose events are not corroborated yet (a run stopped between
        storing and fusing them), sorted."""
        if not self._fused_column:
            return []
        return [r[0] for r in self.con.execute("SELECT id FROM documents WHERE fused = false ORDER BY id").fetchall()]

    def mark_fused(self, doc_ids: Iterable[str]) -> None:
        """Record that these documents' events are corroborated (in the fusion's own transaction)."""
        ids = sorted(set(doc_ids))
        if ids:
            with self.transaction():
                self.con.execute("UPDATE documents SET fused = true WHERE id IN (SELECT unnest(?::VARCHAR[]))", [ids])
                self._fusion_changed()

    def fusion_generation(self) -> int:
        """A number that grows with every write fusion reads from (links, happenings, fused marks, events
        coded again): fusion computed outside a transaction is written only if it has not moved since
        its reads (``service.Ingester.fuse_pending``)."""
        if not self._counters:
            return 0
        row = self.con.execute("SELECT value FROM counters WHERE name = 'fusion'").fetchone()
        return row[0] if row else 0

    def _fusion_changed(self) -> None:
        if self._counters:
            self.con.execute("INSERT INTO counters VALUES ('fusion', 1) "
                             "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1")

    def events_meeting(self, spans: Sequence[tuple[date, date]], *, boxes: Sequence | None = None,
                       reports_only: bool = False, subtypes: Iterable[str | None] | None = None,
                       skip_modalities: Iterable[str] = ()) -> list[Event]:
        """Stored events, not background, whose dates meet one of ``spans`` (first, last day), oldest
        first: what fusion reads. Spans that overlap are merged, so a batch dated today and in 1971 reads
        those two periods, not the decades between. ``boxes``: one (south, west, north, east) or None per
        span, which the event's matchable points (``reach_*`` columns) must meet in that span (None: no
        place, nothing meets it); ``subtypes``: only these (None among them: events without one);
        ``skip_modalities``: not these; ``reports_only``: no track event."""
        spans = list(spans)
        if boxes is not None:
            pairs = [(span, box) for span, box in zip(spans, boxes) if box is not None]
            spans = [span for span, _ in pairs]
        merged: list[list[date]] = []
        for lo, hi in sorted(spans):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        if not merged:
            return []
        parts = [self._dates_clause(lo, hi) for lo, hi in merged]
        clauses = ["(" + " OR ".join(f"({c})" for c, _ in parts) + ")"]
        params: list = [v for _, values in parts for v in values]
        if boxes is not None and self._reach_columns:  # each span with its box (the merged spans: a first cut)
            clauses.append("(" + " OR ".join(["(t_end >= ? AND t_start <= ? AND reach_north >= ? AND reach_south <= ?"
                                              " AND reach_east >= ? AND reach_west <= ?)"] * len(pairs)) + ")")
            params += [v for (lo, hi), (south, west, north, east) in pairs for v in (lo, hi, south, north, west, east)]
        if self._background_column:
            clauses.append("NOT coalesce(background, false)")
        if reports_only:
            clauses.append("source_kind IS DISTINCT FROM 'sensor'")
        if subtypes is not None:
            wanted = set(subtypes)
            named = sorted(s for s in wanted if s is not None)
            either = ([f"subtype IN ({', '.join('?' * len(named))})"] if named else []) + \
                (["subtype IS NULL"] if None in wanted else [])
            clauses.append("(" + " OR ".join(either or ["false"]) + ")")
            params += named
        skip = sorted(set(skip_modalities))
        if skip:
            clauses.append(f"(modality IS NULL OR modality NOT IN ({', '.join('?' * len(skip))}))")
            params += skip
        # the ids first, from narrow columns, then only their records by key: reading the records column
        # while filtering a large table costs seconds
        ids = [r[0] for r in self.con.execute(
            f"SELECT id FROM events WHERE {' AND '.join(clauses)} ORDER BY {self._time_order[0]}", params).fetchall()]
        records = dict(self._by_ids(f"SELECT id, record FROM {self.RECORDS}", ids)) if ids else {}
        return [Event.from_dict(json.loads(records[i])) for i in ids if i in records]

    def events_of_documents(self, doc_ids: Iterable[str]) -> list[Event]:
        """The stored events of these documents, by id."""
        ids = sorted(set(doc_ids))
        if not ids:
            return []
        rows = self._by_ids(f"SELECT id, record FROM {self.RECORDS}", ids, column="doc_id")
        return [Event.from_dict(json.loads(r)) for _, r in sorted(rows)]

    def coded_scope(self, doc_id: str) -> str | None:
        """"force" when a stored document was coded for military events only, "all" when for every
        event, None when it is not stored."""
        row = self.con.execute("SELECT coalesce(scope, 'all') FROM documents WHERE id = ?", [doc_id]).fetchone()
        return row[0] if row else None

    def recode_document(self, doc_id: str, events: Sequence[Event], scope: str) -> None:
        """Store the events of a stored document coded again with a wider scope (same ids replace)."""
        with self.transaction():
            self._insert_events(events)
            self.con.execute("UPDATE documents SET scope = ?, fused = false WHERE id = ?", [scope, doc_id])
            self._fusion_changed()

    def document(self, doc_id: str) -> Document | None:
        row = self.con.execute(
            "SELECT id, text, path, url, title, published, outlet, media_type FROM documents WHERE id = ?",
            [doc_id],
        ).fetchone()
        return _document(row) if row else None

    def documents(self, limit: int = 100, offset: int = 0) -> list[Document]:
        rows = self.con.execute(
            "SELECT id, text, path, url, title, published, outlet, media_type FROM documents"
            " ORDER BY published NULLS LAST, id LIMIT ? OFFSET ?",
            [limit, offset],
        ).fetchall()
        return [_document(r) for r in rows]

    def count(self, table: str) -> int:
        """Rows of a table; ``positions`` (or ``fixes``): the tracks' fixes, counted from the archive's listing."""
        if table not in ("documents", "events", "tracks", "positions", "fixes", "sites", "clusters"):
            raise ValueError(f"unknown table {table!r}")
        if table in ("positions", "fixes"):
            if not self._fix_files:  # a read-only database from before the archive
                return self.con.execute("SELECT count(*) FROM positions").fetchone()[0] if self._positions_table else 0
            return self.con.execute("SELECT coalesce(sum(n), 0)::BIGINT FROM fix_files").fetchone()[0]
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    # -- events ----------------------------------------------------------
    def _insert_events(self, events: Iterable[Event], docs: dict[str, Document] | None = None) -> None:
        events = list(events)
        if docs is None:
            docs = self.documents_by_id((e.doc_id for e in events), text=False)
        rows = [_event_row(e, docs.get(e.doc_id)) for e in events]
        self._put("events", EVENT_COLUMNS, rows)

    def _put(self, table: str, columns: Sequence[str], rows: Sequence[tuple], replace: bool | None = True,
             chunk: int = 250) -> None:
        """Insert rows, a few hundred per statement: ``executemany`` runs one statement per row, and its
        few hundred rows a second would hold a shared store's file for seconds. ``replace``: a row whose
        key (KEYS) is stored replaces it (True; the last of a batch wins) or is left out (False); None:
        plain inserts."""
        rows = list(rows)
        if not rows:
            return
        if replace is not None:
            width = len(KEYS[table])
            rows = list({r[:width]: r for r in rows}.values())
        head, tail = self._insert_sql(table, columns, replace)
        insert_many(self.con, head, rows, chunk, tail)

    @staticmethod
    def _insert_sql(table: str, columns: Sequence[str], replace: bool | None) -> tuple[str, str]:
        """(the statement before VALUES, the one after) of an insert in DuckDB's dialect."""
        verb = {True: "INSERT OR REPLACE", False: "INSERT OR IGNORE", None: "INSERT"}[replace]
        return f"{verb} INTO {table} ({', '.join(columns)})", ""

    # -- where the SQL of DuckDB and of PostgreSQL part (postgres.py gives the other side) ----
    def _has_table(self, name: str) -> bool:
        return self.con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone() is not None

    @staticmethod
    def _number(column: str) -> str:
        """A JSON column's value as a number, NULL when it is not one."""
        return f"TRY_CAST({column} AS DOUBLE)"

    @staticmethod
    def _json_list(column: str, key: str) -> str:
        """The strings of a JSON column's list under ``key``, as a list."""
        return f"json_extract_string({column}, '$.{key}[*]')"

    LIST = "list"  # the aggregate that collects a column into a list
    RECORDS = "events"  # where events' records (and document references) are read from

    @staticmethod
    def _text_clause(q: str) -> tuple[str, list]:
        """The text search (the q filter): a substring of the lower-cased search column."""
        return "contains(search, ?)", [q.lower()]

    @staticmethod
    def _dates_clause(since: date | None, until: date | None) -> tuple[str, list]:
        """Events whose dates meet [since, until] (either end open when None)."""
        clauses = (["t_end >= ?"] if since is not None else []) + (["t_start <= ?"] if until is not None else [])
        return " AND ".join(clauses), [d for d in (since, until) if d is not None]

    @staticmethod
    def _near_clause(lat: float, lon: float, km: float) -> tuple[str, list]:
        """Within ``km`` of a point on the sphere (mean radius, as geo.py), after a box that an index or a
        zone map can use."""
        dlat = km / 111.0
        dlon = km / max(1e-6, 111.0 * math.cos(math.radians(lat)))
        return ("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND"
                " 2 * 6371.0088 * asin(sqrt(pow(sin(radians(lat - ?) / 2), 2) + cos(radians(?)) *"
                " cos(radians(lat)) * pow(sin(radians(lon - ?) / 2), 2))) <= ?",
                [lat - dlat, lat + dlat, lon - dlon, lon + dlon, lat, lat, lon, km])

    def add_events(self, events: Iterable[Event]) -> None:
        """Store events not tied to a stored document (sensor events); same id replaces."""
        with self.transaction():
            self._insert_events(events)

    def event(self, event_id: str) -> Event | None:
        row = self.con.execute(f"SELECT record FROM {self.RECORDS} WHERE id = ?", [event_id]).fetchone()
        return Event.from_dict(json.loads(row[0])) if row else None

    def events(
        self,
        type: str | None = None,
        subtype: str | None = None,
        near: tuple[float, float, float] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        since: date | None = None,
        until: date | None = None,
        source_kind: str | None = None,
        modality: str | None = None,
        credibility: str | None = None,
        doc_id: str | None = None,
        q: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        background: bool | None = None,
        reports_only: bool = False,
    ) -> list[Event]:
        """Stored events matching the filters, oldest first. ``reports_only``: no sensor (track) event, for
        readers of claims only (the watcher's rule on claims without track support), whose read then does
        not grow with the tracks stored."""
        where, params = self._event_filter(
            type, subtype, near, bbox, since, until, source_kind, modality, credibility, doc_id, q, background,
            reports_only,
        )
        sql = f"SELECT record FROM {self.RECORDS} {where} ORDER BY {self._time_order[0]}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [Event.from_dict(json.loads(r[0])) for r in self.con.execute(sql, params).fetchall()]

    def count_events(self, **filters) -> int:
        where, params = self._event_filter(**filters)
        return self.con.execute(f"SELECT count(*) FROM events {where}", params).fetchone()[0]

    def event_page(self, limit: int, offset: int = 0, **filters) -> tuple[int, list[Event]]:
        """(number matching, one page of them, in the order of ``events``)."""
        total, dicts = self.event_dicts_page(limit, offset, **filters)
        return total, [Event.from_dict(d) for d in dicts]

    def event_dicts_page(
        self, limit: int, offset: int = 0, newest_first: bool = False, **filters
    ) -> tuple[int, list[dict]]:
        """Like ``event_page`` with each event as its stored JSON (``Event.to_dict()`` form), for
        servers that only pass records on; ``newest_first`` reverses the order (undated still last).
        The ids are sorted first, then only the page's records are read, so a page of a large
        table parses no JSON but its own."""
        where, params = self._event_filter(**filters)
        order = "ORDER BY " + self._time_order[1 if newest_first else 0]
        keys = "id, t_start, doc_id" + (", t_at" if "t_at" in order else "")
        if not where:  # count(*) of a whole table is free; the sort reads three columns
            total = self.con.execute("SELECT count(*) FROM events").fetchone()[0]
            ids = [r[0] for r in self.con.execute(
                f"SELECT id FROM events {order} LIMIT ? OFFSET ?", [limit, offset]
            ).fetchall()] if offset < total else []
        else:  # one pass of the filters serves both the count and the page
            total, ids = self.con.execute(
                f"WITH m AS MATERIALIZED (SELECT {keys} FROM events {where}),"
                f" page AS (SELECT {keys} FROM m {order} LIMIT ? OFFSET ?)"
                f" SELECT (SELECT count(*) FROM m), (SELECT {self.LIST}(id {order}) FROM page)",
                [*params, limit, offset],
            ).fetchone()
            ids = ids or []
        if not ids:
            return total, []
        if self._doc_ref_column:
            by_id = {r[0]: r[1:] for r in self._by_ids(f"SELECT id, record, doc_ref FROM {self.RECORDS}", ids)}
        else:  # a read-only database from before the doc_ref column
            by_id = {r[0]: (r[1], None) for r in self._by_ids(f"SELECT id, record FROM {self.RECORDS}", ids)}
        out = []
        for i in ids:
            if i in by_id:
                record, ref = by_id[i]
                d = Event.upgrade(orjson.loads(record))
                if ref is not None:
                    d["doc"] = orjson.loads(ref)
                out.append(d)
        return total, out

    def _by_ids(self, select: str, ids: Sequence[str], chunk: int = 100, column: str = "id") -> list[tuple]:
        """Rows of ``select ... WHERE id IN (ids)`` through the primary-key index: ids go in as
        escaped literals, in chunks, because DuckDB scans the whole table for a parameter
        list or a long literal list (a hash join) but looks short literal lists up."""
        rows: list[tuple] = []
        for k in range(0, len(ids), chunk):
            literals = ", ".join("'" + i.replace("'", "''") + "'" for i in ids[k:k + chunk])
            rows += self.con.execute(f"{select} WHERE {column} IN ({literals})").fetchall()
        return rows

    def documents_by_id(self, doc_ids: Iterable[str], text: bool = True) -> dict[str, Document]:
        """Stored documents among ``doc_ids`` in one query (``text=False``: text left empty)."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        text_column = "text" if text else "''"
        rows = self._by_ids(
            f"SELECT id, {text_column}, path, url, title, published, outlet, media_type FROM documents", ids
        )
        return {r[0]: _document(r) for r in rows}

    def ingested_times(self, doc_ids: Iterable[str]) -> dict[str, datetime]:
        """When each of ``doc_ids`` was stored (UTC): exports date their records by it."""
        ids = list(dict.fromkeys(doc_ids))
        rows = self._by_ids("SELECT id, ingested_at FROM documents", ids) if ids else []
        return {i: t.replace(tzinfo=timezone.utc) for i, t in rows if t is not None}

    def document_summaries(self, limit: int = 100, offset: int = 0) -> list[dict]:
        """One page of documents as ``documents`` orders them, without their text: id, path, url,
        title, published, outlet, media_type, chars (length of the text)."""
        ids = [r[0] for r in self.con.execute(
            "SELECT id FROM documents ORDER BY published NULLS LAST, id LIMIT ? OFFSET ?", [limit, offset]
        ).fetchall()]
        columns = ("id", "path", "url", "title", "published", "outlet", "media_type", "chars")
        rows = self._by_ids(
            "SELECT id, path, url, title, published, outlet, media_type, length(text) FROM documents", ids
        )
        by_id = {r[0]: dict(zip(columns, r)) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def event_facets(self, **filters) -> dict[str, dict[str, int]]:
        """Counts of the matching events by type, subtype, source kind, modality and credibility."""
        where, params = self._event_filter(**filters)
        out: dict[str, dict[str, int]] = {}
        for column in ("type", "subtype", "source_kind", "modality"):
            rows = self.con.execute(
                f"SELECT {column}, count(*) FROM events {where} GROUP BY 1 ORDER BY 2 DESC, 1", params
            ).fetchall()
            out[column] = {k: n for k, n in rows if k is not None}
        reliability, information = self._grade_columns
        rows = self.con.execute(
            f"SELECT {reliability}, {information}, count(*) FROM events {where}"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2", params
        ).fetchall()
        out["credibility"] = {Credibility(r, i).code: n for r, i, n in rows if r is not None}
        return out

    def event_counts_by_doc(self, doc_ids: Sequence[str]) -> dict[str, int]:
        if not doc_ids:
            return {}
        marks = ", ".join("?" * len(doc_ids))
        rows = self.con.execute(
            f"SELECT doc_id, count(*) FROM events WHERE doc_id IN ({marks}) GROUP BY doc_id", list(doc_ids)
        ).fetchall()
        return dict(rows)

    def _has_background(self) -> bool:
        """Whether any stored event is background (a boolean scan; without one, no filter is needed
        and an unfiltered page keeps its fast count)."""
        return self._background_column and bool(
            self.con.execute("SELECT 1 FROM events WHERE background LIMIT 1").fetchone())

    def _event_filter(
        self,
        type=None, subtype=None, near=None, bbox=None, since=None, until=None,
        source_kind=None, modality=None, credibility=None, doc_id=None, q=None, background=None,
        reports_only=False,
    ) -> tuple[str, list]:
        clauses, params = [], []
        if reports_only:
            clauses.append("source_kind IS DISTINCT FROM 'sensor'")
        if background is not None and self._has_background():  # True: only them; False: none; None: all
            clauses.append("background" if background else "NOT coalesce(background, false)")
        elif background:
            clauses.append("false")
        for column, value in (
            ("type", type), ("subtype", subtype), ("source_kind", source_kind),
            ("modality", modality), ("doc_id", doc_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if credibility:  # "B" matches B1..B6, "B2" only B2
            letter, digit = Credibility.split(credibility)
            reliability, information = self._grade_columns
            clauses.append(f"{reliability} = ?")
            params.append(letter)
            if digit is not None:
                clauses.append(f"{information} = ?")
                params.append(digit)
        if since is not None or until is not None:
            clause, values = self._dates_clause(since, until)
            clauses.append(clause)
            params += values
        if bbox is not None:
            south, west, north, east = bbox
            clauses.append("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?")
            params += [south, north, west, east]
        if near is not None:
            clause, values = self._near_clause(*near)
            clauses.append(clause)
            params += values
        if q and getattr(self, "_search_column", False):
            clause, values = self._text_clause(q)
            clauses.append(clause)
            params += values
        elif q:  # a read-only database from before the search column
            clauses.append("(sentence ILIKE ? OR place ILIKE ?)")
            params += [f"%{q}%", f"%{q}%"]
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    # -- clusters (happenings: fuse/happenings.py) --------------------------
    def _has_clusters(self) -> bool:
        """False on a read-only database from before clusters (no table to read)."""
        return self._has_table("cluster_members")

    def cluster_ids(self, event_ids: Iterable[str]) -> dict[str, str]:
        """Event id -> the id of its cluster, for the events among ``event_ids`` in one."""
        ids = list(dict.fromkeys(event_ids))
        if not ids or not self._has_clusters():
            return {}
        rows = self._by_ids("SELECT event_id, cluster_id FROM cluster_members", ids, column="event_id")
        return dict(rows)

    def events_by_id(self, event_ids: Iterable[str]) -> list[Event]:
        ids = list(dict.fromkeys(event_ids))
        return [Event.from_dict(json.loads(r[0])) for r in self._by_ids(f"SELECT record FROM {self.RECORDS}", ids)] if ids else []

    def replace_clusters(self, clusters: Sequence[Cluster]) -> None:
        """Store clusters in place of every stored cluster that holds one of their events."""
        members = [(i, c.id) for c in clusters for i in c.event_ids]
        with self.transaction():
            self._fusion_changed()
            old = {cid for cid in self.cluster_ids(i for i, _ in members).values()}
            if old:
                self.con.execute("DELETE FROM clusters WHERE id IN (SELECT unnest(?::VARCHAR[]))", [sorted(old)])
                self.con.execute("DELETE FROM cluster_members WHERE cluster_id IN (SELECT unnest(?::VARCHAR[]))",
                                 [sorted(old)])
            if clusters:
                self._put("clusters", CLUSTER_COLUMNS, [
                        (c.id, c.time.start if c.time else None, c.time.end if c.time else None,
                         c.place.lat if c.place else None, c.place.lon if c.place else None, c.type, c.subtype,
                         len(c.event_ids), c.n_sources, json.dumps(c.to_dict(), ensure_ascii=False),
                         _instant(c.time))
                        for c in clusters])
                self._put("cluster_members", ("event_id", "cluster_id"), members)

    def cluster(self, cluster_id: str) -> Cluster | None:
        if not self._has_clusters():
            return None
        row = self.con.execute("SELECT record FROM clusters WHERE id = ?", [cluster_id]).fetchone()
        return Cluster.from_dict(json.loads(row[0])) if row else None

    def cluster_page(self, limit: int, offset: int = 0, **filters) -> tuple[int, list[dict]]:
        """(number of clusters with a claim matching the event filters, one page of them as stored
        JSON), in time order (undated last)."""
        if not self._has_clusters():
            return 0, []
        where, params = self._event_filter(**filters)
        at = "c.t_at" if "t_at" in self._time_order[0] else "NULL"
        total, records = self.con.execute(
            f"WITH m AS MATERIALIZED (SELECT DISTINCT cluster_id AS id FROM cluster_members"
            f"   WHERE event_id IN (SELECT id FROM events {where})),"
            f" page AS (SELECT c.id, c.t_start, {at} AS t_at, c.record FROM clusters c JOIN m USING (id)"
            f"   ORDER BY c.t_start NULLS LAST, t_at NULLS FIRST, c.id LIMIT ? OFFSET ?)"
            f" SELECT (SELECT count(*) FROM m),"
            f" (SELECT {self.LIST}(record ORDER BY t_start NULLS LAST, t_at NULLS FIRST, id) FROM page)",
            [*params, limit, offset],
        ).fetchone()
        return total, [orjson.loads(r) for r in records or []]

    # -- tracks and sites ------------------------------------------------
    def add_tracks(self, tracks: Iterable[Track]) -> int:
        """Store tracks; a track id already stored is replaced. Their fixes go to the fix archive
        (store/fixes.py), written before the transaction and listed in it (``fix_files``), so the
        file is held only for a few rows: a day of AIS around one port is millions of fixes. The
        tracks themselves, a few per live commit, go in as rows (``insert_many``)."""
        batch = self.fixes.stage(tracks, self.scratch)
        if not batch.tracks:
            return 0
        track_rows = [track_row(track) for track in batch.tracks]
        try:
            with self.transaction():
                self._after_transaction(on_rollback=batch.discard)
                # only tracks stored before have fixes to replace (a live track's id is new unless a
                # restart hands it out again)
                again = [r[0] for r in self._by_ids("SELECT id FROM tracks", [r[0] for r in track_rows])]
                obsolete = list_batch(self.con, batch, again)
                self._put("tracks", TRACK_COLUMNS, track_rows)
                self._after_transaction(on_commit=lambda: self.fixes.remove(obsolete))
        except BaseException:
            batch.discard()  # failed before the transaction took it (opening, BEGIN): nothing lists them
            raise
        return len(track_rows)

    def track(self, track_id: str) -> dict | None:
        """What ``tracks`` holds of one track (its platform, when and how many fixes), without the fixes."""
        rows = self._by_ids(f"SELECT {', '.join(TRACK_COLUMNS)} FROM tracks", [track_id])
        if not rows:
            return None
        out = dict(zip(TRACK_COLUMNS, rows[0]))
        for key in ("t_start", "t_end"):
            out[key] = out[key].replace(tzinfo=timezone.utc) if out[key] is not None else None
        return out

    def track_fixes(self, track_id: str, since: datetime | None = None, until: datetime | None = None,
                    limit: int | None = None) -> list[Position]:
        """A track's fixes in time order (UTC), within [since, until] when given: read from the
        archive's files that ``fix_files`` lists for it (or an old read-only database's positions)."""
        if not self._fix_files:
            return self._old_positions(track_id, since, until, limit)
        for attempt in (0, 1):
            paths = paths_of(self.con, track_id)
            try:
                return self.fixes.read(paths, track_id, since, until, limit)
            except duckdb.IOException:  # a file replaced meanwhile (the track stored again): list again
                if attempt:
                    raise
        return []

    def _old_positions(self, track_id, since, until, limit) -> list[Position]:
        if not self._positions_table:
            return []
        clauses, params = ["track_id = ?"], [track_id]
        for op, at in ((">=", since), ("<=", until)):
            if at is not None:
                clauses.append(f"t {op} ?")
                params.append(_naive(at))
        sql = (f"SELECT t, lat, lon, altitude_ft, speed_kn, course_deg, on_ground, status FROM positions"
               f" WHERE {' AND '.join(clauses)} ORDER BY t" + (f" LIMIT {int(limit)}" if limit is not None else ""))
        return [Position(t.replace(tzinfo=timezone.utc), *rest) for t, *rest in self.con.execute(sql, params).fetchall()]

    def platforms(self, track_ids: Iterable[str]) -> dict[str, dict]:
        """Track id -> what is known of its aircraft or vessel (platform, ident, name, registration,
        type_code, operator, flag, military), without positions."""
        ids = list(dict.fromkeys(i for i in track_ids if i))
        columns = ("id", "platform", "ident", "name", "registration", "type_code", "operator", "flag", "military")
        rows = self._by_ids(f"SELECT {', '.join(columns)} FROM tracks", ids) if ids else []
        return {r[0]: dict(zip(columns[1:], r[1:])) for r in rows}

    def add_sites(self, sites: Iterable[Site]) -> None:
        with self.transaction():
            self._put("sites", ("id", "name", "kind", "lat", "lon", "radius_km", "country", "record"),
                      [(s.id, s.name, s.kind, s.lat, s.lon, s.radius_km, s.country,
                        json.dumps(s.to_dict(), ensure_ascii=False)) for s in sites])

    def sites(self) -> list[Site]:
        rows = self.con.execute("SELECT record FROM sites ORDER BY name").fetchall()
        return [Site.from_dict(json.loads(r[0])) for r in rows]


def sweep_scratch(folder: Path) -> int:
    """Remove the temporary files of writers that are gone (killed mid-write) from a store's scratch
    folder, and the folder when it is then empty; a living writer's files stay. Returns how many went."""
    import os

    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    removed = 0
    for name in names:
        parts = name.split("-")
        pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
        if pid is not None and (pid == os.getpid() or _alive(pid)):
            continue  # a writer at work (this process's other stores and threads included)
        try:
            os.unlink(folder / name)
            removed += 1
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError:
        pass
    return removed


class _Borrowed:
    """A shared store as a request's cursor: ``close()`` leaves the store open."""

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def close(self) -> None:
        pass


def _schema_version(con) -> int | None:
    """The version row of a store's schema; None for a new file or one from before the row."""
    try:
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def _event_columns(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'events'").fetchall()}


def _document(row) -> Document:
    return Document(
        id=row[0], text=row[1], path=row[2], url=row[3], title=row[4], published=row[5],
        outlet=row[6], media_type=row[7],
    )

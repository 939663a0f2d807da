"""The shared store: the same records, queries and answers as the DuckDB file, in a PostgreSQL
database with PostGIS, for several ingesters, watchers and servers on several machines.

Everything but the connection and a few pieces of dialect is the DuckDB store's own code (duck.py):
its SQL is written with ``?`` marks, which the connection here turns into psycopg's. Where the two
differ: places are a PostGIS ``geography`` column with a GiST index (``near`` is ``ST_DWithin``),
text search is a substring of the search column through PostgreSQL's trigram index (pg_trgm, which
ships with PostgreSQL: a ``tsvector`` would split "An-124" into "an" and "-124" and answer otherwise
than DuckDB), and writers take one advisory lock per transaction, so that several processes write in
turn as they do on one DuckDB file, while readers never wait.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

from forcewatch.records import Track
from forcewatch.store.duck import (
    KEYS, LOCK_WAIT, TRACK_COLUMNS, Store, StoreBusy, _Borrowed, _once_per_message, track_row,
)
from forcewatch.store.rows import csv_bool, utc_naive

# Versioned steps of the schema: (version, SQL), applied in order under an advisory lock, each once;
# ``schema_version`` holds the last applied. Add a step, never edit one that has shipped.
MIGRATIONS: list[tuple[int, str]] = [(1, """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE documents (
    id VARCHAR PRIMARY KEY,
    path VARCHAR, url VARCHAR, title VARCHAR, published DATE, outlet VARCHAR,
    media_type VARCHAR, text VARCHAR NOT NULL,
    ingested_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'UTC'),
    scope VARCHAR, fused BOOLEAN
);
CREATE INDEX documents_unfused ON documents (id) WHERE fused = false;
CREATE INDEX documents_order ON documents (published NULLS LAST, id);
CREATE TABLE events (
    id VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    type VARCHAR NOT NULL, subtype VARCHAR,
    lat DOUBLE PRECISION, lon DOUBLE PRECISION, place VARCHAR,
    t_start DATE, t_end DATE,
    source_kind VARCHAR, modality VARCHAR, reliability VARCHAR, information INTEGER,
    actor_country VARCHAR, sentence VARCHAR,
    track_id VARCHAR,
    search VARCHAR, background BOOLEAN, t_at TIMESTAMP,
    reach_south DOUBLE PRECISION, reach_west DOUBLE PRECISION, reach_north DOUBLE PRECISION,
    reach_east DOUBLE PRECISION,
    geog geography(Point, 4326) GENERATED ALWAYS AS (
        CASE WHEN lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180
             THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END) STORED
);
CREATE INDEX events_doc ON events (doc_id);
-- the records (1-2 KB of JSON each) in a table of their own, read by key for a page's events only:
-- inline, every filter that no index answers would scan them too (four times the bytes)
CREATE TABLE event_records (id VARCHAR PRIMARY KEY, record JSON NOT NULL, doc_ref VARCHAR);
CREATE VIEW events_full AS SELECT * FROM events JOIN event_records USING (id);
CREATE INDEX events_time ON events (t_start NULLS LAST, t_at NULLS FIRST, doc_id, id);
CREATE INDEX events_dates ON events USING GIST (daterange(least(t_start, t_end), greatest(t_start, t_end), '[]'));
CREATE INDEX events_type ON events (type, subtype);
CREATE INDEX events_geog ON events USING GIST (geog);
CREATE INDEX events_search ON events USING GIN (search gin_trgm_ops);
CREATE TABLE tracks (
    id VARCHAR PRIMARY KEY,
    platform VARCHAR, ident VARCHAR, name VARCHAR, type_code VARCHAR,
    registration VARCHAR, operator VARCHAR, flag VARCHAR, military BOOLEAN, source VARCHAR,
    t_start TIMESTAMP, t_end TIMESTAMP, n_positions INTEGER
);
CREATE TABLE positions (
    track_id VARCHAR, t TIMESTAMP, lat DOUBLE PRECISION, lon DOUBLE PRECISION, altitude_ft DOUBLE PRECISION,
    speed_kn DOUBLE PRECISION, course_deg DOUBLE PRECISION, on_ground BOOLEAN, status VARCHAR
);
CREATE INDEX positions_track ON positions (track_id, t);
CREATE TABLE clusters (
    id VARCHAR PRIMARY KEY, t_start DATE, t_end DATE, lat DOUBLE PRECISION, lon DOUBLE PRECISION,
    type VARCHAR, subtype VARCHAR, n_events INTEGER, n_sources INTEGER, record JSON NOT NULL, t_at TIMESTAMP
);
CREATE TABLE cluster_members (event_id VARCHAR PRIMARY KEY, cluster_id VARCHAR NOT NULL);
CREATE INDEX cluster_members_cluster ON cluster_members (cluster_id);
CREATE TABLE sites (
    id VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR, lat DOUBLE PRECISION, lon DOUBLE PRECISION,
    radius_km DOUBLE PRECISION, country VARCHAR, record JSON NOT NULL
);
CREATE TABLE counters (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
CREATE SEQUENCE alert_seq;
CREATE TABLE alerts (
    id VARCHAR PRIMARY KEY, seq BIGINT DEFAULT nextval('alert_seq'), rule VARCHAR NOT NULL, severity VARCHAR,
    key VARCHAR, raised_at TIMESTAMP, t_start TIMESTAMP, t_end TIMESTAMP, record JSON NOT NULL
);
CREATE INDEX alerts_seq ON alerts (seq);
CREATE INDEX alerts_rule_key ON alerts (rule, key);
CREATE TABLE alert_events (alert_id VARCHAR, event_id VARCHAR, rule VARCHAR, PRIMARY KEY (alert_id, event_id));
CREATE INDEX alert_events_rule ON alert_events (rule, event_id);
CREATE TABLE alert_deliveries (
    alert_id VARCHAR, target VARCHAR, delivered_at TIMESTAMP, attempts INTEGER, PRIMARY KEY (alert_id, target)
);
CREATE TABLE watch_seen (source VARCHAR, item VARCHAR, seen_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'UTC'),
    PRIMARY KEY (source, item));
CREATE TABLE watch_state (key VARCHAR PRIMARY KEY, value JSON,
    updated_at TIMESTAMP DEFAULT (now() AT TIME ZONE 'UTC'));
""")]
SCHEMA_VERSION = MIGRATIONS[-1][0]
RECORD_COLUMNS = ("record", "doc_ref")  # the events' columns kept in event_records

# Advisory lock keys (one namespace per database): writers take WRITE_LOCK for each transaction,
# migrations MIGRATE_LOCK.
WRITE_LOCK, MIGRATE_LOCK = 0x666F7263, 0x666F7264


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


@functools.lru_cache(maxsize=4096)
def _marks(sql: str) -> str:
    """The store's SQL (``?`` marks, as DuckDB's Python API takes) as psycopg takes it (``%s``).
    The store writes no ``?`` inside literals."""
    return sql.replace("%", "%%").replace("?", "%s")


class _Connection:
    """A psycopg connection that takes the DuckDB store's calls: ``execute(sql, params)`` returning
    something to fetch from, and ``close``."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params: Sequence | None = None):
        return self.raw.execute(sql) if params is None else self.raw.execute(_marks(sql), params)

    def close(self) -> None:
        self.raw.close()


class PostgresStore(Store):
    """A PostgreSQL database (``postgresql://user@host/db``) holding everything forcewatch knows.

    Each thread holds a connection of its own, opened at its first use and closed by ``close()``:
    the server, not a file lock, keeps the writers apart, so nothing is gained by closing between
    uses. Reads never wait; a write transaction waits up to ``lock_wait`` seconds for another
    writer (StoreBusy after that), as on a shared DuckDB file."""

    LIST = "array_agg"
    RECORDS = "events_full"

    def __init__(self, url: str, read_only: bool = False, *, shared: bool = True, lock_wait: float = LOCK_WAIT,
                 on_wait: Callable[[str], None] | None = None):
        self.url, self.path = url, redact(url)
        self.read_only, self.lock_wait = read_only, lock_wait
        self.on_wait = _once_per_message(on_wait) if on_wait is not None else None
        self.shared = False  # every call uses its thread's connection (duck._sessioned passes through)
        self._local = threading.local()
        self._held = None
        self._connections: list[_Connection] = []
        self._guard = threading.Lock()
        version = self._version()
        if version != SCHEMA_VERSION:
            if read_only:
                raise StoreBusy(f"{self.path}: " + ("no forcewatch tables here (run `forcewatch ingest --db URL` "
                                                   "first)" if version is None else
                                                   f"schema version {version}, this forcewatch reads {SCHEMA_VERSION}"
                                                   " (open it once for writing to migrate it)"))
            self._migrate_database()
        self._read_columns(None, current=True)
        self._fix_files, self._positions_table = False, True  # its fixes stay in its positions table (not the archive)
        self._watch_tables = True

    # -- connections -------------------------------------------------------
    def _connect(self) -> _Connection:
        import psycopg
        from psycopg.types.string import TextLoader

        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(self.lock_wait)),
                                  options="-c TimeZone=UTC")
        except psycopg.Error as exc:
            message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise StoreBusy(f"{self.path}: cannot connect ({message})") from None
        # records come back as the text stored, as from DuckDB (json.loads / orjson.loads read them)
        raw.adapters.register_loader("json", TextLoader)
        raw.adapters.register_loader("jsonb", TextLoader)
        if self.read_only:
            raw.execute("SET default_transaction_read_only = on")
        raw.execute(f"SET lock_timeout = {int(max(0.0, self.lock_wait) * 1000) or 1}")
        raw.execute("SET jit = off")  # compiling costs short queries more than it saves
        con = _Connection(raw)
        with self._guard:
            self._connections.append(con)
        return con

    @property
    def con(self) -> _Connection:
        con = getattr(self._local, "con", None)
        if con is None or con.raw.closed:
            con = self._local.con = self._connect()
        return con

    @con.setter
    def con(self, value) -> None:
        self._local.con = value

    def close(self) -> None:
        with self._guard:
            connections, self._connections = self._connections, []
        for con in connections:
            con.close()

    def cursor(self) -> Store:
        return _Borrowed(self)  # connections are per thread already

    def _begin(self) -> None:
        import psycopg

        self.con.execute("BEGIN")
        if self.read_only:
            return
        start = time.monotonic()
        try:
            self.con.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
        except psycopg.errors.LockNotAvailable:
            self.con.execute("ROLLBACK")
            raise StoreBusy(f"{self.path}: another writer held the database for {time.monotonic() - start:.0f} s "
                            f"(lock_wait {self.lock_wait:g} s)") from None

    # -- schema ----------------------------------------------------------
    def _version(self) -> int | None:
        import psycopg

        try:
            row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        except psycopg.errors.UndefinedTable:
            return None
        return row[0] if row else None

    def _migrate_database(self) -> None:
        """Apply the steps after the database's version, once, whoever else opens it meanwhile."""
        import psycopg

        con = self.con
        con.execute("BEGIN")
        try:
            con.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATE_LOCK])
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
            for step, sql in MIGRATIONS:
                if step > version:
                    con.execute(sql)
            con.execute("DELETE FROM schema_version")
            con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
            con.execute("COMMIT")
        except psycopg.Error as exc:
            con.execute("ROLLBACK")
            hint = " (PostGIS must be installed on the server, and the role allowed to CREATE EXTENSION postgis)" \
                if "postgis" in str(exc).lower() else ""
            raise StoreBusy(f"{self.path}: cannot create the schema: {str(exc).strip().splitlines()[0]}{hint}") from None

    def _put(self, table: str, columns: Sequence[str], rows: Sequence[tuple], replace: bool | None = True,
             chunk: int = 250) -> None:
        """As the DuckDB store's, but an event's record and document reference go to event_records."""
        if table != "events":
            return super()._put(table, columns, rows, replace, chunk)
        rows = list({r[0]: r for r in rows}.values())
        apart = [i for i, c in enumerate(columns) if c in RECORD_COLUMNS]
        kept = [i for i in range(len(columns)) if i not in apart]
        super()._put("events", [columns[i] for i in kept], [tuple(r[i] for i in kept) for r in rows], replace, chunk)
        super()._put("event_records", ["id", *(columns[i] for i in apart)],
                     [(r[0], *(r[i] for i in apart)) for r in rows], replace, chunk)

    # -- dialect ---------------------------------------------------------
    @staticmethod
    def _insert_sql(table: str, columns: Sequence[str], replace: bool | None) -> tuple[str, str]:
        head = f"INSERT INTO {table} ({', '.join(columns)})"
        if replace is None:
            return head, ""
        keys = KEYS[table]
        if not replace:
            return head, f" ON CONFLICT ({', '.join(keys)}) DO NOTHING"
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in keys)
        return head, f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"

    def _has_table(self, name: str) -> bool:
        return self.con.execute("SELECT to_regclass(?) IS NOT NULL", [name]).fetchone()[0]

    @staticmethod
    def _number(column: str) -> str:
        return f"CASE WHEN json_typeof({column}) = 'number' THEN ({column}::text)::double precision END"

    @staticmethod
    def _json_list(column: str, key: str) -> str:
        return f"ARRAY(SELECT json_array_elements_text({column} -> '{key}'))"

    @staticmethod
    def _text_clause(q: str) -> tuple[str, list]:
        """The substring, as DuckDB matches it, through the trigram index (LIKE can use it, strpos not)."""
        pattern = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "search LIKE ?", [f"%{pattern}%"]

    @staticmethod
    def _dates_clause(since, until) -> tuple[str, list]:
        """The dates' own test, after the GiST index of date ranges has found the candidates."""
        clause, values = Store._dates_clause(since, until)
        return (f"daterange(least(t_start, t_end), greatest(t_start, t_end), '[]') && daterange(?, ?, '[]') AND {clause}",
                [since, until, *values])

    @staticmethod
    def _near_clause(lat: float, lon: float, km: float) -> tuple[str, list]:
        """PostGIS on the sphere (its mean radius is geo.py's), through the GiST index."""
        return ("ST_DWithin(geog, ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography, ?, false)",
                [lon, lat, km * 1000.0])

    def _by_ids(self, select: str, ids: Sequence[str], chunk: int = 5000, column: str = "id") -> list[tuple]:
        rows: list[tuple] = []
        for k in range(0, len(ids), chunk):
            rows += self.con.execute(f"{select} WHERE {column} = ANY(?)", [list(ids[k:k + chunk])]).fetchall()
        return rows

    # -- tracks ----------------------------------------------------------
    def add_tracks(self, tracks: Iterable[Track]) -> int:
        """Store tracks with their positions (``COPY`` from this process); a track id already stored is
        replaced."""
        tracks = list(tracks)
        if not tracks:
            return 0
        rows = [track_row(track) for track in tracks]
        with self.transaction():
            again = [r[0] for r in self._by_ids("SELECT id FROM tracks", [r[0] for r in rows])]
            if again:
                self.con.execute("DELETE FROM positions WHERE track_id = ANY(?)", [again])
            self._put("tracks", TRACK_COLUMNS, rows)
            with self.con.raw.cursor().copy(
                    "COPY positions (track_id, t, lat, lon, altitude_ft, speed_kn, course_deg, on_ground, status)"
                    " FROM STDIN") as copy:
                for track in {t.id: t for t in tracks}.values():
                    for p in track.positions:
                        copy.write_row((track.id, utc_naive(p.t), p.lat, p.lon, p.altitude_ft, p.speed_kn,
                                        p.course_deg, csv_bool(p.on_ground), p.status))
        return len({r[0] for r in rows})

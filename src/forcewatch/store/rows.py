"""Small helpers the store's modules share (writing rows, naming times, judging a writer gone)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timezone


def insert_many(con, head: str, rows: Sequence[tuple], chunk: int = 200, tail: str = "") -> None:
    """``head VALUES (...), (...)`` in chunks: DuckDB's ``executemany`` runs one statement a row
    (milliseconds each), which a live stream's events and alerts cannot wait for."""
    rows = list(rows)
    if not rows:
        return
    width = len(rows[0])
    for k in range(0, len(rows), chunk):
        part = rows[k:k + chunk]
        marks = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(part))
        con.execute(f"{head} VALUES {marks}{tail}", [v for row in part for v in row])


def writer_alive(pid: int) -> bool:
    """Whether the process that wrote a temporary file (its pid in the name) still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process (or no pid at all): not ours to judge
    return True


def utc_naive(t: datetime) -> str:
    """A fix time for a CSV or a TIMESTAMP column: UTC, without offset."""
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t.isoformat(sep=" ")


def csv_bool(value: bool | None) -> str | None:
    """A boolean for a CSV cell (empty: unknown)."""
    return None if value is None else ("true" if value else "false")

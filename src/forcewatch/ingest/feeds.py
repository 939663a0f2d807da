"""Sensor feed files: recognise the format, decode the file into a stream of messages.

Only decoding happens here; tracks, registry enrichment and site activity are the sensors
stage's (``forcewatch.sensors.process_feed``). A feed's document id is derived from the file's
bytes: decoding the same file twice gives the same id, so the same document, tracks and events.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest import InputError, adsb, ais
from forcewatch.records import content_id

FORMATS = ("sbs", "aircraft-json", "readsb-trace", "modes-hex", "nmea", "ais-catcher", "ais-csv")
AIS_FORMATS = ("nmea", "ais-catcher", "ais-csv")
# Suffixes worth sniffing when a directory is ingested (content decides, not the suffix).
FEED_SUFFIXES = {".nmea", ".ais", ".sbs", ".basestation", ".hex", ".raw", ".csv", ".json", ".jsonl", ".gz", ".log",
                 ".txt"}

_NMEA = re.compile(r"(^|\\|\s|,)![A-Z]{2}VD[MO],")
_HEXMSG = re.compile(r"^[\s*@]*(?:[0-9.:TZ+-]+[\s,]+)?\*?([0-9A-Fa-f]{28}|[0-9A-Fa-f]{14});?(?:[\s,]+[0-9.:TZ+-]+)?\s*$")


@dataclass
class FeedReading:
    """One feed file, recognised and opened: its identity and its decoded messages, streamed.

    ``messages`` are the reader's tuples (``ingest.ais``: "P"/"S"; ``ingest.adsb``: "F"/"I") and
    can be consumed once; the reader counts lines, messages and bad lines into ``stats`` as they
    go by. A read error while streaming raises InputError naming the file.
    """

    path: Path
    format: str
    doc_id: str
    platform: str  # "vessel" | "aircraft"
    sensor: str  # "AIS" | "ADS-B"
    messages: Iterable[tuple]
    stats: Counter = field(default_factory=Counter)

    @property
    def is_ais(self) -> bool:
        return self.format in AIS_FORMATS


def _file_digest(path: Path) -> tuple[str, bytes]:
    """SHA-256 of the file's bytes, read in chunks, and its first (decompressed) 8 KB."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        head = _open(path).read(8192)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except EOFError as exc:
        raise InputError(f"{path}: corrupt gzip data ({exc})") from exc
    return h.hexdigest(), head


def _open(path: Path):
    """Binary stream of a file, decompressed when it is gzip (readsb writes traces so, often without .gz)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


class _Lines:
    """The file's lines as text, streamed (bad UTF-8 replaced, so a broken byte is a broken line)."""

    def __init__(self, path: Path):
        self.path = path

    def __iter__(self) -> Iterator[str]:
        try:
            with io.TextIOWrapper(_open(self.path), encoding="utf-8-sig", errors="replace") as fh:
                yield from fh
        except (OSError, EOFError) as exc:
            raise InputError(f"{self.path}: read failed ({getattr(exc, 'strerror', None) or exc})") from exc

    def text(self) -> str:
        return "".join(self)


def detect_format(head: str) -> str | None:
    """The feed format from the first few KB of text, or None when it is not a sensor feed."""
    lines = [ln.strip() for ln in head.splitlines() if ln.strip()][:50]
    if not lines:
        return None
    first = lines[0]
    if first.startswith("{"):
        s = head.lstrip()
        if '"trace"' in s[:2000] and '"icao"' in s[:2000]:
            return "readsb-trace"
        if '"aircraft"' in s[:4000] and '"now"' in s[:4000]:
            return "aircraft-json"
        if '"class":"AIS"' in first.replace(" ", "") or ('"mmsi"' in first and '"type"' in first) or '"nmea"' in first:
            return "ais-catcher"
        return None
    sbs = sum(1 for ln in lines if ln[:4] in ("MSG,", "MLAT") or ln[:4] in ("SEL,", "AIR,", "STA,", "CLK,"))
    if sbs * 2 >= len(lines):
        return "sbs"
    if sum(1 for ln in lines if _NMEA.search(ln)) * 2 >= len(lines):
        return "nmea"
    header = first.lower().replace(" ", "")
    if "mmsi" in header and ("lat" in header or "latitude" in header) and "," in header:
        return "ais-csv"
    if sum(1 for ln in lines if _HEXMSG.match(ln)) * 2 >= len(lines):
        return "modes-hex"
    return None


def sniff(path: Path) -> str | None:
    """The format of a file, from its content; None for reports and anything else."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(8192)
    except OSError:
        return None
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                raw = fh.read(8192)
        except (OSError, EOFError):
            return None
    if b"\x00" in raw:
        return None
    return detect_format(raw.decode("utf-8", errors="replace"))


def _snapshots(lines: _Lines) -> Iterator[str]:
    """aircraft.json: one (pretty-printed) snapshot per file, or one snapshot per line."""
    it = iter(lines)
    first = next(it, "")
    if first.rstrip().endswith("}"):  # JSON lines
        yield first
        yield from it
    else:
        yield first + "".join(it)


def _trace(lines: _Lines, stats: Counter) -> Iterator[tuple]:
    """A readsb trace is one aircraft's day: small enough to parse whole (read when first asked)."""
    yield from adsb.read_trace(lines.text(), stats)


def decode_feed(path: str | Path, fmt: str | None = None) -> FeedReading:
    """Recognise one feed file (or take ``fmt``) and set its decoding up; raises InputError naming the file."""
    path = Path(path)
    digest, head = _file_digest(path)
    if b"\x00" in head:
        raise InputError(f"{path}: binary file, not a sensor feed")
    fmt = fmt or detect_format(head.decode("utf-8", errors="replace"))
    if fmt is None:
        raise InputError(f"{path}: not a recognised sensor feed (use --format {'|'.join(FORMATS)})")
    if fmt not in FORMATS:
        raise InputError(f"{path}: unknown feed format {fmt!r} (one of {', '.join(FORMATS)})")
    lines = _Lines(path)
    stats: Counter = Counter()
    if fmt == "nmea":
        messages = ais.read_nmea(iter(lines), stats)
    elif fmt == "ais-catcher":
        messages = ais.read_aiscatcher(iter(lines), stats)
    elif fmt == "ais-csv":
        messages = ais.read_ais_csv(iter(lines), stats)
    elif fmt == "sbs":
        messages = adsb.read_sbs(iter(lines), stats)
    elif fmt == "aircraft-json":
        messages = adsb.read_aircraft_json(_snapshots(lines), stats)
    elif fmt == "readsb-trace":
        messages = _trace(lines, stats)
    else:  # modes-hex
        messages = adsb.read_modes_hex(iter(lines), stats)
    platform, sensor = ("vessel", "AIS") if fmt in AIS_FORMATS else ("aircraft", "ADS-B")
    return FeedReading(path, fmt, content_id("sensor-feed", digest), platform, sensor, messages, stats)


def split_paths(paths: Sequence[Path], fmt: str | None = None,
                report_suffixes: frozenset[str] | set[str] = frozenset()) -> tuple[list[tuple[Path, str | None]], list[Path]]:
    """Sensor feeds (by --format or by content) apart from report files; directories are expanded."""
    feeds: list[tuple[Path, str | None]] = []
    reports: list[Path] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file() and not x.name.endswith(".meta.json")):
                found = fmt if fmt else (sniff(f) if f.suffix.lower() in FEED_SUFFIXES else None)
                if found:
                    feeds.append((f, found))
                elif f.suffix.lower() in report_suffixes:
                    reports.append(f)
        elif fmt:
            feeds.append((p, fmt))
        else:
            found = sniff(p) if p.is_file() else None
            (feeds.append((p, found)) if found else reports.append(p))
    return feeds, reports

"""Sensor feed files: recognise the format, decode the file into a stream of messages.

Only decoding happens here; tracks, registry enrichment and site activity are the sensors
stage's (``forcewatch.sensors.process_feed``). A feed's document id is derived from the file's
bytes: decoding the same file twice gives the same id, so the same document, tracks and events.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest import InputError, adsb, ais
from forcewatch.limits import DEFAULT, Limits
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
    refused: list[tuple[int | None, str]] = field(default_factory=list)  # (line, why) filled while messages stream

    def refusals(self) -> list[str]:
        """One-line errors for the lines the readers refused as hostile (JSON nested past Limits.json_depth):
        the first such line named ("FILE:LINE: why"), and how many more there were, on one line."""
        from forcewatch.ingest import shown

        if not self.refused:
            return []
        line, why = self.refused[0]
        more = len(self.refused) - 1
        rest = ", ".join(str(n) if n is not None else "?" for n, _ in self.refused[1:6]) + (", ..." if more > 5 else "")
        where = f"{shown(self.path)}:{line}" if line is not None else shown(self.path)
        return [f"{where}: {why}" + (f" (and {more} more such line(s): {rest})" if more else "")]

    @property
    def is_ais(self) -> bool:
        return self.format in AIS_FORMATS


# A gzip file may inflate to Limits.gzip_ratio times its size, and at least to Limits.gzip_floor bytes:
# real feeds inflate 3-15 times; a bomb (a few hundred KB that inflate to gigabytes) is refused at the cap.
GZIP_RATIO, GZIP_FLOOR = DEFAULT.gzip_ratio, DEFAULT.gzip_floor
MAX_LINE = DEFAULT.feed_line  # a longer line is no message of any feed: counted (bad:long_line) and skipped


def _file_digest(path: Path, limits: Limits = DEFAULT) -> tuple[str, bytes]:
    """SHA-256 of the file's bytes, read in chunks, and its first (decompressed) 8 KB."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        with _open(path, limits) as fh:
            head = fh.read(8192)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (EOFError, zlib.error) as exc:
        raise InputError(f"{path}: corrupt gzip data ({exc})") from exc
    return h.hexdigest(), head


class _Capped(io.RawIOBase):
    """A gzip stream that raises InputError once it has given more than ``limit`` bytes."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit, self.given = path, limit, 0
        self.gz = gzip.open(path, "rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        try:
            n = self.gz.readinto(buf)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{self.path}: corrupt gzip data ({exc})") from exc
        self.given += n
        if self.given > self.limit:
            raise InputError(f"{self.path}: gzip data inflates past {self.limit >> 20} MB (a gzip bomb?), refused")
        return n

    def close(self) -> None:
        self.gz.close()
        super().close()


def _open(path: Path, limits: Limits = DEFAULT):
    """Binary stream of a file, decompressed when it is gzip (readsb writes traces so, often without .gz),
    with the inflated size capped (Limits.gzip_cap)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
        size = os.fstat(fh.fileno()).st_size
    if not gz:
        return open(path, "rb")
    return io.BufferedReader(_Capped(path, limits.gzip_cap(size)))


class _Lines:
    """The file's lines as text, streamed (bad UTF-8 replaced, so a broken byte is a broken line; a line
    over Limits.feed_line is counted in ``stats`` and skipped, so no line is held whole however long)."""

    def __init__(self, path: Path, stats: Counter | None = None, limits: Limits = DEFAULT):
        self.path, self.limits = path, limits
        self.stats = Counter() if stats is None else stats

    def __iter__(self) -> Iterator[str]:
        try:
            longest = self.limits.feed_line
            with io.TextIOWrapper(_open(self.path, self.limits), encoding="utf-8-sig", errors="replace") as fh:
                while line := fh.readline(longest):
                    if len(line) >= longest and not line.endswith("\n"):
                        while (rest := fh.readline(longest)) and not rest.endswith("\n"):
                            pass
                        self.stats["bad:long_line"] += 1
                        yield "\n"  # a blank line in its place: the readers skip it, and the lines after keep their numbers
                        continue
                    yield line
        except InputError:
            raise
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.path}: read failed ({getattr(exc, 'strerror', None) or exc})") from exc

    def text(self) -> str:
        """The whole file, for formats that are one JSON document (refused past Limits.feed_json_chars)."""
        limit = self.limits.feed_json_chars
        try:
            with io.TextIOWrapper(_open(self.path, self.limits), encoding="utf-8-sig", errors="replace") as fh:
                text = fh.read(limit + 1)
        except InputError:
            raise
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.path}: read failed ({getattr(exc, 'strerror', None) or exc})") from exc
        if len(text) > limit:
            raise InputError(f"{self.path}: over {limit >> 20} MB, too large for one JSON document")
        return text


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
        except (OSError, EOFError, zlib.error):
            return None
    if b"\x00" in raw:
        return None
    return detect_format(raw.decode("utf-8", errors="replace"))


def _snapshots(lines: _Lines) -> Iterator[str]:
    """aircraft.json: one (pretty-printed) snapshot per file, or one snapshot per line."""
    it = iter(lines)
    lead = []
    for first in it:
        if first.strip():
            break
        lead.append(first)
    else:
        first = ""
    if first.rstrip().endswith("}"):  # JSON lines (the blank lines before kept, so every line keeps its number)
        yield from lead
        yield first
        yield from it
    else:
        yield lines.text()


def _trace(lines: _Lines, stats: Counter, refused: list) -> Iterator[tuple]:
    """A readsb trace is one aircraft's day: small enough to parse whole (read when first asked)."""
    yield from adsb.read_trace(lines.text(), stats, max_depth=lines.limits.json_depth, refused=refused)


def decode_feed(path: str | Path, fmt: str | None = None, limits: Limits = DEFAULT) -> FeedReading:
    """Recognise one feed file (or take ``fmt``) and set its decoding up; raises InputError naming the file."""
    path = Path(path)
    digest, head = _file_digest(path, limits)
    if b"\x00" in head:
        raise InputError(f"{path}: binary file, not a sensor feed")
    fmt = fmt or detect_format(head.decode("utf-8", errors="replace"))
    if fmt is None:
        raise InputError(f"{path}: not a recognised sensor feed (use --format {'|'.join(FORMATS)})")
    if fmt not in FORMATS:
        raise InputError(f"{path}: unknown feed format {fmt!r} (one of {', '.join(FORMATS)})")
    stats: Counter = Counter()
    refused: list[tuple[int | None, str]] = []
    lines = _Lines(path, stats, limits)
    deep = dict(max_depth=limits.json_depth, refused=refused)
    if fmt == "nmea":
        messages = ais.read_nmea(iter(lines), stats)
    elif fmt == "ais-catcher":
        messages = ais.read_aiscatcher(iter(lines), stats, **deep)
    elif fmt == "ais-csv":
        messages = ais.read_ais_csv(iter(lines), stats)
    elif fmt == "sbs":
        messages = adsb.read_sbs(iter(lines), stats)
    elif fmt == "aircraft-json":
        messages = adsb.read_aircraft_json(_snapshots(lines), stats, **deep)
    elif fmt == "readsb-trace":
        messages = _trace(lines, stats, refused)
    else:  # modes-hex
        messages = adsb.read_modes_hex(iter(lines), stats)
    platform, sensor = ("vessel", "AIS") if fmt in AIS_FORMATS else ("aircraft", "ADS-B")
    return FeedReading(path, fmt, content_id("sensor-feed", digest), platform, sensor, messages, stats, refused)


@dataclass
class Inputs:
    """What a command's paths hold: sensor feeds (with their format), report files, and the walk's
    errors and skipped files (``ingest.files.Walk``)."""

    feeds: list[tuple[Path, str | None]]
    reports: list[Path]
    errors: list[str]
    skipped: Counter
    archives: list[Path] = field(default_factory=list)  # web archives, when gather was asked to tell them apart

    def skip_line(self) -> str | None:
        from forcewatch.ingest.files import Walk

        return Walk(skipped=self.skipped).skip_line()


def gather(paths: Sequence[Path], fmt: str | None = None, report_suffixes: frozenset[str] | set[str] = frozenset(),
           follow_symlinks: bool = False, archive: Callable[[Path], bool] | None = None) -> Inputs:
    """Sensor feeds (by --format or by content) apart from report files; folders walked (ingest.files.walk).

    A file named is a feed or else a report; a file found in a folder is a feed when its content says
    so, a report when its suffix is a reader's, and otherwise skipped and counted. With ``archive``
    (ingest.warc.is_warc), the files it claims, named or found, are web archives, neither."""
    from forcewatch.ingest.files import walk

    w = walk(paths, follow_symlinks)
    feeds: list[tuple[Path, str | None]] = []
    reports: list[Path] = []
    archives: list[Path] = []
    for f, named in w.files:
        if archive is not None and archive(f):
            archives.append(f)
            continue
        if named:
            found = fmt or sniff(f)
            (feeds.append((f, found)) if found else reports.append(f))
            continue
        found = fmt if fmt else (sniff(f) if f.suffix.lower() in FEED_SUFFIXES else None)
        if found:
            feeds.append((f, found))
        elif f.suffix.lower() in report_suffixes:
            reports.append(f)
        else:
            w.skipped["not a recognised feed" if f.suffix.lower() in FEED_SUFFIXES else "not a report or feed"] += 1
    return Inputs(feeds, reports, w.errors, w.skipped, archives)


def split_paths(paths: Sequence[Path], fmt: str | None = None,
                report_suffixes: frozenset[str] | set[str] = frozenset()) -> tuple[list[tuple[Path, str | None]], list[Path]]:
    """Sensor feeds (by --format or by content) apart from report files; directories are expanded."""
    found = gather(paths, fmt, report_suffixes)
    return found.feeds, found.reports

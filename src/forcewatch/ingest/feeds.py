"""Sensor feeds end to end: recognise the format, read it, build tracks and events.

A feed becomes one Document (media type "ais" or "adsb") whose text is a
one-line summary, so every sensor event has a document and a span like the
events read from reports. The document id is derived from the file's bytes:
ingesting the same file twice gives the same document, tracks and events.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest import InputError
from forcewatch.records import Document, Event, Site, Track, content_id

FORMATS = ("sbs", "aircraft-json", "readsb-trace", "modes-hex", "nmea", "ais-catcher", "ais-csv")
AIS_FORMATS = ("nmea", "ais-catcher", "ais-csv")
# Suffixes worth sniffing when a directory is ingested (content decides, not the suffix).
FEED_SUFFIXES = {".nmea", ".ais", ".sbs", ".basestation", ".hex", ".raw", ".csv", ".json", ".jsonl", ".gz", ".log",
                 ".txt"}

_NMEA = re.compile(r"(^|\\|\s|,)![A-Z]{2}VD[MO],")
_HEXMSG = re.compile(r"^[\s*@]*(?:[0-9.:TZ+-]+[\s,]+)?\*?([0-9A-Fa-f]{28}|[0-9A-Fa-f]{14});?(?:[\s,]+[0-9.:TZ+-]+)?\s*$")


@dataclass
class FeedResult:
    """What one feed file gave: its document, tracks, events and reading statistics."""

    path: Path
    format: str
    document: Document
    tracks: list[Track]
    events: list[Event]
    stats: Counter = field(default_factory=Counter)

    def report(self) -> str:
        """One line for the terminal: counts, and what was skipped and why."""
        s = self.stats
        bad = {k[4:]: v for k, v in s.items() if k.startswith("bad:") and v}
        dropped = {k: v for k, v in s.items() if (k.startswith("dropped:") or k.startswith("skipped:")) and v}
        line = (f"{self.path}: {self.format}, {s['messages']} messages, {len(self.tracks)} tracks, "
                f"{len(self.events)} events")
        if bad:
            line += f"; {sum(bad.values())} bad lines skipped (" + ", ".join(f"{k} {v}" for k, v in sorted(bad.items())) + ")"
        if dropped:
            line += "; " + ", ".join(f"{k.split(':', 1)[1].replace('_', ' ')} {v}" for k, v in sorted(dropped.items()))
        return line


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


def read_feed(path: str | Path, fmt: str | None = None, registry=None, sites: Sequence[Site] | None = None,
              params=None, activity_params=None) -> FeedResult:
    """Read one feed file into tracks and events; raises InputError (naming the file) if unreadable."""
    from forcewatch.fuse.activity import FeedContext, detect_events
    from forcewatch.fuse.tracks import TrackBuilder
    from forcewatch.gazetteer.sites import load_sites
    from forcewatch.ingest import adsb, ais
    from forcewatch.ingest.registry import Registry

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
    registry = registry or Registry.default()
    sites = load_sites() if sites is None else sites
    is_ais = fmt in AIS_FORMATS
    platform, sensor = ("vessel", "AIS") if is_ais else ("aircraft", "ADS-B")
    doc_id = content_id("sensor-feed", digest)
    stats: Counter = Counter()
    builder = TrackBuilder(platform, doc_id=doc_id, source=str(path), params=params, stats=stats)
    if fmt == "nmea":
        builder.add_ais(ais.read_nmea(iter(lines), stats))
    elif fmt == "ais-catcher":
        builder.add_ais(ais.read_aiscatcher(iter(lines), stats))
    elif fmt == "ais-csv":
        builder.add_ais(ais.read_ais_csv(iter(lines), stats))
    elif fmt == "sbs":
        builder.add_adsb(adsb.read_sbs(iter(lines), stats))
    elif fmt == "aircraft-json":
        builder.add_adsb(adsb.read_aircraft_json(_snapshots(lines), stats))
    elif fmt == "readsb-trace":  # one aircraft's day: small enough to parse whole
        builder.add_adsb(adsb.read_trace(lines.text(), stats))
    elif fmt == "modes-hex":
        builder.add_adsb(adsb.read_modes_hex(iter(lines), stats))
    tracks = builder.build()
    for track in tracks:
        registry.enrich(track, db_flags=builder.meta.get(track.ident, {}).get("db_flags"))
    n_platforms = len({t.ident for t in tracks})
    noun = "aircraft" if not is_ais else ("vessel" if n_platforms == 1 else "vessels")
    summary = f"{sensor} feed {path.name}: {n_platforms} {noun}, {stats['messages']} messages"
    first = min((t.positions[0].t for t in tracks), default=None)
    document = Document(id=doc_id, text=summary, path=str(path), title=path.name,
                        published=first.date() if first else None, outlet=sensor,
                        media_type="ais" if is_ais else "adsb")
    ctx = FeedContext(doc_id=doc_id, summary=summary, sensor=sensor, registry=registry)
    events = detect_events(tracks, sites, ctx, activity_params, raw=builder.raw)
    return FeedResult(path, fmt, document, tracks, events, stats)


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

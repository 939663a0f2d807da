"""Sensors: decoded ADS-B and AIS messages -> tracks, named from the registries, -> site activity events.

The stage after the readers (``forcewatch.ingest.feeds.decode_feed`` recognises and decodes a
file) and before fusion. A feed becomes one Document (media type "ais" or "adsb") whose text is
a one-line summary, so every sensor event has a document and a span like the events read from
reports. Everything a feed is judged by comes in as arguments: the registry, the watched sites
and the thresholds (``TrackParams``, ``ActivityParams``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.ingest.feeds import FeedReading, decode_feed
from forcewatch.limits import DEFAULT, Limits
from forcewatch.records import Document, Event, Site, Track
from forcewatch.sensors.activity import ActivityParams, FeedContext, detect_events
from forcewatch.sensors.registry import Registry
from forcewatch.sensors.tracks import TrackBuilder, TrackParams

__all__ = ["FeedResult", "process_feed", "read_feed"]


@dataclass
class FeedResult:
    """What one feed file gave: its document, tracks, events and reading statistics."""

    path: Path
    format: str
    document: Document
    tracks: list[Track]
    events: list[Event]
    stats: Counter = field(default_factory=Counter)
    refusals: list[str] = field(default_factory=list)  # one-line FILE:LINE errors for lines refused as hostile

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


def process_feed(reading: FeedReading, registry: Registry, sites: Sequence[Site],
                 params: TrackParams | None = None, activity_params: ActivityParams | None = None) -> FeedResult:
    """Tracks, their names and flags from ``registry``, and the events at ``sites``, from one decoded feed.

    Consumes ``reading.messages``; a read error while they stream raises InputError naming the file.
    """
    path, doc_id, stats = reading.path, reading.doc_id, reading.stats
    is_ais = reading.is_ais
    builder = TrackBuilder(reading.platform, doc_id=doc_id, source=str(path), params=params, stats=stats)
    if is_ais:
        builder.add_ais(reading.messages)
    else:
        builder.add_adsb(reading.messages)
    tracks = builder.build()
    for track in tracks:
        registry.enrich(track, db_flags=builder.meta.get(track.ident, {}).get("db_flags"))
    n_platforms = len({t.ident for t in tracks})
    noun = "aircraft" if not is_ais else ("vessel" if n_platforms == 1 else "vessels")
    summary = f"{reading.sensor} feed {path.name}: {n_platforms} {noun}, {stats['messages']} messages"
    first = min((t.positions[0].t for t in tracks), default=None)
    document = Document(id=doc_id, text=summary, path=str(path), title=path.name,
                        published=first.date() if first else None, outlet=reading.sensor,
                        media_type="ais" if is_ais else "adsb")
    ctx = FeedContext(doc_id=doc_id, summary=summary, sensor=reading.sensor, registry=registry)
    events = detect_events(tracks, sites, ctx, activity_params, raw=builder.raw)
    return FeedResult(path, reading.format, document, tracks, events, stats, reading.refusals())


def read_feed(path: str | Path, fmt: str | None = None, *, registry: Registry, sites: Sequence[Site],
              params: TrackParams | None = None, activity_params: ActivityParams | None = None,
              limits: Limits = DEFAULT) -> FeedResult:
    """Decode one feed file, then process it: ``process_feed(decode_feed(path, fmt), ...)``.

    Raises InputError (naming the file) if it cannot be read or is not a feed.
    """
    return process_feed(decode_feed(path, fmt, limits), registry, sites, params, activity_params)

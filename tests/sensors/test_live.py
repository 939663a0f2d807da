"""LiveTracker: the demo feeds replayed message by message give the file path's events, early;
checkpoints resume without loss or repeats; memory stays flat over hours of traffic."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forcewatch.gazetteer.sites import load_sites
from forcewatch.ingest.feeds import decode_feed
from forcewatch.records import Site
from forcewatch.sensors import read_feed
from forcewatch.sensors.live import LiveTracker, StreamDocuments
from forcewatch.sensors.registry import Registry

FEEDS = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo" / "feeds"
DEMO = ["hmeimim-2024-12-09_14.sbs", "tartus-2024-12-09_14.nmea"]


@pytest.fixture(scope="module")
def registry():
    return Registry.default([FEEDS / "aircraft-registry.csv"], [FEEDS / "vessel-registry.csv"])


@pytest.fixture(scope="module")
def sites():
    return load_sites()


def replay(tracker: LiveTracker, messages: list[tuple], batch: int = 50, start: int = 0):
    """Feed messages in batches; (index of the batch's end, event) for every event handed out."""
    out = []
    for i in range(start, len(messages), batch):
        for e in tracker.add(messages[i:i + batch]):
            out.append((i + batch, e))
    return out


def last_versions(emitted) -> dict:
    return {e.id: e for _, e in emitted}


@pytest.mark.parametrize("name", DEMO)
def test_the_demo_feed_replayed_live_gives_the_file_events_before_the_feed_ends(name, registry, sites):
    result = read_feed(FEEDS / name, registry=registry, sites=sites)
    reading = decode_feed(FEEDS / name)
    messages = list(reading.messages)
    tracker = LiveTracker(reading.platform, registry, sites, doc_id=lambda t: reading.doc_id,
                          summary=result.document.text, source=str(reading.path))
    emitted = replay(tracker, messages)
    early = len(emitted)
    tracks, closing = tracker.flush(math.inf)
    emitted += [(len(messages), e) for e in closing]
    live = last_versions(emitted)
    assert result.events and {e.id: e.to_dict() for e in result.events} == {i: e.to_dict() for i, e in live.items()}
    assert sorted(t.id for t in tracks) == sorted(t.id for t in result.tracks)
    assert [t.to_dict() for t in sorted(tracks, key=lambda t: t.id)] == \
        [t.to_dict() for t in sorted(result.tracks, key=lambda t: t.id)]
    # Most events come while the feed still streams, and each well before its end.
    first_seen = {}
    for i, e in emitted:
        first_seen.setdefault(e.id, i)
    assert early > 0
    during = [i for i in first_seen.values() if i < len(messages)]
    assert len(during) * 2 > len(first_seen)
    assert min(first_seen.values()) < len(messages) // 2
    assert tracker.take_retracted() == []
    assert tracker.retained()["fixes"] == 0 and tracker.retained()["open_tracks"] == 0


def test_a_departure_is_handed_out_while_its_track_is_still_open(registry, sites):
    reading = decode_feed(FEEDS / DEMO[0])
    messages = list(reading.messages)
    tracker = LiveTracker("aircraft", registry, sites, doc_id="hmeimim")
    while_open, at_close = [], []
    for i in range(0, len(messages), 20):
        for e in tracker.add(messages[i:i + 20]):
            if e.subtype == "depart":
                closed = {t.id for t in tracker.done}  # nothing is flushed here: every closed track
                (at_close if e.track_id in closed else while_open).append(e)
    assert while_open
    # Handed out again, same id, when the track closes: the sentence now says where it was last heard.
    final = {e.id: e for e in at_close + tracker.flush(math.inf)[1]}
    again = [e for e in while_open if e.id in final]
    assert again and all("last heard" in final[e.id].sentence for e in again if e.sentence != final[e.id].sentence)


@pytest.mark.parametrize("name", DEMO)
def test_a_checkpoint_resumes_without_losing_or_repeating_events(name, registry, sites):
    reading = decode_feed(FEEDS / name)
    messages = list(reading.messages)

    def tracker():
        return LiveTracker(reading.platform, registry, sites, doc_id=name)

    whole = tracker()
    one_run = [e.to_dict() for _, e in replay(whole, messages)]
    tracks, closing = whole.flush(math.inf)
    one_run += [e.to_dict() for e in closing]

    half = len(messages) // 2
    first = tracker()
    before = [e.to_dict() for _, e in replay(first, messages[:half])]
    flushed_before, more = first.flush()  # the watcher flushes (and stores) before it checkpoints
    before += [e.to_dict() for e in more]
    state = json.loads(json.dumps(first.state()))  # as stored
    del first
    second = tracker().restore(state)
    after = [e.to_dict() for _, e in replay(second, messages[half:])]
    tracks2, closing2 = second.flush(math.inf)
    after += [e.to_dict() for e in closing2]
    assert one_run and sorted(before + after, key=json.dumps) == sorted(one_run, key=json.dumps)
    assert sorted(t.id for t in flushed_before + tracks2) == sorted(t.id for t in tracks)


def test_memory_stays_flat_over_hours_of_traffic(registry):
    """1000 short flights over 10 hours, flushed every simulated minute: what is held stays at the
    few flights in the air, and nothing once they are all closed."""
    site = Site(id="base", name="Test Base", kind="airfield", lat=35.0, lon=36.0, radius_km=3)
    tracker = LiveTracker("aircraft", registry, [site], doc_id="synthetic")
    t0 = 1733702400.0
    peak = 0
    closed = 0
    per_minute = []
    for minute in range(600 + 60):
        batch = []
        for k in range(minute - 20, minute + 1):  # a new flight every minute, 20 minutes each
            if 0 <= k < 600:
                icao = f"{0x100000 + k:06x}"
                for s in range(0, 60, 10):
                    step = (minute - k) * 6 + s // 10
                    batch.append(("F", icao, t0 + minute * 60 + s, 35.0 + step * 0.01, 36.0, 20000.0, 300.0, 0.0,
                                  False, False))
        tracker.add(batch)
        tracks, _ = tracker.flush()
        closed += len(tracks)
        held = tracker.retained()["fixes"]
        peak = max(peak, held)
        per_minute.append(held)
    tracks, _ = tracker.flush(math.inf)
    closed += len(tracks)
    assert closed == 600
    # Held: the 21 flights in the air and the ~31 landed ones awaiting their 30-min gap, 126 fixes each;
    # the file path would hold all 75,600.
    assert peak <= (21 + 31) * 126
    assert max(per_minute[300:600]) <= max(per_minute[60:120]) + 6  # the tenth hour holds what the second did
    assert tracker.retained()["fixes"] == 0 and tracker.retained()["open_tracks"] == 0


def test_a_track_longer_than_the_cap_is_cut(registry):
    tracker = LiveTracker("vessel", registry, [], doc_id="cap", max_fixes_per_track=100)
    tracker.add([("P", "273456780", 1733702400.0 + 10 * i, 34.9, 35.8 + i * 1e-4, 5.0, 90.0, None, 0)
                 for i in range(350)])
    assert tracker.retained()["fixes"] == 50
    tracks, _ = tracker.flush(math.inf)
    assert [len(t.positions) for t in tracks] == [100, 100, 100, 50]
    assert tracker.stats["live:cut_at_max_fixes"] == 3


def test_stream_documents_are_hourly_and_deterministic(registry, sites):
    docs = StreamDocuments("tartus-ais", "AIS")
    t = datetime(2024, 12, 9, 10, 59, 59, tzinfo=timezone.utc).timestamp()
    assert docs.id_for(t) == StreamDocuments("tartus-ais", "AIS").id_for(t - 3599)
    assert docs.id_for(t) != docs.id_for(t + 1) and docs.id_for(t) != StreamDocuments("other", "AIS").id_for(t)
    assert len({len(docs.text(t + h * 3600)) for h in range(48)}) == 1
    assert docs.document(t).text == "AIS stream tartus-ais: 60 min from 2024-12-09 10:00 UTC"
    reading = decode_feed(FEEDS / DEMO[1])
    tracker = LiveTracker("vessel", registry, sites, doc_id="tartus-ais")
    events = tracker.add(reading.messages) + tracker.flush(math.inf)[1]
    assert events
    for e in events:
        doc = tracker.document_for(e)
        assert e.doc_id == doc.id == docs.id_for(e.time.start_time.timestamp())
        assert e.span == (0, len(doc.text)) and doc.media_type == "ais"


def test_stored_live_events_are_idempotent_across_a_restart(registry, sites, tmp_path):
    """What the watcher does: documents first, then events (upserts) and closed tracks; a restart from a
    checkpoint that replays the same traffic again stores nothing new."""
    from forcewatch.store import Store

    reading = decode_feed(FEEDS / DEMO[1])
    messages = list(reading.messages)

    def save(store, tracker, events, tracks):
        for doc in tracker.documents_for(events):
            store.add_document(doc)
        store.add_events(events)
        store.add_tracks(tracks)

    def run(store, tracker, part):
        for i in range(0, len(part), 100):
            events = tracker.add(part[i:i + 100])
            tracks, more = tracker.flush()
            save(store, tracker, events + more, tracks)

    with Store(tmp_path / "live.duckdb") as store:
        first = LiveTracker("vessel", registry, sites, doc_id="tartus-ais")
        run(store, first, messages[:5000])
        state = json.loads(json.dumps(first.state()))
        run(store, first, messages[5000:])
        tracks, events = first.flush(math.inf)
        save(store, first, events, tracks)
        counts = {t: store.count(t) for t in ("documents", "events", "tracks", "positions")}
        assert counts["events"] > 0 and counts["documents"] > 1
        # Killed after the checkpoint: the restarted tracker is fed the messages after it again.
        again = LiveTracker("vessel", registry, sites, doc_id="tartus-ais").restore(state)
        run(store, again, messages[5000:])
        tracks, events = again.flush(math.inf)
        save(store, again, events, tracks)
        assert {t: store.count(t) for t in counts} == counts
        stored = store.events(limit=1000)
        assert len(stored) == counts["events"] and all(store.has_document(e.doc_id) for e in stored)
        assert any(e.military_reason == "registry type frigate" for e in stored)  # kept by the store

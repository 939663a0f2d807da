"""The watcher: sources in threads, one writer, rules over what is stored, alerts out.

Threads: one per text source (poll, then wait its interval or the server's Retry-After), one per
sensor stream (reads messages into a buffer), one per webhook (sends alerts in order, retrying).
Everything that writes goes through the single writer loop (``Watcher.run``), one transaction per
unit of work (``Store.batch``): a feed entry's document and events, the entry's seen mark, the
feed's validators when it was the poll's last, and the alerts the new events raise; or a stream's
events and closed tracks with the tracker checkpoint. So ``kill -9`` and a restart lose no
committed document, fix or alert and repeat none: what was committed is marked seen or checkpointed
with it, what was not is fetched or read again. alerts.jsonl is appended after each commit and
brought level with the alerts table at start (a line lost or half-written by a crash is written
again). Webhook deliveries are recorded when accepted; those not recorded are sent at start.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from forcewatch.fuse.rules import evaluate
from forcewatch.ingest.http import FetchError, HttpClient, RetryLater
from forcewatch.ingest.web import Item, poll_feed, poll_page, scan_folder
from forcewatch.records import Alert, Event, Site
from forcewatch.store import StoreBusy
from forcewatch.watch.config import StreamSource, TextSource, WatchConfig
from forcewatch.watch.webhooks import Deliverer

STREAM_BUFFER_MAX = 200_000  # messages held for the writer per stream before its reader waits
CHECKPOINT_S = 5.0  # a stream's tracker is checkpointed at least this often while messages flow
STREAM_COMMIT_S = 0.1  # a stream's events wait up to this long to share one commit (and one hold of a shared file)
REPLAY_LAG_S = 86400.0  # a stream whose fixes are older than this is a replay: tracks close on data time


@dataclass
class Work:
    """One unit for the writer: a text item of a source (and the source's state after it)."""

    source: str
    items: list[Item] = field(default_factory=list)
    state: dict | None = None
    done: threading.Event = field(default_factory=threading.Event)


class _Stream:
    def __init__(self, source: StreamSource, tracker):
        self.source, self.tracker = source, tracker
        self.buffer: list[tuple] = []
        self.lock = threading.Lock()
        self.stats: Counter = Counter()
        self.last_checkpoint = 0.0
        self.dirty = False
        self.events: dict[str, Event] = {}  # handed out by the tracker, not committed yet (last version by id)
        self.tracks: list = []  # closed, not committed yet
        self.waiting_since: float | None = None  # when the oldest of them was handed out (monotonic)


class Watcher:
    """``forcewatch watch``: run(stop) until stop is set."""

    def __init__(self, config: WatchConfig, ingester, store, *, sites: Sequence[Site], alerts_jsonl: Path,
                 hub=None, echo: Callable[[str], None] = print, scope: str = "force",
                 clock: Callable[[], float] = time.time):
        self.config, self.ingester, self.store = config, ingester, store
        self.sites = list(sites)
        self.watched = [s for s in self.sites if s.id in config.watched] if config.watched else None
        self.alerts_jsonl, self.hub, self.echo, self.scope, self.clock = alerts_jsonl, hub, echo, scope, clock
        self.queue: queue.Queue = queue.Queue(maxsize=256)
        self.client = HttpClient(config.rate_limits, config.default_interval_s, config.timeout_s, config.max_bytes)
        self.stats: Counter = Counter()
        self.streams: dict[str, _Stream] = {}
        self.deliverers: list[Deliverer] = []
        self.threads: list[threading.Thread] = []
        self.on_alert: list[Callable[[Alert], None]] = []  # called after each alert is committed (bench, tests)
        self.lock = threading.Lock()

    # -- start and stop --------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        self._level_jsonl()
        self.ingester.equipment_classes  # noqa: B018  (loaded now, not on the first alert's time)
        for w in self.config.webhooks:
            d = Deliverer(w, stop, self._delivered, self.echo)
            self.deliverers.append(d)
            d.start()
        for alert, target in self.store.undelivered([w.key for w in self.config.webhooks]):
            for d in self.deliverers:
                if d.webhook.key == target:
                    d.put(alert)
        for source in self.config.sources:
            self._thread(f"poll {source.key}", self._poll_loop, source, stop)
        if self.config.streams:
            self._open_streams(stop)
        self.echo(f"watching {len(self.config.sources)} text source(s), {len(self.config.streams)} stream(s); "
                  f"{len(self.config.rules)} rule(s); {len(self.config.webhooks)} webhook(s)")
        try:
            while not stop.is_set():
                try:
                    work = self.queue.get(timeout=0.05)
                except queue.Empty:
                    work = None
                if work is not None:
                    try:
                        self._handle(work)
                    finally:
                        work.done.set()
                if self.streams:
                    self._drain_streams()
        finally:
            stop.set()
            if self.streams:
                self._drain_streams(final=True)
            for t in self.threads + self.deliverers:
                t.join(timeout=2.0)

    def _thread(self, name: str, target, *args) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self.threads.append(t)
        t.start()

    # -- text sources (one thread each) ------------------------------------
    def _poll_loop(self, source: TextSource, stop: threading.Event) -> None:
        reader = self.store.cursor()
        state = reader.get_state(source.key, {}) or {}

        def seen(keys):
            return reader.seen(source.key, list(keys))

        from forcewatch.ingest.reports import report_suffixes

        while not stop.is_set():
            wait = source.every
            try:
                if source.kind == "feed":
                    poll = poll_feed(self.client, source.target, state, seen, source.articles, stop)
                elif source.kind == "page":
                    poll = poll_page(self.client, source.target, state, stop)
                    if poll.items and reader.seen(source.key, [poll.items[0].key]):
                        poll.items = []
                else:
                    poll = scan_folder(Path(source.target), state, seen, report_suffixes())
            except RetryLater as exc:
                self.echo(f"error: {exc}")
                self.stats["source:retry"] += 1
                stop.wait(max(exc.delay, 0.05))
                continue
            except FetchError as exc:
                self.echo(f"error: {exc}")
                self.stats["source:failed"] += 1
                stop.wait(wait)
                continue
            except Exception as exc:  # noqa: BLE001  (a source's fault never stops the watcher)
                self.echo(f"error: {source.target}: poll failed ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})")
                self.stats["source:failed"] += 1
                stop.wait(wait)
                continue
            if poll.error:
                self.echo(f"error: {poll.error}")
            self.stats["source:polls"] += 1
            if poll.not_modified:
                self.stats["source:not_modified"] += 1
            works = [Work(source.key, [item]) for item in poll.items]
            if works:
                works[-1].state = poll.state
            elif poll.state != state:
                works = [Work(source.key, [], poll.state)]
            for w in works:
                while not stop.is_set():
                    try:
                        self.queue.put(w, timeout=0.2)
                        break
                    except queue.Full:
                        continue
            if works:
                while not stop.is_set() and not works[-1].done.wait(0.2):
                    pass
            state = poll.state if not stop.is_set() else state
            stop.wait(wait)

    def _handle(self, work: Work) -> None:
        """One text item in one transaction: document, events, seen mark, source state, alerts."""
        store = self.store
        alerts: list[Alert] = []
        new_events: list[Event] = []
        try:
            with store.batch():
                for item in work.items:
                    if item.error:
                        self.echo(f"error: {item.error}")
                    if item.document is not None:
                        result = self.ingester.documents(store, [item.document], self.scope)
                        if result.outcome.get(item.document.id) == "failed" or result.errors:
                            raise _Failed("; ".join(result.errors) or f"{item.key}: could not be stored")
                        new_events += result.new_events.get(item.document.id, [])
                        self.stats["documents"] += result.added
                    store.mark_seen(work.source, [item.key])
                if work.state is not None:
                    store.put_state(work.source, work.state)
                alerts = self._rules(new_events)
        except Exception as exc:  # noqa: BLE001  (rolled back: nothing of it is stored)
            line = str(exc) if isinstance(exc, _Failed) else f"{work.source}: not stored ({type(exc).__name__}: {exc})"
            self.echo(f"error: {' '.join(line.split())[:300]}")
            self.stats["items:failed"] += 1
            try:  # not fetched again and again: the failure is the item's, and said once
                store.mark_seen(work.source, [i.key for i in work.items])
            except Exception:  # noqa: BLE001
                pass
            return
        self._published(new_events, alerts)

    def _rules(self, new_events: list[Event], sensor_since: datetime | None = None) -> list[Alert]:
        """The alerts of the new events, and of the claims whose window sensor time has passed since
        ``sensor_since`` (a stream commit reads it before storing), stored; those new are returned."""
        if not self.config.rules:
            return []
        found = evaluate(self.config.rules, new_events, self.sites, self.store,
                         datetime.fromtimestamp(self.clock(), UTC), self.watched, sensor_since)
        return self.store.add_alerts(found)

    def _published(self, events: list[Event], alerts: list[Alert]) -> None:
        """After a commit: alerts.jsonl, the dashboard's stream, the webhooks."""
        if events and self.hub is not None:
            self.hub.publish("events", {"ids": [e.id for e in events], "count": len(events)})
        if not alerts:
            return
        with open(self.alerts_jsonl, "a", encoding="utf-8") as f:
            for a in alerts:
                f.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        for a in alerts:
            record = a.to_dict()
            self.stats["alerts"] += 1
            self.echo(f"alert [{a.severity}] {a.rule}: {a.title} ({len(a.event_ids)} event(s))")
            if self.hub is not None:
                self.hub.publish("alert", record)
            for d in self.deliverers:
                d.put(record)
            for hook in self.on_alert:
                hook(a)

    def _delivered(self, alert_id: str, target: str, attempts: int) -> None:
        cursor = self.store.cursor()
        try:
            cursor.mark_delivered(alert_id, target, attempts)
        except StoreBusy as exc:  # not recorded: sent again after a restart (receivers drop repeats by id)
            self.echo(f"error: alert {alert_id} delivered to {target} but not recorded ({exc})")
        finally:
            cursor.close()

    def _level_jsonl(self) -> None:
        """alerts.jsonl holds every stored alert once: a half-written last line is cut, a missing one added."""
        path = self.alerts_jsonl
        path.parent.mkdir(parents=True, exist_ok=True)
        have: set[str] = set()
        if path.exists():
            raw = path.read_bytes()
            keep = raw[: raw.rfind(b"\n") + 1]
            for line in keep.splitlines():
                try:
                    have.add(json.loads(line)["id"])
                except (ValueError, KeyError, TypeError):
                    continue
            if len(keep) != len(raw):
                with open(path, "r+b") as f:
                    f.truncate(len(keep))
        missing = [r for _, r in self.store.alerts(0, limit=1_000_000, newest_first=False) if r["id"] not in have]
        if missing:
            with open(path, "a", encoding="utf-8") as f:
                for r in missing:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")

    # -- sensor streams --------------------------------------------------
    def _open_streams(self, stop: threading.Event) -> None:
        try:
            from forcewatch.ingest.streams import open_stream
            from forcewatch.sensors.live import LiveTracker
        except ImportError as exc:  # pragma: no cover - the live readers are part of the package now
            raise RuntimeError(f"sensor streams are not available in this installation ({exc})") from None
        resources = self.ingester.resources
        for src in self.config.streams:
            spec = src.spec
            tracker = LiveTracker(spec.platform, resources.platforms, self.sites, doc_id=src.name)
            state = self.store.get_state(src.key)
            if state:
                try:
                    tracker.restore(state)
                except (ValueError, KeyError, TypeError) as exc:
                    self.echo(f"error: stream {src.name}: checkpoint not usable ({exc}); starting afresh")
            stream = _Stream(src, tracker)
            self.streams[src.name] = stream
            self._thread(f"stream {src.name}", self._read_stream, stream, spec, open_stream, stop)

    def _read_stream(self, stream: _Stream, spec, open_stream, stop: threading.Event) -> None:
        try:
            for msg in open_stream(spec, stop, stats=stream.stats):
                with stream.lock:
                    stream.buffer.append(msg)
                    full = len(stream.buffer) >= STREAM_BUFFER_MAX
                if full:
                    stop.wait(0.05)
        except Exception as exc:  # noqa: BLE001
            self.echo(f"error: stream {spec.name}: stopped ({type(exc).__name__}: {exc})")

    def _drain_streams(self, final: bool = False) -> None:
        """Feed each stream's new messages to its tracker; commit what it handed out once the oldest
        of it has waited STREAM_COMMIT_S (a busy stream: one commit, and one hold of the file, per
        tenth of a second rather than per drain), at the end, or with a due checkpoint."""
        wall = self.clock()
        for stream in self.streams.values():
            with stream.lock:
                messages, stream.buffer = stream.buffer, []
            tracker = stream.tracker
            t0 = time.perf_counter()
            events = tracker.add(messages) if messages else []
            self.stats["ms:track"] += round((time.perf_counter() - t0) * 1000)
            self.stats["messages"] += len(messages)
            due = wall - stream.last_checkpoint >= CHECKPOINT_S
            tracks: list = []
            if due or final or events:
                replay = not math.isfinite(tracker.clock) or wall - tracker.clock > REPLAY_LAG_S
                tracks, more = tracker.flush(None if replay else wall)
                events += more
            if messages:
                stream.dirty = True
            if events or tracks:
                stream.events.update((e.id, e) for e in events)
                stream.tracks += tracks
                if stream.waiting_since is None:
                    stream.waiting_since = time.monotonic()
            waiting = stream.waiting_since is not None
            if not (waiting and (final or due or time.monotonic() - stream.waiting_since >= STREAM_COMMIT_S)
                    or stream.dirty and (final or due)):
                continue
            t0 = time.perf_counter()
            self._commit_stream(stream, wall)
            self.stats["ms:commit"] += round((time.perf_counter() - t0) * 1000)
            self.stats["commits"] += 1
        self.stats["drains"] += 1

    def _commit_stream(self, stream: _Stream, wall: float) -> None:
        """A stream's waiting events and closed tracks, its tracker checkpoint and the alerts they raise,
        in one transaction. When another process held the file too long they wait for the next commit;
        on any other failure they are said and dropped (a live stream cannot be read again)."""
        tracker = stream.tracker
        events, tracks = list(stream.events.values()), stream.tracks
        stream.events, stream.tracks, stream.waiting_since = {}, [], None
        alerts: list[Alert] = []
        try:
            with self.store.batch():
                before = self.store.sensor_clock() or datetime.fromtimestamp(0, UTC)  # none yet: from the start
                self.ingester.sensor_events(self.store, [tracker.document_for(e) for e in events], tracks, events)
                self.store.put_state(stream.source.key, tracker.state())
                self.store.put_sensor_clock(stream.source.key, tracker.clock)
                alerts = self._rules(events, before)
        except StoreBusy as exc:  # another process held the file past lock_wait: nothing went in, try again
            self.echo(f"error: stream {stream.source.name}: {exc}; {len(events)} event(s) kept for the next commit")
            stream.events = {**{e.id: e for e in events}, **stream.events}
            stream.tracks = tracks + stream.tracks
            stream.waiting_since = time.monotonic()
            return
        except Exception as exc:  # noqa: BLE001
            self.echo(f"error: stream {stream.source.name}: {len(events)} event(s) not stored "
                      f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})")
            return
        stream.last_checkpoint, stream.dirty = wall, False
        self.stats["sensor_events"] += len(events)
        self._published(events, alerts)


class _Failed(Exception):
    pass

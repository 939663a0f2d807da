"""The whole watcher on replayed traffic: messages/s, alert latency to the webhook, memory.

    python bench/watch.py                      # 300,000 SBS messages as fast as they are taken
    python bench/watch.py --messages 1000000 --copies 400
    python bench/watch.py --rate 5000          # paced as a busy receiver; latency is measured paced
    python bench/watch.py --hour               # an hour of a busy receiver (4,300/s) as fast as taken: memory

The demo's week of ADS-B at Hmeimim (an Il-76 that lands and leaves every day, an An-124 that
leaves) is copied ``--copies`` times under other ICAO addresses, merged in time order and repeated
one week later each round until ``--messages``, then served over TCP as readsb serves SBS
(port 30003). One ``forcewatch watch`` (in this process: the Watcher of `forcewatch watch`, its
stream thread, its single writer, its store opened shared as the command opens it; ``--held``: held
open for the whole run) decodes, builds tracks, emits site events, stores them with
their tracker checkpoints, evaluates two rules (every departure from Hmeimim; three departures in
24 h net of arrivals) and POSTs each alert, signed, to a webhook receiver on 127.0.0.1.

Figures: sustained messages/s end to end (first message taken to the last one stored), alert
latency from the message that settled the alert's last event (the first message with a later
data time) being sent to the webhook receiving the alert (p50/p95; goal p95 < 1 s), and the
process's resident memory at each quarter of the traffic (it should stay flat: only open tracks
are held) and at its peak. ``--hour``: 3,600 s x 4,300 messages (15.5 million, generated as they
are sent) as fast as taken, with resident memory, tracemalloc's current and peak (since the last
line) and the tracker's open tracks and fixes printed at each tenth: flat, not growing with traffic.
Nothing here is a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from bisect import bisect_right
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from forcewatch.config import Resources, Settings  # noqa: E402
from forcewatch.service import Ingester  # noqa: E402
from forcewatch.store import Store  # noqa: E402
from forcewatch.watch.config import WatchConfig  # noqa: E402
from forcewatch.watch.runner import Watcher  # noqa: E402

DEMO = ROOT / "src" / "forcewatch" / "data" / "demo" / "feeds"
SHARED = True  # as `forcewatch watch` opens it: the file held only while a commit is written (--held: the whole run)


def cpu_s() -> float:
    """CPU seconds (user + system) this process has used: a rate per CPU second holds when other work
    shares the core, as it does on a shared machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def traffic(n: int, copies: int) -> tuple[list[str], list[float]]:
    """SBS lines (and their data times, epoch s) of ``copies`` aircraft flying the demo week, week after week."""
    base = [line.split(",") for line in (DEMO / "hmeimim-2024-12-09_14.sbs").read_text().splitlines() if line]
    out: list[tuple[float, str]] = []
    week = 0
    while len(out) < n:
        shift = timedelta(days=7 * week)
        batch = []
        for c in range(copies):
            for f in base:
                g = list(f)
                g[4] = f"{(int(f[4], 16) ^ (c << 4)) & 0xFFFFFF:06X}" if c else f[4]
                t = datetime.strptime(f"{f[6]} {f[7]}", "%Y/%m/%d %H:%M:%S.%f") + shift + timedelta(seconds=c % 60)
                g[6] = g[8] = t.strftime("%Y/%m/%d")
                g[7] = g[9] = t.strftime("%H:%M:%S.%f")[:12]
                batch.append((t.timestamp(), ",".join(g)))
        batch.sort(key=lambda x: x[0])
        out += batch
        week += 1
    out = out[:n]
    return [line for _, line in out], [t for t, _ in out]


def endless_traffic(copies: int, rounds: int | None = None):
    """Chunks of SBS lines (CRLF-joined bytes) of ``traffic``'s weeks, without end (or ``rounds`` weeks):
    one week is laid out once and each later one only has its dates moved (no per-line time formatting),
    so an hour of a busy receiver is sent without holding it."""
    lines, times = traffic(len(SBS_BASE()) * copies, copies)
    days = sorted({line.split(",")[6] for line in lines})
    day0 = datetime.strptime(days[0], "%Y/%m/%d")
    parts = []
    for line in lines:
        f = line.split(",")
        parts.append((",".join(f[:6]) + ",", days.index(f[6]), "," + f[7] + ",", "," + ",".join(f[9:]) + "\r\n"))
    week = 0
    while rounds is None or week < rounds:
        names = [(day0 + timedelta(days=7 * week + (datetime.strptime(d, "%Y/%m/%d") - day0).days)).strftime("%Y/%m/%d")
                 for d in days]
        for k in range(0, len(parts), 500):
            yield "".join(a + names[i] + b + names[i] + c for a, i, b, c in parts[k:k + 500]).encode()
        week += 1


def SBS_BASE() -> list[str]:
    return [line for line in (DEMO / "hmeimim-2024-12-09_14.sbs").read_text().splitlines() if line]


class Receiver:
    def __init__(self):
        self.got: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.got.setdefault(json.loads(body)["alert"]["id"], time.monotonic())
                receiver.alerts[json.loads(body)["alert"]["id"]] = json.loads(body)["alert"]
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.alerts: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Sender:
    """readsb's SBS port: sends the lines to the one client, ``rate`` a second (None: as fast as taken)."""

    def __init__(self, lines: list[str], rate: float | None):
        self.lines, self.rate = lines, rate
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.sent_at: list[float] = [0.0] * len(lines)  # monotonic time each line was handed to the socket
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        conn, _ = self.sock.accept()
        step = 500
        t0 = time.monotonic()
        for k in range(0, len(self.lines), step):
            if self.rate:
                lag = t0 + k / self.rate - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
            chunk = "".join(line + "\r\n" for line in self.lines[k:k + step]).encode()
            now = time.monotonic()
            for i in range(k, min(k + step, len(self.lines))):
                self.sent_at[i] = now
            conn.sendall(chunk)
        self.done.set()
        self.hold = conn  # kept open: a receiver does not hang up


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=300_000)
    ap.add_argument("--copies", type=int, default=100, help="aircraft flying the demo week at once")
    ap.add_argument("--hour", action="store_true",
                    help="an hour of a busy receiver's traffic (3,600 s x 4,300/s) as fast as taken, memory at each tenth")
    ap.add_argument("--hour-messages", type=int, default=3600 * 4300, help="messages of --hour (default an hour at 4,300/s)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="with --hour: trace Python's allocations too (current and peak at each tenth; several times slower)")
    ap.add_argument("--rate", type=float, default=None,
                    help="messages a second sent; default: first as fast as taken (throughput), then "
                         "60,000 at 4,300/s, a busy receiver's rate (latency and memory)")
    ap.add_argument("--held", action="store_true",
                    help="hold the database open for the whole run (a plain Store), not shared as `forcewatch watch` does")
    args = ap.parse_args()
    global SHARED
    SHARED = not args.held
    if args.hour:
        return hour(args.hour_messages, args.copies, args.tracemalloc)
    if args.rate is not None:
        return measure(args.messages, args.copies, args.rate)
    measure(args.messages, args.copies, None)
    print()
    return measure(min(args.messages, 60_000), min(args.copies, 20), 4300.0)


def _watcher(tmp: Path, port: int, receiver: Receiver):
    """The watcher of a watch.yaml reading SBS from 127.0.0.1:``port``, two rules, the webhook; and its store."""
    (tmp / "watch.yaml").write_text(f"""
streams:
  - {{name: bench-adsb, kind: sbs-tcp, host: 127.0.0.1, port: {port}}}
aircraft_db: [{DEMO / 'aircraft-registry.csv'}]
builtin_rules: false
rules:
  - {{name: departure, where: hmeimim, subtype: depart, severity: medium}}
  - {{name: three-left, predicate: count, where: hmeimim, subtype: depart, min_count: 3, window: 24h,
     net_of: arrive, severity: high}}
webhooks:
  - {{url: "{receiver.url}", secret: "bench-secret-123"}}
""")
    cfg = WatchConfig.load(tmp / "watch.yaml")
    resources = Resources(Settings.load(None, aircraft_registry=list(cfg.aircraft_db)))
    store = Store(tmp / "w.duckdb", shared=SHARED, lock_wait=resources.settings.lock_wait)
    watcher = Watcher(cfg, Ingester(resources), store, sites=resources.sites, alerts_jsonl=tmp / "alerts.jsonl",
                      echo=lambda line: print(line, file=sys.stderr) if line.startswith("error") else None)
    return watcher, store


def measure(n_messages: int, copies: int, rate: float | None) -> int:
    """One run of the watcher on ``n_messages`` of traffic sent at ``rate`` (None: as fast as taken)."""
    args = argparse.Namespace(messages=n_messages, copies=copies, rate=rate)
    lines, times = traffic(args.messages, args.copies)
    tmp = Path(tempfile.mkdtemp(prefix="forcewatch-bench-watch-"))
    receiver = Receiver()
    sender = Sender(lines, args.rate)
    watcher, store = _watcher(tmp, sender.port, receiver)
    messages_at: list[tuple[float, int, float]] = []  # (time, messages taken, rss)
    committed: dict[str, float] = {}
    watcher.on_alert.append(lambda a: committed.setdefault(a.id, time.monotonic()))
    stop = threading.Event()
    rss0 = rss_mb()
    cpu_first = cpu_last = cpu_s()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    quarter = [len(lines) * q // 4 for q in (1, 2, 3, 4)]
    rss_at: list[float] = []
    t_first = None
    def taken_lines() -> int:
        """Lines read off the socket and handed to the writer (none left in the stream's buffer)."""
        streams = list(watcher.streams.values())
        if not streams or any(x.buffer for x in streams):
            return min(watcher.stats["messages"], len(lines) - 1)
        return sum(x.stats["lines"] for x in streams)

    while True:
        taken = taken_lines()
        now = time.monotonic()
        if taken and t_first is None:
            t_first, cpu_first = now, cpu_s()
        while rss_at.__len__() < 4 and taken >= quarter[len(rss_at)]:
            rss_at.append(rss_mb())
        if taken >= len(lines):
            drains = watcher.stats["drains"]
            while watcher.stats["drains"] < drains + 2:  # the writer has stored what it took
                time.sleep(0.001)
            t_last, cpu_last = time.monotonic(), cpu_s()
            break
        if now - (t_first or now) > 600:
            print("gave up after ten minutes", file=sys.stderr)
            t_last, cpu_last = now, cpu_s()
            break
        time.sleep(0.01)
    deadline = time.monotonic() + 30
    while len(receiver.got) < store.cursor().count_alerts() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(30)
    elapsed = t_last - (t_first or t_last)
    # Latency: from the first message later (in data time) than the alert's last event, to the webhook.
    latencies, to_commit = [], []
    for alert_id, got_at in receiver.got.items():
        alert = receiver.alerts[alert_id]
        if not alert.get("end"):
            continue
        end = datetime.fromisoformat(alert["end"]).timestamp()
        i = bisect_right(times, end)
        if i < len(times) and sender.sent_at[i]:
            latencies.append(got_at - sender.sent_at[i])
            if alert_id in committed:
                to_commit.append(committed[alert_id] - sender.sent_at[i])
    latencies.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"traffic: {len(lines):,} SBS messages, {args.copies} aircraft at once, "
          f"{(times[-1] - times[0]) / 86400:.1f} days of data time; sent {'as fast as taken' if not args.rate else f'{args.rate:,.0f}/s'}")
    print(f"throughput: {len(lines) / elapsed:,.0f} messages/s end to end (decode -> tracks -> site events -> "
          f"store -> rules -> alerts) over {elapsed:.1f} s; {watcher.stats['sensor_events']:,} sensor events stored; "
          f"{len(lines) / max(1e-9, cpu_last - cpu_first):,.0f} per CPU second of this process (one core's worth)")
    print(f"alerts: {store.cursor().count_alerts():,} raised, {len(receiver.got):,} received by the webhook")
    if latencies and not args.rate:
        print("alert latency: not measured when the sender outruns the watcher (it is queueing); see the paced run")
    elif latencies:
        p50 = statistics.median(latencies)
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"alert latency (settling message sent -> webhook received): p50 {p50 * 1000:.0f} ms, "
              f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms over {len(latencies)} alerts "
              f"(goal p95 < 1000 ms); of which to the commit: p50 {statistics.median(to_commit) * 1000:.0f} ms")
    print(f"memory (resident): {rss0:.0f} MB before this run; at each quarter of the traffic "
          f"{', '.join(f'{x:.0f}' for x in rss_at)} MB; peak {peak:.0f} MB")
    st = watcher.stats
    print(f"writer: {st['drains']:,} drains, {st['commits']:,} commits; time in tracker {st['ms:track']:,} ms, "
          f"in commits {st['ms:commit']:,} ms ({st['ms:commit'] / max(1, st['commits']):.0f} ms each)")
    store.close()
    return 0


def hour(n_messages: int, copies: int, trace: bool = False) -> int:
    """``n_messages`` sent as fast as taken; memory at each tenth (resident, tracemalloc, the tracker's hold)."""
    if trace:
        tracemalloc.start(1)
    tmp = Path(tempfile.mkdtemp(prefix="forcewatch-bench-watch-"))
    receiver = Receiver()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    per_week = len(SBS_BASE()) * copies
    rounds = -(-n_messages // per_week)
    chunks = endless_traffic(copies, rounds)  # the first week laid out before the clock starts
    first = next(chunks)

    def send():
        conn, _ = sock.accept()
        sent = 0
        conn.sendall(first)
        for chunk in chunks:
            conn.sendall(chunk)
            sent += chunk.count(b"\n")
        send.hold = conn

    threading.Thread(target=send, daemon=True).start()
    watcher, store = _watcher(tmp, sock.getsockname()[1], receiver)
    total = rounds * per_week
    from collections import Counter

    from forcewatch.ingest.adsb import read_sbs
    per_line = sum(1 for _ in read_sbs(first.decode().splitlines(), Counter())) / first.count(b"\n")
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    t0 = time.monotonic()
    thread.start()
    print(f"traffic: {total:,} SBS messages ({rounds} weeks of {copies} aircraft), sent as fast as taken; "
          f"tracemalloc {'on (slows Python several times)' if trace else 'off (--tracemalloc)'}")
    print("taken        s    msg/s  msg/CPU-s   RSS MB   traced MB (now / peak since last)   open tracks   fixes held")
    marks = [total * q // 10 for q in range(1, 10)]
    last_t, last_n, last_cpu = t0, 0, cpu_s()
    cpu0 = last_cpu
    def taken() -> int:
        """SBS lines read off the socket (the writer may hold up to STREAM_BUFFER_MAX messages not yet stored)."""
        return sum(x.stats["lines"] for x in list(watcher.streams.values()))

    def row(n: int) -> None:
        nonlocal last_t, last_n, last_cpu
        now, peak = tracemalloc.get_traced_memory()  # (0, 0) when off
        if trace:
            tracemalloc.reset_peak()
        held = {"open_tracks": 0, "fixes": 0}
        for x in list(watcher.streams.values()):
            r = x.tracker.retained()
            held = {k: held[k] + r[k] for k in held}
        t, cpu = time.monotonic(), cpu_s()
        print(f"{n:>11,} {t - t0:6.0f} {(n - last_n) / max(1e-9, t - last_t):8,.0f} "
              f"{(n - last_n) / max(1e-9, cpu - last_cpu):10,.0f} {rss_mb():8.0f} "
              f"{now / 2**20:12.0f} / {peak / 2**20:<8.0f} {held['open_tracks']:>18,} {held['fixes']:>12,}")
        last_t, last_n, last_cpu = t, n, cpu

    while True:
        if taken() >= total and not any(x.buffer for x in list(watcher.streams.values())):
            drains = watcher.stats["drains"]
            while watcher.stats["drains"] < drains + 2:  # the writer has stored what it took
                time.sleep(0.001)
            row(total)
            break
        n = min(total, round(watcher.stats["messages"] / per_line))  # lines the writer has stored (about)
        if marks and n >= marks[0]:
            row(n)
            while marks and n >= marks[0]:  # one batch took several tenths
                marks.pop(0)
        if time.monotonic() - t0 > 3600:
            print("gave up after an hour", file=sys.stderr)
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - t0
    stop.set()
    thread.join(30)
    print(f"throughput{' (with tracemalloc)' if trace else ''}: {taken() / elapsed:,.0f} messages/s over {elapsed:.0f} s "
          f"({taken() / max(1e-9, cpu_s() - cpu0):,.0f} per CPU second); "
          f"{watcher.stats['sensor_events']:,} sensor events, {store.cursor().count_alerts():,} alerts stored; "
          f"peak resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"database {sum(f.stat().st_size for f in tmp.glob('w.duckdb*')) / 2**20:.0f} MB")
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Live streams on one core: decode -> LiveTracker -> site events, beside the file path, and memory over hours.

    python bench/watch_streams.py               # about a minute
    python bench/watch_streams.py --scale 0.3   # quicker
    python bench/watch_streams.py --profile     # cProfile of the live path (top functions)

1. Messages per second (CPU time of this process, one core) for the file path (decode, tracks,
   site events once the file is read: ``TrackBuilder`` + ``detect_events``) and the live path
   (the same decoders fed in batches of 500 lines, as ``ingest.streams`` feeds them, then
   ``LiveTracker.add`` and ``flush`` after every batch), on: synthetic traffic (bench/tracks.py:
   500 vessels x 200 AIS reports, 500 aircraft x 200 SBS positions, in time order as a receiver
   gives them), the demo feeds replayed back to back (20 x 6 days), and the real AIS sample under
   ../shared/eval/ais when present. Goal for the whole watcher: >= 50,000 messages/s.
2. Memory: hours of traffic (aircraft arriving every minute, flying 20 min at one position a second;
   vessels arriving every 3 min, staying 2 h, for at least 14 h) through the live path with
   tracemalloc: fixes and tracks held every hour of traffic, and the peak, which must stay flat
   once the first tracks close (aircraft: 30-min gap; vessels: 6-h gap).
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from functools import reduce
from operator import xor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tracks import T0, ais_lines, sbs_lines, type1  # noqa: E402  (bench/tracks.py)

from forcewatch.gazetteer.sites import load_sites  # noqa: E402
from forcewatch.ingest.adsb import read_sbs  # noqa: E402
from forcewatch.ingest.ais import read_nmea  # noqa: E402
from forcewatch.sensors.activity import FeedContext, detect_events  # noqa: E402
from forcewatch.sensors.live import LiveTracker  # noqa: E402
from forcewatch.sensors.registry import Registry  # noqa: E402
from forcewatch.sensors.tracks import TrackBuilder  # noqa: E402
from forcewatch.serve.replay import line_time, retime  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FEEDS = ROOT / "src" / "forcewatch" / "data" / "demo" / "feeds"
SHARED_AIS = ROOT.parent / "shared" / "eval" / "ais" / "nmea_data_sample.txt"
BATCH = 500


def file_path(lines: list[str], reader, add: str, platform: str, sensor: str, sites, registry) -> dict:
    stats: Counter = Counter()
    t0 = time.process_time()
    b = TrackBuilder(platform, doc_id="bench", stats=stats)
    getattr(b, add)(reader(iter(lines), stats))
    tracks = b.build()
    for track in tracks:
        registry.enrich(track, db_flags=b.meta.get(track.ident, {}).get("db_flags"))
    events = detect_events(tracks, sites, FeedContext("bench", "bench", sensor, registry), raw=b.raw)
    cpu = time.process_time() - t0
    return {"messages": stats["messages"], "events": len(events), "tracks": len(tracks), "cpu": cpu}


def live_path(lines: list[str], reader, platform: str, sites, registry, rx: bool = False) -> dict:
    stats: Counter = Counter()
    state: dict = {}
    t0 = time.process_time()
    tracker = LiveTracker(platform, registry, sites, doc_id="bench")
    ids = set()
    tracks = 0
    clock = T0
    for i in range(0, len(lines), BATCH):
        batch = lines[i:i + BATCH]
        msgs = list(reader(batch, stats, state, rx_time=clock + i if rx else None))
        ids.update(e.id for e in tracker.add(msgs))
        done, events = tracker.flush()
        tracks += len(done)
        ids.update(e.id for e in events)
    done, events = tracker.flush(math.inf)
    ids.update(e.id for e in events)
    cpu = time.process_time() - t0
    return {"messages": stats["messages"], "events": len(ids), "tracks": tracks + len(done), "cpu": cpu,
            "checks": tracker.stats["live:checks"]}


def demo_lines(name: str, fmt: str, times: int) -> list[str]:
    """The demo feed replayed ``times`` times back to back (each pass shifted by its length + 1 h)."""
    base = (FEEDS / name).read_text("utf-8").splitlines()
    stamps = [line_time(fmt, ln) for ln in base]
    known = [t for t in stamps if t is not None]
    span = max(known) - min(known) + 3600
    out = []
    for k in range(times):
        shift = k * span
        out += [retime(fmt, ln, t + shift) if t is not None else ln for ln, t in zip(base, stamps)]
    return out


def tag_time(line: str) -> float:
    return float(line[line.index("c:") + 2:line.index("*")])


def rate_rows(scale: float, sites, registry) -> list[tuple]:
    rng = random.Random(6)
    n = max(1, int(500 * scale))
    ais = sorted(ais_lines(n, 200, rng), key=tag_time)
    sbs = sorted(sbs_lines(n, 200, rng), key=lambda ln: ln[30:42])  # time order, as a receiver sends
    reps = max(1, int(20 * scale))
    sets = [
        ("AIS synthetic", ais, read_nmea, "add_ais", "vessel", "AIS", False),
        ("SBS synthetic", sbs, read_sbs, "add_adsb", "aircraft", "ADS-B", False),
        (f"AIS demo x{reps}", demo_lines("tartus-2024-12-09_14.nmea", "nmea", reps), read_nmea, "add_ais", "vessel",
         "AIS", False),
        (f"SBS demo x{reps}", demo_lines("hmeimim-2024-12-09_14.sbs", "sbs", reps), read_sbs, "add_adsb", "aircraft",
         "ADS-B", False),
    ]
    if SHARED_AIS.exists():  # real sentences, untimed: the live path gives them receive times
        real = SHARED_AIS.read_text("utf-8", errors="replace").splitlines() * max(1, int(50 * scale))
        sets.append(("AIS real sample", real, read_nmea, "add_ais", "vessel", "AIS", True))
    rows = []
    for name, lines, reader, add, platform, sensor, rx in sets:
        f = file_path(lines, reader, add, platform, sensor, sites, registry) if not rx else None
        lv = live_path(lines, reader, platform, sites, registry, rx=rx)
        rows.append((name, lv["messages"], f, lv))
    return rows


# -- hours of traffic, generated in time order (the bench itself holds nothing) ------------------

def sbs_traffic(hours: float) -> Iterator[str]:
    """An aircraft appears every minute and flies 20 min (a position a second, speed every 2 s);
    one in five takes off from Hmeimim."""
    for second in range(int(hours * 3600) + 1200):
        t = T0 + second
        d = time.gmtime(t)
        ts = f"{d.tm_hour:02d}:{d.tm_min:02d}:{d.tm_sec:02d}.000"
        day = f"{d.tm_year}/{d.tm_mon:02d}/{d.tm_mday:02d}"
        for k in range(max(0, (second - 1200) // 60 + 1), second // 60 + 1):
            if k * 60 >= hours * 3600:
                continue
            age = second - k * 60
            icao = f"{0x500000 + k:06X}"
            departs = k % 5 == 0
            alt = (0 if age < 120 else min(30000, (age - 120) * 20)) if departs else 24000
            lat = 35.4011 + (0 if departs and age < 120 else age * 0.0012)
            if age % 2 == 0:
                yield f"MSG,4,1,1,{icao},1,{day},{ts},{day},{ts},,,{300 if alt else 10},0.0,,,0,,0,0,0,0"
            yield f"MSG,3,1,1,{icao},1,{day},{ts},{day},{ts},,{alt},,,{lat:.5f},35.94870,,,0,0,0,{-1 if alt == 0 else 0}"


def ais_traffic(hours: float) -> Iterator[str]:
    """A vessel arrives every 3 min and stays 2 h, reporting every 10 s: three in four sail past Tartus, one
    in four lies in the port (a site visit each)."""
    for step in range(int(hours * 360) + 720):
        t = T0 + step * 10
        tag = f"s:bench,c:{t}"
        head = f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\"
        for k in range(max(0, (step - 720) // 18 + 1), step // 18 + 1):
            if k * 18 >= hours * 360:
                continue
            age = step - k * 18
            anchored = k % 4 == 0
            sog = 0.1 if anchored else 8.0
            lat = 34.8915 if anchored else 34.75 + age * 0.0002
            lon = 35.8730 + 0.0002 * (k % 10) if anchored else 35.70 + 0.001 * (k % 50)
            yield head + type1(273100000 + k, lat, lon, sog, 90.0, 5 if anchored else 0)


def memory_run(name: str, lines: Iterator[str], reader, platform: str, hours: float, settle_h: int, sites,
               registry) -> list[str]:
    """Feeds hours of traffic; reports what is held each hour, and the memory peak up to ``settle_h``
    (when the first tracks have closed) against the peak after it."""
    out = []
    tracemalloc.start()
    stats: Counter = Counter()
    state: dict = {}
    tracker = LiveTracker(platform, registry, sites, doc_id="bench-memory")
    batch: list[str] = []
    next_report = T0 + 3600
    events = tracks = 0
    peak_after_first = 0
    first_hour_peak = None

    def feed(batch):
        nonlocal events, tracks
        events += len(tracker.add(reader(batch, stats, state)))
        done, more = tracker.flush()
        tracks += len(done)
        events += len(more)

    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            feed(batch)
            batch = []
            if tracker.clock >= next_report:
                cur, peak = tracemalloc.get_traced_memory()
                held = tracker.retained()
                hour = round((tracker.clock - T0) / 3600)
                out.append(f"  {name} hour {hour:>2}: {stats['messages']:>9,} messages, {held['open_tracks']:>4} open "
                           f"tracks, {held['fixes']:>7,} fixes held, {tracks:>5} tracks closed, {events:>5} events, "
                           f"memory {cur / 2**20:6.1f} MB (peak {peak / 2**20:6.1f} MB)")
                if first_hour_peak is None and hour >= settle_h:
                    first_hour_peak = peak
                    tracemalloc.reset_peak()
                elif first_hour_peak is not None:
                    peak_after_first = max(peak_after_first, peak)
                    tracemalloc.reset_peak()
                next_report += 3600
    if batch:
        feed(batch)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if first_hour_peak:
        peak_after_first = max(peak_after_first, peak)
        out.append(f"  {name}: peak {first_hour_peak / 2**20:.1f} MB by hour {settle_h}, {peak_after_first / 2**20:.1f} MB "
                   f"after ({hours:g} h, {stats['messages']:,} messages): "
                   f"{'flat' if peak_after_first <= first_hour_peak * 1.25 else 'GROWING'}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the default data sizes")
    ap.add_argument("--hours", type=float, default=None, help="hours of traffic for the memory run (default 8 x scale)")
    ap.add_argument("--profile", action="store_true", help="cProfile the live path on synthetic SBS and AIS")
    args = ap.parse_args()
    sites, registry = load_sites(), Registry.default()
    if args.profile:
        rng = random.Random(6)
        ais = sorted(ais_lines(200, 200, rng), key=tag_time)
        sbs = sorted(sbs_lines(200, 200, rng), key=lambda ln: ln[30:42])
        for lines, reader, platform in ((ais, read_nmea, "vessel"), (sbs, read_sbs, "aircraft")):
            prof = cProfile.Profile()
            prof.runcall(live_path, lines, reader, platform, sites, registry)
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)
        return
    print(f"{'traffic':16} {'messages':>9} {'file msg/s':>11} {'live msg/s':>11} {'events file/live':>17} "
          f"{'tracks':>7} {'checks':>7}   (CPU time, one core)")
    ok = True
    for name, n, f, lv in rate_rows(args.scale, sites, registry):
        frate = f"{f['messages'] / f['cpu']:>11,.0f}" if f else f"{'-':>11}"
        ev = f"{f['events'] if f else '-'}/{lv['events']}"
        rate = lv["messages"] / lv["cpu"]
        ok &= rate >= 50000
        print(f"{name:16} {n:>9,} {frate} {rate:>11,.0f} {ev:>17} {lv['tracks']:>7} {lv['checks']:>7}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"live path >= 50,000 msg/s per core: {'met' if ok else 'NOT met'}")
    print("(demo x20: a vessel moored through all 20 passes is cut at max_fixes_per_track, 20,000 fixes: the"
          " live path's extra events)")
    hours = args.hours or max(4.0, 8.0 * args.scale)
    print(f"\nmemory over {hours:g} h of traffic (live path, tracemalloc; flush after every {BATCH} lines):")
    for line in memory_run("SBS", sbs_traffic(hours), read_sbs, "aircraft", hours, 2, sites, registry):
        print(line)
    # Vessels stay 2 h and their tracks close 6 h after their last report: flat from hour 9.
    ais_hours = max(hours, 14.0)
    for line in memory_run("AIS", ais_traffic(ais_hours), read_nmea, "vessel", ais_hours, 9, sites, registry):
        print(line)


if __name__ == "__main__":
    main()

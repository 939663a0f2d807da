"""`forcewatch replay`: a recorded feed served as a live stream over real TCP and UDP sockets on
127.0.0.1, read back by the live stream readers and tracker."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcewatch.gazetteer.sites import load_sites
from forcewatch.ingest import ais
from forcewatch.ingest.feeds import decode_feed
from forcewatch.ingest.streams import StreamSpec, open_stream
from forcewatch.sensors import read_feed
from forcewatch.sensors.live import LiveTracker
from forcewatch.sensors.registry import Registry
from forcewatch.serve.cli import app
from forcewatch.serve.replay import Replay, line_time, retime

FEEDS = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo" / "feeds"
SBS = FEEDS / "hmeimim-2024-12-09_14.sbs"
NMEA = FEEDS / "tartus-2024-12-09_14.nmea"
SRC = Path(__file__).resolve().parents[2] / "src"


def start_replay(*args: str) -> subprocess.Popen:
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}
    return subprocess.Popen([sys.executable, "-c", "from forcewatch.serve.cli import main; main()", "replay", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def listening_port(proc: subprocess.Popen) -> int:
    line = proc.stderr.readline()  # "replaying FILE (sbs) at 0x on tcp 127.0.0.1:PORT"
    assert " on tcp 127.0.0.1:" in line, line
    return int(line.rsplit(":", 1)[1])


def test_replayed_sbs_over_tcp_gives_the_file_events_through_the_live_path():
    registry = Registry.default([FEEDS / "aircraft-registry.csv"])
    sites = load_sites()
    proc = start_replay(str(SBS), "--speed", "0", "--tcp", "127.0.0.1:0")
    try:
        port = listening_port(proc)
        reading = decode_feed(SBS)
        expected = list(reading.messages)
        result = read_feed(SBS, registry=registry, sites=sites)
        tracker = LiveTracker("aircraft", registry, sites, doc_id=lambda t: reading.doc_id,
                              summary=result.document.text, source=str(reading.path))
        stop = threading.Event()
        stats: Counter = Counter()
        got, events = [], {}
        spec = StreamSpec("sbs-tcp", port=port, backoff_min_s=0.05, timeout_s=0.1)
        batch = []
        for m in open_stream(spec, stop, stats=stats):
            got.append(m)
            batch.append(m)
            if len(batch) == 200 or len(got) == len(expected):
                events.update((e.id, e) for e in tracker.add(batch))
                batch = []
            if len(got) == len(expected):
                break
        events.update((e.id, e) for e in tracker.flush(math.inf)[1])
        assert proc.wait(10) == 0
        assert "sent 4,232 lines" in proc.stderr.read()
    finally:
        proc.kill()
    assert got == expected
    assert {i: e.to_dict() for i, e in events.items()} == {e.id: e.to_dict() for e in result.events}


def test_replay_over_udp_rewritten_to_now(tmp_path):
    part = tmp_path / "part.nmea"
    part.write_text("".join(NMEA.read_text("utf-8").splitlines(keepends=True)[:600]), "utf-8")
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    started = time.time()
    proc = start_replay(str(part), "--speed", "0", "--now", "--udp", f"127.0.0.1:{port}")
    lines = []
    try:
        while len(lines) < 600:
            data, _ = receiver.recvfrom(65536)
            lines += data.decode().splitlines()
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        receiver.close()
    recorded = list(ais.read_nmea(part.read_text("utf-8").splitlines()))
    replayed = list(ais.read_nmea(lines))
    assert len(replayed) == len(recorded) and [m[:2] for m in replayed] == [m[:2] for m in recorded]
    first = next(m[2] for m in replayed if m[0] == "P")
    shift = first - next(m[2] for m in recorded if m[0] == "P")
    assert started - 5 <= first <= time.time() + 5
    assert all(abs(a[2] - b[2] - shift) < 1.01 for a, b in zip(replayed, recorded) if a[0] == "P")


class Waits(threading.Event):
    """A stop event whose waits advance a fake clock, so pacing is checked without sleeping."""

    def __init__(self):
        super().__init__()
        self.now = 1000.0
        self.waits: list[float] = []

    def wait(self, timeout=None):
        self.waits.append(timeout)
        self.now += timeout
        return False


def test_lines_are_paced_at_the_recorded_rate_divided_by_speed(tmp_path):
    feed = tmp_path / "three.sbs"
    feed.write_text("".join(f"MSG,3,1,1,154C2D,1,2024/12/09,10:00:{s:02d}.000,2024/12/09,10:00:{s:02d}.000,,24000,,,"
                            f"35.{s:02d},36.0,,,0,0,0,0\n" for s in (0, 30, 30, 59)), "utf-8")
    stop = Waits()
    player = Replay(feed, speed=10, clock=lambda: stop.now, stop=stop)
    assert len(list(player.lines())) == 4
    assert stop.waits == pytest.approx([3.0, 2.9])  # 30 s and 29 s of recording at 10x
    stop = Waits()
    looped = Replay(feed, speed=10, loop=True, now=True, clock=lambda: stop.now, stop=stop)
    out = []
    for line in looped.lines():
        out.append(line)
        if len(out) == 8:
            break
    times = [line_time("sbs", x) for x in out]
    assert [t - times[0] for t in times] == pytest.approx([0, 30, 30, 59, 60, 90, 90, 119])
    assert times[0] == pytest.approx(1000.0)  # --now: the first line is the replay's start


def test_retimed_lines_carry_the_new_time_and_stay_valid():
    t = 1764650000.25
    sbs = "MSG,3,1,1,154C2D,1,2024/12/09,10:00:00.000,2024/12/09,10:00:00.000,,24000,,,35.1,36.0,,,0,0,0,0"
    assert line_time("sbs", retime("sbs", sbs, t)) == pytest.approx(t, abs=0.001)
    tagged = NMEA.read_text("utf-8").splitlines()[2]
    new = retime("nmea", tagged, t)
    tag = new[1:new.index("\\", 1)]
    body, check = tag.split("*")
    from functools import reduce
    from operator import xor

    assert int(check, 16) == reduce(xor, body.encode(), 0)
    assert [m[2] for m in ais.read_nmea([new])] == [int(t)]
    assert line_time("nmea", retime("nmea", "1733702400.5 !AIVDM,1,1,,A,x,0*00", t)) == pytest.approx(t, abs=0.001)
    catcher = '{"class":"AIS","type":1,"mmsi":273456780,"lat":34.9,"lon":35.8,"rxtime":"20241209100000"}'
    assert line_time("ais-catcher", retime("ais-catcher", catcher, t)) == int(t)


@pytest.mark.parametrize("args, message", [
    (["missing.sbs", "--tcp", "127.0.0.1:0"], "missing.sbs: no such file"),
    ([str(SBS)], "give one of --tcp HOST:PORT or --udp HOST:PORT"),
    ([str(SBS), "--tcp", "localhost"], "--tcp: 'localhost' is not HOST:PORT"),
    ([str(SBS), "--udp", "127.0.0.1:1", "--speed", "-1"], "--speed must be 0 or more"),
    ([str(FEEDS / "aircraft-registry.csv"), "--udp", "127.0.0.1:9"], "replay serves SBS, NMEA or AIS-catcher"),
])
def test_replay_errors_are_one_line(args, message):
    result = CliRunner().invoke(app, ["replay", *args])
    assert result.exit_code == 2
    out = result.output.strip()
    assert out.startswith("error:") and message in out and "\n" not in out


def test_replay_refuses_an_address_in_use():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        result = CliRunner().invoke(app, ["replay", str(SBS), "--tcp", f"127.0.0.1:{busy.getsockname()[1]}"])
    finally:
        busy.close()
    assert result.exit_code == 2 and "cannot listen" in result.output

"""Live streams read from real servers on 127.0.0.1 started here: TCP (SBS, NMEA, AIS-catcher JSON,
AVR, Beast), UDP datagrams and an HTTP server serving aircraft.json."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from functools import reduce
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from operator import xor

import pytest

from forcewatch.ingest import ais
from forcewatch.ingest.streams import StreamSpec, beast_frames, open_stream

FAST = dict(backoff_min_s=0.05, backoff_max_s=0.2, timeout_s=0.1)


def sbs(icao: str, t: str, lat: float, lon: float) -> str:
    return f"MSG,3,1,1,{icao},1,2024/12/09,{t},2024/12/09,{t},,24000,,,{lat},{lon},,,0,0,0,0\n"


class LineServer:
    """A TCP server that sends lines to each client, dropping the first connection after ``drop_after``
    lines; a later connection resumes where the dropped one stopped (as a receiver's port does: it
    sends what it hears from now on)."""

    def __init__(self, lines: list[bytes], drop_after: int | None = None):
        self.lines, self.drop_after = lines, drop_after
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.sent = 0
        self.connections = 0
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    while self.sent < len(self.lines):
                        if self.drop_after is not None and self.connections == 1 and self.sent == self.drop_after:
                            break  # drop the first connection mid-stream
                        conn.sendall(self.lines[self.sent])
                        self.sent += 1
                    if self.sent >= len(self.lines):
                        self.done.wait(5)  # keep the connection open, silent
                except OSError:
                    pass

    def close(self):
        self.done.set()
        self.sock.close()


def collect(spec: StreamSpec, until, timeout: float = 10.0, stats: Counter | None = None):
    """Read a stream in a thread until ``until(messages)`` holds (or the timeout); then stop it."""
    stop = threading.Event()
    got: list[tuple] = []
    stats = Counter() if stats is None else stats

    def run():
        for m in open_stream(spec, stop, stats=stats):
            got.append(m)
            if until(got):
                stop.set()

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(timeout)
    stop.set()
    th.join(2)
    assert not th.is_alive(), "the stream did not end after stop"
    return got, stats


def test_sbs_over_tcp_reconnects_after_a_dropped_connection_and_counts_garbage():
    lines = []
    for i in range(40):
        lines.append(sbs("154c2d", f"10:{i // 60:02d}:{i % 60:02d}.000", 35.0 + i * 0.001, 36.0).encode())
        if i % 10 == 5:
            lines.append(b"garbage, not sbs\n")
            lines.append(b"MSG,3,1,1,ZZZZZZ,1,2024/12/09,10:00:00.000,2024/12/09,10:00:00.000,,1,,,35,36,,,0,0,0,0\n")
    server = LineServer(lines, drop_after=17)
    try:
        got, stats = collect(StreamSpec("sbs-tcp", port=server.port, **FAST),
                             lambda g: sum(m[0] == "F" for m in g) >= 40)
    finally:
        server.close()
    fixes = [m for m in got if m[0] == "F"]
    assert len(fixes) == 40
    assert [round(m[3], 3) for m in fixes] == [round(35.0 + i * 0.001, 3) for i in range(40)]
    assert server.connections >= 2 and stats["stream:connects"] >= 2 and stats["stream:eof"] >= 1
    assert stats["bad:hex"] == 4 and stats["bad:short_line"] == 4


def test_sbs_lines_without_a_time_take_the_receive_time():
    line = "MSG,3,1,1,154C2D,1,,,,,,24000,,,35.1,36.1,,,0,0,0,0\n".encode()
    server = LineServer([line])
    try:
        before = time.time()
        got, _ = collect(StreamSpec("sbs-tcp", port=server.port, **FAST), lambda g: len(g) >= 1)
    finally:
        server.close()
    assert got[0][0] == "F" and before - 1 <= got[0][2] <= time.time() + 1


def test_a_line_over_the_cap_is_dropped_and_counted_not_held():
    server = LineServer([b"X" * 5000 + b"\n", sbs("154c2d", "10:00:00.000", 35.0, 36.0).encode(),
                         b"Y" * 3000, b"Y" * 3000 + b"\n", sbs("154c2d", "10:00:10.000", 35.1, 36.0).encode()])
    try:
        got, stats = collect(StreamSpec("sbs-tcp", port=server.port, max_line=1024, **FAST),
                             lambda g: len(g) >= 2)
    finally:
        server.close()
    assert [m[3] for m in got] == [35.0, 35.1]
    assert stats["bad:long_line"] == 2


def nmea(payload: str, count: int = 1, num: int = 1, seq: str = "", tag_t: int | None = None, fill: int = 0) -> str:
    body = f"AIVDM,{count},{num},{seq},A,{payload},{fill}"
    line = f"!{body}*{reduce(xor, body.encode(), 0):02X}"
    if tag_t is not None:
        tag = f"c:{tag_t}"
        line = f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\" + line
    return line


# A type 5 (static and voyage) message in two parts and a type 1 position, from the demo feed.
STATIC = ("544jNS000001D9SKOS04@lU84j0M8TLu8uHT<P0S00000000000000000000", "00000000000")
POSITION = "144jNS5P002T=VlCuhT00001P000"


def test_udp_nmea_joins_a_multipart_message_split_across_datagrams():
    port = free_udp_port()
    spec = StreamSpec("nmea-udp", port=port, **FAST)
    stop = threading.Event()
    got: list[tuple] = []
    stats: Counter = Counter()
    th = threading.Thread(target=lambda: got.extend(open_stream(spec, stop, stats=stats)), daemon=True)
    th.start()
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    deadline = time.time() + 10
    while not stats["stream:connects"] and time.time() < deadline:
        time.sleep(0.02)
    datagrams = [nmea(STATIC[0], 2, 1, "3", 1733702400, 0), nmea(STATIC[1], 2, 2, "3", 1733702400, 2),
                 "not nmea at all", nmea(POSITION), nmea(POSITION)[:-2] + "00"]
    for d in datagrams:
        out.sendto((d + "\r\n").encode(), ("127.0.0.1", port))
        time.sleep(0.02)
    while len(got) < 2 and time.time() < deadline:
        time.sleep(0.02)
    stop.set()
    th.join(2)
    assert not th.is_alive()
    static = [m for m in got if m[0] == "S"]
    positions = [m for m in got if m[0] == "P"]
    assert len(static) == 1 and static[0][1] == "273456780" and static[0][2]
    assert len(positions) == 1 and positions[0][1] == "273456780"
    assert positions[0][2] is not None and abs(positions[0][2] - time.time()) < 60  # untimed: receive time
    assert stats["bad:not_nmea"] == 1 and stats["bad:checksum"] == 1
    assert stats.get("bad:incomplete_multipart", 0) == 0


def free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_nmea_over_tcp_with_a_multipart_message_split_across_packets():
    a, b = nmea(STATIC[0], 2, 1, "1", 1733702400), nmea(STATIC[1], 2, 2, "1", 1733702400, 2)
    whole = (a + "\n" + b + "\n" + nmea(POSITION, tag_t=1733702410) + "\n").encode()
    server = LineServer([whole[:30], whole[30:95], whole[95:]])  # cut inside lines
    try:
        got, stats = collect(StreamSpec("nmea-tcp", port=server.port, **FAST), lambda g: len(g) >= 2)
    finally:
        server.close()
    assert [m[0] for m in got] == ["S", "P"] and got[1][2] == 1733702410.0


def test_ais_catcher_json_over_tcp():
    msg = {"class": "AIS", "type": 1, "mmsi": 273456780, "lat": 34.9, "lon": 35.87, "speed": 0.1,
           "course": 12.0, "heading": 10, "status": 1, "rxuxtime": 1733702400}
    untimed = dict(msg, rxuxtime=None)
    del untimed["rxuxtime"]
    server = LineServer([(json.dumps(msg) + "\n").encode(), b"{broken json\n", (json.dumps(untimed) + "\n").encode()])
    try:
        got, stats = collect(StreamSpec("ais-catcher-tcp", port=server.port, **FAST), lambda g: len(g) >= 2)
    finally:
        server.close()
    assert got[0][:5] == ("P", "273456780", 1733702400, 34.9, 35.87)
    assert got[1][2] is not None and abs(got[1][2] - time.time()) < 60
    assert stats["bad:json"] == 1


def test_messages_timed_far_in_the_future_are_dropped():
    line = sbs("154c2d", "10:00:00.000", 35.0, 36.0).replace("2024/12/09", "2099/12/09").encode()
    server = LineServer([line, sbs("154c2d", "10:00:00.000", 35.2, 36.0).encode()])
    try:
        got, stats = collect(StreamSpec("sbs-tcp", port=server.port, **FAST), lambda g: len(g) >= 1)
    finally:
        server.close()
    assert [m[3] for m in got] == [35.2] and stats["bad:future_time"] == 1


class Snapshots(BaseHTTPRequestHandler):
    served: list = []

    def do_GET(self):
        n = len(Snapshots.served)
        if n == 1:  # one failure: the stream backs off and polls again
            Snapshots.served.append(503)
            self.send_response(503)
            self.end_headers()
            return
        now = 1733738400 + 5 * n
        body = json.dumps({"now": now, "messages": n, "aircraft": [
            {"hex": "154c2d", "flight": "RFF7200 ", "lat": 35.4 + n * 0.01, "lon": 35.9, "alt_baro": 12000,
             "gs": 300, "track": 90, "seen_pos": 0.5},
            {"hex": "not-hex"},
        ]}).encode()
        Snapshots.served.append(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_aircraft_json_polled_over_http():
    Snapshots.served = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Snapshots)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/data/aircraft.json"
        got, stats = collect(StreamSpec("aircraft-json-http", url=url, poll_s=0.05, **FAST),
                             lambda g: sum(m[0] == "F" for m in g) >= 3)
    finally:
        httpd.shutdown()
        httpd.server_close()
    fixes = [m for m in got if m[0] == "F"]
    assert len(fixes) >= 3 and all(m[1] == "154c2d" for m in fixes)
    assert fixes[0][2] == 1733738400 - 0.5
    assert any(m[0] == "I" and m[2] == "RFF7200" for m in got)
    assert stats["stream:http_503"] == 1 and stats["bad:aircraft"] >= 3


def test_stop_ends_a_silent_stream_and_one_that_cannot_connect_promptly():
    server = LineServer([])
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()  # nobody listens there: connections are refused, the stream backs off
    try:
        for spec in (StreamSpec("sbs-tcp", port=server.port, timeout_s=0.2),
                     StreamSpec("sbs-tcp", port=dead_port, timeout_s=0.2, backoff_min_s=30, backoff_max_s=60),
                     StreamSpec("nmea-udp", port=free_udp_port(), timeout_s=0.2)):
            stop = threading.Event()
            stats: Counter = Counter()
            th = threading.Thread(target=lambda: list(open_stream(spec, stop, stats=stats)), daemon=True)
            th.start()
            time.sleep(0.3)
            assert th.is_alive()
            stop.set()
            th.join(1.5)
            assert not th.is_alive(), spec.kind
    finally:
        server.close()


def test_backoff_doubles_up_to_the_cap_with_jitter():
    spec = StreamSpec("sbs-tcp", backoff_min_s=1, backoff_max_s=10, jitter=0.25)
    assert [spec.backoff(n, rand=lambda: 0.5) for n in (1, 2, 3, 4, 5, 9)] == [1, 2, 4, 8, 10, 10]
    assert spec.backoff(1, rand=lambda: 0.0) == 0.75 and spec.backoff(1, rand=lambda: 1.0) == 1.25


def test_unknown_kind_and_missing_url_are_refused():
    with pytest.raises(ValueError, match="unknown stream kind"):
        StreamSpec("sbs-udp")
    with pytest.raises(ValueError, match="url"):
        StreamSpec("aircraft-json-http")


# DF17 airborne position pair (even, odd) and identification: the usual Mode S decoding examples.
EVEN, ODD = "8D40621D58C382D690C8AC2863A7", "8D40621D58C386435CC412692AD6"
IDENT = "8D4840D6202CC371C32CE0576098"


def beast(hexmsg: str, escape_clock: bool = False) -> bytes:
    raw = bytes.fromhex(hexmsg)
    clock = b"\x00\x1a\x00\x00\x00\x01" if escape_clock else b"\x00\x00\x00\x00\x00\x01"
    body = clock + b"\x80" + raw
    return b"\x1a" + (b"3" if len(raw) == 14 else b"2") + body.replace(b"\x1a", b"\x1a\x1a")


def test_beast_frames_are_unescaped_and_a_partial_frame_waits():
    stats: Counter = Counter()
    data = bytearray(b"junk" + beast(EVEN, escape_clock=True) + b"\x1a1" + b"\x00" * 9 + beast(ODD)[:10])
    assert beast_frames(data, stats) == [EVEN]
    assert stats["bad:beast_sync"] == 1 and stats["skipped:beast_mode_ac"] == 1
    data += beast(ODD)[10:]
    assert beast_frames(data, stats) == [ODD] and not data


def test_beast_over_tcp_decodes_positions_and_callsigns_with_pymodes():
    server = LineServer([beast(EVEN) + beast(ODD), beast(IDENT)])
    try:
        got, stats = collect(StreamSpec("beast-tcp", port=server.port, modes_hold_s=0, **FAST),
                             lambda g: any(m[0] == "I" for m in g) and any(m[0] == "F" for m in g), timeout=5)
    finally:
        server.close()
    fix = next(m for m in got if m[0] == "F")
    assert fix[1] == "40621d" and abs(fix[3] - 52.2658) < 0.001 and abs(fix[4] - 3.9389) < 0.001 and fix[5] == 38000
    assert any(m[0] == "I" and m[1] == "4840d6" and m[2] == "KLM1023" for m in got)


def test_avr_raw_over_tcp():
    server = LineServer([f"*{EVEN};\n*{ODD};\nrubbish\n".encode()])
    try:
        got, stats = collect(StreamSpec("raw-tcp", port=server.port, modes_hold_s=0, **FAST), lambda g: len(g) >= 1, timeout=5)
    finally:
        server.close()
    assert got[0][0] == "F" and got[0][1] == "40621d" and stats["bad:line"] == 1


def test_the_readers_keep_state_between_batches():
    """What the streams rely on: read_nmea joins parts given in separate calls when it keeps state."""
    state: dict = {}
    first = list(ais.read_nmea([nmea(STATIC[0], 2, 1, "4", 1733702400)], Counter(), state))
    second = list(ais.read_nmea([nmea(STATIC[1], 2, 2, "4", 1733702400, 2)], Counter(), state))
    assert first == [] and len(second) == 1 and second[0][0] == "S"


def test_a_spec_from_a_config_mapping():
    spec = StreamSpec.from_dict({"kind": "nmea-udp", "port": 10110, "name": "tartus", "max_line": 65536,
                                 "max_future_s": float("inf")})
    assert (spec.platform, spec.sensor, spec.port, spec.name) == ("vessel", "AIS", 10110, "tartus")
    assert StreamSpec.from_dict({"kind": "sbs-tcp"}).port == 30003
    for bad, problem in (({"kind": "sbs-tcp", "prot": 1}, "unknown stream setting(s) prot"),
                         ({"port": 1}, "needs a kind"), ({"kind": "sbs-tcp", "port": "x"}, "port number"),
                         ({"kind": "sbs-tcp", "poll_s": -1}, "0 or more"), ({"kind": "sbs-tcp", "max_line": 0}, "1 or more"),
                         ({"kind": "sbs-tcp", "host": 5}, "text"), ("sbs-tcp", "a mapping")):
        with pytest.raises(ValueError, match=re.escape(problem)):
            StreamSpec.from_dict(bad)


def test_receive_time_replaces_a_receivers_own_clock():
    """An older dump1090 writes SBS times in local time: ``receive_time`` times lines by their receipt."""
    server = LineServer([sbs("154c2d", "10:00:00.000", 35.0, 36.0).replace("2024/12/09", "2099/12/09").encode()])
    try:
        before = time.time()
        got, stats = collect(StreamSpec.from_dict({"kind": "sbs-tcp", "port": server.port, "receive_time": True,
                                                   "backoff_min_s": 0.05, "timeout_s": 0.1}), lambda g: len(g) >= 1)
    finally:
        server.close()
    assert got[0][3] == 35.0 and before - 1 <= got[0][2] <= time.time() + 1 and not stats["bad:future_time"]
    with pytest.raises(ValueError, match="true or false"):
        StreamSpec.from_dict({"kind": "sbs-tcp", "receive_time": "yes"})

"""Replay a recorded SBS, NMEA or AIS-catcher file as a live stream (``forcewatch replay``), for trials
and tests of the watcher: lines are sent at their recorded pace divided by ``speed`` over TCP (a
server, like readsb's port 30003) or UDP (datagrams, like AIS-catcher ``-u``).

A line's time is its own (SBS date/time fields, NMEA tag block ``c:`` or an epoch on the line,
AIS-catcher ``rxuxtime``/``rxtime``); a line without one goes with the line before it. With
``now`` every time is shifted so that the first line is the moment the replay starts, and the
line is rewritten with the shifted time (an NMEA tag block gets its checksum again), so a
watcher that refuses stale or future data takes them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import reduce
from operator import xor
from pathlib import Path

from forcewatch.ingest import InputError, epoch, number
from forcewatch.ingest.ais import _rxtime
from forcewatch.ingest.feeds import _Lines, sniff

UTC = timezone.utc
REPLAY_FORMATS = ("sbs", "nmea", "ais-catcher")


def _sbs_time(parts: list[str]) -> float | None:
    try:
        y, m, d = parts[6].replace("-", "/").split("/")
        tm = parts[7]
        base = datetime(int(y), int(m), int(d), tzinfo=UTC).timestamp()
        return epoch(base + int(tm[0:2]) * 3600 + int(tm[3:5]) * 60 + float(tm[6:]))
    except (ValueError, IndexError, OverflowError):
        return None


def line_time(fmt: str, line: str) -> float | None:
    """The time a recorded line carries, or None."""
    if fmt == "sbs":
        return _sbs_time(line.split(","))
    if fmt == "ais-catcher":
        try:
            obj = json.loads(line)
            return _rxtime(obj) if isinstance(obj, dict) else None
        except ValueError:
            return None
    s = line.strip()
    if s.startswith("\\"):
        j = s.find("\\", 1)
        tag = s[1:j] if j > 0 else ""
        for f in tag.split("*", 1)[0].split(","):
            if f.startswith("c:"):
                return epoch(f[2:])
        return None
    i = s.find("!")
    if i > 0:
        return epoch(s[:i].strip(" ,;\t"))
    star = s.rfind("*")
    if star >= 0 and len(s) > star + 3:
        return epoch(s[star + 3:].strip(" ,;\t"))
    return None


def retime(fmt: str, line: str, t: float) -> str:
    """The line with its time replaced by ``t`` (lines without a time of their own are left alone)."""
    if fmt == "sbs":
        parts = line.split(",")
        if len(parts) > 9 and _sbs_time(parts) is not None:
            d = datetime.fromtimestamp(t, UTC)
            day, clock = d.strftime("%Y/%m/%d"), d.strftime("%H:%M:%S.") + f"{d.microsecond // 1000:03d}"
            parts[6], parts[7], parts[8], parts[9] = day, clock, day, clock
        return ",".join(parts)
    if fmt == "ais-catcher":
        try:
            obj = json.loads(line)
        except ValueError:
            return line
        if not isinstance(obj, dict):
            return line
        for key in ("rxuxtime", "rxtimeux"):
            if key in obj:
                obj[key] = round(t, 3)
        if "rxtime" in obj:
            obj["rxtime"] = datetime.fromtimestamp(t, UTC).strftime("%Y%m%d%H%M%S")
        return json.dumps(obj, separators=(",", ":"))
    s = line.rstrip("\r\n")
    if s.startswith("\\"):
        j = s.find("\\", 1)
        if j < 0:
            return line
        body = s[1:j].split("*", 1)[0]
        fields = []
        for f in body.split(","):
            if f.startswith("c:"):
                old = number(f[2:])
                f = f"c:{int(t * 1000) if old is not None and old > 1e11 else int(t)}"
            fields.append(f)
        body = ",".join(fields)
        return f"\\{body}*{reduce(xor, body.encode('ascii', 'replace'), 0):02X}\\{s[j + 1:]}"
    i = s.find("!")
    if i > 0 and epoch(s[:i].strip(" ,;\t")) is not None:
        return f"{t:.3f} {s[i:]}"
    star = s.rfind("*")
    if star >= 0 and len(s) > star + 3 and epoch(s[star + 3:].strip(" ,;\t")) is not None:
        return f"{s[:star + 3]} {t:.3f}"
    return s


@dataclass
class Replay:
    """A recorded feed paced as a live stream: ``lines()`` yields each line (newline-terminated)
    when it is due. ``speed`` 0: as fast as possible."""

    path: Path
    speed: float = 60.0
    now: bool = False
    loop: bool = False
    clock: Callable[[], float] = time.time
    stop: threading.Event = field(default_factory=threading.Event)
    fmt: str = ""
    sent: int = 0

    def __post_init__(self):
        self.path = Path(self.path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        self.fmt = self.fmt or sniff(self.path) or ""
        if self.fmt not in REPLAY_FORMATS:
            what = f"a {self.fmt} feed" if self.fmt else "not a recognised feed"
            raise InputError(f"{self.path}: replay serves SBS, NMEA or AIS-catcher JSON lines; this is {what}")
        if self.speed < 0:
            raise InputError(f"--speed must be 0 or more, not {self.speed:g}")

    def schedule(self) -> Iterator[tuple[float | None, str]]:
        """(recorded time, line) for each line of one pass, and of the next ones with ``loop`` (each
        pass shifted to follow the last, one second later); an untimed line has the previous time."""
        shift = 0.0
        while True:
            first = last = None
            for raw in _Lines(self.path):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                t = line_time(self.fmt, line)
                if t is None:
                    t = last
                else:
                    last = t
                    first = t if first is None else first
                yield (None if t is None else t + shift), line
            if not self.loop or first is None or self.stop.is_set():
                return
            shift += (last - first) + 1.0

    def lines(self) -> Iterator[str]:
        """Each line when due by the wall clock, rewritten to the replay's time with ``now``."""
        start = self.clock()
        base = None  # the first recorded time
        for t, line in self.schedule():
            if self.stop.is_set():
                return
            if t is not None:
                if base is None:
                    base = t
                if self.speed:
                    wait = start + (t - base) / self.speed - self.clock()
                    if wait > 0 and self.stop.wait(wait):
                        return
                if self.now:
                    line = retime(self.fmt, line, start + (t - base))
            self.sent += 1
            yield line + "\n"


def parse_address(value: str, what: str) -> tuple[str, int]:
    """``host:port`` -> (host, port); InputError with a one-line reason."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536 or not host:
        raise InputError(f"{what}: {value!r} is not HOST:PORT (e.g. 127.0.0.1:30003)")
    return host.strip("[]"), int(port)


def serve_tcp(replay: Replay, host: str, port: int, on_listen: Callable[[tuple[str, int]], None] = lambda a: None,
              wait_for_client: bool = True) -> int:
    """Serve the replay to every client connected (a receiver's port: each gets the lines from when it
    connects); starts once the first client connects, unless ``wait_for_client`` is False. Returns
    the number of lines sent. Raises InputError when the address cannot be listened on."""
    server = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind((host, port))
    except OSError as exc:
        server.close()
        raise InputError(f"--tcp {host}:{port}: cannot listen ({exc.strerror or exc})") from None
    server.listen(8)
    server.settimeout(0.2)
    clients: list[socket.socket] = []
    lock = threading.Lock()
    on_listen(server.getsockname()[:2])

    def accept():
        while not replay.stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with lock:
                clients.append(conn)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        while wait_for_client and not clients and not replay.stop.is_set():
            time.sleep(0.02)
        batch: list[bytes] = []
        for line in replay.lines():
            batch.append(line.encode("utf-8"))
            if replay.speed == 0 and len(batch) < 256:
                continue
            _send_all(clients, lock, b"".join(batch))
            batch = []
        if batch:
            _send_all(clients, lock, b"".join(batch))
    finally:
        replay.stop.set()
        acceptor.join(1)
        server.close()
        with lock:
            for c in clients:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
    return replay.sent


def _send_all(clients: list[socket.socket], lock: threading.Lock, data: bytes) -> None:
    with lock:
        for c in list(clients):
            try:
                c.sendall(data)
            except OSError:  # the client went away: the replay goes on for the others
                clients.remove(c)
                c.close()


def send_udp(replay: Replay, host: str, port: int) -> int:
    """Send each line as one datagram to ``host:port`` (as AIS receivers do). Returns lines sent."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    except OSError as exc:
        raise InputError(f"--udp {host}:{port}: {exc.strerror or exc}") from None
    sock = socket.socket(info[0], socket.SOCK_DGRAM)
    try:
        for line in replay.lines():
            try:
                sock.sendto(line.encode("utf-8"), info[4])
            except OSError:
                pass  # nobody listening (ICMP refused): datagrams are fire-and-forget
            if replay.speed == 0 and replay.sent % 64 == 0:
                time.sleep(0.001)  # as fast as possible, but not faster than a local reader's buffer
    finally:
        sock.close()
    return replay.sent

"""Live sensor streams: a receiver's TCP, UDP or HTTP output, decoded as it arrives.

Only reading happens here, with the same reader functions as feed files (``ingest.adsb``,
``ingest.ais``), so a stream yields the same message tuples as a file of the same lines.
Tracks and events are the sensors stage's (``forcewatch.sensors.live.LiveTracker``).

A stream never raises on bad input or a lost connection: a broken line is counted in
``stats`` under ``bad:<reason>``; a refused, closed or silent connection is counted under
``stream:<what>`` and retried with capped, jittered exponential backoff until ``stop`` is set.
Sockets time out every ``StreamSpec.timeout_s`` so that ``stop`` ends the stream promptly.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from forcewatch.ingest import adsb, ais

KINDS = ("sbs-tcp", "beast-tcp", "raw-tcp", "aircraft-json-http", "nmea-tcp", "nmea-udp", "ais-catcher-tcp")
AIS_KINDS = ("nmea-tcp", "nmea-udp", "ais-catcher-tcp")
# Where each kind usually listens (readsb/dump1090 and AIS-catcher defaults; docs/sensors.md).
DEFAULT_PORTS = {"sbs-tcp": 30003, "raw-tcp": 30002, "beast-tcp": 30005, "nmea-tcp": 10110, "nmea-udp": 10110,
                 "ais-catcher-tcp": 5012}


MAX_AIRCRAFT_STATE = 50000  # SBS: aircraft whose last altitude/speed/track are kept between lines


@dataclass
class StreamSpec:
    """Where a stream comes from and how it is retried.

    ``host``/``port``: the server to connect to (TCP kinds) or the address to listen on
    (``nmea-udp``: AIS-catcher ``-u`` and most AIS receivers send datagrams). ``url``: the
    ``aircraft.json`` of readsb/tar1090 (``aircraft-json-http``), polled every ``poll_s``.
    """

    kind: str
    host: str = "127.0.0.1"
    port: int | None = None
    url: str | None = None
    name: str = ""
    poll_s: float = 1.0  # aircraft.json: readsb rewrites it every second
    backoff_min_s: float = 1.0  # first retry after a failure
    backoff_max_s: float = 60.0  # retries are never further apart than this
    backoff_factor: float = 2.0
    jitter: float = 0.25  # +-25 %: many watchers do not reconnect in step
    timeout_s: float = 0.5  # socket timeout: how soon ``stop`` is noticed
    idle_s: float = 120.0  # a TCP connection silent this long is dropped and reopened
    max_line: int = 1 << 16  # a longer line is no message: counted bad:long_line, dropped
    max_future_s: float = 3600.0  # a message timed further ahead of the receive clock is bad:future_time
    modes_hold_s: float = 10.0  # Beast/raw: a position pyModeS has not resolved this long is settled or dropped
    # Time every message by its receipt, not by the time it carries: for receivers whose clock is off or
    # that write local time (dump1090 SBS output before readsb's 2021 change to UTC).
    receive_time: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown stream kind {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind == "aircraft-json-http":
            if not self.url:
                raise ValueError("aircraft-json-http needs a url")
        elif self.port is None:
            self.port = DEFAULT_PORTS[self.kind]
        if not self.name:
            self.name = f"{self.kind}:{self.url or f'{self.host}:{self.port}'}"

    @classmethod
    def from_dict(cls, data: dict) -> StreamSpec:
        """A spec from a config mapping (``{kind: sbs-tcp, host: ..., port: 30003, name: ...}``, or
        ``url`` for aircraft.json); ValueError with a one-line reason for an unknown key or a bad value."""
        import dataclasses

        if not isinstance(data, dict):
            raise ValueError(f"a stream is a mapping with a kind, not {data!r}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown stream setting(s) {', '.join(unknown)} (known: {', '.join(known)})")
        if "kind" not in data:
            raise ValueError("a stream needs a kind (one of " + ", ".join(KINDS) + ")")
        values = {}
        for key, value in data.items():
            want = known[key].type
            if key == "port":
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 65536:
                    raise ValueError(f"stream port must be a port number (0-65535), not {value!r}")
            elif want == "int":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ValueError(f"stream {key} must be a whole number of 1 or more, not {value!r}")
            elif want == "float":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"stream {key} must be a number of 0 or more, not {value!r}")
                value = float(value)
            elif want == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"stream {key} must be true or false, not {value!r}")
            elif not isinstance(value, str) and value is not None:
                raise ValueError(f"stream {key} must be text, not {value!r}")
            values[key] = value
        return cls(**values)

    @property
    def platform(self) -> str:
        return "vessel" if self.kind in AIS_KINDS else "aircraft"

    @property
    def sensor(self) -> str:
        return "AIS" if self.kind in AIS_KINDS else "ADS-B"

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after ``failures`` failures in a row (1, 2, 4, ... capped, jittered)."""
        base = min(self.backoff_max_s, self.backoff_min_s * self.backoff_factor ** max(0, failures - 1))
        return max(0.0, base * (1.0 + self.jitter * (2.0 * rand() - 1.0)))


class _Decoder:
    """One stream's decoding state (SBS per-aircraft values, NMEA multi-part parts, pyModeS pairs),
    kept across batches and reconnections."""

    def __init__(self, spec: StreamSpec, stats: Counter):
        self.spec, self.stats = spec, stats
        self.state: dict = {}
        self.modes = adsb.ModeSStream(stats, hold_s=spec.modes_hold_s) if spec.kind in ("beast-tcp", "raw-tcp") else None

    def lines(self, lines: list[str], rx: float) -> list[tuple]:
        kind, stats = self.spec.kind, self.stats
        if kind == "sbs-tcp":
            if len(self.state) > MAX_AIRCRAFT_STATE:
                self.state.clear()  # bounded: a day's aircraft are long gone; current ones refill it at once
            out = list(adsb.read_sbs(lines, stats, self.state, rx_time=rx))
        elif kind in ("nmea-tcp", "nmea-udp"):
            out = list(ais.read_nmea(lines, stats, self.state, rx_time=rx))
        elif kind == "ais-catcher-tcp":
            out = [m[:2] + (rx,) + m[3:] if m[0] == "P" and m[2] is None else m
                   for m in ais.read_aiscatcher(lines, stats)]
        elif kind == "raw-tcp":
            out = self.modes.feed(self._avr(lines, rx))
        else:  # aircraft-json-http: one snapshot per "line"
            out = list(adsb.read_aircraft_json(lines, stats))
        if self.spec.receive_time:
            out = [m[:2] + (rx,) + m[3:] if m[0] in ("F", "P") else m for m in out]
        return self._timely(out, rx)

    def _avr(self, lines: list[str], rx: float) -> Iterator[tuple[float, str]]:
        """AVR lines (``*8D...;``, dump1090 port 30002) with the receive time; a timed line keeps its time."""
        for line in lines:
            if not line.strip():
                continue
            t, msg = adsb._hex_line(line)
            if msg is None:
                self.stats["lines"] += 1
                self.stats["bad:line"] += 1
                continue
            yield (t if t is not None else rx), msg

    def frames(self, frames: list[str], rx: float) -> list[tuple]:
        return self._timely(self.modes.feed((rx, f) for f in frames), rx)

    def _timely(self, out: list[tuple], rx: float) -> list[tuple]:
        """Drops messages timed far ahead of the receive clock (a wrong clock, a corrupt time)."""
        limit = rx + self.spec.max_future_s
        if not any(m[0] in ("F", "P") and m[2] is not None and m[2] > limit for m in out):
            return out
        kept = [m for m in out if not (m[0] in ("F", "P") and m[2] is not None and m[2] > limit)]
        self.stats["bad:future_time"] += len(out) - len(kept)
        return kept


class _LineBuffer:
    """Bytes in, whole lines out; a line longer than ``cap`` is dropped (counted) without being kept."""

    def __init__(self, cap: int, stats: Counter):
        self.cap, self.stats = cap, stats
        self.buf = b""
        self.skipping = False

    def feed(self, data: bytes) -> list[str]:
        buf = self.buf + data
        parts = buf.split(b"\n")
        self.buf = parts.pop()
        if self.skipping and parts:
            parts.pop(0)  # the end of the over-long line
            self.skipping = False
        lines = []
        for p in parts:
            if len(p) > self.cap:
                self.stats["bad:long_line"] += 1
                continue
            lines.append(p.decode("utf-8", "replace"))
        if len(self.buf) > self.cap:
            if not self.skipping:
                self.stats["bad:long_line"] += 1
            self.skipping, self.buf = True, b""
        return lines

    def reset(self) -> None:
        """A new connection: a half line of the old one is no line."""
        self.buf, self.skipping = b"", False


def beast_frames(buf: bytearray, stats: Counter) -> list[str]:
    """Complete Beast frames taken off the front of ``buf`` (in place), as Mode S hex.

    Beast (readsb/dump1090 port 30005): ``0x1a``, a type byte (``'1'`` Mode A/C, ``'2'`` Mode S
    short, ``'3'`` Mode S long, ``'4'`` status), a 6-byte MLAT clock, a signal byte and the
    message; a ``0x1a`` inside is doubled. Mode A/C and status frames are counted and skipped.
    """
    sizes = {0x31: 2, 0x32: 7, 0x33: 14, 0x34: 14}
    out: list[str] = []
    i, n = 0, len(buf)
    while i < n:
        if buf[i] != 0x1A:
            j = buf.find(b"\x1a", i)
            stats["bad:beast_sync"] += 1
            i = n if j < 0 else j
            continue
        if i + 1 >= n:
            break
        size = sizes.get(buf[i + 1])
        if size is None:
            stats["bad:beast_type"] += 1
            i += 1
            continue
        need = 7 + size  # clock, signal, message (unescaped)
        body = bytearray()
        j = i + 2
        while len(body) < need and j < n:
            b = buf[j]
            if b == 0x1A:
                if j + 1 >= n:
                    break
                if buf[j + 1] != 0x1A:
                    break  # a new frame starts: this one is cut short
                j += 1
            body.append(b)
            j += 1
        if len(body) < need:
            if j >= n - 1:
                break  # wait for the rest
            stats["bad:beast_short"] += 1
            i = j
            continue
        if buf[i + 1] in (0x32, 0x33):
            out.append(body[7:].hex().upper())
        else:
            stats["skipped:beast_mode_ac"] += 1
        i = j
    del buf[:i]
    return out


def open_stream(spec: StreamSpec, stop: threading.Event, clock: Callable[[], float] = time.time,
                stats: Counter | None = None) -> Iterator[tuple]:
    """The stream's decoded messages (the file readers' tuples) until ``stop`` is set.

    Connects, reads, decodes each batch as it arrives (a ``recv``, a datagram, a poll) and
    yields its messages; on refusal, EOF, a silent connection or an HTTP error it waits
    (``StreamSpec.backoff``) and reconnects. Lines and datagrams without a time of their own
    get ``clock()`` at receipt. Counts go to ``stats``: the readers' (``lines``,
    ``messages``, ``bad:<reason>``) and ``stream:connects``, ``stream:failures``,
    ``stream:<reason>`` for the connection.
    """
    stats = Counter() if stats is None else stats
    if spec.kind == "aircraft-json-http":
        yield from _poll_http(spec, stop, clock, stats)
    elif spec.kind == "nmea-udp":
        yield from _udp(spec, stop, clock, stats)
    else:
        yield from _tcp(spec, stop, clock, stats)


def _wait(spec: StreamSpec, stop: threading.Event, failures: int, stats: Counter, reason: str) -> None:
    stats["stream:failures"] += 1
    stats[f"stream:{reason}"] += 1
    stop.wait(spec.backoff(failures))


def _tcp(spec: StreamSpec, stop: threading.Event, clock, stats: Counter) -> Iterator[tuple]:
    decoder = _Decoder(spec, stats)
    lines = _LineBuffer(spec.max_line, stats)
    beast = bytearray()
    failures = 0
    while not stop.is_set():
        try:
            sock = socket.create_connection((spec.host, spec.port), timeout=max(spec.timeout_s, 0.05))
        except OSError as exc:
            failures += 1
            _wait(spec, stop, failures, stats, "refused" if isinstance(exc, ConnectionRefusedError) else "connect_error")
            continue
        stats["stream:connects"] += 1
        lines.reset()
        beast.clear()
        heard = clock()
        reason = None
        try:
            sock.settimeout(spec.timeout_s)
            while not stop.is_set():
                try:
                    data = sock.recv(1 << 16)
                except TimeoutError:
                    if clock() - heard > spec.idle_s:
                        reason = "idle"
                        break
                    continue
                if not data:
                    reason = "eof"
                    break
                rx = heard = clock()
                failures = 0
                if spec.kind == "beast-tcp":
                    beast += data
                    out = decoder.frames(beast_frames(beast, stats), rx)
                    if len(beast) > spec.max_line:  # no frame is this long: lost sync, start afresh
                        stats["bad:beast_sync"] += 1
                        beast.clear()
                else:
                    got = lines.feed(data)
                    out = decoder.lines(got, rx) if got else ()
                yield from out
        except OSError:
            reason = "connection_error"
        finally:
            sock.close()
        if reason is not None and not stop.is_set():
            failures += 1
            _wait(spec, stop, failures, stats, reason)


def _udp(spec: StreamSpec, stop: threading.Event, clock, stats: Counter) -> Iterator[tuple]:
    """Each datagram decoded as it comes (a multi-part message may span datagrams: the reader's
    state joins the parts)."""
    decoder = _Decoder(spec, stats)
    failures = 0
    while not stop.is_set():
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((spec.host, spec.port))
            sock.settimeout(spec.timeout_s)
        except OSError:
            failures += 1
            _wait(spec, stop, failures, stats, "bind_error")
            continue
        stats["stream:connects"] += 1
        try:
            while not stop.is_set():
                try:
                    data, _ = sock.recvfrom(1 << 16)
                except TimeoutError:
                    continue
                rx = clock()
                got = [ln for ln in data.decode("utf-8", "replace").splitlines()]
                long = [ln for ln in got if len(ln) > spec.max_line]
                if long:
                    stats["bad:long_line"] += len(long)
                    got = [ln for ln in got if len(ln) <= spec.max_line]
                yield from decoder.lines(got, rx)
        except OSError:
            failures += 1
            _wait(spec, stop, failures, stats, "socket_error")
        finally:
            sock.close()


def _poll_http(spec: StreamSpec, stop: threading.Event, clock, stats: Counter) -> Iterator[tuple]:
    """aircraft.json polled; a snapshot is decoded whole (its ``now`` and ``seen_pos`` time the fixes)."""
    decoder = _Decoder(spec, stats)
    failures = 0
    last_now = None
    while not stop.is_set():
        started = clock()
        try:
            req = urllib.request.Request(spec.url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(req, timeout=max(spec.timeout_s, 1.0)) as resp:
                body = resp.read(64 << 20)
        except urllib.error.HTTPError as exc:
            failures += 1
            _wait(spec, stop, failures, stats, f"http_{exc.code}")
            continue
        except (OSError, ValueError):
            failures += 1
            _wait(spec, stop, failures, stats, "connect_error")
            continue
        stats["stream:polls"] += 1
        failures = 0
        text = body.decode("utf-8", "replace")
        # The same snapshot twice (readsb not yet rewritten it) would only give duplicate fixes.
        head = text[:200]
        if head != last_now:
            last_now = head
            yield from decoder.lines([text], clock())
        stop.wait(max(0.0, spec.poll_s - (clock() - started)))

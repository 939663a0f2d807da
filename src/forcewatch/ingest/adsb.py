"""ADS-B readers: SBS-1/BaseStation, readsb aircraft.json and trace files, raw Mode S hex.

Every reader is a generator of small tuples:

* ``("F", icao, t, lat, lon, alt_ft, gs_kn, track_deg, on_ground, new_leg)`` a position fix
* ``("I", icao, callsign, type_code, registration, db_flags)`` what the feed says about the aircraft

``icao`` is lower-case hex; ``t`` POSIX seconds (UTC). Broken lines and records
are counted in the ``stats`` Counter under ``bad:<reason>`` and skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from forcewatch.ingest import BAD_LINE, TooDeep, deeper, epoch, feed_line, in_range, loads, number, position, refuse_deep
from forcewatch.limits import DEFAULT

UTC = timezone.utc
_HEX = frozenset("0123456789abcdefABCDEF")


def _midnight(day: str, cache: dict) -> float:
    t = cache.get(day)
    if t is None:
        y, m, d = day.replace("-", "/").split("/")
        t = cache[day] = datetime(int(y), int(m), int(d), tzinfo=UTC).timestamp()
    return t


def read_sbs(lines: Iterable[str], stats: Counter | None = None, state: dict | None = None,
             rx_time: float | None = None) -> Iterator[tuple]:
    """SBS-1/BaseStation CSV (port 30003): MSG types 1-8; positions carry the last speed, track, altitude.

    Fields (0-based): 1 transmission type, 4 hex, 6/7 date/time generated, 10 callsign,
    11 altitude, 12 ground speed, 13 track, 14 lat, 15 lon, 21 on ground.
    A live stream reads in batches: ``state`` (a dict kept by the caller) carries each aircraft's
    last altitude, speed and track from one batch to the next, and ``rx_time`` is the time of a
    line whose date/time fields are empty (else such a line is bad:time).
    """
    stats = Counter() if stats is None else stats
    days: dict[str, float] = {}
    state = {} if state is None else state  # icao -> [alt, gs, track, ground]
    n_lines = n_msgs = 0
    bad = Counter()
    for line in lines:
        n_lines += 1
        parts = line.rstrip("\r\n").split(",")
        if len(parts) < 11:
            if line.strip():
                bad["short_line"] += 1
            continue
        kind = parts[0]
        if kind != "MSG":
            if kind in ("MLAT",):
                pass  # mlat-client writes MLAT lines with the MSG layout
            elif kind in ("SEL", "ID", "AIR", "STA", "CLK"):
                continue
            else:
                bad["not_sbs"] += 1
                continue
        icao = parts[4].strip().lower()
        if len(icao) != 6 or not _HEX.issuperset(icao):
            bad["hex"] += 1
            continue
        try:
            tm = parts[7]
            t = epoch(_midnight(parts[6], days) + int(tm[0:2]) * 3600 + int(tm[3:5]) * 60 + float(tm[6:]))
        except (ValueError, IndexError, OverflowError):
            t = rx_time if rx_time is not None and not parts[7].strip() and not parts[6].strip() else None
        if t is None:
            bad["time"] += 1
            continue
        n_msgs += 1
        st = state.get(icao)
        if st is None:
            st = state[icao] = [None, None, None, None]
        fields = {}
        for i, key, low, high in _SBS_FIELDS:
            if len(parts) > i and parts[i].strip():
                fields[key] = in_range(parts[i], low, high)
        if None in fields.values():
            bad[next(k for k, v in fields.items() if v is None)] += 1
            continue
        for i, key in enumerate(("altitude", "speed", "track")):
            if key in fields:
                st[i] = fields[key]
        if parts[10].strip():
            yield ("I", icao, parts[10].strip(), None, None, None)
        if len(parts) > 21 and parts[21]:
            st[3] = parts[21].strip() in ("-1", "1")
        elif parts[1] == "2":
            st[3] = True
        if len(parts) > 15 and parts[14] and parts[15]:
            pos = position(parts[14], parts[15])
            if pos is None:
                bad["position_range"] += 1
                continue
            yield ("F", icao, t, *pos, st[0], st[1], st[2], st[3], False)
    stats["lines"] += n_lines
    stats["messages"] += n_msgs
    for k, v in bad.items():
        stats["bad:" + k] += v


# SBS fields checked before a message is used: (index, name, lowest, highest); out of range or not a
# number, the message is counted under bad:<name> and skipped.
_SBS_FIELDS = ((11, "altitude", -2000.0, 200000.0), (12, "speed", 0.0, 5000.0), (13, "track", 0.0, 360.0))


def _alt(value) -> tuple[float | None, bool | None]:
    """(altitude ft, on ground) from readsb's ``alt_baro``: a number, "ground" or null; ValueError else."""
    if value == "ground":
        return 0.0, True
    if value is None:
        return None, None
    alt = in_range(value, -2000.0, 200000.0) if not isinstance(value, str) else None
    if alt is None:
        raise ValueError("altitude")
    return alt, None


def _num(value, low: float = -1e9, high: float = 1e9) -> float | None:
    """A JSON number in range, None when absent; ValueError for a wrong type, nan, inf or out of range."""
    if value is None:
        return None
    x = in_range(value, low, high) if not isinstance(value, str) else None
    if x is None:
        raise ValueError("number")
    return x


def _str(value) -> str | None:
    """A JSON string field, None when absent; ValueError for a number, list or object (``"r": 5``)."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError("not a string")


def read_aircraft_json(texts: Iterable[str], stats: Counter | None = None, *, max_depth: int = DEFAULT.json_depth,
                       refused: list | None = None) -> Iterator[tuple]:
    """readsb/tar1090/dump1090 ``aircraft.json`` snapshots: one JSON document, or one per line.

    A snapshot nested deeper than ``max_depth`` is counted (bad:deep_json) and its line number and
    why go to ``refused`` (for a one-line file:line error); the other snapshots still go in."""
    stats = Counter() if stats is None else stats
    for lineno, text in enumerate(texts, 1):
        stats["lines"] += 1
        if not text.strip():
            continue
        snap = feed_line(text, lineno, max_depth, stats, refused, "bad:snapshot")
        if snap is BAD_LINE:
            continue
        try:
            planes = snap["aircraft"]
            if not isinstance(planes, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            stats["bad:snapshot"] += 1
            continue
        now = epoch(snap.get("now"))
        if now is None:
            stats["bad:snapshot_time"] += 1
            continue
        for ac in planes:
            stats["messages"] += 1
            try:
                if not isinstance(ac, dict) or not isinstance(ac.get("hex"), str):
                    raise ValueError
                icao = ac["hex"].lower().lstrip("~")
                if not (len(icao) == 6 and _HEX.issuperset(icao)):
                    raise ValueError
                flight = (_str(ac.get("flight")) or "").strip() or None
                type_code, reg = _str(ac.get("t")), _str(ac.get("r"))
                db_flags = ac.get("dbFlags") if isinstance(ac.get("dbFlags"), int) and \
                    not isinstance(ac.get("dbFlags"), bool) and 0 <= ac["dbFlags"] < 1 << 16 else None
                lat, lon = _num(ac.get("lat"), -90, 90), _num(ac.get("lon"), -180, 180)
                alt, ground = _alt(ac.get("alt_baro", ac.get("altitude")))
                seen = _num(ac.get("seen_pos"), 0, 86400) or 0.0
                gs, track = _num(ac.get("gs", ac.get("speed")), 0, 5000), _num(ac.get("track"), 0, 360)
            except (ValueError, KeyError, TypeError, AttributeError):
                stats["bad:aircraft"] += 1
                continue
            if flight or type_code or reg or db_flags is not None:
                yield ("I", icao, flight, type_code, reg, db_flags)
            if lat is None or lon is None:
                continue
            t = epoch(now - seen)
            if t is None:
                stats["bad:aircraft"] += 1
                continue
            yield ("F", icao, t, lat, lon, alt, gs, track, ground, False)


def read_trace(text: str, stats: Counter | None = None, *, max_depth: int = DEFAULT.json_depth,
               refused: list | None = None) -> Iterator[tuple]:
    """A readsb/tar1090 trace file (``trace_full_<hex>.json``).

    Entries are ``[dt, lat, lon, alt|"ground"|null, gs, track, flags, vrate, details|null, ...]``;
    later readsb versions append elements, which are ignored. ``flags & 2`` marks the
    start of a new leg (readsb README-json: bit value 2); ``flags & 1`` a stale position.
    The trace is one JSON document: an entry nested past ``max_depth`` (counting the document's
    own two levels) is skipped (bad:deep_json, its number to ``refused``) and the others go in;
    nesting past what the interpreter parses refuses the file (bad:deep_json, ``refused``).
    """
    stats = Counter() if stats is None else stats
    stats["lines"] += 1
    try:
        doc = loads(text)
    except TooDeep as exc:
        stats["bad:deep_json"] += 1
        refuse_deep(refused, None, exc, "file")
        return
    except ValueError:
        stats["bad:trace_file"] += 1
        return
    try:
        icao = doc["icao"].lower().lstrip("~")
        base = epoch(doc["timestamp"])
        trace = doc["trace"]
        if base is None or not isinstance(trace, list) or not (len(icao) == 6 and _HEX.issuperset(icao)):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError):
        stats["bad:trace_file"] += 1
        return
    db_flags = doc.get("dbFlags") if isinstance(doc.get("dbFlags"), int) and not isinstance(doc.get("dbFlags"), bool) \
        and 0 <= doc["dbFlags"] < 1 << 16 else None
    names = [v if isinstance(v := doc.get(k), str) else None for k in ("t", "r")]
    if any(doc.get(k) is not None and n is None for k, n in zip(("t", "r"), names)):
        stats["bad:trace_field"] += 1
    yield ("I", icao, None, *names, db_flags)
    for n, entry in enumerate(trace, 1):
        stats["messages"] += 1
        if isinstance(entry, list) and deeper(entry, max_depth - 2):
            stats["bad:deep_json"] += 1
            refuse_deep(refused, None, TooDeep(f"nested deeper than {max_depth} levels"), f"trace entry {n}")
            continue
        try:
            if not isinstance(entry, list) or len(entry) < 4:
                raise ValueError
            t = epoch(base + _num(entry[0], -1e7, 1e7))
            pos = position(entry[1], entry[2])
            if t is None or pos is None or isinstance(entry[1], str) or isinstance(entry[2], str):
                raise ValueError
            alt, ground = _alt(entry[3])
            flags = entry[6] if len(entry) > 6 and isinstance(entry[6], int) else 0
            details = entry[8] if len(entry) > 8 and isinstance(entry[8], dict) else None
            flight = (_str(details.get("flight")) or "").strip() if details else ""
            gs = _num(entry[4], 0, 5000) if len(entry) > 4 else None
            track = _num(entry[5], 0, 360) if len(entry) > 5 else None
        except (ValueError, TypeError, IndexError, AttributeError):
            stats["bad:trace_entry"] += 1
            continue
        if flight:
            yield ("I", icao, flight, None, None, None)
        yield ("F", icao, t, *pos, alt, gs, track, ground, bool(flags & 2))


def _hex_line(line: str) -> tuple[float | None, str | None]:
    """(timestamp, message) from a line of raw Mode S: '<t> <hex>', '<hex> <t>', '<t>,<hex>', '*<hex>;'."""
    t = msg = None
    for tok in line.replace(",", " ").replace(";", " ").split():
        tok = tok.strip("*@").strip()
        if len(tok) in (14, 28) and _HEX.issuperset(tok):
            msg = tok.upper()
        elif tok:
            t = number(tok)
            if t is None:
                try:
                    d = datetime.fromisoformat(tok.replace("Z", "+00:00"))
                    t = (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
                except (ValueError, OverflowError):
                    return None, None
    return (epoch(t) if t is not None else None), msg


def read_modes_hex(lines: Iterable[str], stats: Counter | None = None,
                   surface_ref: tuple[float, float] | None = None) -> Iterator[tuple]:
    """Raw Mode S / ADS-B messages with timestamps, decoded with pyModeS (CPR even/odd pairs).

    pyModeS's PipeDecoder resolves a position from an even/odd CPR pair and holds
    the first fixes of each aircraft until enough agree (it rejects phantom
    positions); ``flush()`` at the end releases what is held, so fixes are emitted
    after the whole file is read. Surface positions need ``surface_ref`` (a point
    within 45 NM, e.g. the receiver).
    """
    from pyModeS import PipeDecoder

    stats = Counter() if stats is None else stats
    pipe = PipeDecoder(surface_ref=surface_ref)
    held: list[tuple[float, dict]] = []
    state: dict[str, list] = {}  # icao -> [gs, track]
    for line in lines:
        stats["lines"] += 1
        if not line.strip():
            continue
        t, msg = _hex_line(line)
        if msg is None:
            stats["bad:line"] += 1
            continue
        if t is None:
            stats["bad:no_time"] += 1
            continue
        ident = _decode_message(pipe, msg, t, stats, state, held)
        if ident is not None:
            yield ident
    pipe.flush()
    for t, d, vel in held:
        fix = _held_fix(t, d, vel, stats)
        if fix is not None:
            yield fix


def _decode_message(pipe, msg: str, t: float, stats: Counter, velocity: dict, held: list) -> tuple | None:
    """One Mode S message through pyModeS, for the file reader and the stream alike: its velocity
    remembered, a position message held until pyModeS has resolved it, its callsign returned as an
    ident tuple (None when it carries none, or could not be decoded: counted)."""
    try:
        d = pipe.decode(msg, timestamp=t)
    except Exception:  # pyModeS raises its own error types and ValueError on garbage
        stats["bad:decode"] += 1
        return None
    if "error" in d or d.get("crc_valid") is False:  # None: a reply whose parity carries the address
        stats["bad:crc"] += 1
        return None
    stats["messages"] += 1
    icao = (d.get("icao") or "").lower()
    if not icao:
        return None
    if d.get("groundspeed") is not None:
        velocity[icao] = [d.get("groundspeed"), d.get("track")]
    if d.get("bds") in ("0,5", "0,6"):
        held.append((t, d, velocity.get(icao)))  # pyModeS may fill latitude/longitude later
    if d.get("callsign") and (d.get("df") in (17, 18) or d.get("icao_verified")):
        return ("I", icao, d["callsign"].strip("_ "), None, None, None)
    return None


def _held_fix(t: float, d: dict, vel: list | None, stats: Counter) -> tuple | None:
    """The fix of a position message pyModeS has decoded (None, counted, when it could not)."""
    lat, lon = d.get("latitude"), d.get("longitude")
    if lat is None or lon is None:
        stats["skipped:unresolved_cpr"] += 1
        return None
    icao = d["icao"].lower()
    surface = d.get("bds") == "0,6"
    gs, trk = vel or (None, None)
    if surface:
        gs, trk = d.get("groundspeed", gs), d.get("track", trk)
    pos = position(lat, lon)
    try:
        alt = 0.0 if surface else _num(d.get("altitude"), -2000, 200000)
        gs, trk = _num(gs, 0, 5000), _num(trk, 0, 360)
    except ValueError:
        pos = None
    if pos is None:
        stats["bad:decoded"] += 1
        return None
    return ("F", icao, t, *pos, alt, gs, trk, True if surface else None, False)


class ModeSStream:
    """Raw Mode S messages as a live stream gives them (Beast or AVR over TCP), decoded by pyModeS.

    The file reader holds every position until the file ends (pyModeS fills a position in
    once its CPR pair or a local reference arrives); a stream cannot wait for its end, so a
    held position is released as soon as pyModeS has resolved it; ``hold_s`` seconds after the
    oldest held one, pyModeS is asked to settle what it still holds (``flush``: an aircraft heard
    so briefly is accepted uncorroborated) and what stays unresolved is dropped
    (skipped:unresolved_cpr).
    """

    def __init__(self, stats: Counter | None = None, surface_ref: tuple[float, float] | None = None,
                 hold_s: float = 30.0):
        from pyModeS import PipeDecoder

        self.stats = Counter() if stats is None else stats
        self.pipe = PipeDecoder(surface_ref=surface_ref)
        self.hold_s = hold_s
        self.held: list[tuple[float, dict, list | None]] = []
        self.velocity: dict[str, list] = {}  # icao -> [gs, track]

    def feed(self, messages: Iterable[tuple[float, str]]) -> list[tuple]:
        """(receive time, hex) pairs -> the reader tuples resolved so far."""
        stats, out = self.stats, []
        latest = None
        for t, msg in messages:
            stats["lines"] += 1
            latest = t
            ident = _decode_message(self.pipe, msg, t, stats, self.velocity, self.held)
            if ident is not None:
                out.append(ident)
        if latest is not None and self.held:
            if latest - self.held[0][0] >= self.hold_s:
                self.pipe.flush()  # settle the aircraft pyModeS still bootstraps (waiting for agreeing fixes)
            keep = []
            for t, d, vel in self.held:
                if d.get("latitude") is not None and d.get("longitude") is not None or latest - t >= self.hold_s:
                    fix = _held_fix(t, d, vel, stats)
                    if fix is not None:
                        out.append(fix)
                else:
                    keep.append((t, d, vel))
            self.held = keep
        if len(self.velocity) > 50000:
            self.velocity.clear()  # bounded: a velocity older than the last sweep is stale anyway
        return out

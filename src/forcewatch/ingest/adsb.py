"""ADS-B readers: SBS-1/BaseStation, readsb aircraft.json and trace files, raw Mode S hex.

Every reader is a generator of small tuples:

* ``("F", icao, t, lat, lon, alt_ft, gs_kn, track_deg, on_ground, new_leg)`` a position fix
* ``("I", icao, callsign, type_code, registration, db_flags)`` what the feed says about the aircraft

``icao`` is lower-case hex; ``t`` POSIX seconds (UTC). Broken lines and records
are counted in the ``stats`` Counter under ``bad:<reason>`` and skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

UTC = timezone.utc
_HEX = frozenset("0123456789abcdefABCDEF")


def _midnight(day: str, cache: dict) -> float:
    t = cache.get(day)
    if t is None:
        y, m, d = day.replace("-", "/").split("/")
        t = cache[day] = datetime(int(y), int(m), int(d), tzinfo=UTC).timestamp()
    return t


def read_sbs(lines: Iterable[str], stats: Counter | None = None) -> Iterator[tuple]:
    """SBS-1/BaseStation CSV (port 30003): MSG types 1-8; positions carry the last speed, track, altitude.

    Fields (0-based): 1 transmission type, 4 hex, 6/7 date/time generated, 10 callsign,
    11 altitude, 12 ground speed, 13 track, 14 lat, 15 lon, 21 on ground.
    """
    stats = Counter() if stats is None else stats
    days: dict[str, float] = {}
    state: dict[str, list] = {}  # icao -> [alt, gs, track, ground]
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
            t = _midnight(parts[6], days) + int(tm[0:2]) * 3600 + int(tm[3:5]) * 60 + float(tm[6:])
        except (ValueError, IndexError):
            bad["time"] += 1
            continue
        n_msgs += 1
        st = state.get(icao)
        if st is None:
            st = state[icao] = [None, None, None, None]
        try:
            if parts[10].strip():
                yield ("I", icao, parts[10].strip(), None, None, None)
            if len(parts) > 11 and parts[11]:
                st[0] = float(parts[11])
            if len(parts) > 13:
                if parts[12]:
                    st[1] = float(parts[12])
                if parts[13]:
                    st[2] = float(parts[13])
            if len(parts) > 21 and parts[21]:
                st[3] = parts[21].strip() in ("-1", "1")
            elif parts[1] == "2":
                st[3] = True
            if len(parts) > 15 and parts[14] and parts[15]:
                lat, lon = float(parts[14]), float(parts[15])
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                    bad["position_range"] += 1
                    continue
                yield ("F", icao, t, lat, lon, st[0], st[1], st[2], st[3], False)
        except ValueError:
            bad["field"] += 1
    stats["lines"] += n_lines
    stats["messages"] += n_msgs
    for k, v in bad.items():
        stats["bad:" + k] += v


def _alt(value) -> tuple[float | None, bool | None]:
    if value == "ground":
        return 0.0, True
    if isinstance(value, (int, float)):
        return float(value), None
    return None, None


def _num(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_aircraft_json(texts: Iterable[str], stats: Counter | None = None) -> Iterator[tuple]:
    """readsb/tar1090/dump1090 ``aircraft.json`` snapshots: one JSON document, or one per line."""
    stats = Counter() if stats is None else stats
    for text in texts:
        stats["lines"] += 1
        if not text.strip():
            continue
        try:
            snap = json.loads(text)
            now = float(snap["now"])
            planes = snap["aircraft"]
            if not isinstance(planes, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            stats["bad:snapshot"] += 1
            continue
        if now > 1e11:
            now /= 1000.0
        for ac in planes:
            stats["messages"] += 1
            try:
                icao = str(ac["hex"]).lower().lstrip("~")
                if not (len(icao) == 6 and _HEX.issuperset(icao)):
                    raise ValueError
                flight = (ac.get("flight") or "").strip() or None
                db_flags = ac.get("dbFlags") if isinstance(ac.get("dbFlags"), int) else None
                if flight or ac.get("t") or ac.get("r") or db_flags is not None:
                    yield ("I", icao, flight, ac.get("t"), ac.get("r"), db_flags)
                lat, lon = _num(ac.get("lat")), _num(ac.get("lon"))
                if lat is None or lon is None:
                    continue
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
                alt, ground = _alt(ac.get("alt_baro", ac.get("altitude")))
                seen = _num(ac.get("seen_pos")) or 0.0
                yield ("F", icao, now - seen, lat, lon, alt, _num(ac.get("gs", ac.get("speed"))),
                       _num(ac.get("track")), ground, False)
            except (ValueError, KeyError, TypeError, AttributeError):
                stats["bad:aircraft"] += 1


def read_trace(text: str, stats: Counter | None = None) -> Iterator[tuple]:
    """A readsb/tar1090 trace file (``trace_full_<hex>.json``).

    Entries are ``[dt, lat, lon, alt|"ground"|null, gs, track, flags, vrate, details|null, ...]``;
    later readsb versions append elements, which are ignored. ``flags & 2`` marks the
    start of a new leg (readsb README-json: bit value 2); ``flags & 1`` a stale position.
    """
    stats = Counter() if stats is None else stats
    stats["lines"] += 1
    try:
        doc = json.loads(text)
        icao = str(doc["icao"]).lower().lstrip("~")
        base = float(doc["timestamp"])
        trace = doc["trace"]
        if not isinstance(trace, list) or not (len(icao) == 6 and _HEX.issuperset(icao)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        stats["bad:trace_file"] += 1
        return
    db_flags = doc.get("dbFlags") if isinstance(doc.get("dbFlags"), int) else None
    yield ("I", icao, None, doc.get("t"), doc.get("r"), db_flags)
    for entry in trace:
        stats["messages"] += 1
        try:
            t = base + float(entry[0])
            lat, lon = float(entry[1]), float(entry[2])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            alt, ground = _alt(entry[3])
            flags = entry[6] if len(entry) > 6 and isinstance(entry[6], int) else 0
            details = entry[8] if len(entry) > 8 and isinstance(entry[8], dict) else None
            if details and (details.get("flight") or "").strip():
                yield ("I", icao, details["flight"].strip(), None, None, None)
            yield ("F", icao, t, lat, lon, alt, _num(entry[4]) if len(entry) > 4 else None,
                   _num(entry[5]) if len(entry) > 5 else None, ground, bool(flags & 2))
        except (ValueError, TypeError, IndexError):
            stats["bad:trace_entry"] += 1


def _hex_line(line: str) -> tuple[float | None, str | None]:
    """(timestamp, message) from a line of raw Mode S: '<t> <hex>', '<hex> <t>', '<t>,<hex>', '*<hex>;'."""
    t = msg = None
    for tok in line.replace(",", " ").replace(";", " ").split():
        tok = tok.strip("*@").strip()
        if len(tok) in (14, 28) and _HEX.issuperset(tok):
            msg = tok.upper()
        elif tok:
            try:
                t = float(tok)
            except ValueError:
                try:
                    d = datetime.fromisoformat(tok.replace("Z", "+00:00"))
                    t = (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
                except ValueError:
                    return None, None
    if t is not None and t > 1e11:
        t /= 1000.0
    return t, msg


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
        try:
            d = pipe.decode(msg, timestamp=t)
        except Exception:  # pyModeS raises its own error types and ValueError on garbage
            stats["bad:decode"] += 1
            continue
        if "error" in d or d.get("crc_valid") is False:  # None: a reply whose parity carries the address
            stats["bad:crc"] += 1
            continue
        stats["messages"] += 1
        icao = (d.get("icao") or "").lower()
        if not icao:
            continue
        if d.get("callsign") and (d.get("df") in (17, 18) or d.get("icao_verified")):
            yield ("I", icao, d["callsign"].strip("_ "), None, None, None)
        if d.get("groundspeed") is not None:
            state[icao] = [d.get("groundspeed"), d.get("track")]
        if d.get("bds") in ("0,5", "0,6"):
            held.append((t, d, state.get(icao)))  # pyModeS may fill latitude/longitude later (flush)
    pipe.flush()
    for t, d, vel in held:
        lat, lon = d.get("latitude"), d.get("longitude")
        if lat is None or lon is None:
            stats["skipped:unresolved_cpr"] += 1
            continue
        icao = d["icao"].lower()
        surface = d.get("bds") == "0,6"
        gs, trk = vel or (None, None)
        if surface:
            gs, trk = d.get("groundspeed", gs), d.get("track", trk)
        yield ("F", icao, t, float(lat), float(lon), 0.0 if surface else _num(d.get("altitude")),
               _num(gs), _num(trk), True if surface else None, False)

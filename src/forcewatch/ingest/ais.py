"""AIS readers: NMEA 0183 (!AIVDM/!AIVDO), AIS-catcher JSON lines and MarineCadastre-style CSV.

Every reader is a generator of small tuples, so tracks can be built while a
file streams by:

* ``("P", mmsi, t, lat, lon, sog_kn, cog_deg, heading_deg, nav_status)`` a position report
* ``("S", mmsi, name, ship_type, callsign, imo)`` static and voyage data

``t`` is POSIX seconds (UTC) or None when the feed gives no time. Broken lines are
counted in the ``stats`` Counter under ``bad:<reason>`` and skipped; nothing here
raises on bad data.

Speed: pyais decodes ~26k messages/s, too slow for a day of a busy coast. The
message types tracks need (1/2/3 class A position, 4 base station clock, 5
static, 18/19 class B, 24 class B static) are decoded here by int bit slicing of
the whole payload (``int(payload.translate(...), 8)``: two octal digits per
6-bit character); tests check every field against pyais. Other types are counted
and skipped, except 27 (long-range position), which is rare and left to pyais.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from functools import reduce
from operator import xor

from forcewatch.ingest import BAD_LINE, epoch, feed_line, number, position
from forcewatch.limits import DEFAULT

UTC = timezone.utc
_DIGITS = frozenset("123456789")
MAX_PENDING = 1000  # multi-part messages awaiting their next part; older ones are counted incomplete

# 6-bit ASCII armour: character -> two octal digits of its 6-bit value.
_ARMOUR = {ord(chr(v + 48 if v < 40 else v + 56)): format(v, "02o") for v in range(64)}
_TRANS = str.maketrans(_ARMOUR)
# Message type from the first payload character.
_TYPE_OF = {chr(v + 48 if v < 40 else v + 56): v for v in range(64)}

# Navigational status (messages 1-3, 4 bits), ITU-R M.1371-5: 9-13 reserved (11-14 before -5),
# 14 AIS-SART (active) / MOB-AIS / EPIRB-AIS, 15 not defined (the default). The sensors stage
# stores these names on track positions (codes without a name as "status_<n>").
NAV_STATUS = {
    0: "under_way", 1: "at_anchor", 2: "not_under_command", 3: "restricted_manoeuvrability",
    4: "constrained_by_draught", 5: "moored", 6: "aground", 7: "fishing", 8: "sailing",
    14: "ais_sart",
}

_P27_WARNED = False


def payload_int(payload: str) -> int:
    """The payload's bits as one integer (raises ValueError on a character outside the armour)."""
    return int(payload.translate(_TRANS), 8)


def _text(x: int, n: int, start: int, nchars: int) -> str:
    out = []
    for i in range(nchars):
        v = (x >> (n - start - 6 * (i + 1))) & 63
        out.append(chr(v + 64 if v < 32 else v))
    return "".join(out).split("@", 1)[0].strip()


def _lonlat(lon: int, lat: int) -> tuple[float | None, float | None]:
    if lon & 0x8000000:
        lon -= 0x10000000
    if lat & 0x4000000:
        lat -= 0x8000000
    lon_f, lat_f = lon / 600000.0, lat / 600000.0
    if not (-180.0 <= lon_f <= 180.0 and -90.0 <= lat_f <= 90.0):
        return None, None  # 181/91 mean "not available"
    return lon_f, lat_f


def decode_payload(payload: str, mmsi_only: bool = False):
    """Decode one whole AIS payload into our tuple form (t left None).

    Returns None for message types tracks do not use; raises ValueError for a
    malformed payload (bad character, too short).
    """
    mtype = _TYPE_OF.get(payload[:1]) if payload else None
    if mtype is None:
        raise ValueError("empty payload")
    n = 6 * len(payload)
    if mtype <= 3 and mtype >= 1:
        if n < 168:
            raise ValueError("short")
        x = int(payload.translate(_TRANS), 8)
        lon, lat = _lonlat((x >> (n - 89)) & 0xFFFFFFF, (x >> (n - 116)) & 0x7FFFFFF)
        sog = (x >> (n - 60)) & 0x3FF
        cog = (x >> (n - 128)) & 0xFFF
        hdg = (x >> (n - 137)) & 0x1FF
        return ("P", str((x >> (n - 38)) & 0x3FFFFFFF), None, lat, lon,
                sog / 10.0 if sog != 1023 else None, cog / 10.0 if cog < 3600 else None,
                hdg if hdg < 360 else None, (x >> (n - 42)) & 0xF)
    if mtype == 18 or mtype == 19:
        if n < (312 if mtype == 19 else 168):
            raise ValueError("short")
        x = int(payload.translate(_TRANS), 8)
        lon, lat = _lonlat((x >> (n - 85)) & 0xFFFFFFF, (x >> (n - 112)) & 0x7FFFFFF)
        sog = (x >> (n - 56)) & 0x3FF
        cog = (x >> (n - 124)) & 0xFFF
        hdg = (x >> (n - 133)) & 0x1FF
        mmsi = str((x >> (n - 38)) & 0x3FFFFFFF)
        pos = ("P", mmsi, None, lat, lon, sog / 10.0 if sog != 1023 else None,
               cog / 10.0 if cog < 3600 else None, hdg if hdg < 360 else None, None)
        if mtype == 19:
            return pos, ("S", mmsi, _text(x, n, 143, 20) or None, (x >> (n - 271)) & 0xFF or None, None, None)
        return pos
    if mtype == 5:
        if n < 240:
            raise ValueError("short")
        x = int(payload.translate(_TRANS), 8)
        imo = (x >> (n - 70)) & 0x3FFFFFFF
        return ("S", str((x >> (n - 38)) & 0x3FFFFFFF), _text(x, n, 112, 20) or None,
                (x >> (n - 240)) & 0xFF or None, _text(x, n, 70, 7) or None, str(imo) if imo else None)
    if mtype == 24:
        if n < 40:
            raise ValueError("short")
        x = int(payload.translate(_TRANS), 8)
        mmsi = str((x >> (n - 38)) & 0x3FFFFFFF)
        part = (x >> (n - 40)) & 3
        if part == 0:
            if n < 160:
                raise ValueError("short")
            return ("S", mmsi, _text(x, n, 40, 20) or None, None, None, None)
        if part == 1:
            if n < 132:
                raise ValueError("short")
            return ("S", mmsi, None, (x >> (n - 48)) & 0xFF or None, _text(x, n, 90, 7) or None, None)
        return None
    if mtype == 4:
        if n < 78:
            raise ValueError("short")
        x = int(payload.translate(_TRANS), 8)
        year, month, day = (x >> (n - 52)) & 0x3FFF, (x >> (n - 56)) & 0xF, (x >> (n - 61)) & 0x1F
        hour, minute, second = (x >> (n - 66)) & 0x1F, (x >> (n - 72)) & 0x3F, (x >> (n - 78)) & 0x3F
        try:
            return ("T", datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())
        except ValueError:
            return None  # base stations send 0 for "not available"
    if mtype == 27:
        return _decode_27(payload)
    return None


def _decode_27(payload: str):
    """Long-range position (type 27): rare, decoded with pyais."""
    import pyais

    body = f"AIVDM,1,1,,A,{payload},0"
    try:
        msg = pyais.decode(f"!{body}*{reduce(xor, body.encode('ascii'), 0):02X}")
    except Exception as exc:  # pyais raises several types on garbage
        raise ValueError("type 27") from exc
    if msg.lat is None or msg.lon is None or abs(msg.lat) > 90 or abs(msg.lon) > 180:
        return None
    return ("P", str(msg.mmsi), None, float(msg.lat), float(msg.lon), float(msg.speed) if msg.speed < 63 else None,
            float(msg.course) if msg.course < 511 else None, None, int(msg.status))


def read_nmea(lines: Iterable[str], stats: Counter | None = None, state: dict | None = None,
              rx_time: float | None = None) -> Iterator[tuple]:
    """AIS messages from NMEA 0183 lines, with tag blocks (``\\s:..,c:<epoch>*hh\\``) for time.

    Time, in order: tag block ``c:`` (seconds, or milliseconds when > 1e11), an
    epoch before or after the sentence, else ``rx_time`` (a live stream's receive time),
    else the clock of the last base station report (type 4) in the feed, else None.
    A live stream reads in batches (lines, UDP datagrams): ``state``, a dict the caller keeps,
    carries the unfinished multi-part messages and the base-station clock to the next batch;
    parts still waiting at the end of a batch are not counted incomplete.
    """
    stats = Counter() if stats is None else stats
    n_lines = n_msgs = n_other = 0
    bad = Counter()
    if state is None:
        pending: dict[tuple[str, str], list] = {}
        clock = None
    else:
        pending = state.setdefault("pending", {})
        clock = state.get("clock")
    for raw in lines:
        n_lines += 1
        line = raw.strip()
        if not line:
            continue
        t = None
        if line[0] == "\\":
            j = line.find("\\", 1)
            if j < 0:
                bad["tag_block"] += 1
                continue
            tag, line = line[1:j], line[j + 1:]
            k = tag.find("c:")
            if k >= 0:
                t = epoch(tag[k + 2:].split(",", 1)[0].split("*", 1)[0])
                if t is None:
                    bad["tag_time"] += 1
                    continue
        elif line[0] != "!":
            i = line.find("!")
            if i < 0:
                bad["not_nmea"] += 1
                continue
            lead = line[:i].strip(" ,;\t")
            t = epoch(lead)
            if t is None and number(lead) is not None:
                bad["time"] += 1
                continue
            line = line[i:]
        star = line.rfind("*")
        if star < 0 or line[0] != "!":
            bad["not_nmea"] += 1
            continue
        body = line[1:star]
        try:
            if reduce(xor, body.encode("ascii"), 0) != int(line[star + 1:star + 3], 16):
                bad["checksum"] += 1
                continue
        except (ValueError, UnicodeEncodeError):
            bad["checksum"] += 1
            continue
        if t is None and len(line) > star + 3:
            tail = line[star + 3:].strip(" ,;\t")
            t = epoch(tail)
            if t is None and number(tail) is not None:
                bad["time"] += 1
                continue
        parts = body.split(",")
        if len(parts) < 7 or parts[0][2:5] not in ("VDM", "VDO"):
            n_other += 1
            continue
        count, num, payload = parts[1], parts[2], parts[5]
        if count not in _DIGITS or num not in _DIGITS or num > count:
            bad["multipart"] += 1
            continue
        if count != "1":
            key = (parts[3], parts[4])
            if num == "1":
                if key in pending:
                    bad["incomplete_multipart"] += 1
                elif len(pending) >= MAX_PENDING:
                    del pending[next(iter(pending))]
                    bad["incomplete_multipart"] += 1
                pending[key] = [count, 1, [payload]]
                continue
            frag = pending.get(key)
            try:
                inum = int(num)
            except ValueError:
                bad["multipart"] += 1
                continue
            if frag is None or frag[0] != count or frag[1] + 1 != inum:
                bad["incomplete_multipart"] += 1
                pending.pop(key, None)
                continue
            frag[1] = inum
            frag[2].append(payload)
            if num != count:
                continue
            del pending[key]
            payload = "".join(frag[2])
        if not payload:
            bad["empty_payload"] += 1
            continue
        if t is None and rx_time is not None:
            t = rx_time
        c0 = payload[0]
        if (c0 == "1" or c0 == "2" or c0 == "3") and len(payload) >= 28:
            # Fast path for the bulk of any feed: class A position reports (layout as in decode_payload).
            try:
                x = int(payload.translate(_TRANS), 8)
            except ValueError:
                bad["payload"] += 1
                continue
            n_msgs += 1
            n = 6 * len(payload)
            lon = (x >> (n - 89)) & 0xFFFFFFF
            lat = (x >> (n - 116)) & 0x7FFFFFF
            if lon & 0x8000000:
                lon -= 0x10000000
            if lat & 0x4000000:
                lat -= 0x8000000
            if lon > 108000000 or lon < -108000000 or lat > 54000000 or lat < -54000000:
                lon_f = lat_f = None
            else:
                lon_f, lat_f = lon / 600000.0, lat / 600000.0
            sog = (x >> (n - 60)) & 0x3FF
            cog = (x >> (n - 128)) & 0xFFF
            hdg = (x >> (n - 137)) & 0x1FF
            yield ("P", str((x >> (n - 38)) & 0x3FFFFFFF), t if t is not None else clock, lat_f, lon_f,
                   sog / 10.0 if sog != 1023 else None, cog / 10.0 if cog < 3600 else None,
                   hdg if hdg < 360 else None, (x >> (n - 42)) & 0xF)
            continue
        try:
            out = decode_payload(payload)
        except ValueError:
            bad["payload"] += 1
            continue
        n_msgs += 1
        if out is None:
            n_other += 1
            continue
        if out[0] == "T":
            clock = epoch(out[1]) or clock
            continue
        if t is None:
            t = clock
        if isinstance(out[0], tuple):  # type 19: position and static
            yield out[0][:2] + (t,) + out[0][3:]
            yield out[1]
        elif out[0] == "P":
            yield out[:2] + (t,) + out[3:]
        else:
            yield out
    if state is None:
        bad["incomplete_multipart"] += len(pending)
    else:
        state["clock"] = clock
    stats["lines"] += n_lines
    stats["messages"] += n_msgs
    stats["unused_types"] += n_other
    for k, v in bad.items():
        if v:
            stats["bad:" + k] += v


# -- AIS-catcher JSON ------------------------------------------------------

def _rxtime(obj: dict) -> float | None:
    """The message's receive time; None when it has none; ValueError when the one it has is no time."""
    for key in ("rxuxtime", "rxtimeux"):
        if key in obj:
            t = epoch(obj[key]) if not isinstance(obj[key], str) else None
            if t is None:
                raise ValueError(key)
            return t
    rx = obj.get("rxtime")
    if rx is None:
        return None
    if not isinstance(rx, str):
        raise ValueError("rxtime")
    try:
        if len(rx) >= 14 and rx[:14].isdigit():
            t = datetime.strptime(rx[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()
        else:
            d = datetime.fromisoformat(rx.replace("Z", "+00:00"))
            t = (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):
        raise ValueError("rxtime") from None
    if epoch(t) is None:
        raise ValueError("rxtime")
    return t


def _opt(value, low: float, high: float) -> float | None:
    """A JSON number field: None when absent or out of [low, high); ValueError when it is not a number."""
    if value is None:
        return None
    x = number(value) if not isinstance(value, str) else None
    if x is None:
        raise ValueError("not a number")
    return x if low <= x < high else None


def _text_field(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError("not a string")


def read_aiscatcher(lines: Iterable[str], stats: Counter | None = None, *, max_depth: int = DEFAULT.json_depth,
                    refused: list | None = None) -> Iterator[tuple]:
    """AIS messages from AIS-catcher JSON lines (``-o 5``/``JSON_FULL``), decoded fields or raw ``nmea``.

    A line nested deeper than ``max_depth`` is counted (bad:deep_json) and its number and why go to
    ``refused`` (for a one-line file:line error); the other lines still go in."""
    stats = Counter() if stats is None else stats
    for lineno, raw in enumerate(lines, 1):
        stats["lines"] += 1
        raw = raw.strip()
        if not raw:
            continue
        obj = feed_line(raw, lineno, max_depth, stats, refused, "bad:json")
        if obj is BAD_LINE:
            continue
        if not isinstance(obj, dict):
            stats["bad:json"] += 1
            continue
        try:
            t = _rxtime(obj)
        except ValueError:
            stats["bad:time"] += 1
            continue
        mtype, mmsi = obj.get("type"), obj.get("mmsi")
        if mtype is None or mmsi is None:
            sentences = obj.get("nmea")
            if isinstance(sentences, str):
                sentences = [sentences]
            if sentences and isinstance(sentences, list) and all(isinstance(x, str) for x in sentences):
                for msg in read_nmea(sentences, Counter()):
                    stats["messages"] += 1
                    yield msg[:2] + (t,) + msg[3:] if msg[0] == "P" and t is not None else msg
            else:
                stats["bad:no_message" if not sentences else "bad:nmea"] += 1
            continue
        stats["messages"] += 1
        try:
            if isinstance(mmsi, bool) or not (isinstance(mmsi, int) and 0 <= mmsi < 1 << 30
                                              or isinstance(mmsi, str) and mmsi.isdigit() and len(mmsi) <= 10):
                raise ValueError("mmsi")
            mmsi = str(mmsi)
            scaled = obj.get("scaled", True) is not False
            status = obj.get("status")
            status = status if isinstance(status, int) and not isinstance(status, bool) and 0 <= status < 16 else None
            if mtype in (1, 2, 3, 18, 19, 27) and "lat" in obj and "lon" in obj:
                div, vdiv = (1.0, 1.0) if scaled else (600000.0, 10.0)
                lat, lon = _opt(obj["lat"], -1e12, 1e12), _opt(obj["lon"], -1e12, 1e12)
                pos = position(lat / div, lon / div) if lat is not None and lon is not None else None
                sog, cog = _opt(obj.get("speed"), 0, 1e6), _opt(obj.get("course"), 0, 1e6)
                sog, cog = (sog / vdiv if sog is not None else None), (cog / vdiv if cog is not None else None)
                hdg = _opt(obj.get("heading"), 0, 360)
                yield ("P", mmsi, t, *(pos or (None, None)), sog if sog is not None and sog < 102.3 else None,
                       cog if cog is not None and cog < 360 else None, int(hdg) if hdg is not None else None, status)
            if mtype in (5, 19, 24):
                name, call = _text_field(obj.get("shipname")), _text_field(obj.get("callsign"))
                stype, imo = obj.get("shiptype"), obj.get("imo")
                stype = stype if isinstance(stype, int) and not isinstance(stype, bool) and 0 <= stype < 256 else None
                imo = str(imo) if isinstance(imo, (int, str)) and not isinstance(imo, bool) and imo else None
                if name or stype or call:
                    yield ("S", mmsi, (name or "").strip("@ ") or None, stype,
                           (call or "").strip("@ ") or None, imo[:16] if imo else None)
        except (TypeError, ValueError):
            stats["bad:fields"] += 1


# -- CSV (MarineCadastre / AccessAIS layout) ---------------------------------

_CSV_COLUMNS = {
    "mmsi": ("mmsi",),
    "t": ("basedatetime", "base_date_time", "timestamp", "time", "datetime", "date_time", "# timestamp"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "long", "longitude"),
    "sog": ("sog", "speed"),
    "cog": ("cog", "course"),
    "heading": ("heading", "hdg", "true_heading"),
    "name": ("vesselname", "vessel_name", "name", "shipname", "ship_name"),
    "imo": ("imo",),
    "callsign": ("callsign", "call_sign"),
    "ship_type": ("vesseltype", "vessel_type", "ship_type", "shiptype", "type_of_ship"),
    "status": ("status", "navigational_status", "navstatus", "nav_status"),
}
# MarineCadastre spelt the class column TranscieverClass until 2018, TransceiverClass after;
# both (and neither) are fine: we do not need it.


def csv_columns(header: list[str]) -> dict[str, int]:
    norm = [h.strip().lower().replace(" ", "_") for h in header]
    return {
        key: next(norm.index(a) for a in aliases if a in norm)
        for key, aliases in _CSV_COLUMNS.items() if any(a in norm for a in aliases)
    }


def _status_code(value: str) -> int | None:
    if not value:
        return None
    if value.isdigit():
        return int(value)
    v = value.lower()
    for code, name in NAV_STATUS.items():
        if name.replace("_", " ") in v.replace("_", " "):
            return code
    return None


def parse_time(value: str) -> float:
    """ISO-8601 (``T`` or space, optional Z/offset) or epoch seconds/milliseconds -> POSIX seconds."""
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        t = epoch(value)
    else:
        try:
            d = datetime.fromisoformat(value.replace("Z", "+00:00").replace("/", "-"))
            t = epoch((d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp())
        except OverflowError:
            t = None
    if t is None:
        raise ValueError(f"not a time: {value[:40]!r}")
    return t


def _csv_number(row: list[str], i: int | None) -> float | None:
    """An optional numeric column: None when absent or empty, ValueError when it is not a finite number."""
    if i is None or not row[i].strip():
        return None
    x = number(row[i])
    if x is None:
        raise ValueError("not a number")
    return x


def read_ais_csv(lines: Iterable[str], stats: Counter | None = None) -> Iterator[tuple]:
    """AIS positions (and names/types) from the MarineCadastre-style CSV layout."""
    stats = Counter() if stats is None else stats
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    cols = csv_columns(header)
    stats["lines"] += 1
    for need in ("mmsi", "t", "lat", "lon"):
        if need not in cols:
            stats["bad:header"] += 1
            return
    i_m, i_t, i_lat, i_lon = cols["mmsi"], cols["t"], cols["lat"], cols["lon"]
    i_sog, i_cog, i_hdg, i_st = cols.get("sog"), cols.get("cog"), cols.get("heading"), cols.get("status")
    static_cols = [cols.get(k) for k in ("name", "ship_type", "callsign", "imo")]
    width = max(cols.values()) + 1
    seen_static: dict[str, tuple] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # NUL bytes, runaway quoted fields
            stats["lines"] += 1
            stats["bad:csv"] += 1
            continue
        stats["lines"] += 1
        if len(row) < width:
            if row:
                stats["bad:short_row"] += 1
            continue
        try:
            mmsi = row[i_m].strip()
            if not mmsi.isdigit():
                raise ValueError("mmsi")
            t = parse_time(row[i_t])
            pos = position(row[i_lat], row[i_lon])
            if pos is None:
                raise ValueError("range")
            lat, lon = pos
            sog, cog, hdg = (_csv_number(row, i) for i in (i_sog, i_cog, i_hdg))
        except ValueError:
            stats["bad:row"] += 1
            continue
        stats["messages"] += 1
        if sog is not None and sog >= 102.3:
            sog = None
        if cog is not None and not 0 <= cog < 360:
            cog = None
        if hdg is not None and not 0 <= hdg < 360:
            hdg = None
        yield ("P", mmsi, t, lat, lon, sog, cog, hdg, _status_code(row[i_st].strip()) if i_st is not None else None)
        static = tuple(row[i].strip() if i is not None else "" for i in static_cols)
        if any(static) and seen_static.get(mmsi) != static:
            seen_static[mmsi] = static
            name, stype, call, imo = static
            stype_f = number(stype) if stype else None
            stype_i = int(stype_f) if stype_f is not None and 0 <= stype_f < 256 else None
            yield ("S", mmsi, name or None, stype_i, call or None, imo.removeprefix("IMO") or None)

"""Who a track is: aircraft registry (ICAO hex) and vessel static data (MMSI).

Feeds carry only an address; analysts reason about "an Il-76 of the Russian Air
Force" or "the frigate Admiral Grigorovich". The registry joins the two: a
packaged reference file (type names, military hex blocks, callsign prefixes,
MMSI flags) plus CSVs the user loads (``--aircraft-db``, ``--vessel-db``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.data import packaged
from forcewatch.ingest import InputError
from forcewatch.records import Track

# AIS ship type (message 5/19/24 field) -> readable category, ITU-R M.1371 table 53.
AIS_SHIP_TYPES = {
    30: "fishing vessel", 31: "towing vessel", 32: "towing vessel", 33: "dredger", 34: "diving vessel",
    35: "military vessel", 36: "sailing vessel", 37: "pleasure craft", 50: "pilot vessel",
    51: "search and rescue vessel", 52: "tug", 53: "port tender", 54: "anti-pollution vessel",
    55: "law enforcement vessel", 58: "medical transport", 59: "noncombatant ship",
}


def ship_type_name(code: int | None) -> str | None:
    """Readable vessel category for an AIS ship type code."""
    if code is None or code <= 0:
        return None
    if code in AIS_SHIP_TYPES:
        return AIS_SHIP_TYPES[code]
    return {2: "wing in ground craft", 4: "high-speed craft", 6: "passenger ship", 7: "cargo ship",
            8: "tanker", 9: "vessel"}.get(code // 10, "vessel")


@dataclass
class AircraftInfo:
    icao: str
    registration: str | None = None
    type_code: str | None = None
    operator: str | None = None
    military: bool | None = None
    description: str | None = None


@dataclass
class VesselInfo:
    mmsi: str
    name: str | None = None
    ship_type: str | None = None  # readable, e.g. "frigate" or "cargo ship"
    flag: str | None = None
    imo: str | None = None
    callsign: str | None = None


_TRUE = {"1", "true", "yes", "y", "t", "mil", "military"}

# Header spellings seen in public aircraft databases (readsb/tar1090 csv, OpenSky, our own).
_AIRCRAFT_COLUMNS = {
    "icao": ("icao", "hex", "icao24", "icao_hex", "modes", "mode_s"),
    "registration": ("registration", "reg", "r"),
    "type_code": ("type_code", "typecode", "icaotype", "icao_type", "type", "t"),
    "operator": ("operator", "owner", "operator_name", "ownop"),
    "military": ("military", "mil", "is_military"),
    "description": ("description", "desc", "model"),
    "dbflags": ("dbflags", "flags"),
}
_VESSEL_COLUMNS = {
    "mmsi": ("mmsi",),
    "name": ("name", "vessel_name", "vesselname", "shipname", "ship_name"),
    "ship_type": ("ship_type", "type", "vessel_type", "vesseltype", "class", "shiptype"),
    "flag": ("flag", "country", "flag_iso"),
    "imo": ("imo",),
    "callsign": ("callsign", "call_sign"),
}


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    norm = [h.strip().lower().replace(" ", "_") for h in header]
    return {
        key: next(norm.index(a) for a in aliases if a in norm)
        for key, aliases in wanted.items() if any(a in norm for a in aliases)
    }


def _read_csv(path: Path, wanted: dict[str, tuple[str, ...]], key: str) -> list[dict[str, str]]:
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read registry ({getattr(exc, 'strerror', None) or exc})") from exc
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    if text.count(";") > text.count(",") and dialect is csv.excel:
        rows = list(csv.reader(text.splitlines(), delimiter=";"))
    else:
        rows = list(csv.reader(text.splitlines(), dialect))
    if not rows:
        return []
    cols = _columns(rows[0], wanted)
    if key not in cols:
        raise InputError(f"{path}: registry has no {key} column (header: {','.join(rows[0])[:80]})")
    out = []
    for row in rows[1:]:
        rec = {k: row[i].strip() for k, i in cols.items() if i < len(row) and row[i].strip()}
        if rec.get(key):
            out.append(rec)
    return out


@dataclass
class Registry:
    """Reference data for naming and flagging sensor tracks; empty unless loaded."""

    aircraft: dict[str, AircraftInfo] = field(default_factory=dict)
    vessels: dict[str, VesselInfo] = field(default_factory=dict)
    types: dict[str, dict] = field(default_factory=dict)
    military_hex_ranges: list[tuple[int, int]] = field(default_factory=list)
    military_callsigns: tuple[str, ...] = ()
    mid_flags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls, aircraft_db: list[Path] | tuple = (), vessel_db: list[Path] | tuple = ()) -> Registry:
        """The packaged reference file plus user CSVs (later rows win)."""
        data = packaged("aircraft_types.yaml")
        reg = cls(
            types={str(k).upper(): v for k, v in (data.get("aircraft_types") or {}).items()},
            military_hex_ranges=[(int(str(a), 16), int(str(b), 16)) for a, b in data.get("military_hex_ranges") or []],
            military_callsigns=tuple(str(p).upper() for p in data.get("military_callsign_prefixes") or []),
            mid_flags={str(k): str(v) for k, v in (data.get("mmsi_mid_flags") or {}).items()},
        )
        for p in aircraft_db:
            reg.load_aircraft_csv(p)
        for p in vessel_db:
            reg.load_vessels_csv(p)
        return reg

    def load_aircraft_csv(self, path: str | Path) -> int:
        """ICAO hex -> registration, type code, operator, military flag (or readsb dbFlags)."""
        rows = _read_csv(Path(path), _AIRCRAFT_COLUMNS, "icao")
        for r in rows:
            mil = None
            if "military" in r:
                mil = r["military"].lower() in _TRUE
            elif "dbflags" in r and r["dbflags"].isdigit():
                mil = bool(int(r["dbflags"]) & 1)
            icao = r["icao"].lower().lstrip("~")
            self.aircraft[icao] = AircraftInfo(
                icao, r.get("registration"), (r.get("type_code") or "").upper() or None,
                r.get("operator"), mil, r.get("description"),
            )
        return len(rows)

    def load_vessels_csv(self, path: str | Path) -> int:
        """MMSI -> name, type, flag (IMO and callsign when given)."""
        rows = _read_csv(Path(path), _VESSEL_COLUMNS, "mmsi")
        for r in rows:
            self.vessels[r["mmsi"]] = VesselInfo(
                r["mmsi"], r.get("name"), r.get("ship_type"), r.get("flag"), r.get("imo"), r.get("callsign"),
            )
        return len(rows)

    # -- lookups ---------------------------------------------------------
    def type_name(self, type_code: str | None) -> str | None:
        if not type_code:
            return None
        entry = self.types.get(type_code.upper())
        return entry["name"] if entry else type_code

    def is_military_aircraft(self, icao: str, type_code: str | None = None, callsign: str | None = None,
                             db_flags: int | None = None) -> bool | None:
        """Registry flag, then readsb dbFlags bit 0, then hex block, type list, callsign prefix."""
        info = self.aircraft.get(icao.lower())
        if info and info.military is not None:
            return info.military
        if db_flags is not None and db_flags & 1:
            return True
        try:
            n = int(icao, 16)
        except ValueError:
            n = -1
        if any(a <= n <= b for a, b in self.military_hex_ranges):
            return True
        entry = self.types.get((type_code or "").upper())
        if entry and entry.get("military"):
            return True
        if callsign and callsign.strip().upper().startswith(self.military_callsigns):
            return True
        return None

    def enrich(self, track: Track, db_flags: int | None = None) -> Track:
        """Fill in a track's names and flags from what the registry knows, keeping what the feed said."""
        if track.platform == "aircraft":
            info = self.aircraft.get(track.ident.lower())
            if info:
                track.registration = track.registration or info.registration
                track.type_code = track.type_code or info.type_code
                track.operator = track.operator or info.operator
            mil = self.is_military_aircraft(track.ident, track.type_code, track.name, db_flags)
            if mil is not None:
                track.military = mil
        else:
            info = self.vessels.get(track.ident)
            if info:
                track.name = info.name or track.name
                track.type_code = info.ship_type or track.type_code
                track.flag = info.flag or track.flag
            if not track.flag:
                track.flag = self.mid_flags.get(track.ident[:3])
            if track.type_code in ("military vessel",) or (info and info.ship_type and any(
                    w in info.ship_type.lower() for w in ("frigate", "destroyer", "corvette", "landing", "navy",
                                                          "submarine", "military", "warship", "auxiliary"))):
                track.military = True
        return track

    def equipment_name(self, track: Track) -> str:
        """The name an Equipment record gets: the type from the registry, else what the feed said."""
        if track.platform == "aircraft":
            return self.type_name(track.type_code) or "aircraft"
        return track.type_code or "vessel"

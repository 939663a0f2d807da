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
    military_blocks: list[tuple[int, int, str]] = field(default_factory=list)  # (first, last, label)
    callsign_operators: dict[str, str] = field(default_factory=dict)  # military prefix -> who flies it

    @classmethod
    def default(cls, aircraft_db: list[Path] | tuple = (), vessel_db: list[Path] | tuple = (),
                military: list[Path] | tuple = ()) -> Registry:
        """The packaged reference files (aircraft_types.yaml, military.yaml), then the user's military
        files (same format as military.yaml, added to it) and registry CSVs (later rows win)."""
        data = packaged("aircraft_types.yaml")
        reg = cls(
            types={str(k).upper(): dict(v) for k, v in (data.get("aircraft_types") or {}).items()},
            mid_flags={str(k): str(v) for k, v in (data.get("mmsi_mid_flags") or {}).items()},
        )
        reg.add_military(packaged("military.yaml"), "military.yaml")
        for p in military:
            reg.load_military(p)
        for p in aircraft_db:
            reg.load_aircraft_csv(p)
        for p in vessel_db:
            reg.load_vessels_csv(p)
        return reg

    def load_military(self, path: str | Path) -> None:
        """A user's military knowledge file (the format of the packaged military.yaml)."""
        from forcewatch.data import load_yaml

        path = Path(path)
        try:
            data = load_yaml(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read military file ({getattr(exc, 'strerror', None) or exc})") from exc
        except Exception as exc:  # yaml's errors
            raise InputError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        self.add_military(data, str(path))

    def add_military(self, data, where: str) -> None:
        """Address blocks, callsign prefixes and types from a military.yaml-shaped mapping; InputError
        (naming ``where``) when it is not one."""
        if not isinstance(data, dict):
            raise InputError(f"{where}: a military file is a mapping of icao_blocks, callsign_prefixes, types")
        try:
            for group in data.get("icao_blocks") or []:
                for b in group["blocks"]:
                    lo, hi = int(str(b["from"]), 16), int(str(b["to"]), 16)
                    if not 0 <= lo <= hi <= 0xFFFFFF:
                        raise ValueError(f"block {b['from']}-{b['to']}")
                    label = str(b.get("label") or f"{b.get('state', '')} military".strip())
                    self.military_blocks.append((lo, hi, label))
                    self.military_hex_ranges.append((lo, hi))
            for group in data.get("callsign_prefixes") or []:
                for prefix, who in group["prefixes"].items():
                    self.callsign_operators[str(prefix).upper()] = str(who)
            for group in data.get("types") or []:
                for code, name in (group.get("military") or {}).items():
                    entry = self.types.setdefault(str(code).upper(), {"name": str(name)})
                    entry["military"] = True
                for code, name in (group.get("dual_use") or {}).items():
                    self.types.setdefault(str(code).upper(), {"name": str(name)})["dual_use"] = True
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: bad military entry ({exc})") from None
        self.military_callsigns = tuple(sorted(self.callsign_operators, key=len, reverse=True))

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
        return self.military_why(icao, type_code, callsign, db_flags)[0]

    def military_why(self, icao: str, type_code: str | None = None, callsign: str | None = None,
                     db_flags: int | None = None) -> tuple[bool | None, str | None]:
        """(military?, the rule that says so), rules in order: the registry's flag, the feed's readsb
        dbFlags bit 0, a military address block, a military type, a military callsign prefix
        followed by a digit. (None, None) when nothing says either way."""
        info = self.aircraft.get(icao.lower())
        if info and info.military is not None:
            return info.military, "registry flag"
        if db_flags is not None and db_flags & 1:
            return True, "feed dbFlags military"
        try:
            n = int(icao, 16)
        except ValueError:
            n = -1
        for lo, hi, label in self.military_blocks:
            if lo <= n <= hi:
                return True, f"ICAO block {label} ({lo:06X}-{hi:06X})"
        for lo, hi in self.military_hex_ranges[len(self.military_blocks):]:  # ranges added by hand
            if lo <= n <= hi:
                return True, f"ICAO block {lo:06X}-{hi:06X}"
        code = (type_code or "").upper()
        entry = self.types.get(code)
        if entry and entry.get("military"):
            return True, f"type {code}"
        sign = (callsign or "").strip().upper()
        if sign:
            for prefix in self.military_callsigns:
                if sign.startswith(prefix) and (len(sign) == len(prefix) or sign[len(prefix)].isdigit()):
                    who = self.callsign_operators.get(prefix)
                    return True, f"callsign prefix {prefix}" + (f" ({who})" if who else "")
        return None, None

    def enrich(self, track: Track, db_flags: int | None = None) -> Track:
        """Fill in a track's names and flags from what the registry knows, keeping what the feed said."""
        if track.platform == "aircraft":
            info = self.aircraft.get(track.ident.lower())
            if info:
                track.registration = track.registration or info.registration
                track.type_code = track.type_code or info.type_code
                track.operator = track.operator or info.operator
            mil, why = self.military_why(track.ident, track.type_code, track.name, db_flags)
            if mil is not None:
                track.military, track.military_reason = mil, why
        else:
            info = self.vessels.get(track.ident)
            if info:
                track.name = info.name or track.name
                track.type_code = info.ship_type or track.type_code
                track.flag = info.flag or track.flag
            if not track.flag:
                track.flag = self.mid_flags.get(track.ident[:3])
            if info and info.ship_type and any(
                    w in info.ship_type.lower() for w in ("frigate", "destroyer", "corvette", "landing", "navy",
                                                          "submarine", "military", "warship", "auxiliary")):
                track.military, track.military_reason = True, f"registry type {info.ship_type}"
            elif track.type_code in ("military vessel",):
                track.military, track.military_reason = True, "AIS ship type 35 (military)"
        return track

    def equipment_name(self, track: Track) -> str:
        """The name an Equipment record gets: the type from the registry, else what the feed said."""
        if track.platform == "aircraft":
            return self.type_name(track.type_code) or "aircraft"
        return track.type_code or "vessel"

"""A scripted day of traffic around Hmeimim and Tartus, as an SBS and an NMEA feed.

Used by the tests (the expected events are known by construction) and to write
the demo feeds in src/forcewatch/data/demo/feeds/ (2024-12-09 .. 2024-12-14):

    python bench/make_demo_feeds.py            # writes the demo feeds
    python bench/make_demo_feeds.py --check    # and prints the events they give

AIS sentences are encoded with pyais (never our own decoder's inverse), SBS lines
written as dump1090/readsb print them. All names and identifiers are fictional
except the two sites' coordinates.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta, timezone
from functools import reduce
from operator import xor
from pathlib import Path

from pyais import encode_dict

from forcewatch.geo import GEOD, geodesic

UTC = timezone.utc
HMEIMIM = (35.4011, 35.9487)
TARTUS = (34.8915, 35.8730)
KN = 1852.0 / 3600.0

# Who flies and sails in the script (the registry CSVs the tests load say the same).
AN124 = ("15a0b1", "RFF7123", "RA-82041", "A124")
IL76 = ("154c2d", "RFF7200", "RA-78830", "IL76")
AIRLINER = ("4bb123", "THY7AB", "TC-JHA", "B738")
FRIGATE = (273456780, "ADMIRAL GRIGOROVICH", 35)
CARGO = (273318150, "SPARTA NOVA", 70)
LANDING = (273219770, "ORION LOGISTIC", 35)
TANKER = (636019825, "SEA BREEZE", 80)
AIRCRAFT_REGISTRY_CSV = (
    "icao,registration,type_code,operator,military\n"
    "15a0b1,RA-82041,A124,Russian Air Force,1\n"
    "154c2d,RA-78830,IL76,Russian Air Force,1\n"
    "4bb123,TC-JHA,B738,Turkish Airlines,0\n"
)
VESSEL_REGISTRY_CSV = (
    "mmsi,name,ship_type,flag\n"
    "273456780,ADMIRAL GRIGOROVICH,frigate,RU\n"
)


def _ts(day: date, hh: float) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + hh * 3600.0


def _move(lat, lon, az, metres):
    """The point ``metres`` along ``az`` (the script counts in metres; geo.offset takes km)."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, metres)
    return lat2, lon2


def anchor_points() -> list[tuple[float, float]]:
    """Three berths about 13 km NW of Tartus, 600 m apart."""
    lat, lon = _move(*TARTUS, 315.0, 13000.0)
    return [(lat, lon), _move(lat, lon, 45.0, 600.0), _move(lat, lon, 225.0, 600.0)]


# -- aircraft ------------------------------------------------------------------

def _sbs(icao, t, callsign="", alt=None, gs=None, trk=None, lat=None, lon=None, ground=False, kind=3):
    d = datetime.fromtimestamp(t, UTC)
    ds, ts = d.strftime("%Y/%m/%d"), d.strftime("%H:%M:%S.") + f"{d.microsecond // 1000:03d}"
    f = lambda v, fmt: "" if v is None else format(v, fmt)  # noqa: E731
    return (f"MSG,{kind},1,1,{icao.upper()},1,{ds},{ts},{ds},{ts},{callsign},{f(alt, '.0f')},{f(gs, '.0f')},"
            f"{f(trk, '.1f')},{f(lat, '.5f')},{f(lon, '.5f')},,,0,0,0,{-1 if ground else 0}")


def _ground(icao, t0, t1, lat, lon, step=300.0):
    out, t = [], t0
    while t <= t1:
        out.append(_sbs(icao, t, gs=0, trk=0, lat=lat, lon=lon, ground=True, kind=2))
        t += step
    return out


def _fly(icao, callsign, t0, lat, lon, az, minutes, alt0, alt1, gs, step=20.0):
    """Straight line at gs knots, altitude linear from alt0 to alt1; returns lines and the end point."""
    out = [_sbs(icao, t0, callsign=callsign, kind=1)]
    n = int(minutes * 60 / step)
    for k in range(n + 1):
        t = t0 + k * step
        a = alt0 + (alt1 - alt0) * k / max(n, 1)
        out.append(_sbs(icao, t, gs=gs, trk=az % 360, kind=4))
        out.append(_sbs(icao, t, alt=a, lat=lat, lon=lon, ground=False))
        lat, lon = _move(lat, lon, az, gs * KN * step)
    return out, (lat, lon)


def sbs_day(day: date, an124: bool = True) -> list[str]:
    """The air picture: An-124 out to the SW at 07:40, Il-76 in at ~10:40 and out at 13:30, an overflight."""
    lines: list[str] = []
    if not an124:
        return sorted(_il76(day) + _overflight(day), key=lambda ln: ln.split(",")[7])
    stand = _move(*HMEIMIM, 300.0, 600.0)
    rwy_s = _move(*HMEIMIM, 177.0, 1400.0)  # runway 17/35, southern end
    # An-124: parked, taxi, take-off run to the south, climb out towards the SW (Libya).
    icao, cs = AN124[0], AN124[1]
    lines += _ground(icao, _ts(day, 0.0), _ts(day, 7.5), *stand)
    lines.append(_sbs(icao, _ts(day, 7.5), callsign=cs, kind=1))
    for k in range(9):  # taxi to the southern end of the runway
        f = k / 8
        lines.append(_sbs(icao, _ts(day, 7.5 + k / 60), gs=15, trk=150, lat=stand[0] + f * (rwy_s[0] - stand[0]),
                          lon=stand[1] + f * (rwy_s[1] - stand[1]), ground=True, kind=2))
    out, _ = _fly(icao, cs, _ts(day, 7.5 + 10 / 60), *rwy_s, 230.0, 45, 800, 31000, 380)
    lines += out + _il76(day) + _overflight(day)
    lines.sort(key=lambda ln: ln.split(",")[7])
    return lines


def _il76(day: date) -> list[str]:
    """Il-76: inbound from the NE, lands ~10:40, on the ground until 13:30, out to the NE."""
    lines: list[str] = []
    icao, cs = IL76[0], IL76[1]
    landed = _move(*HMEIMIM, 0.0, 800.0)
    start = _move(*landed, 40.0, 200000.0)
    az, dist = geodesic(*start, *landed)
    lines += _fly(icao, cs, _ts(day, 10.0), *start, az, 40, 24000, 600, dist / 2400 / KN)[0]
    lines += _ground(icao, _ts(day, 10.0 + 41 / 60), _ts(day, 13.5), *landed)
    lines += _fly(icao, cs, _ts(day, 13.5 + 1 / 60), *landed, 40.0, 30, 900, 26000, 330)[0]
    return lines


def _overflight(day: date) -> list[str]:
    """An airliner over Hmeimim at FL360: no event expected."""
    icao, cs = AIRLINER[0], AIRLINER[1]
    return _fly(icao, cs, _ts(day, 12.0), *_move(*HMEIMIM, 0.0, 100000.0), 180.0, 30, 36000, 36000, 450)[0]


# -- vessels ---------------------------------------------------------------------

def _nmea(msg: dict, t: float, seq: int = 0) -> list[str]:
    out = []
    for s in encode_dict(msg, talker_id="AI", sentence_type="VDM", seq_id=seq % 10):
        tag = f"s:terrestrial,c:{int(t)}"
        out.append(f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\{s}")
    return out


class _Vessel:
    def __init__(self, ident, day, rng):
        self.mmsi, self.name, self.ship_type = ident
        self.day, self.rng, self.lines, self.t = day, rng, [], None

    def static(self, t):
        self.lines += _nmea({"type": 5, "mmsi": self.mmsi, "shipname": self.name, "ship_type": self.ship_type,
                             "callsign": "UBX" + str(self.mmsi)[-4:], "imo": 0}, t, seq=self.mmsi)

    def fix(self, t, lat, lon, sog, cog, status):
        jitter = 0.00025 if sog < 0.5 else 0.0  # ~25 m of GPS wander at anchor
        self.lines += _nmea({"type": 1, "mmsi": self.mmsi, "status": status, "speed": sog,
                             "lat": lat + self.rng.uniform(-jitter, jitter),
                             "lon": lon + self.rng.uniform(-jitter, jitter), "course": cog,
                             "heading": int(cog) % 360, "second": int(t) % 60}, t)

    def stay(self, h0, h1, lat, lon, status=1, step=180.0):
        t = _ts(self.day, h0)
        while t < _ts(self.day, h1):
            if int(t) % 3600 < step:
                self.static(t)
            self.fix(t, lat, lon, round(self.rng.choice((0.0, 0.0, 0.1)), 1), 0.0, status)
            t += step
        return lat, lon

    def sail(self, h0, lat, lon, to, sog, step=30.0):
        az, dist = geodesic(lat, lon, *to)
        t = _ts(self.day, h0)
        done = 0.0
        while done < dist:
            self.fix(t, lat, lon, sog, az % 360, 0)
            lat, lon = _move(lat, lon, az, sog * KN * step)
            done += sog * KN * step
            t += step
        return to


def nmea_day(day: date, seed: int = 6, cargo: str = "arrive") -> list[str]:
    """The sea picture: three ships anchor ~13 km NW of Tartus; one goes dark; a tanker passes."""
    rng = random.Random(seed + day.toordinal())
    a1, a2, a3 = anchor_points()
    berth = TARTUS
    sea_w = _move(*TARTUS, 280.0, 40000.0)
    lines: list[str] = []
    # Frigate: moored until 02:00, out to the anchorage 03:00-14:00, back in, moored.
    v = _Vessel(FRIGATE, day, rng)
    v.stay(0.0, 2.0, *berth, status=5)
    v.sail(2.0, *berth, a1, 8.0)
    v.stay(3.0, 14.0, *a1, status=1)
    v.sail(14.0, *a1, berth, 8.0)
    v.stay(15.0, 23.95, *berth, status=5)
    lines += v.lines
    # Cargo ship: in from the west, anchored 03:30-20:00, then into port.
    v = _Vessel(CARGO, day, rng)
    if cargo == "arrive":
        v.sail(0.5, *sea_w, a2, 10.0)
        v.stay(3.5, 20.0, *a2, status=1)
        v.sail(20.0, *a2, berth, 6.0)
        v.stay(21.5, 23.95, *berth, status=5)
    elif cargo == "moored":
        v.stay(0.0, 23.95, *berth, status=5)
    elif cargo == "leave":
        v.stay(0.0, 9.0, *berth, status=5)
        v.sail(9.0, *berth, _move(*sea_w, 270.0, 20000.0), 11.0)
    lines += v.lines
    # Landing ship: anchored 01:00-11:00, sails off at 11:00 and goes dark 11:30-19:30, reappears to the west.
    v = _Vessel(LANDING, day, rng)
    v.stay(1.0, 11.0, *a3, status=1)
    off = _move(*a3, 270.0, 8000.0)
    v.sail(11.0, *a3, off, 12.0)
    v.sail(19.5, *sea_w, _move(*sea_w, 270.0, 15000.0), 12.0)
    lines += v.lines
    # Tanker transiting 40 km offshore, north to south: no event expected.
    v = _Vessel(TANKER, day, rng)
    v.sail(6.0, *_move(*TARTUS, 300.0, 60000.0), _move(*TARTUS, 240.0, 60000.0), 12.0, step=120.0)
    lines += v.lines
    lines.sort(key=lambda ln: int(ln.split("c:", 1)[1].split("*", 1)[0]))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "src/forcewatch/data/demo/feeds")
    ap.add_argument("--check", action="store_true", help="read the feeds back and print their events")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    days = [date(2024, 12, 9) + timedelta(days=i) for i in range(6)]
    # 2024-12-14 was a Saturday: the An-124 "took off on Saturday heading to Libya".
    sbs = [ln for d in days for ln in sbs_day(d, an124=d == days[-1])]
    cargo = ["arrive", "moored", "moored", "leave", "none", "none"]
    nmea = [ln for d, c in zip(days, cargo) for ln in nmea_day(d, cargo=c)]
    (args.out / "hmeimim-2024-12-09_14.sbs").write_text("\n".join(sbs) + "\n", "utf-8")
    (args.out / "tartus-2024-12-09_14.nmea").write_text("\n".join(nmea) + "\n", "utf-8")
    (args.out / "aircraft-registry.csv").write_text(AIRCRAFT_REGISTRY_CSV, "utf-8")
    (args.out / "vessel-registry.csv").write_text(VESSEL_REGISTRY_CSV, "utf-8")
    print(f"wrote {len(sbs)} SBS lines and {len(nmea)} NMEA sentences to {args.out}")
    if args.check:
        from forcewatch.gazetteer.sites import load_sites
        from forcewatch.sensors import read_feed
        from forcewatch.sensors.registry import Registry

        reg = Registry.default([args.out / "aircraft-registry.csv"], [args.out / "vessel-registry.csv"])
        for name in ("hmeimim-2024-12-09_14.sbs", "tartus-2024-12-09_14.nmea"):
            res = read_feed(args.out / name, registry=reg, sites=load_sites())
            print(res.report())
            for e in res.events:
                print(f"  {e.subtype:9} {e.sentence}")


if __name__ == "__main__":
    main()

"""Aircraft and vessel registry: packaged reference data, user CSVs, enrichment of tracks, bad files."""

from __future__ import annotations

import pytest

from forcewatch.ingest import InputError
from forcewatch.sensors.registry import Registry, ship_type_name
from forcewatch.sensors.tracks import TrackBuilder

T0 = 1734162000.0  # 2024-12-14 07:40 UTC


def test_packaged_reference_data_loads():
    reg = Registry.default()
    assert reg.aircraft == {} and reg.vessels == {}  # nothing the user did not load
    assert reg.type_name("A124") == "An-124 Ruslan" and reg.type_name("a124") == "An-124 Ruslan"
    assert reg.type_name("ZZZZ") == "ZZZZ" and reg.type_name(None) is None
    assert reg.types["SU34"]["military"] is True
    assert "RFF" in reg.military_callsigns and reg.mid_flags["273"] == "RU"
    assert reg.military_hex_ranges and all(a <= b for a, b in reg.military_hex_ranges)
    assert Registry.default() == reg and Registry.default() is not reg  # a plain constructor: no shared copy


def test_user_csvs_in_the_spellings_of_public_databases(tmp_path):
    aircraft = tmp_path / "aircraft.csv"
    aircraft.write_text("icao24;registration;typecode;owner;military\n~15A0B1;RA-82041;a124;Russian Air Force;yes\n"
                        "4bb123;TC-JHA;B738;Turkish Airlines;no\n;NO-HEX;B738;;\n")
    vessels = tmp_path / "vessels.tsv"
    vessels.write_text("MMSI\tVessel Name\tVessel Type\tCountry\tIMO\n273456780\tADMIRAL GRIGOROVICH\tfrigate\tRU\t\n"
                       "636019825\tSPARTA NOVA\tcargo ship\tLR\t9283123\n")
    reg = Registry.default(aircraft_db=[aircraft], vessel_db=[vessels])
    assert set(reg.aircraft) == {"15a0b1", "4bb123"}  # a row without a hex is skipped; "~" (non-ICAO) dropped
    a = reg.aircraft["15a0b1"]
    assert (a.registration, a.type_code, a.operator, a.military) == ("RA-82041", "A124", "Russian Air Force", True)
    assert reg.aircraft["4bb123"].military is False
    v = reg.vessels["636019825"]
    assert (v.name, v.ship_type, v.flag, v.imo) == ("SPARTA NOVA", "cargo ship", "LR", "9283123")
    assert reg.vessels["273456780"].imo is None
    # Later files win; the count of rows read is returned.
    newer = tmp_path / "newer.csv"
    newer.write_text("hex,r,t,ownOp,dbFlags\n4bb123,TC-JHB,A21N,Turkish Airlines,1\n")
    assert reg.load_aircraft_csv(newer) == 1
    assert (reg.aircraft["4bb123"].registration, reg.aircraft["4bb123"].military) == ("TC-JHB", True)


def test_enrichment_of_tracks(tmp_path):
    aircraft = tmp_path / "aircraft.csv"
    aircraft.write_text("hex,reg,icaotype,ownOp,dbFlags\n15a0b1,RA-82041,A124,Russian Air Force,1\n")
    vessels = tmp_path / "vessels.csv"
    vessels.write_text("MMSI,Name,Type,Flag\n273456780,ADMIRAL GRIGOROVICH,frigate,RU\n")
    reg = Registry.default([aircraft], [vessels])
    b = TrackBuilder("aircraft", doc_id="d")
    b.add("15a0b1", T0, 35.40, 35.95, alt=1500)
    b.add("4bb123", T0, 35.40, 35.95, alt=36000)
    b.note("4bb123", callsign="RFF7000")
    b.add("3c6444", T0, 35.40, 35.95, alt=36000)
    b.note("3c6444", callsign="DLH600", type_code="A320", registration="D-AIZA")
    known, airliner, by_callsign = (reg.enrich(t) for t in b.build())  # ordered by address
    assert (known.registration, known.type_code, known.operator, known.military) == (
        "RA-82041", "A124", "Russian Air Force", True)
    assert reg.equipment_name(known) == "An-124 Ruslan"
    assert (by_callsign.name, by_callsign.military) == ("RFF7000", True)
    assert (airliner.registration, airliner.type_code, airliner.military) == ("D-AIZA", "A320", None)
    assert reg.equipment_name(airliner) == "Airbus A320"
    # What the feed said about an aircraft is kept; the registry fills in the rest.
    b = TrackBuilder("aircraft")
    b.add("15a0b1", T0, 35.40, 35.95)
    b.note("15a0b1", registration="RA-82042")
    (track,) = b.build()
    assert reg.enrich(track).registration == "RA-82042" and track.type_code == "A124"
    # Vessels: the registry's name, type and flag; else the flag of the MMSI's MID; AIS type 35 is military.
    v = TrackBuilder("vessel")
    v.add("273456780", T0, 34.97, 35.77)
    v.add("273999999", T0, 34.97, 35.77)
    v.note("273999999", name="SOME TUG", ship_type=35)
    v.add("999000001", T0, 34.97, 35.77)
    frigate, navy, unknown = (reg.enrich(t) for t in v.build())
    assert (frigate.name, frigate.type_code, frigate.flag, frigate.military) == (
        "ADMIRAL GRIGOROVICH", "frigate", "RU", True)
    assert (navy.type_code, navy.flag, navy.military) == ("military vessel", "RU", True)
    assert (unknown.flag, unknown.military, reg.equipment_name(unknown)) == (None, None, "vessel")
    assert ship_type_name(70) == "cargo ship" and ship_type_name(0) is None and ship_type_name(None) is None


def test_registry_military_rules(tmp_path):
    db = tmp_path / "aircraft.csv"
    db.write_text("hex,reg,icaotype,ownOp,dbFlags\n15a0b1,RA-82041,A124,Russian Air Force,1\n"
                  "4bb123,TC-JHA,B738,Turkish Airlines,0\n")
    reg = Registry.default(aircraft_db=[db])
    assert reg.is_military_aircraft("15a0b1") is True  # registry dbFlags & 1
    assert reg.is_military_aircraft("4bb123") is False
    assert reg.is_military_aircraft("ae1234") is True  # US military hex block
    assert reg.is_military_aircraft("150000", type_code="SU34") is True  # type list
    assert reg.is_military_aircraft("150000", callsign="RFF7000") is True  # callsign prefix
    assert reg.is_military_aircraft("150000", db_flags=1) is True  # feed's dbFlags
    assert reg.is_military_aircraft("150000", type_code="A320", callsign="AFL100") is None


def test_bad_registry_files_are_one_line_errors_naming_the_file(tmp_path):
    reg = Registry.default()
    no_key = tmp_path / "bad.csv"
    no_key.write_text("name,value\na,b\n")
    with pytest.raises(InputError, match=r"bad\.csv: registry has no icao column \(header: name,value\)"):
        reg.load_aircraft_csv(no_key)
    with pytest.raises(InputError, match=r"bad\.csv: registry has no mmsi column"):
        reg.load_vessels_csv(no_key)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("mmsi,name\n273456780,CAF\xc9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1\.csv: cannot read registry"):
        reg.load_vessels_csv(latin1)
    with pytest.raises(InputError, match=r"missing\.csv: cannot read registry"):
        Registry.default(aircraft_db=[tmp_path / "missing.csv"])
    # A short row is read as far as it goes; a row without its key is skipped; an empty file is nothing.
    short = tmp_path / "short.csv"
    short.write_text("mmsi,name,type,flag\n273456780,ADMIRAL GRIGOROVICH\n,NO MMSI,tug,RU\n")
    assert reg.load_vessels_csv(short) == 1
    assert (reg.vessels["273456780"].name, reg.vessels["273456780"].flag) == ("ADMIRAL GRIGOROVICH", None)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert reg.load_aircraft_csv(empty) == 0

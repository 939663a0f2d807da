"""Military knowledge: packaged, sourced address blocks, callsign prefixes and types; user files add
to them; every aircraft event says which rule counted it military."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.config import Resources, Settings
from forcewatch.data import packaged
from forcewatch.gazetteer.sites import load_sites
from forcewatch.ingest import InputError
from forcewatch.sensors import read_feed
from forcewatch.sensors.registry import Registry

FEEDS = Path(__file__).resolve().parents[2] / "src" / "forcewatch" / "data" / "demo" / "feeds"


def test_every_packaged_block_names_its_source():
    data = packaged("military.yaml")
    groups = data["icao_blocks"] + data["callsign_prefixes"] + data["types"]
    assert groups and all(isinstance(g.get("source"), str) and len(g["source"]) > 20 for g in groups)


def test_each_rule_gives_its_reason():
    reg = Registry.default([FEEDS / "aircraft-registry.csv"])
    assert reg.military_why("154c2d") == (True, "registry flag")
    assert reg.military_why("4bb123", callsign="RCH100") == (False, "registry flag")  # the registry wins
    assert reg.military_why("150000", db_flags=1) == (True, "feed dbFlags military")
    assert reg.military_why("ae1234") == (True, "ICAO block US military (ADF7C8-AFFFFF)")
    assert reg.military_why("adf7c7") == (None, None)  # the last US civil N-number address
    assert reg.military_why("43c123")[1] == "ICAO block UK military (43C000-43CFFF)"
    assert reg.military_why("150000", type_code="c17") == (True, "type C17")
    assert reg.military_why("150000", callsign="RCH471 ") == (True, "callsign prefix RCH (USAF Air Mobility Command (REACH))")
    assert reg.military_why("150000", callsign="REACH12")[1].startswith("callsign prefix REACH")
    assert reg.military_why("150000", callsign="RRR9921")[1].startswith("callsign prefix RRR")


def test_lookalike_callsigns_and_dual_use_types_do_not_count():
    reg = Registry.default()
    assert reg.military_why("150000", callsign="SAMOA1") == (None, None)  # no digit after the prefix
    assert reg.military_why("150000", callsign="PATRIOT") == (None, None)
    assert reg.military_why("150000", type_code="IL76") == (None, None)  # flown by cargo airlines too
    assert reg.military_why("150000", type_code="A124") == (None, None)
    assert reg.type_name("A124") == "An-124 Ruslan"


def test_a_user_file_adds_blocks_prefixes_and_types(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("icao_blocks:\n  - source: our own list\n    blocks:\n"
                    "      - {from: 140000, to: 1400ff, state: RU, label: test block}\n"
                    "callsign_prefixes:\n  - source: ours\n    prefixes: {XYZ: Test Air Arm}\n"
                    "types:\n  - source: ours\n    military: {IL76: Il-76}\n", "utf-8")
    config = tmp_path / "forcewatch.toml"
    config.write_text('military = ["mine.yaml"]\n', "utf-8")
    reg = Resources(Settings.load(config, environ={})).platforms
    assert reg.military_why("1400aa") == (True, "ICAO block test block (140000-1400FF)")
    assert reg.military_why("150000", callsign="XYZ12") == (True, "callsign prefix XYZ (Test Air Arm)")
    assert reg.military_why("150000", type_code="IL76") == (True, "type IL76")
    assert reg.military_why("ae0001")[0] is True  # the packaged blocks are kept


@pytest.mark.parametrize("text, problem", [("- just a list\n", "mapping"),
                                           ("icao_blocks:\n  - blocks:\n      - {from: zz, to: 00}\n", "bad military entry"),
                                           ("icao_blocks: [\n", "not valid YAML")])
def test_a_broken_user_file_is_one_clear_error(tmp_path, text, problem):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, "utf-8")
    with pytest.raises(InputError, match=problem):
        Registry.default(military=[bad])
    with pytest.raises(InputError, match="cannot read"):
        Registry.default(military=[tmp_path / "missing.yaml"])


def test_aircraft_events_say_why_they_are_military(tmp_path):
    reg = Registry.default([FEEDS / "aircraft-registry.csv"], [FEEDS / "vessel-registry.csv"])
    result = read_feed(FEEDS / "hmeimim-2024-12-09_14.sbs", registry=reg, sites=load_sites())
    reasons = {e.military_reason for e in result.events}
    assert "registry flag" in reasons
    assert all(e.military_reason is None for e in result.events if "Turkish" in (e.actor.name if e.actor else ""))
    # An aircraft the registry does not know, counted by its callsign.
    feed = tmp_path / "reach.sbs"
    lines = ["MSG,1,1,1,A12345,1,2024/12/09,10:00:00.000,2024/12/09,10:00:00.000,RCH471,,,,,,,,0,0,0,0"]
    for i in range(40):
        t = f"10:{i // 2:02d}:{(i % 2) * 30:02d}.000"
        ground = "-1" if i < 20 else "0"
        alt = "" if i < 20 else str(1000 + 500 * (i - 20))
        lat = 35.4011 + (0 if i < 20 else 0.02 * (i - 19))
        lines.append(f"MSG,3,1,1,A12345,1,2024/12/09,{t},2024/12/09,{t},,{alt},,,{lat:.5f},35.9487,,,0,0,0,{ground}")
    feed.write_text("\n".join(lines) + "\n", "utf-8")
    events = read_feed(feed, registry=reg, sites=load_sites()).events
    assert events and {e.military_reason for e in events} == {"callsign prefix RCH (USAF Air Mobility Command (REACH))"}
    vessel = read_feed(FEEDS / "tartus-2024-12-09_14.nmea", registry=reg, sites=load_sites()).events
    assert "registry type frigate" in {e.military_reason for e in vessel}

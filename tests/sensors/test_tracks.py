"""Track building: ordering, duplicates, gaps, impossible jumps, registry enrichment, stable ids."""

from __future__ import annotations

from forcewatch.sensors.registry import Registry
from forcewatch.sensors.tracks import TrackBuilder, TrackParams

T0 = 1733724600.0  # 2024-12-09 06:10 UTC


def test_sorted_deduplicated_and_split_at_gaps():
    b = TrackBuilder("vessel", doc_id="d1")
    fixes = [(T0 + 600, 34.97, 35.77), (T0, 34.97, 35.77), (T0, 34.97, 35.77), (T0 + 300, 34.971, 35.771),
             (T0 + 7 * 3600, 34.98, 35.70), (T0 + 7 * 3600 + 60, 34.981, 35.70)]
    for t, lat, lon in fixes:
        b.add("273456780", t, lat, lon, speed=0.1)
    tracks = b.build()
    assert [len(t.positions) for t in tracks] == [3, 2]  # a 6 h 50 min silence cuts the track
    assert [p.t.timestamp() for p in tracks[0].positions] == [T0, T0 + 300, T0 + 600]
    assert b.stats["dropped:duplicate"] == 1
    # Same input, same ids: re-ingesting a feed cannot duplicate tracks.
    b2 = TrackBuilder("vessel", doc_id="d1")
    for t, lat, lon in reversed(fixes):
        b2.add("273456780", t, lat, lon, speed=0.1)
    assert [t.id for t in b2.build()] == [t.id for t in tracks]
    assert tracks[0].id != tracks[1].id


def test_impossible_jump_dropped_but_a_real_move_is_kept():
    b = TrackBuilder("vessel")
    b.add("1", T0, 34.97, 35.77, speed=10)
    b.add("1", T0 + 60, 34.972, 35.771, speed=10)  # ~240 m in a minute: 8 kn, fine
    b.add("1", T0 + 120, 36.5, 35.771, speed=10)  # 170 km in a minute: corrupt
    b.add("1", T0 + 180, 34.975, 35.772, speed=10)
    (track,) = b.build()
    assert [round(p.lat, 3) for p in track.positions] == [34.97, 34.972, 34.975]
    assert b.stats["dropped:impossible_jump"] == 1
    # An aircraft may cover 3 km in 20 s (290 kn); a ship may not.
    a = TrackBuilder("aircraft")
    a.add("15a0b1", T0, 35.40, 35.95, alt=5000)
    a.add("15a0b1", T0 + 20, 35.427, 35.95, alt=5500)
    assert len(a.build()[0].positions) == 2


def test_run_of_consistent_fixes_after_a_bad_first_fix_is_trusted():
    b = TrackBuilder("vessel", params=TrackParams(reset_after=3))
    b.add("1", T0, 10.0, 10.0)  # the bad one
    for k in range(1, 6):
        b.add("1", T0 + 60 * k, 34.97 + 0.001 * k, 35.77)
    (track,) = b.build()
    assert track.positions[-1].lat == 34.975 and len(track.positions) == 4  # 2 dropped, then trusted


def test_aircraft_gap_and_new_leg_split():
    b = TrackBuilder("aircraft")
    b.add("15a0b1", T0, 35.40, 35.95, on_ground=True)
    b.add("15a0b1", T0 + 60, 35.40, 35.95, on_ground=True)
    b.add("15a0b1", T0 + 120, 35.40, 35.95, on_ground=True, new_leg=True)
    b.add("15a0b1", T0 + 120 + 31 * 60, 35.40, 35.95, on_ground=True)
    assert [len(t.positions) for t in b.build()] == [2, 1, 1]


def test_registry_names_tracks(tmp_path):
    vessels = tmp_path / "vessels.csv"
    vessels.write_text("MMSI,Name,Type,Flag\n273456780,ADMIRAL GRIGOROVICH,frigate,RU\n")
    reg = Registry.default(vessel_db=[vessels])
    b = TrackBuilder("vessel")
    b.add("273456780", T0, 34.97, 35.77)
    b.add("273999999", T0, 34.97, 35.77)
    b.note("273999999", name="SPARTA NOVA", ship_type=70)
    known, other = (reg.enrich(t) for t in b.build())
    assert (known.name, known.type_code, known.flag, known.military) == ("ADMIRAL GRIGOROVICH", "frigate", "RU", True)
    assert (other.name, other.type_code, other.flag, other.military) == ("SPARTA NOVA", "cargo ship", "RU", None)

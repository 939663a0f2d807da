"""The place prefilter of fusion never drops a pair corroboration would link: whenever two events'
places overlap, one's search box meets the other's reach (fuse/corroborate.search_box, reach)."""

from hypothesis import given, settings, strategies as st

from forcewatch.fuse.corroborate import places_overlap, reach, search_box
from forcewatch.records import Event, Place

lat = st.floats(-89.5, 89.5, allow_nan=False)
lon = st.floats(-180.0, 180.0, allow_nan=False)
radius = st.one_of(st.none(), st.floats(0.0, 60.0, allow_nan=False))


def _event(i: int, points: list[tuple[float, float, float | None]]) -> Event:
    places = [Place(f"p{k}", la, lo, "site", "site", r) for k, (la, lo, r) in enumerate(points)] + [None] * 3
    return Event(id=f"e{i}", doc_id=f"d{i}", type="MOBILIZE", subtype="arrive", trigger="x", trigger_span=(0, 1),
                 sentence="x", span=(0, 1), location=places[0], origin=places[1], destination=places[2])


def _meets(box, extent) -> bool:
    south, west, north, east = box
    s, w, n, e = extent
    return n >= south and s <= north and e >= west and w <= east


near = st.tuples(lat, lon, radius)


@settings(max_examples=400, deadline=None)
@given(st.lists(near, min_size=1, max_size=3), st.lists(near, min_size=1, max_size=3),
       st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_overlapping_places_always_meet_in_the_boxes(a_points, b_points, pull_lat, pull_lon):
    # pull b's first point towards a's so that many pairs overlap (near the poles and the antimeridian too)
    (la, lo, _), (lb, lob, rb) = a_points[0], b_points[0]
    b_points = [(lb + (la - lb) * pull_lat, lob + (lo - lob) * pull_lon, rb), *b_points[1:]]
    a, b = _event(1, a_points), _event(2, b_points)
    if places_overlap(a, b):
        assert search_box(a) is not None and reach(b) is not None
        assert _meets(search_box(a), reach(b))


def test_a_country_wide_pin_reaches_nothing():
    wide = _event(1, [(35.0, 38.5, 300.0)])
    assert reach(wide) is None and search_box(wide) is None

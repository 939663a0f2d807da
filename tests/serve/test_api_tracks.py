"""GET /api/tracks/{id} and /api/tracks/{id}/fixes: a track's platform from the store, its fixes from
the fix archive (store/fixes.py; PostgreSQL: its positions table), as JSON or a GeoJSON LineString."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from forcewatch.records import Position, Track
from forcewatch.serve.api import FIXES_MAX_LIMIT, create_app
from forcewatch.store import open_store

T0 = datetime(2024, 12, 9, 23, 0, tzinfo=timezone.utc)  # the track crosses midnight: two day partitions


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def client(request, tmp_path_factory):
    """The API over a store of each backend (PostgreSQL keeps its fixes in a positions table)."""
    if request.param == "duckdb":
        db = str(tmp_path_factory.mktemp("tracks") / "t.duckdb")
    else:
        db = request.getfixturevalue("postgres_databases")()
    track = Track(id="ais:273456780", platform="vessel", ident="273456780", name="ADMIRAL GRIGOROVICH",
                  type_code="frigate", flag="RU", military=True, source="tartus.nmea",
                  positions=[Position(T0 + timedelta(minutes=10 * k), 34.90 + k / 100, 35.80, speed_kn=12.0,
                                      course_deg=90.0, status="under_way") for k in range(12)])
    with open_store(db) as store:
        store.add_tracks([track, Track(id="adsb:4b1805", platform="aircraft", ident="4b1805",
                                       positions=[Position(T0, 35.4, 35.9, altitude_ft=3000.0, on_ground=False)])])
    return TestClient(create_app(db))


def test_a_track_is_its_platform_and_how_many_fixes(client):
    r = client.get("/api/tracks/ais:273456780")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "ais:273456780", "platform": "vessel", "ident": "273456780", "name": "ADMIRAL GRIGOROVICH",
                        "type_code": "frigate", "registration": None, "operator": None, "flag": "RU", "military": True,
                        "source": "tartus.nmea", "t_start": "2024-12-09T23:00:00Z", "t_end": "2024-12-10T00:50:00Z",
                        "n_fixes": 12}


def test_fixes_come_from_the_archive_in_time_order_within_the_window(client):
    body = client.get("/api/tracks/ais:273456780/fixes").json()
    assert body["track_id"] == "ais:273456780" and body["truncated"] is False and len(body["items"]) == 12
    first = body["items"][0]
    assert first == {"t": "2024-12-09T23:00:00+00:00", "lat": 34.9, "lon": 35.8, "altitude_ft": None, "speed_kn": 12.0,
                     "course_deg": 90.0, "on_ground": None, "status": "under_way"}
    assert [f["t"] for f in body["items"]] == sorted(f["t"] for f in body["items"])
    window = client.get("/api/tracks/ais:273456780/fixes",
                        params={"since": "2024-12-09T23:30:00Z", "until": "2024-12-10T00:10:00"}).json()
    assert [f["t"][11:16] for f in window["items"]] == ["23:30", "23:40", "23:50", "00:00", "00:10"]
    page = client.get("/api/tracks/ais:273456780/fixes", params={"limit": 5}).json()
    assert len(page["items"]) == 5 and page["truncated"] is True and page["limit"] == 5


def test_fixes_as_a_geojson_linestring(client):
    r = client.get("/api/tracks/ais:273456780/fixes", params={"format": "geojson", "limit": 3})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    feature = r.json()
    assert feature["type"] == "Feature" and feature["id"] == "ais:273456780"
    assert feature["geometry"] == {"type": "LineString", "coordinates": [[35.8, 34.9], [35.8, 34.91], [35.8, 34.92]]}
    assert feature["properties"]["times"][0] == "2024-12-09T23:00:00+00:00" and feature["properties"]["truncated"]
    one = client.get("/api/tracks/adsb:4b1805/fixes", params={"format": "geojson"}).json()
    assert one["geometry"] == {"type": "Point", "coordinates": [35.9, 35.4]}


def test_unknown_tracks_and_bad_parameters_are_json_errors(client):
    for path in ("/api/tracks/nope", "/api/tracks/nope/fixes"):
        r = client.get(path)
        assert r.status_code == 404 and "no track with id 'nope'" in r.json()["error"]["message"]
    for params in ({"limit": 0}, {"limit": FIXES_MAX_LIMIT + 1}, {"since": "yesterday"}, {"format": "kml"}):
        assert client.get("/api/tracks/ais:273456780/fixes", params=params).status_code == 422, params


def test_track_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/tracks/{track_id}" in paths and "/api/tracks/{track_id}/fixes" in paths
    assert client.get("/api/meta").json()["limits"]["max_fixes"] == FIXES_MAX_LIMIT

"""forcewatch.geo against figures worked out independently of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forcewatch.geo import approx_m, compass, geodesic, geodesic_km, haversine_km, midpoint, offset

TARTUS = (34.8915, 35.8730)
WGS84_A = 6378137.0  # equatorial radius, m


def test_a_degree_along_the_equator():
    # along the equator the geodesic is the equator itself: a * pi / 180
    assert geodesic_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(WGS84_A * math.pi / 180 / 1000, abs=1e-6)
    az, dist = geodesic(0.0, 0.0, 0.0, 1.0)
    assert az == pytest.approx(90.0) and dist == pytest.approx(111_319.4908, abs=1e-3)


def test_a_degree_of_latitude_at_the_equator():
    assert geodesic_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(110.574, abs=0.001)


def test_offset_13_km_north_west_and_back():
    lat, lon = offset(*TARTUS, 315.0, 13.0)
    assert lat > TARTUS[0] and lon < TARTUS[1]
    assert geodesic_km(*TARTUS, lat, lon) == pytest.approx(13.0, abs=1e-6)
    az, _ = geodesic(*TARTUS, lat, lon)
    assert az % 360 == pytest.approx(315.0, abs=1e-6)
    back, dist = geodesic(lat, lon, *TARTUS)
    assert dist == pytest.approx(13_000.0, abs=1e-3)
    assert back % 360 == pytest.approx(135.0, abs=0.1)  # south-east, less the meridians' convergence
    assert back % 360 != pytest.approx(135.0, abs=0.01)
    # and the pin is about 9.2 km north and 9.2 km west: 13 / sqrt(2)
    assert (lat - TARTUS[0]) * 110.95 == pytest.approx(13 / math.sqrt(2), rel=0.01)


def test_midpoint():
    lat, lon, dist = midpoint(0.0, 0.0, 0.0, 2.0)
    assert (lat, lon) == (pytest.approx(0.0, abs=1e-9), pytest.approx(1.0))
    assert dist == pytest.approx(2 * 111_319.4908, abs=1e-2)
    lat, lon, dist = midpoint(*TARTUS, 35.4011, 35.9487)  # Tartus - Hmeimim
    assert geodesic_km(*TARTUS, lat, lon) == pytest.approx(dist / 2000, abs=1e-6)
    assert geodesic_km(lat, lon, 35.4011, 35.9487) == pytest.approx(dist / 2000, abs=1e-6)


def test_haversine_on_the_mean_sphere():
    assert haversine_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(6371.0088 * math.pi / 180)
    assert haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(6371.0088 * math.pi)
    assert haversine_km(*TARTUS, *TARTUS) == 0.0
    # within half a percent of the ellipsoid at Syrian latitudes
    assert haversine_km(*TARTUS, 35.4011, 35.9487) == pytest.approx(geodesic_km(*TARTUS, 35.4011, 35.9487), rel=0.005)


def test_equirectangular_prefilter_is_close_at_tens_of_km():
    lat, lon = offset(*TARTUS, 45.0, 40.0)
    assert approx_m(TARTUS[0], TARTUS[1], lat, lon) == pytest.approx(40_000.0, rel=0.005)
    lats = np.array([TARTUS[0], lat])
    lons = np.array([TARTUS[1], lon])
    assert approx_m(TARTUS[0], TARTUS[1], lats, lons) == pytest.approx([0.0, 40_000.0], rel=0.005, abs=1e-6)


@pytest.mark.parametrize("bearing,point", [
    (0, "N"), (360, "N"), (11.2, "N"), (11.3, "NNE"), (22.5, "NNE"), (45, "NE"), (90, "E"), (135, "SE"),
    (180, "S"), (202.5, "SSW"), (292.5, "WNW"), (315, "NW"), (337.5, "NNW"), (348.7, "NNW"), (348.75, "N"),
    (-45, "NW"), (810, "E"),
])
def test_sixteen_points(bearing, point):
    assert compass(bearing) == point


@pytest.mark.parametrize("bearing,point", [
    (0, "N"), (22.4, "N"), (22.5, "NE"), (45, "NE"), (100, "E"), (135, "SE"), (200, "S"), (247.5, "W"),
    (315, "NW"), (337.4, "NW"), (337.5, "N"), (-90, "W"),
])
def test_eight_points(bearing, point):
    assert compass(bearing, points=8) == point

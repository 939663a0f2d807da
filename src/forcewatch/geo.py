"""Distances, bearings and offsets on the Earth, decided once for every stage.

Three accuracies for three jobs: the WGS84 geodesic (pyproj) where a figure is shown or stored (an
offset "13 km north-west of Tartus", a track's length, a site's distance); the haversine where
candidates are ranked; the equirectangular approximation as a prefilter in inner loops. The numpy
forms take arrays as well as scalars.
"""

from __future__ import annotations

import math

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
EARTH_KM = 6371.0088  # mean radius (IUGG)
M_PER_DEGREE = 111_195.0  # one degree of a great circle, in metres
COMPASS_8 = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
COMPASS_16 = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")


def geodesic(lat1, lon1, lat2, lon2):
    """(forward azimuth in degrees, distance in metres) from the first point to the second, on WGS84;
    numpy arrays in, arrays out."""
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return az, dist


def geodesic_km(lat1, lon1, lat2, lon2):
    """WGS84 distance in km."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def offset(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``bearing_deg``, on WGS84: (lat, lon)."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing_deg, km * 1000.0)
    return lat2, lon2


def midpoint(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float, float]:
    """Halfway along the geodesic between two points: (lat, lon, the whole distance in metres)."""
    az, dist = geodesic(lat1, lon1, lat2, lon2)
    lon, lat, _ = GEOD.fwd(lon1, lat1, az, dist / 2)  # dist / 2 exactly (not via km)
    return lat, lon, dist


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km: fast enough for ranking candidates."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_np(lat1, lon1, lat2, lon2):
    """Great-circle distance in km, numpy arrays in and out (haversine_km's formula)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def approx_m(lat1, lon1, lat2, lon2):
    """Equirectangular distance in metres (numpy): only a prefilter, within 0.5% at tens of km."""
    k = np.cos(np.radians((lat1 + lat2) * 0.5))
    return M_PER_DEGREE * np.hypot(lat2 - lat1, (lon2 - lon1) * k)


def compass(bearing_deg: float, points: int = 16) -> str:
    """The compass point of a bearing: 16 points ("NNW") by default, 8 ("NW") on request."""
    names = COMPASS_16 if points == 16 else COMPASS_8
    step = 360.0 / len(names)
    return names[int((bearing_deg % 360) / step + 0.5) % len(names)]

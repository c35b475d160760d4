"""Distances: a vectorised haversine for screening, WGS-84 geodesic for what people see.

This module owns the one definition of "within X km" used by every limit (max distance, area
radius): the geodesic distance, the same figure that is displayed, so that a result never shows
25.1 km under a 25 km limit. Screening many sites uses the spherical (haversine) distance, which
differs from the geodesic by under 0.6 %; only sites inside that band are confirmed with geodesic.
Depends on numpy and geopy.distance only (arithmetic, never a network geocoder).
"""

from __future__ import annotations

import math

import numpy as np
from geopy.distance import Geodesic, geodesic

_GEODESIC = geodesic()  # one instance: building geopy's Geodesic solver costs as much as a distance
_GEODESIC.measure((0.0, 0.0), (0.0, 0.0))  # geopy builds its WGS-84 solver on first use: do it once here
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, which minimises haversine's error against WGS-84
BAND = 0.006  # relative haversine-vs-geodesic error bound, rounded up from ~0.56 %
_A, _E2 = 6378.137, 0.00669437999014  # WGS-84 semi-major axis (km) and first eccentricity squared
# The flat-ellipsoid shortcut's range, and its error bound in km: it grows with the cube of the
# distance (measured: 4 m at 50 km, 31 m at 100 km, any latitude within 80°); 3x margin plus 10 cm.
LOCAL_MAX_KM, LOCAL_ERR_PER_KM3, LOCAL_ERR_FLOOR = 60.0, 1e-7, 1e-4


def local_error_bound(km: np.ndarray | float) -> np.ndarray | float:
    """How far (km) the flat-ellipsoid distance may be from the geodesic at this distance."""
    return LOCAL_ERR_PER_KM3 * np.asarray(km) ** 3 + LOCAL_ERR_FLOOR


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, shape (n, 3): chord lengths give haversine distances cheaply."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def haversine_km(xyz: np.ndarray, lat: float, lon: float) -> np.ndarray:
    """Great-circle distances (km) from one point to many points given as unit vectors."""
    phi, lam = math.radians(lat), math.radians(lon)  # one point: plain floats, not numpy's ~15 µs of calls
    here = np.array((math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)))
    diff = xyz - here
    chord = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord / 2.0, 1.0))


def haversine_one(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (km) between two points, in plain Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The WGS-84 geodesic distance (km): ~40 µs a call, so only for the few that are shown.

    The same solver call geopy's ``geodesic.measure`` makes, minus its ~25 µs of parsing two Points:
    coordinates already in range are passed as Point would pass them (floats, -0.0 as 0.0); anything
    else goes through ``measure`` itself (normalised or rejected exactly as geopy does).
    """
    a, b, c, d = float(lat1 or 0.0), float(lon1 or 0.0), float(lat2 or 0.0), float(lon2 or 0.0)
    if abs(a) <= 90.0 and abs(c) <= 90.0 and abs(b) <= 180.0 and abs(d) <= 180.0:  # False for NaN
        return _GEODESIC.geod.Inverse(a, b, c, d, Geodesic.DISTANCE)["s12"]
    return _GEODESIC.measure((lat1, lon1), (lat2, lon2))


def shown_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The distance as displayed: exactly ``round(geodesic_km(...), 1)``, mostly without the geodesic.

    The flat-ellipsoid distance (~2 µs) is within ``local_error_bound`` (measured within 80° of the equator) of the geodesic; when it lies
    farther than that from a rounding edge (x.x5 km) both round to the same figure. Near an edge (about
    4 % of distances at 25 km), beyond LOCAL_MAX_KM or for coordinates out of range, the geodesic decides.
    """
    if abs(lat1) <= 80.0 and abs(lat2) <= 80.0 and abs(lon1) <= 180.0 and abs(lon2) <= 180.0:  # False for NaN
        hav = haversine_one(lat1, lon1, lat2, lon2)
        if hav <= LOCAL_MAX_KM:  # the bound was measured within 80° of the equator, up to LOCAL_MAX_KM
            local = _local_one(lat1, lon1, lat2, lon2)
            tenths = local * 10.0 - 0.5  # rounding edges at whole numbers of this
            if abs(tenths - round(tenths)) / 10.0 > LOCAL_ERR_PER_KM3 * hav**3 + LOCAL_ERR_FLOOR + 1e-9:
                return round(local, 1)
    return round(geodesic_km(lat1, lon1, lat2, lon2), 1)


def _local_one(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``_local_km`` for one pair, in plain Python (numpy costs more than the arithmetic for one)."""
    mid = math.radians((lat1 + lat2) / 2.0)
    w = 1.0 - _E2 * math.sin(mid) ** 2
    meridian, normal = _A * (1 - _E2) / w**1.5, _A / math.sqrt(w)
    north = meridian * math.radians(lat2 - lat1)
    east = normal * math.cos(mid) * math.radians((lon2 - lon1 + 180.0) % 360.0 - 180.0)
    return math.hypot(north, east)


def outer_km(limit_km: float) -> float:
    """The haversine distance beyond which no point is within ``limit_km`` (the band's far edge)."""
    return limit_km * (1 + BAND) + 1e-9


def within(limit_km: float, hav_km: float, here: tuple[float, float], there: tuple[float, float]) -> bool:
    """Whether ``there`` is within ``limit_km`` of ``here`` by the displayed (geodesic) distance.

    ``hav_km`` is the already known haversine distance: it settles every case outside the band.
    """
    if hav_km <= limit_km * (1 - BAND):
        return True
    if hav_km > limit_km * (1 + BAND) + 1e-9:
        return False
    return geodesic_km(*here, *there) <= limit_km


def _local_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Distance on the WGS-84 ellipsoid treated as flat at the mid-latitude (radii M and N).

    Within LOCAL_MAX_KM its error against the geodesic is under ``local_error_bound`` (a unit test checks),
    so only points that close to a limit need the slow geodesic.
    """
    mid = np.radians((lats + lat) / 2.0)
    w = 1.0 - _E2 * np.sin(mid) ** 2
    meridian, normal = _A * (1 - _E2) / w**1.5, _A / np.sqrt(w)
    north = meridian * np.radians(lats - lat)
    east = normal * np.cos(mid) * np.radians((lons - lon + 180.0) % 360.0 - 180.0)
    return np.hypot(north, east)


def within_many(
    limit_km: np.ndarray | float, hav_km: np.ndarray, here: tuple[float, float], lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """``within`` for many points: geodesic is computed only for those inside the band."""
    given = np.asarray(limit_km, dtype=np.float64)
    limit: np.ndarray | float = float(given) if given.ndim == 0 else given  # one limit: a float, no broadcasting
    inside = hav_km <= limit * (1 - BAND)
    unsure = np.flatnonzero(~inside & (hav_km <= limit * (1 + BAND) + 1e-9))
    if not len(unsure):
        return inside
    at = limit if isinstance(limit, float) else limit[unsure]  # the limit of each unsure point
    local = _local_km(here[0], here[1], lat[unsure], lon[unsure])
    trusted = hav_km[unsure] <= LOCAL_MAX_KM
    sure = trusted & (np.abs(local - at) > local_error_bound(hav_km[unsure]))
    inside[unsure[sure]] = (local <= at)[sure]
    for k in np.flatnonzero(~sure):
        i = unsure[k]
        inside[i] = geodesic_km(*here, float(lat[i]), float(lon[i])) <= (at if isinstance(at, float) else at[k])
    return inside

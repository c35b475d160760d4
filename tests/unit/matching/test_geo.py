"""The distance definitions: haversine screening bands and the flat-ellipsoid shortcut are safe."""

import numpy as np
from geopy.distance import Geodesic
from hypothesis import given
from hypothesis import strategies as st

from referral.matching.geo import (
    BAND,
    LOCAL_MAX_KM,
    _local_km,
    geodesic_km,
    haversine_one,
    local_error_bound,
    shown_km,
    within_many,
)


def _pairs(n: int, max_km: float):
    rng = np.random.default_rng(7)
    for _ in range(n):
        lat, lon, d, b = rng.uniform(-80, 80), rng.uniform(-180, 180), rng.uniform(0.1, max_km), rng.uniform(0, 6.3)
        yield (
            lat,
            lon,
            lat + np.degrees(d / 6371 * np.cos(b)),
            lon + np.degrees(d / 6371 * np.sin(b) / np.cos(np.radians(lat))),
        )


def test_haversine_stays_within_the_band_of_the_geodesic():
    for lat, lon, lat2, lon2 in _pairs(300, 500):
        g = geodesic_km(lat, lon, lat2, lon2)
        assert abs(haversine_one(lat, lon, lat2, lon2) - g) <= BAND * g


def test_the_flat_ellipsoid_shortcut_stays_within_its_error_bound():
    for lat, lon, lat2, lon2 in _pairs(300, LOCAL_MAX_KM):
        local = _local_km(lat, lon, np.array([lat2]), np.array([lon2]))[0]
        geo = geodesic_km(lat, lon, lat2, lon2)
        assert abs(local - geo) < local_error_bound(haversine_one(lat, lon, lat2, lon2))


def test_within_many_agrees_with_the_geodesic_at_the_limit():
    lat, lon = 40.0, 10.0
    lats = lat + np.linspace(24.9, 25.1, 41) / 111.0
    lons = np.full(41, lon)
    hav = np.array([haversine_one(lat, lon, a, b) for a, b in zip(lats, lons)])
    expected = [geodesic_km(lat, lon, a, b) <= 25.0 for a, b in zip(lats, lons)]
    assert within_many(25.0, hav, (lat, lon), lats, lons).tolist() == expected


def test_the_shown_distance_is_always_the_rounded_geodesic():
    for lat, lon, lat2, lon2 in _pairs(2000, 2 * LOCAL_MAX_KM):
        assert shown_km(lat, lon, lat2, lon2) == round(geodesic_km(lat, lon, lat2, lon2), 1)


def test_the_shown_distance_is_the_rounded_geodesic_a_millimetre_either_side_of_a_rounding_edge():
    solver = Geodesic.WGS84
    for lat, edge_km in ((31.3, 12.35), (-45.0, 24.95), (79.5, 0.05), (0.0, 59.95)):
        for offset_km in (-1e-6, 0.0, 1e-6):
            there = solver.Direct(lat, 120.0, 37.0, (edge_km + offset_km) * 1000.0)
            expected = round(geodesic_km(lat, 120.0, there["lat2"], there["lon2"]), 1)
            assert shown_km(lat, 120.0, there["lat2"], there["lon2"]) == expected


@given(st.floats(-89.9, 89.9), st.floats(-180, 180), st.floats(-0.6, 0.6), st.floats(-0.6, 0.6))
def test_any_nearby_pair_shows_the_rounded_geodesic(lat, lon, dlat, dlon):
    lat2, lon2 = max(-90.0, min(90.0, lat + dlat)), (lon + dlon + 180.0) % 360.0 - 180.0
    assert shown_km(lat, lon, lat2, lon2) == round(geodesic_km(lat, lon, lat2, lon2), 1)

"""The distance definitions: haversine screening bands and the flat-ellipsoid shortcut are safe."""

import numpy as np

from referral.matching.geo import BAND, LOCAL_MAX_KM, _local_km, local_error_bound, geodesic_km, haversine_one, within_many


def _pairs(n: int, max_km: float):
    rng = np.random.default_rng(7)
    for _ in range(n):
        lat, lon, d, b = rng.uniform(-80, 80), rng.uniform(-180, 180), rng.uniform(0.1, max_km), rng.uniform(0, 6.3)
        yield lat, lon, lat + np.degrees(d / 6371 * np.cos(b)), lon + np.degrees(d / 6371 * np.sin(b) / np.cos(np.radians(lat)))


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

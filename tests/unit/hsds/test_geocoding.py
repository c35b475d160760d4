"""Geocoders: the offline gazetteer by default; a geopy geocoder cached and failing softly."""

from __future__ import annotations

from types import SimpleNamespace

from geopy.exc import GeocoderTimedOut

from referral import geocoding

PLACES = [
    geocoding.GazetteerPlace("T1", ("东港镇", "Donggang Town"), 31.31, 120.72),
    geocoding.GazetteerPlace("D1", ("东区", "East District"), 31.30, 120.70),
]


def test_the_gazetteer_geocoder_uses_the_most_specific_place_named() -> None:
    coder = geocoding.GazetteerGeocoder(PLACES)
    found = coder.geocode(["1 Harbour Road", "Donggang Town", "East District"])
    assert (found.latitude, found.longitude, found.matched) == (31.31, 120.72, "T1 东港镇")
    assert coder.geocode(["Dongang Town"]).matched == "T1 东港镇"  # a typo is still found
    missing = coder.geocode(["Porirua", "NZ"])
    assert not missing.ok and "no gazetteer place" in missing.reason


def test_the_default_configuration_never_reaches_the_network() -> None:
    coder = geocoding.from_config({}, lambda: PLACES)
    assert isinstance(coder, geocoding.GazetteerGeocoder)


class FakeService:
    """Stands in for a geopy geocoder's ``geocode``: answers from a table, counts calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, query: str) -> object:
        self.calls.append(query)
        if "timeout" in query:
            raise GeocoderTimedOut("slow")
        if "Porirua" in query:
            return SimpleNamespace(latitude=-41.13, longitude=174.84, address="Porirua, NZ")
        return None


def test_a_geopy_geocoder_is_cached_and_its_failures_are_results() -> None:
    service = FakeService()
    coder = geocoding.GeopyGeocoder("nominatim", service)
    assert coder.geocode(["3 Lyttelton Ave", "Porirua"]).latitude == -41.13
    assert coder.geocode(["3 Lyttelton Ave", "Porirua"]).ok and len(service.calls) == 1
    assert "no result" in coder.geocode(["Nowhere"]).reason
    assert "GeocoderTimedOut" in coder.geocode(["timeout"]).reason


def test_a_named_geopy_geocoder_is_built_rate_limited_without_a_call() -> None:
    coder = geocoding.from_config(
        {"kind": "nominatim", "user_agent": "referral-tests", "min_delay_seconds": 1}, lambda: PLACES
    )
    assert isinstance(coder, geocoding.GeopyGeocoder) and coder.name == "nominatim"

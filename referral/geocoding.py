"""Geocoding addresses when data is written (HSDS import), never per match.

Two kinds behind one small protocol: the offline gazetteer geocoder (the default: a place name in
the address → that place's centroid), and any geopy geocoder named in config (Nominatim or
another; network calls), wrapped in geopy's RateLimiter and an in-memory cache. Failures are
results, not exceptions: an import lists them and goes on. The matching core must never import
this module (``geopy.geocoders`` are network calls; ``geopy.distance`` is the core's arithmetic).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from referral.matching.text import PhraseMatcher, normalise

FUZZY_MIN = 90.0  # rapidfuzz 0-100: a place name in an address must be nearly exact


@dataclass(frozen=True)
class Geocoded:
    """A coordinate for a query, or the reason there is none (``latitude`` is None)."""

    query: str
    latitude: float | None = None
    longitude: float | None = None
    matched: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.latitude is not None


class Geocoder(Protocol):
    name: str

    def geocode(self, parts: Sequence[str]) -> Geocoded:
        """Coordinates for an address given as parts, most specific first."""


@dataclass(frozen=True)
class GazetteerPlace:
    code: str
    names: tuple[str, ...]
    latitude: float
    longitude: float


class GazetteerGeocoder:
    """Offline: the centroid of the gazetteer place an address part names (city, district, town)."""

    name = "gazetteer"

    def __init__(self, places: Iterable[GazetteerPlace]):
        self._places = {p.code: p for p in places}
        self._by_name: dict[str, set[str]] = {}
        for place in self._places.values():
            for name in place.names:
                self._by_name.setdefault(normalise(name), set()).add(place.code)
        self._matcher = PhraseMatcher((p.code, p.names) for p in self._places.values())

    def has(self, code: str) -> bool:
        return code in self._places

    def geocode(self, parts: Sequence[str]) -> Geocoded:
        query = ", ".join(p for p in parts if p)
        if not self._places:
            return Geocoded(query, reason="the gazetteer is empty")
        for part in parts:
            code = self.find(part)
            if code:
                place = self._places[code]
                return Geocoded(query, place.latitude, place.longitude, matched=f"{code} {place.names[0]}")
        return Geocoded(query, reason="no gazetteer place named in the address")

    def find(self, part: str) -> str | None:
        """The code of the one place ``part`` names (exactly, or nearly), else None."""
        exact = self._by_name.get(normalise(part or ""), set())
        if len(exact) == 1:
            return next(iter(exact))
        if exact or not part or len(normalise(part)) < 4:
            return None  # ambiguous, or too short to trust a fuzzy hit
        hits = self._matcher.search(part, limit=2, min_score=FUZZY_MIN)
        if len(hits) == 1 or (len(hits) > 1 and hits[0].score > hits[1].score):
            return hits[0].key
        return None


class GeopyGeocoder:
    """A geopy geocoder (network), rate-limited and cached in memory for the life of an import."""

    def __init__(self, service: str, geocode: Callable[..., Any]):
        self.name = service
        self._geocode = geocode
        self._cache: dict[str, Geocoded] = {}

    def geocode(self, parts: Sequence[str]) -> Geocoded:
        query = ", ".join(p for p in parts if p)
        if query not in self._cache:
            self._cache[query] = self._lookup(query)
        return self._cache[query]

    def _lookup(self, query: str) -> Geocoded:
        from geopy.exc import GeopyError

        try:
            found = self._geocode(query)
        except GeopyError as error:
            return Geocoded(query, reason=f"{self.name}: {type(error).__name__}: {error}")
        if found is None:
            return Geocoded(query, reason=f"{self.name}: no result")
        return Geocoded(query, found.latitude, found.longitude, matched=getattr(found, "address", None))


def from_config(settings: Mapping[str, Any], places: Callable[[], Iterable[GazetteerPlace]]) -> Geocoder:
    """The geocoder the GEOCODER settings name; ``places`` is only called for the gazetteer."""
    kind = str(settings.get("kind", "gazetteer")).lower()
    if kind == "gazetteer":
        return GazetteerGeocoder(places())
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    options = {
        "user_agent": settings.get("user_agent", "referral"),
        "timeout": settings.get("timeout_seconds", 10),
        **settings.get("options", {}),
    }
    geocoder = get_geocoder_for_service(kind)(**options)
    limited = RateLimiter(
        geocoder.geocode,
        min_delay_seconds=float(settings.get("min_delay_seconds", 1.0)),
        max_retries=int(settings.get("max_retries", 2)),
        swallow_exceptions=False,
    )
    return GeopyGeocoder(kind, limited)

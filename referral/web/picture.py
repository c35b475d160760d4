"""Where the options are relative to the child, as geometry for an SVG drawn by the page: no map
tiles, nothing fetched. A local flat projection around the child (east-west scaled by the cosine
of the latitude), drawn with a square-root radius (so options 1 km away do not pile up on the
child when another is 25 km away), rings at round distances, each option a numbered dot with its
true distance and compass direction.
Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

SIZE = 320  # the drawing is SIZE x SIZE user units; the child is at the centre
MARGIN = 28
KM_PER_DEGREE = 111.32
RING_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)
DIRECTIONS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True)
class Dot:
    rank: int
    x: float
    y: float
    km: float
    direction: str  # N, NE, … (the page words them)
    name: str


@dataclass(frozen=True)
class Picture:
    size: int
    centre: float
    radius_km: float
    rings: tuple[tuple[float, float], ...]  # (km, radius in user units)
    dots: tuple[Dot, ...]


def draw(lat: float, lon: float, options: Iterable[tuple[int, str, float, float]]) -> Picture:
    """The picture for a child at (lat, lon) and options (rank, name, lat, lon)."""
    offsets = [(rank, name, *_offset_km(lat, lon, o_lat, o_lon)) for rank, name, o_lat, o_lon in options]
    farthest = max((math.hypot(east, north) for _r, _n, east, north in offsets), default=0.0)
    radius_km = next((step for step in RING_STEPS if step >= farthest), max(farthest, 1.0))
    outer, centre = SIZE / 2 - MARGIN, SIZE / 2
    dots = []
    for rank, name, east, north in offsets:
        km = math.hypot(east, north)
        shrink = _radius(km, radius_km, outer) / km if km else 0.0
        dots.append(
            Dot(
                rank,
                round(centre + east * shrink, 1),
                round(centre - north * shrink, 1),
                round(km, 1),
                direction(east, north),
                name,
            )
        )
    rings = tuple((km, round(_radius(km, radius_km, outer), 1)) for km in _ring_kms(radius_km))
    return Picture(SIZE, centre, radius_km, rings, tuple(dots))


def _radius(km: float, radius_km: float, outer: float) -> float:
    """Drawing units from the centre for ``km``: the square root spreads the near options."""
    return math.sqrt(km / radius_km) * outer


def direction(east: float, north: float) -> str:
    """The compass point (of eight) of an offset; "" when it is where the child is."""
    if math.hypot(east, north) < 0.05:
        return ""
    bearing = math.degrees(math.atan2(east, north)) % 360
    return DIRECTIONS[int((bearing + 22.5) // 45) % 8]


def _offset_km(lat: float, lon: float, o_lat: float, o_lon: float) -> tuple[float, float]:
    east = (o_lon - lon) * KM_PER_DEGREE * math.cos(math.radians((lat + o_lat) / 2))
    north = (o_lat - lat) * KM_PER_DEGREE
    return east, north


def _ring_kms(radius_km: float) -> list[float]:
    """Up to four rings: the outer radius and round steps inside it."""
    inner = [step for step in RING_STEPS if radius_km / 25 <= step < radius_km * 0.7]  # labels apart
    return [*inner[-3:], radius_km]

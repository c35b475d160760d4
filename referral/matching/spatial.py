"""Bounding boxes of the services' sites: how near a service's sites can possibly be, cheaply.

This module owns the distance bounds the candidate search uses: a lower bound of the haversine
distance (as geo.haversine_km computes it) from a point to every site of a service, from the
latitude/longitude range of its sites alone; and the degree box around a point that holds every
point within a distance (``reach_deg``, which the cells of cells.py are read by). Either may say
"maybe near" of a service whose sites are too far (eligibility decides exactly), never "too far" of
one with a site in reach.
Depends on numpy and geo.py only.

The bound: haversine says hav(d) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon), and each term only
grows with its argument. Over a box, dlat and dlon are at least their distance to the box's ranges
and cos(lat2) at least its smallest value on the box's latitude range; sin(x) >= x - x^3/6 and
asin(x) is increasing, which gives a d that no site in the box goes under. It is then lowered by far
more than float rounding (SLACK), so it holds bit for bit against the computed distances.

The boxes are kept and the bound computed in float32: half the memory, and ~40 % less time for the
thousands of rows a dense directory puts in reach. float32 holds an angle up to 2 pi within 2.4e-7
radians (1.5 m on the Earth); the dozen operations of the bound add a few such units and ~1e-6
relative, so SLACK is 20 m and 1e-5: the bound is a few tens of metres lower than it could be,
which only ever costs a refinement (candidates.py proves its answer from bounds).
"""

from __future__ import annotations

import math

import numpy as np

from referral.matching.geo import EARTH_RADIUS_KM

BOX = np.float32  # the boxes' dtype and the bound's arithmetic (see the module docstring)
SLACK_REL, SLACK_KM = 1e-5, 0.02  # float32 rounding is ~1e-6 relative and a few metres; these are ~10x that
TAU = 2.0 * math.pi
TAU_BOX = BOX(TAU)


class SiteBoxes:
    """Per service row: the latitude/longitude range of its sites (radians; NaN when it has none)."""

    def __init__(self, offsets: np.ndarray, lat: np.ndarray, lon: np.ndarray):
        n = len(offsets) - 1
        some = np.flatnonzero(offsets[1:] > offsets[:-1])
        # fields: lat min, lat max, lon min, lon max, the least cos(lat) on the lat range (never below 0);
        # built field by field, stored one service per row: a query's gather then misses cache once per service
        box = np.full((5, n), np.nan)
        if len(some):
            phi, lam = np.radians(lat), _wrap(np.radians(lon))
            starts = offsets[:-1][some]
            for i, (values, reduce) in enumerate(
                ((phi, np.minimum), (phi, np.maximum), (lam, np.minimum), (lam, np.maximum))
            ):
                box[i, some] = reduce.reduceat(values, starts)
            box[4] = np.maximum(np.minimum(np.cos(box[0]), np.cos(box[1])), 0.0)
        self.box = np.ascontiguousarray(box.T, dtype=BOX)

    @classmethod
    def of(cls, box: np.ndarray) -> SiteBoxes:
        """Boxes already computed: (n, 5) rows as ``box`` holds them (delta.py splices them)."""
        boxes = object.__new__(cls)
        boxes.box = np.ascontiguousarray(box, dtype=BOX)
        return boxes

    def min_km(self, rows: np.ndarray, lat: float, lon: float) -> np.ndarray:
        """Per row: no site of it is nearer than this (haversine km) to the point; NaN = no sites. Computed in
        float32 (see the module docstring), given as float64."""
        phi, lam = math.radians(lat), float(_wrap(np.float64(math.radians(lon))))
        lo_phi, hi_phi, lo_lam, hi_lam, cos_min = np.take(self.box, rows, axis=0).T
        dphi = np.maximum(np.maximum(lo_phi - phi, phi - hi_phi), 0.0)
        east, west = lo_lam - lam, lam - hi_lam  # > 0: the box lies east / west of the point
        # the box's longitudes are an arc from lon min east to lon max: the point is on it, or one end is nearer
        dlam = np.minimum(east + TAU_BOX * (east < 0), west + TAU_BOX * (west < 0))  # bool x float32: float32
        dlam = np.where(np.maximum(east, west) <= 0, 0.0, dlam)
        h = _sin_below(dphi / 2.0) ** 2 + max(math.cos(phi), 0.0) * cos_min * _sin_below(dlam / 2.0) ** 2
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
        # float64 out (exactly the float32 value): what reads the bound computes as before
        return np.maximum(km * (1.0 - SLACK_REL) - SLACK_KM, 0.0, dtype=np.float64)


def reach_deg(lat: float, km: float) -> tuple[float, float | None]:
    """How far (degrees of latitude, of longitude; None = any) a point within ``km`` may lie from ``lat``.

    A great circle is never shorter than its latitude difference; for longitude, hav(d) >= cos(lat1)
    cos(lat2) hav(dlon) with cos(lat2) at least its value nearest the pole the circle can reach.
    """
    angle = km / EARTH_RADIUS_KM * (1 + 1e-7)
    phi = math.radians(lat)
    c = math.cos(phi) * math.cos(min(abs(phi) + angle, math.pi / 2))
    x = math.sin(angle / 2) / math.sqrt(c) if c > 0 else 2.0
    dlon = math.degrees(2 * math.asin(x)) * (1 + 1e-7) + 1e-7 if x < 1 else None
    return math.degrees(angle) + 1e-7, dlon


def _sin_below(y: np.ndarray) -> np.ndarray:
    """y - y^3/6: at most sin(y) and at least 0 for y in [0, pi/2], and cheaper than np.sin."""
    return y * (1.0 - y * y / 6.0)


def _wrap(lam: np.ndarray) -> np.ndarray:
    """Longitudes (radians) in [-pi, pi): the same meridian always gets the same number."""
    return np.mod(lam + math.pi, TAU) - math.pi

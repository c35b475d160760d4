"""A coarse grid over the sites: which services have a site near a point, without touching the rest.

This module owns the spatial pre-filter only: it may let through services whose sites are a little
too far (eligibility decides exactly), never hold back one with a site within the distance. Cells
are CELL_DEG degrees; sites are sorted by cell so a row of cells is one slice. Depends on numpy.
"""

from __future__ import annotations

import math

import numpy as np

CELL_DEG = 0.1  # ~11 km of latitude: a 25 km radius spans about 5 x 6 cells
LON_CELLS = int(round(360 / CELL_DEG))
KM_PER_DEG_MIN = 110.5  # the shortest degree of latitude on WGS-84 is 110.57 km
MARGIN = 1.01  # haversine and geodesic differ by < 0.6 %


class SiteGrid:
    """Sites bucketed by grid cell, for "which sites may lie within R km of here"."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray):
        keys = self._key(np.floor((lat + 90) / CELL_DEG), np.floor((lon + 180) / CELL_DEG))
        self.order = np.argsort(keys, kind="stable").astype(np.int32)  # site indices, by cell
        self.keys = keys[self.order]

    @staticmethod
    def _key(lat_cell: np.ndarray, lon_cell: np.ndarray) -> np.ndarray:
        return lat_cell.astype(np.int64) * LON_CELLS + np.mod(lon_cell.astype(np.int64), LON_CELLS)

    def near(self, lat: float, lon: float, km: float) -> np.ndarray:
        """Indices of the sites in the cells a circle of ``km`` around the point touches (a superset)."""
        dlat = km * MARGIN / KM_PER_DEG_MIN
        top = min(abs(lat) + dlat, 89.9)
        dlon = min(dlat / math.cos(math.radians(top)), 180.0)
        lat_cells = range(math.floor((lat - dlat + 90) / CELL_DEG), math.floor((lat + dlat + 90) / CELL_DEG) + 1)
        first, last = math.floor((lon - dlon + 180) / CELL_DEG), math.floor((lon + dlon + 180) / CELL_DEG)
        spans = self._lon_spans(first, last)
        bounds = [(c * LON_CELLS + a, c * LON_CELLS + b + 1) for c in lat_cells for a, b in spans]
        edges = np.searchsorted(self.keys, np.array(bounds, dtype=np.int64).ravel()).reshape(-1, 2)
        return np.concatenate([self.order[a:b] for a, b in edges]) if len(edges) else self.order[:0]

    @staticmethod
    def _lon_spans(first: int, last: int) -> list[tuple[int, int]]:
        """Longitude cell ranges, split where they cross the antimeridian."""
        if last - first + 1 >= LON_CELLS:
            return [(0, LON_CELLS - 1)]
        first, last = first % LON_CELLS, last % LON_CELLS
        return [(first, last)] if first <= last else [(first, LON_CELLS - 1), (0, last)]

"""Need postings by spatial cell: a match reads the services near the child, not all of them.

This module owns the cell grid and the postings keyed by (need code, cell). A service is listed
under each cell holding one of its sites, with the relation the plain postings give it (index.py);
services that can never be offered (the caller says which: inactive or full) are left out.
Remote-capable services, services without sites and services with a site off the ordinary
coordinate ranges are listed once per code under the pseudo-cell 0, "anywhere", which every query
reads: distance never excludes them (or, for the odd coordinates, the grid could not say where
they are).

A query reads, for each need, the cells that the degree box of ``spatial.reach_deg`` touches (the
same proven bound the boxes use: no point within the distance lies outside it); so no service with a
site in reach is missed. The lists may repeat a service (one entry per cell it is in) and are not
sorted. When the box spans too many latitude bands, or the point is odd, ``near`` returns None and
the caller reads the plain postings. Depends on numpy and spatial.py only.

Cells are 0.05 degrees (~5.5 km; a 25 km reach touches ~10 x 10 of them): fine enough that in a
dense directory the cells nearest the child settle most matches (candidates.Frontier reads them
first, bounded by ``cell_boxes``), few enough that reading every cell in reach stays a few slices.

Layout: one key per (code, cell), key = code slot x (CELLS + 1) + cell, cells numbered from 1 by
latitude band then longitude; entries sorted by key, so the cells of one band and code that a
longitude range covers are one slice.
"""

from __future__ import annotations

import math

import numpy as np

from referral.matching.spatial import reach_deg

CELL_DEG = 0.05  # ~5.5 km: a 25 km radius touches ~10 x 10 cells; a dense directory is read nearest first
N_LAT, N_LON = round(180 / CELL_DEG), round(360 / CELL_DEG)
CELLS = N_LAT * N_LON
ANYWHERE = 0
MAX_BANDS = round(6.4 / CELL_DEG)  # beyond ~350 km of radius the cells save little over the plain postings
EDGE = 1e-9  # degrees added to the query box against our own rounding (reach_deg's margin is 1e-7)
CELL_MARGIN = 1e-7  # degrees added around a cell's box: a point on its edge may fall either side (rounding)
REPEAT_CHUNK = 1 << 20  # entries per numpy call in ``repeated``


def repeated(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``np.repeat(values, counts)`` for 1-D ``values``, written a million entries at a time.

    np.repeat holds the GIL throughout (~28 ms for 10 million entries): in a worker's index thread,
    splicing a large index, one such call stalls every request thread. In pieces, each call is short;
    a value repeated more than a piece is written by a fill, which releases the GIL."""
    counts = np.asarray(counts, dtype=np.int64)
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    if total <= REPEAT_CHUNK:
        return np.repeat(values, counts)
    out = np.empty(total, dtype=values.dtype)
    a = 0
    while a < len(values):
        start = int(ends[a] - counts[a])
        b = int(np.searchsorted(ends, start + REPEAT_CHUNK, side="right"))
        if b <= a:  # this one value alone fills more than a piece
            out[start : ends[a]] = values[a]
            a += 1
        else:
            out[start : ends[b - 1]] = np.repeat(values[a:b], counts[a:b])
            a = b
    return out


class CellPostings:
    """CSR lists per (code slot, cell) key: ``rows[offsets[i]:offsets[i+1]]`` have ``keys[i]``."""

    def __init__(
        self,
        postings_offsets: np.ndarray,
        postings_rows: np.ndarray,
        relation: np.ndarray,
        site_offsets: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        anywhere: np.ndarray,
        listed: np.ndarray,
    ):
        svc_off, svc_cell = _service_cells(site_offsets, lat, lon, anywhere)
        code = np.repeat(np.arange(len(postings_offsets) - 1, dtype=np.int64), np.diff(postings_offsets))
        counts = np.where(listed[postings_rows], svc_off[postings_rows + 1] - svc_off[postings_rows], 0)
        first = np.repeat(svc_off[postings_rows] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        key = np.repeat(code, counts) * (CELLS + 1) + svc_cell[first]
        order = np.argsort(key, kind="stable")  # stable: rows stay ascending within a key
        self._group(
            key[order], np.repeat(postings_rows.astype(np.intp), counts)[order], np.repeat(relation, counts)[order]
        )

    @classmethod
    def grouped(cls, keys: np.ndarray, offsets: np.ndarray, rows: np.ndarray, relation: np.ndarray) -> CellPostings:
        """From the lists themselves (csr.py splices them): ``rows[offsets[i]:offsets[i+1]]`` under ``keys[i]``."""
        cells = object.__new__(cls)
        cells.keys, cells.offsets, cells.relation = keys, offsets, relation
        cells.rows = rows.astype(np.intp, copy=False)
        return cells

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every entry's key, row and relation, sorted by key then row."""
        return repeated(self.keys, np.diff(self.offsets)), self.rows, self.relation

    def _group(self, key: np.ndarray, rows: np.ndarray, relation: np.ndarray) -> None:
        start = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if len(key) else np.empty(0, np.int64)
        self.keys = key[start]
        self.offsets = np.append(start, len(key)).astype(np.int64)
        self.rows = rows  # intp: numpy gathers with it uncast
        self.relation = relation

    def near(
        self, slots: list[int | None], lat: float, lon: float, km: float
    ) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """Per code slot (None = unknown code): rows and relations of every service a point within ``km`` may reach."""
        found = self.keys_near(slots, lat, lon, km)
        return None if found is None else self.lists(*found, len(slots))

    def lists(self, keys: np.ndarray, slot: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per slot position (``k`` of them): the rows and relations listed under ``keys`` (grouped by
        ``slot``, as ``keys_near`` gives them)."""
        take = _spans(self.offsets[keys], self.offsets[keys + 1])
        cut = np.cumsum(np.bincount(slot, self.offsets[keys + 1] - self.offsets[keys], k).astype(np.int64))
        return list(zip(np.split(self.rows[take], cut[:-1]), np.split(self.relation[take], cut[:-1]), strict=True))

    def keys_near(
        self, slots: list[int | None], lat: float, lon: float, km: float
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The keys (positions in ``keys``) a point within ``km`` may reach, and the position in ``slots`` of
        each one's code, grouped by slot: None where ``near`` is None."""
        ranges = _ranges(lat, lon, km)
        if ranges is None:
            return None
        known = np.array([-1 if s is None else s for s in slots], dtype=np.int64)
        base = np.where(known >= 0, known * (CELLS + 1), -1)[:, None]  # key -1 matches nothing
        low = np.where(base >= 0, base + np.append(ANYWHERE, ranges[:, 0]), -1).ravel()
        high = np.where(base >= 0, base + np.append(ANYWHERE, ranges[:, 1]), -1).ravel()
        first, last = np.searchsorted(self.keys, low, "left"), np.searchsorted(self.keys, high, "right")
        slot = np.repeat(np.repeat(np.arange(len(slots)), len(ranges) + 1), last - first)
        return _spans(first, last), slot

    def entries_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows and relations listed under ``keys`` (positions in ``keys``), and each one's place in ``keys``."""
        starts, ends = self.offsets[keys], self.offsets[keys + 1]
        take = _spans(starts, ends)
        return self.rows[take], self.relation[take], np.repeat(np.arange(len(keys)), ends - starts)

    def cell_of(self, keys: np.ndarray) -> np.ndarray:
        """The cell of each key (positions in ``keys``): ANYWHERE or a cell numbered from 1."""
        return np.asarray(self.keys[keys] % (CELLS + 1))


def cell_boxes(cells: np.ndarray) -> np.ndarray:
    """(n, 5) boxes as spatial.SiteBoxes holds them (radians: lat min, lat max, lon min, lon max, least
    cos lat) that hold every point ``_cell`` puts in each cell (from 1), with a margin far above rounding."""
    band, column = (cells - 1) // N_LON, (cells - 1) % N_LON
    lat_lo = np.maximum(band * CELL_DEG - 90.0 - CELL_MARGIN, -90.0)
    lat_hi = np.minimum((band + 1) * CELL_DEG - 90.0 + CELL_MARGIN, 90.0)
    lon_lo = np.maximum(column * CELL_DEG - 180.0 - CELL_MARGIN, -180.0)  # never across the antimeridian:
    lon_hi = np.minimum((column + 1) * CELL_DEG - 180.0 + CELL_MARGIN, 180.0)  # a box's arc runs west to east
    box = np.radians(np.column_stack((lat_lo, lat_hi, lon_lo, lon_hi)))
    cos_min = np.maximum(np.minimum(np.cos(box[:, 0]), np.cos(box[:, 1])), 0.0)
    return np.column_stack((box, cos_min))


def _spans(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions ``starts[i]:ends[i]`` of every i, one after another."""
    counts = ends - starts
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())


def _service_cells(
    offsets: np.ndarray, lat: np.ndarray, lon: np.ndarray, anywhere: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CSR service row -> its distinct cells (ANYWHERE alone for ``anywhere`` rows, no sites or odd coordinates)."""
    n = len(offsets) - 1
    owner = repeated(np.arange(n, dtype=np.int64), np.diff(offsets))
    ordinary = (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)  # False for NaN
    odd = np.bincount(owner[~ordinary], minlength=n) > 0
    anywhere = anywhere | odd | (np.diff(offsets) == 0)
    keep = ordinary & ~anywhere[owner]
    cell = _cell(lat[keep], lon[keep])
    pair = np.sort(owner[keep] * (CELLS + 1) + cell)  # np.sort runs without the GIL (np.unique may not)
    pair = pair[np.concatenate(([True], pair[1:] != pair[:-1]))] if len(pair) else pair
    rows = np.concatenate((pair // (CELLS + 1), np.flatnonzero(anywhere)))
    cells = np.concatenate((pair % (CELLS + 1), np.full(int(anywhere.sum()), ANYWHERE, np.int64)))
    order = np.argsort(rows, kind="stable")
    return np.searchsorted(rows[order], np.arange(n + 1)).astype(np.int64), cells[order]


def _cell(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The cell (from 1) of points with lat in [-90, 90], lon in [-180, 180]."""
    return 1 + _band(lat) * N_LON + _column(_wrap_deg(lon))


def _band(lat: np.ndarray) -> np.ndarray:
    return np.clip(np.floor((lat + 90.0) / CELL_DEG), 0, N_LAT - 1).astype(np.int64)


def _column(lon: np.ndarray) -> np.ndarray:
    return np.clip(np.floor((lon + 180.0) / CELL_DEG), 0, N_LON - 1).astype(np.int64)


def _wrap_deg(lon: np.ndarray) -> np.ndarray:
    """Longitudes in [-180, 180): the same meridian always gets the same number."""
    return np.mod(lon + 180.0, 360.0) - 180.0


def _ranges(lat: float, lon: float, km: float) -> np.ndarray | None:
    """(m, 2) inclusive cell ranges (each within one band) that hold every point within ``km``; None = too many.

    Plain floats here, the same arithmetic as the arrays at build time: a point's cell never moves.
    """
    if not (abs(lat) <= 90.0 and math.isfinite(lon) and 0.0 <= km < math.inf):
        return None
    dlat, dlon = reach_deg(lat, km)
    first, last = _band_of(lat - dlat - EDGE), _band_of(lat + dlat + EDGE)
    if last - first >= MAX_BANDS:
        return None
    bands = np.arange(first, last + 1, dtype=np.int64) * N_LON + 1
    return np.concatenate([np.column_stack((bands + lo, bands + hi)) for lo, hi in _columns(lon, dlon)])


def _columns(lon: float, dlon: float | None) -> list[tuple[int, int]]:
    """Inclusive column ranges covering every longitude within ``dlon`` of ``lon`` (None = all), wrapping at 180."""
    if dlon is None or 2 * dlon + 2 * EDGE >= 360.0:
        return [(0, N_LON - 1)]
    lon = (lon + 180.0) % 360.0 - 180.0
    low, high = lon - dlon - EDGE, lon + dlon + EDGE
    if low < -180.0:
        return [(_column_of(low + 360.0), N_LON - 1), (0, _column_of(high))]
    if high >= 180.0:
        return [(_column_of(low), N_LON - 1), (0, _column_of(high - 360.0))]
    return [(_column_of(low), _column_of(high))]


def _band_of(lat: float) -> int:
    return min(max(math.floor((lat + 90.0) / CELL_DEG), 0), N_LAT - 1)


def _column_of(lon: float) -> int:
    return min(max(math.floor((lon + 180.0) / CELL_DEG), 0), N_LON - 1)

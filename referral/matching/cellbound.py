"""What any service listed under one (need, cell) key could score at best: lets a match read near cells first.

This module owns the per-key summaries of the cell postings (cells.py) and the bound they give one
unread cell of one query: a tier no later, and a sketch score no lower, than those of every service
listed in it (candidates.py reads the cells best bound first and stops when no unread cell could
change the answer). Per key, over its services:

- ``relations``: a bit per relation present (1 << EXACT, NARROWER, BROADER), so the best quality the
  settings give any of them, and whether one is exact or narrower (the tier's "specific");
- ``met``: the codes one of them meets beside the key's own, as bits of 64 (code slot % 64): a row
  listed under one need asked meets another only if that need's bit is set, so a cell whose services
  each meet one of the needs asked is bounded by the best one need, not by every need asked (a bit
  shared by two codes only loosens the bound);
- per day: the best base (the score parts of capacity, freshness and outcomes) and, per severity, the
  best intensity part of the intensities present (their sum bounds the parts known before any site),
  and whether any of them is ready now (the tiers).

The distance part is bounded by the cell's own box (spatial.SiteBoxes' lower bound of the distance).
A service's true score takes the distance of one of its sites, each in a cell it is listed under, so
it is never above the best bound of those cells. The summaries depend on the columns (an edit in place
changes a service's parts) and the cells; they are computed once per index, day and settings, in
the thread that made the index (``prepare``), and kept beside the columns like scoring.row_parts.
Depends on numpy and sibling modules.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date

import numpy as np

from referral.matching.cells import ANYWHERE, CellPostings, cell_boxes
from referral.matching.index import DirectoryIndex
from referral.matching.scoring import DayKept, row_parts, row_settings, tiers
from referral.matching.settings import AVERAGED, MatchSettings
from referral.matching.spatial import SiteBoxes

SEVERITIES = 3


@dataclass(frozen=True, eq=False)
class KeySummary:
    """Per key of one ``CellPostings`` (positions in its ``keys``), for one day and settings."""

    nearby: CellPostings  # the cells summarised (an edit in place keeps them, with new columns)
    relations: np.ndarray  # uint8: bit 1 << relation for each relation present
    met: np.ndarray  # uint64: bit slot % 64 of every code some service listed here meets
    top: np.ndarray  # (SEVERITIES, keys): the most base + intensity part one service here has, by severity
    ready: np.ndarray  # bool: some service listed here is ready now (scoring.ready_now: the tiers read it)


_KEPT: DayKept[KeySummary] = DayKept()


def summary(index: DirectoryIndex, today: date, settings: MatchSettings) -> KeySummary:
    """The day's ``KeySummary`` of ``index``'s cells: computed on first use, then kept with its columns."""
    key = (row_settings(settings), tuple(map(tuple, settings.intensity_fit)), today.toordinal())
    return _KEPT.value(
        index.columns, key, lambda: _summarise(index, today, settings), lambda kept: kept.nearby is index.nearby
    )


def _summarise(index: DirectoryIndex, today: date, settings: MatchSettings) -> KeySummary:
    cells, cols = index.nearby, index.columns
    relations, met = _static(index)
    if not len(cells.keys):
        return KeySummary(cells, relations, met, np.empty((SEVERITIES, 0)), np.empty(0, dtype=bool))
    day, starts = row_parts(cols, today, settings), cells.offsets[:-1]
    base = np.maximum.reduceat(day.base[cells.rows], starts)  # the best base and the best intensity part
    kinds = np.bitwise_or.reduceat(np.left_shift(1, cols.intensity[cells.rows].astype(np.uint8)), starts)
    table = np.array(settings.intensity_fit, dtype=np.float64)  # severity 1-3 x intensity (scoring.intensity_part)
    weight, kind = settings.weights()[3], np.arange(table.shape[1])
    # per severity: the best intensity part among the intensities present (possibly not the best base's own)
    best = np.where(((kinds[:, None] >> kind) & 1).astype(bool)[None], table[:, None, :], -np.inf).max(axis=2)
    ready = np.logical_or.reduceat(day.ready[cells.rows], starts)
    return KeySummary(cells, relations, met, base[None, :] + weight * best, ready)


_STATIC: weakref.WeakKeyDictionary[CellPostings, tuple[np.ndarray, np.ndarray]] = weakref.WeakKeyDictionary()


def _static(index: DirectoryIndex) -> tuple[np.ndarray, np.ndarray]:
    """The summaries that depend on the cells and postings alone (an edit in place keeps both)."""
    found = _STATIC.get(index.nearby)
    if found is None:
        cells, postings = index.nearby, index.postings
        starts = cells.offsets[:-1]
        if len(starts):
            relations = np.bitwise_or.reduceat(np.left_shift(1, cells.relation.astype(np.uint8)), starts)
            codes = np.zeros(len(index.columns.id_rank), dtype=np.uint64)  # per row: bits of the codes it meets
            for slot in range(len(postings.offsets) - 1):
                codes[postings.rows[postings.offsets[slot] : postings.offsets[slot + 1]]] |= bit(slot)
            met = np.bitwise_or.reduceat(codes[cells.rows], starts)
        else:
            relations, met = np.empty(0, np.uint8), np.empty(0, np.uint64)
        found = _STATIC[cells] = (relations.astype(np.uint8), met)
    return found


def bit(slot: int) -> np.uint64:
    """A code's bit in ``KeySummary.met``."""
    return np.uint64(1) << np.uint64(slot % 64)


def key_bounds(
    found: KeySummary,
    keys: np.ndarray,
    slot: np.ndarray,
    need_bits: np.ndarray,
    need_weights: np.ndarray,
    urgent: list[int],
    severity: int,
    lat: float,
    lon: float,
    settings: MatchSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bounds of the services listed under each of the query's ``keys`` (distinct; ``slot``: the need
    of each, as cells.keys_near gives them): the cells (ANYWHERE or from 1, ascending) and each key's
    position in them; per key the (keys, K) int8 best 1 + relation to each need asked that its services
    may meet (0: none), a tier no later and a sketch score (without the slack) no lower than any of them
    could get. ``need_bits``: each need's ``bit`` (uint64); ``need_weights``: each need's weight over
    their sum."""
    cells, at = np.unique(found.nearby.cell_of(keys), return_inverse=True)
    k = len(need_weights)
    present = np.zeros((len(cells), k), dtype=np.uint8)  # per cell and need: the relations listed there
    present[at, slot] = found.relations[keys]
    quality = np.zeros(present.shape)
    best = np.zeros(present.shape, dtype=np.int8)
    for relation, fit in enumerate(settings.fits()):  # by relation: broader, narrower, exact
        listed = ((present >> relation) & 1).astype(bool)
        quality = np.where(listed, np.maximum(quality, fit), quality)
        best = np.where(listed, np.int8(relation + 1), best)
    # a service listed under a key may meet another need asked only where the key's ``met`` has its bit
    together = ((found.met[keys][:, None] & need_bits[None, :]) != 0) | (np.arange(k)[None, :] == slot[:, None])
    related = np.where(together, best[at], 0).astype(np.int8)
    fit = (np.where(together, quality[at], 0.0) * need_weights).sum(axis=1)
    weights = settings.weights()
    far = max(settings.remote_distance_score, settings.remote_local_score)
    km = SiteBoxes.of(cell_boxes(np.maximum(cells, 1))).min_km(np.arange(len(cells)), lat, lon)
    distance = np.fmax(np.exp(-np.where(cells == ANYWHERE, 0.0, km)[at] / settings.distance_scale_km), far)
    top = found.top[min(max(severity, 1), SEVERITIES) - 1][keys]
    score = np.maximum(100.0 * (weights[0] * fit + weights[1] * distance + top) / sum(weights[:AVERAGED]), 0.0)
    tier = tiers(related, urgent, found.ready[keys], np.zeros(len(keys), dtype=bool), settings)
    return cells, at, related, tier, score

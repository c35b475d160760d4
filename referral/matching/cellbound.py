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
For an index spliced from another (delta.py) whose summaries are kept, only the keys its
``origin`` names as changed are summarised again, the others copied: ~6 ms at 1M services where
summarising every key costs ~0.15-0.3 s. Depends on numpy and sibling modules.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date

import numpy as np

from referral.matching.cells import ANYWHERE, CellPostings, cell_boxes
from referral.matching.columns import Columns
from referral.matching.index import DirectoryIndex, Postings
from referral.matching.scoring import DayKept, RowParts, row_parts, row_settings, tiers
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


def prepare(index: DirectoryIndex, today: date, settings: MatchSettings) -> KeySummary:
    """What a new index computes before it serves, for one day and settings: the row parts
    (scoring.row_parts) and the cell summaries, each spliced from the previous index's when this one
    was spliced from it and that one is still held (``DirectoryIndex.previous``)."""
    previous, origin = index.previous(), index.origin
    spliced_from = (previous.columns, origin.old_rows) if previous is not None and origin is not None else None
    row_parts(index.columns, today, settings, spliced_from)
    return summary(index, today, settings)


def summary(index: DirectoryIndex, today: date, settings: MatchSettings) -> KeySummary:
    """The day's ``KeySummary`` of ``index``'s cells: computed on first use, then kept with its columns."""
    return _KEPT.value(
        index.columns,
        _key(today, settings),
        lambda: _summarise(index, today, settings),
        lambda kept: kept.nearby is index.nearby,
    )


def _key(today: date, settings: MatchSettings) -> tuple[object, ...]:
    return (row_settings(settings), tuple(map(tuple, settings.intensity_fit)), today.toordinal())


def _summarise(index: DirectoryIndex, today: date, settings: MatchSettings) -> KeySummary:
    cells, cols = index.nearby, index.columns
    relations, met = _static(index)
    previous, day = index.previous(), row_parts(cols, today, settings)
    if previous is not None and index.origin is not None:
        before = _KEPT.value_if_kept(previous.columns, _key(today, settings))
        if before is not None and before.nearby is previous.nearby:
            source, again = index.origin.keys, index.origin.changed_keys()
            top, ready = _day(cells, cols, day, settings, again)
            return KeySummary(
                cells,
                relations,
                met,
                _spliced(before.top, source, again, top),
                _spliced(before.ready, source, again, ready),
            )
    top, ready = _day(cells, cols, day, settings, None)
    return KeySummary(cells, relations, met, top, ready)


def _day(
    cells: CellPostings, cols: Columns, day: RowParts, settings: MatchSettings, keys: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per key (of ``keys``, positions in ``cells.keys``; None: all): the best base + intensity part
    one service listed there has, by severity, and whether one is ready now."""
    rows, _relation, starts = _listed(cells, keys)
    if not len(starts):
        return np.empty((SEVERITIES, 0)), np.empty(0, dtype=bool)
    base = np.maximum.reduceat(day.base[rows], starts)  # the best base and the best intensity part
    kinds = np.bitwise_or.reduceat(np.left_shift(1, cols.intensity[rows].astype(np.uint8)), starts)
    table = np.array(settings.intensity_fit, dtype=np.float64)  # severity 1-3 x intensity (scoring.intensity_part)
    weight, kind = settings.weights()[3], np.arange(table.shape[1])
    # per severity: the best intensity part among the intensities present (possibly not the best base's own)
    best = np.where(((kinds[:, None] >> kind) & 1).astype(bool)[None], table[:, None, :], -np.inf).max(axis=2)
    return base[None, :] + weight * best, np.logical_or.reduceat(day.ready[rows], starts)


def _listed(cells: CellPostings, keys: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows listed under ``keys`` (None: all) one key after another, their relations, and where
    each key's start (every key lists at least one row)."""
    if keys is None:
        return cells.rows, cells.relation, cells.offsets[:-1]
    rows, relation, of = cells.entries_of(keys)
    return rows, relation, np.searchsorted(of, np.arange(len(keys)))


def _spliced(before: np.ndarray, source: np.ndarray, again: np.ndarray, computed: np.ndarray) -> np.ndarray:
    """Per key along the last axis: the old value of each key ``source`` maps back, ``computed`` at ``again``."""
    if not before.shape[-1]:  # no key before: every one is computed
        return computed
    out = before[..., np.maximum(source, 0)]
    out[..., again] = computed
    return out


_STATIC: weakref.WeakKeyDictionary[CellPostings, tuple[np.ndarray, np.ndarray]] = weakref.WeakKeyDictionary()


def _static(index: DirectoryIndex) -> tuple[np.ndarray, np.ndarray]:
    """The summaries that depend on the cells and postings alone (an edit in place keeps both)."""
    found = _STATIC.get(index.nearby)
    if found is None:
        previous = index.previous()
        before = _STATIC.get(previous.nearby) if previous is not None else None
        if before is not None and index.origin is not None:
            source, again = index.origin.keys, index.origin.changed_keys()
            relations, met = _key_static(index, again)
            found = (_spliced(before[0], source, again, relations), _spliced(before[1], source, again, met))
        else:
            found = _key_static(index, None)
        _STATIC[index.nearby] = found
    return found


def _key_static(index: DirectoryIndex, keys: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per key (of ``keys``; None: all): the relations present and the codes its services meet (bits)."""
    cells, postings = index.nearby, index.postings
    rows, relation, starts = _listed(cells, keys)
    if not len(starts):
        return np.empty(0, np.uint8), np.empty(0, np.uint64)
    relations = np.bitwise_or.reduceat(np.left_shift(1, relation.astype(np.uint8)), starts).astype(np.uint8)
    codes = _codes(postings, rows, len(index.columns.id_rank) if keys is None else None)
    return relations, np.bitwise_or.reduceat(codes, starts)


def _codes(postings: Postings, rows: np.ndarray, every: int | None) -> np.ndarray:
    """The bits of the codes each of ``rows`` meets. ``every``: the index's row count when ``rows`` are
    all its cell entries (a table over every row then costs less than a search per code)."""
    if every is not None:
        table = np.zeros(every, dtype=np.uint64)
        for slot in range(len(postings.offsets) - 1):
            table[postings.rows[postings.offsets[slot] : postings.offsets[slot + 1]]] |= bit(slot)
        return np.asarray(table[rows])
    wanted, back = np.unique(rows, return_inverse=True)
    codes = np.zeros(len(wanted), dtype=np.uint64)
    for slot in range(len(postings.offsets) - 1):
        listed = postings.rows[postings.offsets[slot] : postings.offsets[slot + 1]]
        at = np.searchsorted(listed, wanted)
        hit = at < len(listed)
        hit[hit] = listed[at[hit]] == wanted[hit]
        codes[hit] |= bit(slot)
    return codes[back]


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

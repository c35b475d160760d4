"""Scores, vectorised: need fit, distance, capacity, intensity and freshness, weighted to 0-100,
plus the service's referral outcomes; and the ordering rules above the score (tiers).

This module owns the score formulas and the ranking order; every weight and constant they use is a
field of settings.MatchSettings. It must not decide eligibility: it scores what eligibility lets
through. Depends on numpy and the index columns only.

Every part is in [0, 1] but "outcomes", in [-prior rate, 1 - prior rate] and exactly 0 without
history. The score is 100 x sum(weight x part) / sum(weight of the first five parts), floored to
0.01 after adding half a cent (so plain Python reproduces it bit for bit), clipped to 0-100. The
outcome part depends on the service only, like every part but distance, so the bounds below
carry its exact value (clipping is monotone too). Ranking: tier asc, score desc,
then distance asc (remote last), then service id asc.

Tiers are what a colleague would never trade for points (each rule switchable in settings):
  1. urgent_ready_first: when a need is urgent (severity >= urgent_severity), services meeting an
     urgent need that accept now and were verified within stale_after_days come first, then those
     meeting one that are waitlisted or stale, then the rest;
  2. specialist_first: within that, more urgent needs met by the same or a narrower term first (a
     service tagged only with a parent term is not a specialist, however many needs it ticks);
  3. school_unknown_last: a school's own service (it serves one school's pupils) comes after the
     others when the request names no school (naming another school excludes it: candidates.py);
     unknown_eligibility_last: so does a service restricted on a gender, group or language the
     request does not give ("for veterans' families" when the worker said nothing of the family) —
     offered with its "eligible if" caveat, after the options open to the child (one step each).
A tier depends on the service and the request only, never on the site, so the score bound below
orders within it.

Upper bounds: the distance part is the only one that depends on a site, and the score is
non-decreasing in it when no weight is negative (the remote part of a row is known before its sites) (IEEE addition, multiplication by a weight >= 0,
division by a positive sum and floor are all monotone). So the score with the distance part at its
largest possible value bounds the real score from above, bit for bit.

The parts that depend on the service, the settings and the day only (capacity, freshness, outcomes,
and whether an urgent referral can rely on it) are computed for every row once per day and settings
(``row_parts``, kept beside the columns while they live): a match then takes them, it does not
recompute them. Element by element the arithmetic is the same, so the scores are too.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Generic, TypeVar

import numpy as np

from referral.matching.columns import Columns
from referral.matching.index import BROADER
from referral.matching.settings import AVERAGED, PARTS, MatchSettings
from referral.matching.types import CAPACITIES

T = TypeVar("T")

DISTANCE = PARTS.index("distance")
ACCEPTING, WAITLIST = CAPACITIES.index("accepting"), CAPACITIES.index("waitlist")


@functools.lru_cache(maxsize=8)
def _intensity_table(fit: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """settings.intensity_fit as an array: rows severity 1-3, columns types.INTENSITIES."""
    return np.array(fit, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class RowParts:
    """Per service row, what the score and tiers read that depends on its columns, the settings and the day only."""

    capacity: np.ndarray  # the capacity part
    freshness: np.ndarray  # the freshness part
    outcomes: np.ndarray  # the outcome part
    base: np.ndarray  # capacity, freshness and outcome parts times their weights, summed (bounds only)
    ready: np.ndarray  # bool: ready_now


class DayKept(Generic[T]):
    """Values computed once per columns, settings and day, kept beside the columns (weakly: they go with
    their index): computed on first use, by one of a worker's threads only; at most ``ROW_PARTS_KEPT``
    settings per columns, and a new day starts afresh. Keys end with the day's ordinal."""

    def __init__(self) -> None:
        self._kept: weakref.WeakKeyDictionary[Columns, dict[tuple[Any, ...], T]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __getitem__(self, cols: Columns) -> dict[tuple[Any, ...], T]:
        return self._kept[cols]

    def get(self, cols: Columns) -> dict[tuple[Any, ...], T] | None:
        """What is kept for ``cols`` (key -> value), None when nothing is."""
        return self._kept.get(cols)

    def value_if_kept(self, cols: Columns, key: tuple[Any, ...]) -> T | None:
        """The value kept for ``cols`` and ``key``, None when none is (nothing is computed)."""
        kept = self._kept.get(cols)
        return kept.get(key) if kept is not None else None

    def value(
        self, cols: Columns, key: tuple[Any, ...], compute: Callable[[], T], valid: Callable[[T], bool] | None = None
    ) -> T:
        """The value kept for ``cols`` and ``key``, computed now if none is, or if the one kept is not ``valid``."""
        kept = self._kept.get(cols)
        found = kept.get(key) if kept is not None else None
        if found is None or (valid is not None and not valid(found)):
            with self._lock:
                kept = self._kept.setdefault(cols, {})
                found = kept.get(key)
                if found is None or (valid is not None and not valid(found)):
                    if len(kept) >= ROW_PARTS_KEPT or any(old[-1] != key[-1] for old in kept):
                        kept.clear()
                    found = kept[key] = compute()
        return found


_ROW_PARTS: DayKept[RowParts] = DayKept()
ROW_PARTS_KEPT = 4  # settings kept per columns for the day (~33 MB each at 1M services); another day starts afresh


def row_parts(
    cols: Columns,
    today: date,
    settings: MatchSettings,
    spliced_from: tuple[Columns, Callable[[], np.ndarray]] | None = None,
) -> RowParts:
    """The day's ``RowParts`` of every row of ``cols``: computed on first use, then kept with the columns.

    ``spliced_from``: the columns ``cols`` were spliced from (delta.py) and what gives each row's row
    there (-1: changed), called only when the parts are spliced; when the old columns' parts are kept,
    those of the unchanged rows are copied and only the changed rows computed (at 1M services ~30-170 ms
    less per update)."""
    key = (row_settings(settings), today.toordinal())
    before = _ROW_PARTS.value_if_kept(spliced_from[0], key) if spliced_from is not None else None
    if before is None or spliced_from is None:
        return _ROW_PARTS.value(cols, key, lambda: _row_parts(cols, today, settings))
    old_rows = spliced_from[1]
    return _ROW_PARTS.value(cols, key, lambda: _spliced_parts(cols, today, settings, before, old_rows()))


def _spliced_parts(cols: Columns, today: date, settings: MatchSettings, before: RowParts, old: np.ndarray) -> RowParts:
    changed = np.flatnonzero(old < 0)
    fresh = _row_parts(cols, today, settings, changed)

    def spliced(name: str) -> np.ndarray:
        values = getattr(before, name)[np.maximum(old, 0)] if len(getattr(before, name)) else getattr(fresh, name)
        values[changed] = getattr(fresh, name)
        return np.asarray(values)

    return RowParts(*(spliced(f.name) for f in fields(RowParts)))


def row_settings(settings: MatchSettings) -> tuple[float, ...]:
    """The settings ``RowParts`` read: two settings equal in these share the day's parts."""
    return (
        *settings.weights(),
        *settings.outcome_prior(),
        settings.waitlist_score,
        settings.wait_scale_days,
        settings.wait_unknown_score,
        settings.fresh_days,
        settings.faded_days,
        settings.stale_after_days,
    )


def _row_parts(cols: Columns, today: date, settings: MatchSettings, rows: np.ndarray | None = None) -> RowParts:
    """The parts of ``rows`` (None: every row)."""
    at: np.ndarray | slice = slice(None) if rows is None else rows  # every row: the columns themselves, no copy
    capacity = capacity_part(cols.capacity[at], cols.wait_days[at], settings)
    fresh = freshness(cols.verified[at], today, settings)
    outcomes = outcome_part(cols.accepted[at], cols.decided[at], settings)
    weights = settings.weights()
    base = weights[2] * capacity + weights[4] * fresh + weights[5] * outcomes
    every = np.arange(len(cols.id_rank)) if rows is None else rows
    return RowParts(capacity, fresh, outcomes, base, ready_now(cols, every, today, settings))


def capacity_part(capacity: np.ndarray, wait: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """1 accepting, 0 full, a waitlist's part falling with its wait (``wait_unknown_score`` when unknown)."""
    waitlist = np.where(
        np.isnan(wait), settings.wait_unknown_score, settings.waitlist_score / (1.0 + wait / settings.wait_scale_days)
    )
    return np.where(capacity == ACCEPTING, 1.0, np.where(capacity == WAITLIST, waitlist, 0.0))


def intensity_part(cols: Columns, rows: np.ndarray, severity: int, settings: MatchSettings) -> np.ndarray:
    """How well each row's intensity fits the child's highest explicit severity."""
    return np.asarray(_intensity_table(settings.intensity_fit)[min(max(severity, 1), 3) - 1][cols.intensity[rows]])


def score_parts(
    cols: Columns,
    rows: np.ndarray,
    need_fit: np.ndarray,
    km: np.ndarray,
    severity: int,
    today: date,
    settings: MatchSettings,
) -> np.ndarray:
    """An (n, 6) array of parts in the order of settings.PARTS; ``km`` NaN = remote, no site."""
    day = row_parts(cols, today, settings)
    return np.column_stack(
        (
            need_fit,
            distance_part(km, settings),
            day.capacity[rows],
            intensity_part(cols, rows, severity, settings),
            day.freshness[rows],
            day.outcomes[rows],
        )
    )


def outcome_part(accepted: np.ndarray, decided: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """The Beta-smoothed acceptance rate minus the prior's: exactly 0 without history (decided 0),
    positive for a better record, negative for a worse one; in [-rate, 1 - rate]."""
    a, b = settings.outcome_prior()
    return (accepted + a) / (decided + a + b) - a / (a + b)


def distance_part(km: np.ndarray, settings: MatchSettings, remote_part: np.ndarray | float | None = None) -> np.ndarray:
    """exp(-km / scale) for a site, the row's remote part where ``km`` is NaN (no site)."""
    remote = settings.remote_distance_score if remote_part is None else remote_part
    return np.where(np.isnan(km), remote, np.exp(-km / settings.distance_scale_km))


def remote_parts(local: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """The distance part of each row when offered remotely: higher when its area is the child's own."""
    return np.where(local, settings.remote_local_score, settings.remote_distance_score)


def bounds_hold(settings: MatchSettings) -> bool:
    """Whether ``upper_bound`` is valid: no negative weight, a positive sum, a positive scale."""
    weights = settings.weights()
    return min(weights) >= 0 and sum(weights[:AVERAGED]) > 0 and settings.distance_scale_km > 0


def best_distance_part(
    min_km: np.ndarray, remote: np.ndarray, settings: MatchSettings, remote_part: np.ndarray | None = None
) -> np.ndarray:
    """The largest distance part each row can get: at ``min_km`` (NaN = no site) or, if remote, without a site."""
    near = np.where(np.isnan(min_km), 0.0, np.exp(-min_km / settings.distance_scale_km))
    far = settings.remote_distance_score if remote_part is None else remote_part
    return np.where(remote, np.maximum(near, far), near)


def upper_bound(parts: np.ndarray, best_distance: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """The score each row would get with its best possible distance part."""
    best = parts.copy()
    best[:, DISTANCE] = best_distance
    return total(best, settings)


def freshness(verified: np.ndarray, today: date, settings: MatchSettings) -> np.ndarray:
    """1 up to fresh_days after verification, linear to 0 at faded_days; 0 if never verified."""
    age = today.toordinal() - verified
    fading = (settings.faded_days - age) / (settings.faded_days - settings.fresh_days)
    return np.where(np.isnan(age), 0.0, np.clip(np.where(age <= settings.fresh_days, 1.0, fading), 0.0, 1.0))


def total(parts: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """Scores 0-100 (two decimals), summed part by part in PARTS order; the average runs over the
    first AVERAGED weights, the outcome part is added on top, and the result is clipped to 0-100."""
    weights = settings.weights()
    acc = np.zeros(len(parts))
    for k in range(len(PARTS)):
        acc = acc + weights[k] * parts[:, k]
    return np.clip(np.floor(100.0 * acc / sum(weights[:AVERAGED]) * 100.0 + 0.5) / 100.0, 0.0, 100.0)


def penalised(score: np.ndarray, uncertain: np.ndarray, settings: MatchSettings) -> np.ndarray:
    """Scores less the unknown-eligibility penalty where ``uncertain`` (never below 0; two decimals).

    The penalty depends on the service only, so a bound penalised the same way stays a bound."""
    less = np.maximum(score - np.where(uncertain, settings.unknown_eligibility_penalty, 0.0), 0.0)
    return np.floor(less * 100.0 + 0.5) / 100.0


def rank_order(tier: np.ndarray, score: np.ndarray, km: np.ndarray, id_rank: np.ndarray) -> np.ndarray:
    """Positions sorted by tier asc, score desc, distance asc (none last), service id asc."""
    return np.lexsort((id_rank, np.where(np.isnan(km), np.inf, km), -score, tier))


def ready_now(cols: Columns, rows: np.ndarray, today: date, settings: MatchSettings) -> np.ndarray:
    """Accepting now and verified within ``stale_after_days``: what an urgent referral can rely on."""
    age = today.toordinal() - cols.verified[rows]
    return (cols.capacity[rows] == ACCEPTING) & (age <= settings.stale_after_days)  # NaN age: never verified


def tiers(
    relation: np.ndarray,
    urgent: list[int],
    ready: np.ndarray,
    school_unknown: np.ndarray,
    settings: MatchSettings,
    eligibility_unknown: np.ndarray | None = None,
) -> np.ndarray:
    """The tier of each row (lower first); ``relation`` is (n, K) 1 + index relation, 0 = not met."""
    n, m = len(relation), len(urgent)
    urgent_class = np.zeros(n, np.int64)
    if urgent and settings.urgent_ready_first:
        meets = (relation[:, urgent] > 0).any(axis=1)
        urgent_class = np.where(meets, np.where(ready, 0, 1), 2)
    specific = np.zeros(n, np.int64)
    if urgent and settings.specialist_first:
        specific = (relation[:, urgent] > 1 + BROADER).sum(axis=1)  # exact or narrower
    late = school_unknown.astype(np.int64) if settings.school_unknown_last else np.zeros(n, np.int64)
    if eligibility_unknown is not None and settings.unknown_eligibility_last:
        late = late + eligibility_unknown.astype(np.int64)
    return (urgent_class * (m + 1) + (m - specific)) * 3 + late

"""Which services of one match get the site rules and a score: cheap filters, then best bounds first.

This module owns the candidate set a match ranks. The site rules (opening day, area, distance) cost
far more per service than anything else, so they run only on the services that could still make a
difference. Every part of the score but distance is known before any site is looked at; with the
distance part at its best the score is an exact upper bound (see scoring.py). Services are
evaluated in chunks, highest bound first, until nothing left could change what ``engine._choose``
picks:

(a) ``limit`` eligible services are scored and the limit-th best ranks STRICTLY ahead of every
    service not yet evaluated: a lower tier, or the same tier and a score above its bound (ties
    break by distance then id, so an equal bound could still win); tiers never depend on a site,
    so a service's tier is known before evaluation;
(b) for each actionable need the top ``limit`` leave unmet, either the best evaluated eligible
    service meeting it ranks strictly ahead of every unevaluated one meeting it, or no
    unevaluated service meets it.

Then the evaluated set holds the true top ``limit`` in the true order and, for each need ``_choose``
may have to cover, whether any eligible service meets it and the best one; ``_choose`` reads nothing
else. Unmet needs are diagnosed from the plain postings (unmet.py), not from this set. When the
bounds are not valid for the settings (a negative weight), everything is evaluated at once.

The rows come from the need postings of the cells near the child (cells.py): every service with a
site in reach, every remote-capable one and none that ``screen`` always refuses; those left out
could never be eligible, so the set above is unchanged.
Depends on numpy and sibling modules.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from referral.matching.eligibility import Placement, place, remote_capable, screen, uncertain
from referral.matching.geo import outer_km
from referral.matching.index import DirectoryIndex
from referral.matching.needs import weight
from referral.matching.schools import resolve_school
from referral.matching.scoring import (
    DISTANCE,
    best_distance_part,
    bounds_hold,
    distance_part,
    penalised,
    rank_order,
    ready_now,
    remote_parts,
    score_parts,
    tiers,
    total,
    upper_bound,
)
from referral.matching.settings import MatchSettings
from referral.matching.types import MatchQuery, UnderstoodNeed

TIER_SPAN = 1000.0  # > the score range, so tier * span - bound orders by tier, then bound
FIRST_CHUNK = 64  # most queries settle within the first chunk or two; each later chunk doubles


@dataclass(frozen=True, eq=False)
class Candidates:
    """Eligible services with their chosen site, need qualities and scores (one row each)."""

    rows: np.ndarray  # service rows
    quality: np.ndarray  # (n, K): need fit of each row for each of the child's needs
    relation: np.ndarray  # (n, K) int8: 1 + index relation (exact, narrower, broader), 0 = not met
    placement: Placement
    parts: np.ndarray  # (n, 6) in PARTS order
    score: np.ndarray
    tier: np.ndarray  # int64, lower first (scoring.tiers)


@dataclass(frozen=True, eq=False)
class Pool:
    """Services through the cheap filters (rows ascending) with their site-free parts and score bound."""

    rows: np.ndarray
    quality: np.ndarray  # (n, K)
    relation: np.ndarray  # (n, K)
    parts: np.ndarray  # (n, 6), the distance part not yet known
    bound: np.ndarray  # upper bound of the score
    tier: np.ndarray  # exact: a tier never depends on the site
    remote_part: np.ndarray  # distance part if offered remotely (scoring.remote_parts)
    uncertain: np.ndarray  # bool: restricted on a fact the child's record leaves unknown (penalised)


def candidates(
    index: DirectoryIndex,
    query: MatchQuery,
    needs: list[UnderstoodNeed],
    actionable: list[int],
    settings: MatchSettings,
    today: date,
    first_chunk: int = FIRST_CHUNK,
) -> tuple[Candidates, np.ndarray]:
    """The evaluated eligible services and their rank order (see the module docstring)."""
    pool = gather(index, query, needs, settings, today, urgent(needs, settings))
    chunk = first_chunk if bounds_hold(settings) else len(pool.rows)
    rest, chunks = np.arange(len(pool.rows)), []
    found, order = _nothing(pool), np.empty(0, np.int64)
    while not _settled(pool, rest, found, order, actionable, query.limit):
        batch, rest = _highest(pool, rest, chunk)
        chunks.append(_evaluate(index, query, pool, batch, settings))
        chunk *= 2
        found = _merge(chunks)
        order = rank_order(found.tier, found.score, found.placement.km, index.columns.id_rank[found.rows])
    return found, order


def urgent(needs: list[UnderstoodNeed], settings: MatchSettings) -> list[int]:
    """Positions of the explicit needs severe enough to be urgent."""
    return [k for k, n in enumerate(needs) if n.source != "notes" and n.severity >= settings.urgent_severity]


def gather(
    index: DirectoryIndex,
    query: MatchQuery,
    needs: list[UnderstoodNeed],
    settings: MatchSettings,
    today: date,
    urgent_needs: list[int] = (),
) -> Pool:
    """Rows meeting a need in the cells near the child, through the box bound and the place-free rules
    (and the school rule), with bounds and tiers."""
    rows, relation = _union(_postings(index, query, needs), len(index.services))
    school = resolve_school(index.schools, query.child.school)  # the cheap rules first: fewer rows to bound
    rows = rows[screen(index, query, rows) & school_allows(index, rows, query.child.school, school)]
    near, min_km, remote = _reach(index, query, rows)
    keep = np.flatnonzero(near)
    rows, min_km, remote = rows[keep], min_km[keep], remote[keep]
    related, quality, fit = _fit(relation, needs, rows, settings)
    severity = max((n.severity for n in needs if n.source != "notes"), default=0)
    parts = score_parts(index.columns, rows, fit, np.zeros(len(rows)), severity, today, settings)
    far = remote_parts(local_area(index, query, rows), settings)
    unsure = uncertain(index, query, rows)
    bound = penalised(upper_bound(parts, best_distance_part(min_km, remote, settings, far), settings), unsure, settings)
    unknown = (index.columns.school[rows] >= 0) & (not query.child.school)
    tier = tiers(
        related, list(urgent_needs), ready_now(index.columns, rows, today, settings), unknown, settings, unsure
    )
    return Pool(rows, quality, related, parts, bound, tier, far, unsure)


def local_area(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """Whether each row's area lists the child's own district (the place below the top) or a finer place."""
    found = np.zeros(len(rows), dtype=bool)
    for code in index.gazetteer.lineage(query.location.place)[:-1]:
        listed = index.area.get(code)
        if listed is not None and len(rows):
            pos = np.minimum(np.searchsorted(listed, rows), len(listed) - 1)
            found |= listed[pos] == rows
    return found


def school_allows(index: DirectoryIndex, rows: np.ndarray, given: str | None, school: str | None) -> np.ndarray:
    """A school's own service serves that school's pupils only: refused when the request names another
    school (``given``; ``school`` is the site id it resolved to, None when it names none of them)."""
    column = index.columns.school[rows]
    if not given:
        return np.ones(len(rows), dtype=bool)
    if school is None:
        return column < 0
    return (column < 0) | (column == index.columns.school_ids.index(school))


def _postings(
    index: DirectoryIndex, query: MatchQuery, needs: list[UnderstoodNeed]
) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Per need, rows meeting it that may be in reach (the cells near the child), and whether they are plain postings.

    The cells list a service once per cell it is in, so their rows may repeat; plain postings never do.
    """
    loc, outer = query.location, outer_km(query.constraints.max_distance_km)
    near = index.nearby.near([index.postings.slot.get(n.code) for n in needs], loc.lat, loc.lon, outer)
    if near is None:
        return [index.postings.relations(n.code) for n in needs], True
    return near, False


def _union(postings: tuple[list[tuple[np.ndarray, np.ndarray]], bool], n: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Rows meeting any need (ascending, once each), and per need a dense array by row: 1 + relation, 0 = not met."""
    lists, plain = postings
    mark, relation = np.zeros(n, dtype=bool), []
    for rows, rel in lists:
        dense = np.zeros(n, dtype=np.int8)
        dense[rows] = rel + 1  # a repeated row has the same relation each time
        relation.append(dense)
        mark[rows] = True
    rows = lists[0][0] if plain and len(lists) == 1 else np.flatnonzero(mark)
    return rows, relation


def _reach(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each row may be reached (a site maybe in range, or remote), its sites' least km, remote.

    The cells already cut the rows to about the box around the circle, so every row gets the box bound.
    """
    loc, outer = query.location, outer_km(query.constraints.max_distance_km)
    remote = remote_capable(index, query, rows)
    min_km = index.sites.boxes.min_km(rows, loc.lat, loc.lon)  # NaN: no sites, never within reach
    return (min_km <= outer) | remote, min_km, remote


def _fit(
    relation: list[np.ndarray], needs: list[UnderstoodNeed], rows: np.ndarray, settings: MatchSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (n, K) relation and quality of each row for each need, and the weighted need fit."""
    by_relation = np.array((0.0, *settings.fits()))  # by 1 + relation; 0 = the need is not met
    related = np.zeros((len(rows), len(needs)), dtype=np.int8)
    quality = np.zeros((len(rows), len(needs)))
    fit, total_weight = np.zeros(len(rows)), sum(weight(n) for n in needs)
    for k, (dense, need) in enumerate(zip(relation, needs)):
        related[:, k] = dense[rows]
        quality[:, k] = by_relation[related[:, k]]
        fit = fit + weight(need) * quality[:, k]
    return related, quality, fit / total_weight if total_weight else fit


def _highest(pool: Pool, rest: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` positions of ``rest`` with the best (tier, bound) keys (any order), and the others.

    Which rows are evaluated first changes only how soon the search settles, never its answer."""
    if n >= len(rest):
        return rest, rest[:0]
    key = pool.tier[rest] * TIER_SPAN - pool.bound[rest]  # a bound is 0-100: tiers never mix
    split = np.argpartition(key, n - 1)
    return rest[split[:n]], rest[split[n:]]


def _evaluate(
    index: DirectoryIndex, query: MatchQuery, pool: Pool, batch: np.ndarray, settings: MatchSettings
) -> Candidates:
    """The site rules and the real score for pool positions ``batch``; eligible rows only."""
    placement = place(index, query, pool.rows[batch])
    eligible = np.flatnonzero(placement.eligible)
    placement = Placement(*(getattr(placement, f.name)[eligible] for f in fields(Placement)))
    keep = batch[eligible]
    parts = pool.parts[keep]  # a copy: fancy indexing
    parts[:, DISTANCE] = distance_part(placement.km, settings, pool.remote_part[keep])
    score = penalised(total(parts, settings), pool.uncertain[keep], settings)
    return Candidates(
        pool.rows[keep], pool.quality[keep], pool.relation[keep], placement, parts, score, pool.tier[keep]
    )


def _nothing(pool: Pool) -> Candidates:
    """No candidate yet, in the shapes of real ones."""
    none = np.empty(0, np.int64)
    placement = Placement(none.astype(bool), none, none.astype(float), none, none.astype(float), none.astype(bool))
    return Candidates(
        pool.rows[:0], pool.quality[:0], pool.relation[:0], placement, pool.parts[:0], np.empty(0), pool.tier[:0]
    )


def _merge(chunks: list[Candidates]) -> Candidates:
    """One ``Candidates`` from one or more chunks."""
    if len(chunks) == 1:
        return chunks[0]
    joined = {f.name: np.concatenate([getattr(c.placement, f.name) for c in chunks]) for f in fields(Placement)}
    names = ("rows", "quality", "relation", "parts", "score", "tier")
    rows, quality, relation, parts, score, tier = (np.concatenate([getattr(c, f) for c in chunks]) for f in names)
    return Candidates(rows, quality, relation, Placement(**joined), parts, score, tier)


def _settled(
    pool: Pool, rest: np.ndarray, found: Candidates, order: np.ndarray, actionable: list[int], limit: int
) -> bool:
    """Whether no unevaluated service (``rest``) could enter the top ``limit`` or be a need's best (rules a, b)."""
    if not len(rest) or limit <= 0:
        return True
    if len(order) < limit or not _beats(found, order[limit - 1], pool, rest):
        return False
    met = found.relation > 0
    for k in actionable:
        if met[order[:limit], k].any():
            continue
        meets = rest[pool.relation[rest, k] > 0]
        if not len(meets):
            continue
        best = order[met[order, k]]
        if not len(best) or not _beats(found, best[0], pool, meets):
            return False
    return True


def _beats(found: Candidates, p: int, pool: Pool, rest: np.ndarray) -> bool:
    """Whether evaluated position ``p`` ranks strictly ahead of whatever the rows ``rest`` may score.

    Equal keys could still lose on distance or id, hence strictly: a lower tier, or the same tier
    and a score above the bound.
    """
    tier, score = found.tier[p], found.score[p]
    return bool(np.all((tier < pool.tier[rest]) | ((tier == pool.tier[rest]) & (score > pool.bound[rest]))))

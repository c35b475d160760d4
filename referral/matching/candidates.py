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

Refining: the place-free rules, the school rule and the exact bound (``_pool``) cost a few dozen
numpy passes per row, and a dense directory puts thousands of rows in reach of which a few dozen
are ever evaluated. So when the rows are many (``SKETCH_FROM`` first chunks), they are first
*sketched* with fewer passes (``_sketch``): the box bound drops those out of reach, as ``_pool``
would, and each row left gets a tier no later than its real one (the school and unknown-eligibility
steps not yet known) and a score bound no lower than its exact one (the best distance part its box
allows, no penalty, and ``SKETCH_SLACK`` for the rounding), from the day's per-row parts
(``scoring.row_parts``). Rows are refined in batches, best sketch first, and the rules above also
hold every unrefined row to its sketch: when the limit-th best, or a need's best, cannot yet be
proved strictly ahead of some, exactly those are refined next (``_next_step``). Rows never refined
could never have entered the answer, so it is the same, in the same order.

The rows come from the need postings of the cells near the child (cells.py): every service with a
site in reach, every remote-capable one and none that ``screen`` always refuses; those left out
could never be eligible, so the set above is unchanged.

Cells first (``Frontier``): in a dense directory the cells in reach list tens of thousands of rows,
and sketching them all is most of a match (1M services in 100 x 100 km: ~100k rows for 25 km). When
they are many and the query asks one need, or needs no service near meets two of, the cells are read
best bound first instead: the anywhere cell and the nearest cells are sketched, and every key (need,
cell) of the others stands in the sketch as one pseudo-row whose relations, tier and bound hold for
every service listed under it (cellbound.py). The rules above treat a pseudo-row as any unrefined row;
"refining" one reads its cell. A cell never read could not have changed the answer.
Depends on numpy and sibling modules.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from referral.matching import cellbound
from referral.matching.cells import ANYWHERE
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
    intensity_part,
    penalised,
    rank_order,
    remote_parts,
    row_parts,
    score_parts,
    tiers,
    total,
    upper_bound,
)
from referral.matching.settings import AVERAGED, MatchSettings
from referral.matching.types import MatchQuery, UnderstoodNeed

TIER_SPAN = 1000.0  # > the score range, so tier * span - bound orders by tier, then bound
FIRST_CHUNK = 64  # most queries settle within the first chunk or two; each later chunk doubles
SKETCH_FROM = 48  # first chunks: fewer rows than this many are refined at once, the sketch costing more
REFINE = 2  # a batch refined before anything is scored is this many first chunks (then doubles)
FRONTIER_FROM = 4 * SKETCH_FROM  # first chunks of rows listed in reach from which the cells are read first
CELL_READS = 4  # reads of cells, the first one's included: the last reads every cell still waiting
FIRST_CELLS = 8  # first chunks of rows the first cells read hold, at least (cells best bound first)
SKETCH_SLACK = 0.01  # score points: the score's rounding up (half a cent) and the sum's order, with room
EVALUATE_STEP, REFINE_STEP = "evaluate", "refine"


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
    """Services through the cheap filters with their site-free parts and score bound (rows ascending when
    refined at once, else ascending within each refined batch)."""

    rows: np.ndarray
    quality: np.ndarray  # (n, K)
    relation: np.ndarray  # (n, K)
    parts: np.ndarray  # (n, 6), the distance part not yet known
    bound: np.ndarray  # upper bound of the score
    tier: np.ndarray  # exact: a tier never depends on the site
    remote_part: np.ndarray  # distance part if offered remotely (scoring.remote_parts)
    uncertain: np.ndarray  # bool: restricted on a fact the child's record leaves unknown (penalised)


@dataclass(frozen=True, eq=False)
class Sketch:
    """The rows read from the postings that may be in reach (ascending), with keys known before any
    rule is applied: a tier no later than the real one and a score bound no lower than the ``Pool``'s."""

    rows: np.ndarray
    relation: np.ndarray  # (n, K) int8: 1 + index relation, 0 = not met
    bound: np.ndarray
    tier: np.ndarray

    def of(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows at positions ``at`` and their relations: what ``_pool`` refines."""
        return self.rows[at], self.relation[at]


class Frontier:
    """The cells of one query read best bound first (cellbound.py). The rows of a read cell are sketched;
    each key (need, cell) of an unread cell stands in the sketch as one pseudo-row (row -1 - the key's
    position) whose relations, tier and bound hold for every service listed under it; refining a
    pseudo-row reads its cell (and retires the cell's other pseudo-rows)."""

    def __init__(
        self,
        index: DirectoryIndex,
        query: MatchQuery,
        needs: list[UnderstoodNeed],
        keys: np.ndarray,
        slot: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        settings: MatchSettings,
        today: date,
        first_entries: int,
    ):
        self.index, self.query, self.needs, self.settings, self.today = index, query, needs, settings, today
        self.keys, self.slot, self.budget = keys, slot, first_entries  # rows the next cells read may hold
        self.cells, self.cell_at, self.relation, self.tier, self.bound = bounds
        entries = index.nearby.offsets[keys + 1] - index.nearby.offsets[keys]
        self.counts = np.bincount(self.cell_at, entries, len(self.cells)).astype(np.int64)  # rows listed per cell
        self.unread = int(self.counts.sum())  # rows listed in the cells not read yet
        self.reads = 0
        self.placed = np.full(len(keys), -1, dtype=np.int64)  # key -> its pseudo-row's position, -1 none
        self.seen = np.zeros(len(index.services), dtype=bool)  # rows already in the sketch
        self.where = np.empty(len(index.services), dtype=np.int32)  # scratch: read only where just written

    @classmethod
    def of(
        cls,
        index: DirectoryIndex,
        query: MatchQuery,
        needs: list[UnderstoodNeed],
        settings: MatchSettings,
        today: date,
        first_chunk: int,
        slots: list[int | None],
        found: tuple[np.ndarray, np.ndarray],
    ) -> Frontier | None:
        """The frontier of a query whose cells list more than ``FRONTIER_FROM`` first chunks of rows, of one
        need, or of needs no service near meets two of (else the best answers, services meeting several,
        are few and may be anywhere in reach: the bounds would set little aside and reading the cells
        one batch at a time would cost more than reading them all at once)."""
        listed = index.nearby.offsets[found[0] + 1] - index.nearby.offsets[found[0]]
        if int(listed.sum()) <= FRONTIER_FROM * first_chunk:
            return None
        keys, first = np.unique(found[0], return_index=True)  # the ranges of a box may overlap at the edges
        slot, loc = found[1][first], query.location
        summary = cellbound.summary(index, today, settings)
        bits = np.array([cellbound.bit(s) if s is not None else 0 for s in slots], dtype=np.uint64)
        if len(needs) > 1 and (((summary.met[keys][:, None] & bits[None, :]) != 0).sum(axis=1) > 1).any():
            return None  # a service near may meet several needs: its best rows are rare and may be anywhere
        total = sum(weight(n) for n in needs)
        weights = np.array([weight(n) / total if total else 0.0 for n in needs])
        severity = max((n.severity for n in needs if n.source != "notes"), default=0)
        bounds = cellbound.key_bounds(
            summary, keys, slot, bits, weights, urgent(needs, settings), severity, loc.lat, loc.lon, settings
        )
        return cls(index, query, needs, keys, slot, bounds, settings, today, FIRST_CELLS * first_chunk)

    def first(self) -> Sketch:
        """The sketch of the anywhere cell and of the best-bound cells holding ``budget`` rows, with a
        pseudo-row for every key of every other cell."""
        best = np.lexsort((-self.bound, self.tier, self.cells[self.cell_at] != ANYWHERE))
        order = _distinct(self.cell_at[best])  # cells by their best key
        ordinary = np.where(self.cells[order] == ANYWHERE, 0, self.counts[order])
        upto = int(np.searchsorted(np.cumsum(ordinary), self.budget)) + 1
        unread = np.flatnonzero(~np.isin(self.cell_at, order[:upto]))
        self.placed[unread] = np.arange(len(unread))
        pseudo = Sketch(-1 - unread, self.relation[unread], self.bound[unread] + SKETCH_SLACK, self.tier[unread])
        return _extend(pseudo, self._sketch(order[:upto]))

    def read(self, sketch: Sketch, positions: np.ndarray, settled: bool) -> tuple[Sketch, np.ndarray]:
        """``sketch`` with the rows of the best of the cells its pseudo-rows at ``positions`` stand for
        (best bound first, as many as hold the budget of rows, which then doubles), and the positions of
        every pseudo-row of the cells read. All of them when they hold half the rows left and the rows
        scored already meet every need that must be covered (``settled``): the bounds then prune too little
        (while a need has no row scored, every cell listing it is waiting, however far); and at the
        ``CELL_READS``-th read, which bounds what a query the cells do not settle costs over reading all."""
        keys = -1 - sketch.rows[positions[np.lexsort((-sketch.bound[positions], sketch.tier[positions]))]]
        cells = _distinct(self.cell_at[keys])
        held = np.cumsum(self.counts[cells])
        self.reads += 1
        if self.reads < CELL_READS and (not settled or 2 * held[-1] < self.unread):
            cells, self.budget = cells[: int(np.searchsorted(held, self.budget)) + 1], self.budget * 2
        retired = self.placed[np.isin(self.cell_at, cells)]
        return _extend(sketch, self._sketch(cells)), retired[retired >= 0]

    def _sketch(self, cells: np.ndarray) -> Sketch:
        """The sketch of the rows listed in ``cells`` (positions in ``self.cells``) not sketched yet."""
        self.unread -= int(self.counts[cells].sum())
        keys = np.flatnonzero(np.isin(self.cell_at, cells))
        rows, relation, of = self.index.nearby.entries_of(self.keys[keys])
        fresh = ~self.seen[rows]
        rows, relation, need = rows[fresh], relation[fresh], self.slot[keys][of[fresh]]
        where = self.where
        where[rows] = np.arange(len(rows))
        distinct = rows[where[rows] == np.arange(len(rows))]  # one entry per row, whichever was written last
        self.seen[distinct] = True
        where[distinct] = np.arange(len(distinct))
        related = np.zeros((len(distinct), len(self.needs)), dtype=np.int8)
        related[where[rows], need] = relation + 1  # a row has one relation per need wherever it is listed
        return _sketch(
            self.index,
            self.query,
            self.needs,
            distinct,
            related,
            self.settings,
            self.today,
            urgent(self.needs, self.settings),
        )


def _distinct(values: np.ndarray) -> np.ndarray:
    """``values`` without repeats, in the order each first appears."""
    _, first = np.unique(values, return_index=True)
    return values[np.sort(first)]


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
    loc, outer = query.location, outer_km(query.constraints.max_distance_km)
    slots = _slots(index, needs)
    near = index.nearby.keys_near(slots, loc.lat, loc.lon, outer)
    frontier = None
    if near is not None and bounds_hold(settings):
        frontier = Frontier.of(index, query, needs, settings, today, first_chunk, slots, near)
    if frontier is not None:  # many rows, in cells: the nearest cells first, the others as bounds
        sketch = frontier.first()
        pool = _empty(sketch.rows[:0], sketch.relation[:0])
    else:
        rows, related = _union(_lists(index, needs, near), len(index.services))
        if len(rows) <= SKETCH_FROM * first_chunk or not bounds_hold(settings):  # refine every row at once
            pool = _pool(index, query, needs, settings, today, urgent(needs, settings), rows, related)
            sketch = Sketch(rows[:0], related[:0], np.empty(0), np.empty(0, np.int64))
        else:
            sketch = _sketch(index, query, needs, rows, related, settings, today, urgent(needs, settings))
            pool = _empty(rows, related)
    rest, unrefined = np.arange(len(pool.rows)), np.ones(len(sketch.rows), dtype=bool)
    chunk = first_chunk if bounds_hold(settings) else max(len(pool.rows), 1)  # no valid bound: all at once
    batch, chunks = REFINE * first_chunk, []
    found, order = _nothing(pool), np.empty(0, np.int64)
    while step := _next_step(pool, rest, sketch, unrefined, found, order, actionable, query.limit):
        kind, take = step
        if kind == REFINE_STEP:
            if not len(take):  # nothing scored yet: the best batch
                take, batch = _highest(sketch.tier, sketch.bound, np.flatnonzero(unrefined), batch)[0], batch * 2
            if frontier is not None and (sketch.rows[take] < 0).any():  # unread cells: the best join the sketch
                settled = all((found.relation[:, k] > 0).any() for k in actionable)
                sketch, read = frontier.read(sketch, take[sketch.rows[take] < 0], settled)
                unrefined = np.concatenate((unrefined, np.ones(len(sketch.rows) - len(unrefined), dtype=bool)))
                unrefined[read] = False
                take = take[sketch.rows[take] >= 0]
                if not len(take):
                    continue
            unrefined[take] = False
            take = take[np.argsort(sketch.rows[take], kind="stable")]  # rows ascending within a batch
            more = _pool(index, query, needs, settings, today, urgent(needs, settings), *sketch.of(take))
            rest = np.concatenate((rest, len(pool.rows) + np.arange(len(more.rows))))
            pool = _join(pool, more)
            continue
        take, rest = _highest(pool.tier, pool.bound, rest, chunk)
        chunks.append(_evaluate(index, query, pool, take, settings))
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
    (and the school rule), with bounds and tiers: every row ``candidates`` could refine, refined."""
    rows, related = _union(_postings(index, query, needs), len(index.services))
    return _pool(index, query, needs, settings, today, urgent_needs, rows, related)


def _pool(
    index: DirectoryIndex,
    query: MatchQuery,
    needs: list[UnderstoodNeed],
    settings: MatchSettings,
    today: date,
    urgent_needs: list[int],
    rows: np.ndarray,
    related: np.ndarray,
) -> Pool:
    """``rows`` (with ``related``, their (n, K) 1 + relation) through the school and place-free rules and
    the box bound, with their site-free parts, exact bounds and tiers."""
    school = resolve_school(index.schools, query.child.school)  # the cheap rules first: fewer rows to bound
    keep = np.flatnonzero(screen(index, query, rows) & school_allows(index, rows, query.child.school, school))
    rows, related = rows[keep], _rows_of(related, keep)
    near, min_km, remote = _reach(index, query, rows)
    keep = np.flatnonzero(near)
    rows, related, min_km, remote = rows[keep], _rows_of(related, keep), min_km[keep], remote[keep]
    quality, fit = _fit(related, needs, settings)
    severity = max((n.severity for n in needs if n.source != "notes"), default=0)
    parts = score_parts(index.columns, rows, fit, np.zeros(len(rows)), severity, today, settings)
    far = remote_parts(local_area(index, query, rows), settings)
    unsure = uncertain(index, query, rows)
    bound = penalised(upper_bound(parts, best_distance_part(min_km, remote, settings, far), settings), unsure, settings)
    unknown = (index.columns.school[rows] >= 0) & (not query.child.school)
    ready = row_parts(index.columns, today, settings).ready[rows]
    tier = tiers(related, list(urgent_needs), ready, unknown, settings, unsure)
    return Pool(rows, quality, related, parts, bound, tier, far, unsure)


def _sketch(
    index: DirectoryIndex,
    query: MatchQuery,
    needs: list[UnderstoodNeed],
    rows: np.ndarray,
    related: np.ndarray,
    settings: MatchSettings,
    today: date,
    urgent_needs: list[int],
) -> Sketch:
    """The rows that may be in reach (the box bound, as in ``_pool``) with keys that need no rule and no site."""
    near, min_km, _ = _reach(index, query, rows)
    keep = np.flatnonzero(near)
    rows, related, min_km = rows[keep], _rows_of(related, keep), min_km[keep]
    fit = _need_fit(related, needs, settings)
    severity = max((n.severity for n in needs if n.source != "notes"), default=0)
    day, weights = row_parts(index.columns, today, settings), settings.weights()
    far = max(settings.remote_distance_score, settings.remote_local_score)  # a remote row's part at most
    best_distance = np.fmax(np.exp(-min_km / settings.distance_scale_km), far)  # NaN (no site): far
    intensity = intensity_part(index.columns, rows, severity, settings)
    acc = weights[0] * fit + weights[1] * best_distance + weights[3] * intensity
    score = np.maximum(100.0 * (acc + day.base[rows]) / sum(weights[:AVERAGED]), 0.0)  # a score clips to 0-100
    bound = score + SKETCH_SLACK
    tier = tiers(related, urgent_needs, day.ready[rows], np.zeros(len(rows), dtype=bool), settings)
    return Sketch(rows, related, bound, tier)


def _rows_of(matrix: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``matrix[at]`` for a 2-D matrix: ``take`` copies whole rows, where fancy indexing walks them element by
    element (4-5x slower for thousands of rows of a few columns, numpy 2.4)."""
    return np.take(matrix, at, axis=0)


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
    return _lists(index, needs, index.nearby.keys_near(_slots(index, needs), loc.lat, loc.lon, outer))


def _lists(
    index: DirectoryIndex, needs: list[UnderstoodNeed], found: tuple[np.ndarray, np.ndarray] | None
) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """``_postings`` from the keys ``keys_near`` found (None: too wide a reach, the plain postings)."""
    if found is None:
        return [index.postings.relations(n.code) for n in needs], True  # type: ignore[arg-type]
    return index.nearby.lists(*found, len(needs)), False


def _slots(index: DirectoryIndex, needs: list[UnderstoodNeed]) -> list[int | None]:
    """Each need's code slot in the postings (None: a code no service meets, or none)."""
    return [index.postings.slot.get(n.code) if n.code else None for n in needs]


def _union(postings: tuple[list[tuple[np.ndarray, np.ndarray]], bool], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows meeting any need (ascending, once each) and their (rows, K) int8 1 + relation, 0 = not met."""
    lists, plain = postings
    if plain and len(lists) == 1:
        rows, rel = lists[0]
        return rows, (rel + 1).astype(np.int8)[:, None]
    mark = np.zeros(n, dtype=bool)
    for met, _ in lists:
        mark[met] = True
    rows = np.flatnonzero(mark)
    where = np.empty(n, dtype=np.intp)  # read only at ``rows``: no need to clear the rest
    where[rows] = np.arange(len(rows))
    related = np.zeros((len(rows), len(lists)), dtype=np.int8)
    for k, (met, rel) in enumerate(lists):
        related[where[met], k] = rel + 1  # a repeated row has the same relation each time
    return rows, related


def _reach(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each row may be reached (a site maybe in range, or remote), its sites' least km, remote.

    The cells already cut the rows to about the box around the circle, so every row gets the box bound.
    """
    loc, outer = query.location, outer_km(query.constraints.max_distance_km)
    remote = remote_capable(index, query, rows)
    min_km = index.sites.boxes.min_km(rows, loc.lat, loc.lon)  # NaN: no sites, never within reach
    return (min_km <= outer) | remote, min_km, remote


def _fit(related: np.ndarray, needs: list[UnderstoodNeed], settings: MatchSettings) -> tuple[np.ndarray, np.ndarray]:
    """The (n, K) quality of each row for each need (``related``: 1 + relation, 0 = not met) and the need fit."""
    return _by_relation(settings)[related], _need_fit(related, needs, settings)


def _need_fit(related: np.ndarray, needs: list[UnderstoodNeed], settings: MatchSettings) -> np.ndarray:
    """The need fit alone: each need's quality weighted and summed in need order, over the total weight.
    Each column is read straight through the relation table, never building the (n, K) quality (the
    sketch reads only this, for thousands of rows)."""
    by_relation = _by_relation(settings)
    fit, total_weight = np.zeros(len(related)), sum(weight(n) for n in needs)
    for k, need in enumerate(needs):
        fit = fit + weight(need) * by_relation.take(related[:, k])
    return fit / total_weight if total_weight else fit


def _by_relation(settings: MatchSettings) -> np.ndarray:
    """A need's quality by 1 + relation; 0 = the need is not met."""
    return np.array((0.0, *settings.fits()))


def _highest(tier: np.ndarray, bound: np.ndarray, rest: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` positions of ``rest`` with the best (tier, bound) keys (any order), and the others.

    Which rows are taken first changes only how soon the search settles, never its answer."""
    if n >= len(rest):
        return rest, rest[:0]
    key = tier[rest] * TIER_SPAN - bound[rest]  # a bound is 0-100 (a sketch's a little over): tiers never mix
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


def _empty(rows: np.ndarray, related: np.ndarray) -> Pool:
    """A pool of no rows, in the shapes of real ones."""
    none, k = np.empty(0), related.shape[1]
    return Pool(
        rows[:0], np.empty((0, k)), related[:0], np.empty((0, 6)), none, none.astype(np.int64), none, none.astype(bool)
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


def _extend(sketch: Sketch, more: Sketch) -> Sketch:
    """The rows of ``sketch`` then those of ``more``: positions in ``sketch`` stay what they were."""
    return Sketch(*(np.concatenate((getattr(sketch, f.name), getattr(more, f.name))) for f in fields(Sketch)))


def _join(pool: Pool, more: Pool) -> Pool:
    """The rows of ``pool`` then those of ``more``: positions in ``pool`` stay what they were."""
    return Pool(*(np.concatenate((getattr(pool, f.name), getattr(more, f.name))) for f in fields(Pool)))


def _next_step(
    pool: Pool,
    rest: np.ndarray,
    sketch: Sketch,
    unrefined: np.ndarray,
    found: Candidates,
    order: np.ndarray,
    actionable: list[int],
    limit: int,
) -> tuple[str, np.ndarray] | None:
    """None when no unevaluated row (pool positions ``rest``, sketch rows ``unrefined``) could enter the
    top ``limit`` or be a need's best (rules a, b). Else what would settle it: (EVALUATE_STEP, _), the
    best of ``rest`` to evaluate, or (REFINE_STEP, sketch positions) to refine, every one the rules
    cannot yet set aside (none: the best batch, nothing being scored yet)."""
    left = np.flatnonzero(unrefined)
    if limit <= 0 or not (len(rest) or len(left)):
        return None
    if len(order) < limit:
        return (EVALUATE_STEP, rest) if len(rest) else (REFINE_STEP, left[:0])
    if not _ahead(found, order[limit - 1], pool.tier[rest], pool.bound[rest]).all():
        return EVALUATE_STEP, rest
    blocked = ~_ahead(found, order[limit - 1], sketch.tier[left], sketch.bound[left])
    met = found.relation > 0
    for k in actionable:
        if met[order[:limit], k].any():
            continue
        best = order[met[order, k]]
        meets = rest[pool.relation[rest, k] > 0]
        if len(meets) and (not len(best) or not _ahead(found, best[0], pool.tier[meets], pool.bound[meets]).all()):
            return EVALUATE_STEP, rest
        meets_left = sketch.relation[left, k] > 0
        if len(best):
            meets_left &= ~_ahead(found, best[0], sketch.tier[left], sketch.bound[left])
        blocked |= meets_left
    return (REFINE_STEP, left[blocked]) if blocked.any() else None


def _ahead(found: Candidates, p: int, tier: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Whether evaluated position ``p`` ranks strictly ahead of rows of these tiers and score bounds, each.

    Equal keys could still lose on distance or id, hence strictly: a lower tier, or the same tier
    and a score above the bound.
    """
    mine, score = found.tier[p], found.score[p]
    return np.asarray((mine < tier) | ((mine == tier) & (score > bound)))

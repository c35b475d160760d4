"""The bundle: the smallest set of results that together cover the actionable needs they meet.

This module owns set-cover search over the (few) results. Among covers of equal size it prefers
fewer distinct organizations, then a smaller total distance (a remote result counts 0 km), then
better ranks. The search is exact up to 4 services when there are at most 50 results and 20 needs
(branching on the first uncovered need, so only useful services are tried); greedy beyond.
Depends on the standard library only.
"""

from __future__ import annotations

from typing import Sequence

from referral.matching.types import Bundle, Result

EXACT_MAX_SIZE, EXACT_MAX_RESULTS, EXACT_MAX_NEEDS = 4, 50, 20


def make_bundle(results: Sequence[Result], actionable: Sequence[str]) -> Bundle:
    """The preferred smallest cover of the actionable needs met by ``results``."""
    masks = [sum(1 << k for k, code in enumerate(actionable) if code in r.needs_met) for r in results]
    goal = 0
    for mask in masks:
        goal |= mask
    covers = tuple(code for k, code in enumerate(actionable) if goal >> k & 1)
    uncovered = tuple(code for code in actionable if code not in covers)
    if not goal:
        return Bundle((), (), (), uncovered)
    useful = [i for i, m in enumerate(masks) if m]
    chosen = None
    if len(results) <= EXACT_MAX_RESULTS and len(actionable) <= EXACT_MAX_NEEDS:
        chosen = _exact(results, masks, useful, goal)
    if chosen is None:
        chosen = _greedy(masks, useful, goal)
    picked = sorted(chosen, key=lambda i: results[i].rank)
    return Bundle(tuple(results[i].service.id for i in picked), tuple(results[i].rank for i in picked), covers, uncovered)


def _preference(results: Sequence[Result], picked: Sequence[int]) -> tuple:
    """Sort key among covers of one size: organizations, total km, ranks."""
    orgs = len({results[i].service.organization_id for i in picked})
    km = round(sum(results[i].distance_km or 0.0 for i in picked), 3)
    return (orgs, km, sorted(results[i].rank for i in picked))


def _exact(results: Sequence[Result], masks: list[int], useful: list[int], goal: int) -> tuple[int, ...] | None:
    """The preferred cover of the smallest size up to EXACT_MAX_SIZE, or None if larger."""
    for size in range(1, EXACT_MAX_SIZE + 1):
        found: set[tuple[int, ...]] = set()
        _branch(masks, useful, goal, 0, (), size, found)
        if found:
            return min(found, key=lambda picked: _preference(results, picked))
    return None


def _branch(masks, useful, goal, have, picked, size, found) -> None:
    """Collect covers of exactly ``size``: branch on the lowest need not yet covered."""
    missing = goal & ~have
    if not missing:
        if len(picked) == size:
            found.add(tuple(sorted(picked)))
        return
    if len(picked) == size:
        return
    need = missing & -missing
    for i in useful:
        if masks[i] & need and i not in picked:
            _branch(masks, useful, goal, have | masks[i], (*picked, i), size, found)


def _greedy(masks: list[int], useful: list[int], goal: int) -> tuple[int, ...]:
    """Repeatedly take the result covering most of what is missing (best rank on ties)."""
    have, picked = 0, []
    while have != goal:
        best = max(useful, key=lambda i: (bin(masks[i] & ~have).count("1"), -i))
        picked.append(best)
        have |= masks[best]
    return tuple(picked)



"""The bundle: a small set of results that together cover the actionable needs they meet.

This module owns set-cover search over the (few) results. Covers are compared by ``quality``:
fewest members a worker cannot act on at once (offered remotely, or not accepting now), then
fewest members, then fewest distinct organizations, a smaller total distance (a remote result
counts 0 km) and better ranks. The candidates are every cover of the smallest size and the next
one up (exact search up to 4 services, at most 50 results and 20 needs, branching on the first
uncovered need so only useful services are tried; greedy beyond), and always the baseline: the
top results taken in rank order while they add a need. So the bundle starts from the best
results and is never worse than that baseline. A cover one larger can only win by having fewer
members a worker cannot act on at once, so when a smallest cover has none, the larger ones are not
searched (the common case: the same bundle at about half the cost). Depends on the standard library
only.
"""

from __future__ import annotations

from collections.abc import Sequence

from referral.matching.types import Bundle, Result

EXACT_MAX_SIZE, EXACT_MAX_RESULTS, EXACT_MAX_NEEDS = 4, 50, 20


def make_bundle(results: Sequence[Result], actionable: Sequence[str]) -> Bundle:
    """The preferred cover of the actionable needs met by ``results`` (see the module docstring)."""
    masks = [sum(1 << k for k, code in enumerate(actionable) if code in r.needs_met) for r in results]
    goal = 0
    for mask in masks:
        goal |= mask
    covers = tuple(code for k, code in enumerate(actionable) if goal >> k & 1)
    uncovered = tuple(code for code in actionable if code not in covers)
    if not goal:
        return Bundle((), (), (), uncovered)
    useful = [i for i, m in enumerate(masks) if m]
    options = [baseline(masks, goal)]
    facts = _facts(results)
    if len(results) <= EXACT_MAX_RESULTS and len(actionable) <= EXACT_MAX_NEEDS:
        options += _exact(masks, useful, goal, [f[0] for f in facts])
    else:
        options.append(_greedy(masks, useful, goal))
    chosen = min(options, key=lambda picked: _quality(facts, picked))
    picked = sorted(chosen, key=lambda i: results[i].rank)
    return Bundle(
        tuple(results[i].service.id for i in picked), tuple(results[i].rank for i in picked), covers, uncovered
    )


def quality(results: Sequence[Result], picked: Sequence[int]) -> tuple:
    """Sort key of a cover (smaller is better): not actionable now, size, organizations, km, ranks."""
    return _quality(_facts(results), picked)


def _facts(results: Sequence[Result]) -> list[tuple[bool, str, float, int]]:
    """What ``quality`` reads of each result, read once however many covers are compared."""
    return [
        (r.site is None or r.service.capacity != "accepting", r.service.organization_id, r.distance_km or 0.0, r.rank)
        for r in results
    ]


def _quality(
    facts: list[tuple[bool, str, float, int]], picked: Sequence[int]
) -> tuple[int, int, int, float, list[int]]:
    if not picked:
        return (0, 0, 0, 0.0, [])
    waiting, orgs, km, ranks = zip(*[facts[i] for i in picked], strict=True)  # the members' facts, field by field
    return (sum(waiting), len(picked), len(set(orgs)), round(sum(km), 3), sorted(ranks))


def baseline(masks: Sequence[int], goal: int) -> tuple[int, ...]:
    """The top results in rank order, each taken while it adds a need, until the goal is covered."""
    have, picked = 0, []
    for i, mask in enumerate(masks):
        if mask & ~have:
            picked.append(i)
            have |= mask
        if have == goal:
            break
    return tuple(picked)


def _exact(masks: list[int], useful: list[int], goal: int, waiting: Sequence[bool]) -> list[tuple[int, ...]]:
    """Every cover of the smallest size up to EXACT_MAX_SIZE and of the size after it; [] if larger.
    The size after is left out when a smallest cover has no member ``waiting`` (not actionable now):
    ``quality`` ranks it ahead of every larger cover."""
    found: set[tuple[int, ...]] = set()
    smallest = None
    for size in range(1, EXACT_MAX_SIZE + 1):
        if smallest is not None and (size > smallest + 1 or any(not any(waiting[i] for i in c) for c in found)):
            break
        before = len(found)
        _branch(masks, useful, goal, 0, (), size, found)
        if smallest is None and len(found) > before:
            smallest = size
    return sorted(found)


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

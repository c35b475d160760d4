"""Why an actionable need has no result: no service, not eligible, too far (with the nearest option).

This module owns the diagnosis of unmet needs. It re-runs the hard rules on the services of one
need only, so it costs nothing when every need is met. A relevant service that is merely too far is
reported as the nearest option, never silently dropped. Depends on numpy and sibling modules.

Reasons: "no_service" (no active service lists the term, a narrower or a broader one);
"not_eligible" (the child fails the rules that do not depend on place, including a school's own
service for another school's pupils, or no site is open on the asked day; ``rule`` names the rule
of eligibility.RULES that closes the nearest such service, or "closed_day"); "too_far" (eligible
apart from the area and distance rules; ``rule`` says which: "area" or "distance"); "beyond_limit"
(eligible services exist but the ``limit`` was too small to show one: only when limit < actionable needs);
"not_understood" (a free-text need nothing could be read from: its suggestions, never its text).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from referral.matching.candidates import school_allows
from referral.matching.eligibility import failed, place, screen
from referral.matching.explain import name_in, unmet_detail
from referral.matching.geo import haversine_km, shown_km
from referral.matching.index import DirectoryIndex
from referral.matching.messages import join, say
from referral.matching.schools import resolve_school
from referral.matching.types import MatchQuery, NearestOption, Result, UnderstoodNeed, UnmetNeed


def unmet_needs(
    index: DirectoryIndex, query: MatchQuery, actionable: Sequence[UnderstoodNeed], results: Sequence[Result]
) -> tuple[UnmetNeed, ...]:
    """One entry per actionable need that no result meets, in need order."""
    met = {code for r in results for code in r.needs_met}
    return tuple(_diagnose(index, query, need) for need in actionable if need.code not in met)


def not_understood(index: DirectoryIndex, query: MatchQuery, needs: Sequence[UnderstoodNeed]) -> tuple[UnmetNeed, ...]:
    """One entry per need whose text could not be read, with its closest needs (never its text)."""
    lang, label = query.language, index.taxonomy.label
    found = []
    for need in (n for n in needs if not n.understood):
        labels = [label(code, lang) for code in need.suggestions[:3]]
        closest = say(lang, "unmet.closest", labels=join(lang, labels)) if labels else ""
        detail = say(lang, "unmet.not_understood", n=(need.input or 0) + 1, closest=closest)
        found.append(
            UnmetNeed(None, need.label, need.severity, "not_understood", detail, None, need.input, need.suggestions)
        )
    return tuple(found)


def _diagnose(index: DirectoryIndex, query: MatchQuery, need: UnderstoodNeed) -> UnmetNeed:
    lang = query.language
    rows, _ = index.postings.relations(need.code)
    rows = rows[index.columns.active[rows]]
    if not len(rows):
        return _unmet(need, "no_service", unmet_detail(lang, "no_service", need.label))
    school = resolve_school(index.schools, query.child.school)
    passing = screen(index, query, rows) & school_allows(index, rows, query.child.school, school)
    if not passing.any():
        return _closed(index, query, need, rows)
    rows = rows[passing]
    placement = place(index, query, rows, diagnose=True)
    if placement.eligible.any():
        detail = unmet_detail(lang, "beyond_limit", need.label, limit=query.limit)
        return _unmet(need, "beyond_limit", detail)
    reachable = (placement.open_site >= 0) | placement.remote
    if not reachable.any():
        return _closed(index, query, need, rows)
    nearest = _nearest(index, query, rows, placement.open_site, placement.open_km, reachable)
    name = name_in(nearest.service.names, nearest.service.name, lang)
    if nearest.site is None:
        return _unmet(need, "too_far", unmet_detail(lang, "too_far_remote", need.label, name=name), nearest)
    km = f"{nearest.distance_km:.1f}"
    rule = "distance" if _serves_here(index, query, nearest) else "area"
    detail = unmet_detail(lang, "too_far_rule", need.label, name=name, km=km, rule=say(lang, f"rule.{rule}"))
    return _unmet(need, "too_far", detail, nearest, rule)


def _serves_here(index: DirectoryIndex, query: MatchQuery, nearest: NearestOption) -> bool:
    """Whether the child is inside the nearest option's area (so only the distance limit failed)."""
    service = nearest.service
    if not service.area_places and service.area_radius_km is None:
        return True
    lineage = set(index.gazetteer.lineage(query.location.place))
    in_radius = (
        service.area_radius_km is not None
        and nearest.distance_km is not None
        and nearest.distance_km <= service.area_radius_km
    )
    return bool(service.area_places & lineage) or in_radius


def _unmet(
    need: UnderstoodNeed, reason: str, detail: str, nearest: NearestOption | None = None, rule: str | None = None
) -> UnmetNeed:
    return UnmetNeed(need.code, need.label, need.severity, reason, detail, nearest, rule=rule)


def _nearest(
    index: DirectoryIndex, query: MatchQuery, rows: np.ndarray, site: np.ndarray, km: np.ndarray, reachable: np.ndarray
) -> NearestOption:
    """The nearest open site among reachable rows (ties: service id); a remote one if none has a site."""
    with_site = np.flatnonzero(site >= 0)
    if not len(with_site):
        pick = np.flatnonzero(reachable)
        row = int(rows[pick[np.argmin(index.columns.id_rank[rows[pick]])]])
        return NearestOption(index.services[row], None, None)
    best = with_site[np.lexsort((index.columns.id_rank[rows[with_site]], km[with_site]))[0]]
    row, flat = int(rows[best]), int(site[best])
    chosen = index.services[row].sites[flat - int(index.sites.offsets[row])]
    loc = query.location
    return NearestOption(index.services[row], chosen, shown_km(loc.lat, loc.lon, chosen.lat, chosen.lon))


def _closed(index: DirectoryIndex, query: MatchQuery, need: UnderstoodNeed, rows: np.ndarray) -> UnmetNeed:
    """ "not_eligible", naming the rule that closes the nearest service for the need to this child."""
    loc, sites, ids = query.location, index.sites, index.services.ids
    rows = np.asarray(rows, dtype=np.int64)
    counts = sites.offsets[rows + 1] - sites.offsets[rows]
    flat = np.repeat(sites.offsets[rows] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    nearest_km = np.full(len(rows), np.inf)  # no site: last
    np.minimum.at(nearest_km, np.repeat(np.arange(len(rows)), counts), haversine_km(sites.xyz[flat], loc.lat, loc.lon))
    row = int(rows[min(range(len(rows)), key=lambda i: (nearest_km[i], ids[int(rows[i])]))])
    nearest = index.services[row]
    name = name_in(nearest.names, nearest.name, query.language)
    rule, said = failed_rule(index, query, row)
    detail = unmet_detail(query.language, "rule_failed", need.label, name=name, rule=said)
    return _unmet(need, "not_eligible", detail, rule=rule)


def failed_rule(index: DirectoryIndex, query: MatchQuery, row: int) -> tuple[str, str]:
    """The name of the first place-free rule (eligibility.RULES) service ``row`` fails for this child,
    and why in words; else "closed_day" (not open on the asked day)."""
    found = failed(index, query, row)
    if found is None:
        return "closed_day", say(query.language, "rule.closed_day")
    return found.name, found.says(query.language, index.services[row])

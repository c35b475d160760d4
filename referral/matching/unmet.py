"""Why an actionable need has no result: no service, not eligible, too far (with the nearest option).

This module owns the diagnosis of unmet needs. It re-runs the hard rules on the services of one
need only, so it costs nothing when every need is met. A relevant service that is merely too far is
reported as the nearest option, never silently dropped. Depends on numpy and sibling modules.

Reasons: "no_service" (no active service lists the term, a narrower or a broader one);
"not_eligible" (the child fails the rules that do not depend on place, or no site is open on the
asked day); "too_far" (eligible apart from the area and distance rules); "beyond_limit" (eligible
services exist but the ``limit`` was too small to show one: only when limit < actionable needs);
"not_understood" (a free-text need nothing could be read from: its suggestions, never its text).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from referral.matching.eligibility import place, screen
from referral.matching.explain import name_in, unmet_detail
from referral.matching.messages import join, say
from referral.matching.geo import shown_km
from referral.matching.index import DirectoryIndex
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
        found.append(UnmetNeed(None, need.label, need.severity, "not_understood", detail, None, need.input, need.suggestions))
    return tuple(found)


def _diagnose(index: DirectoryIndex, query: MatchQuery, need: UnderstoodNeed) -> UnmetNeed:
    lang = query.language
    rows, _ = index.postings.lookup(need.code)
    rows = rows[index.columns.active[rows]]
    if not len(rows):
        return _unmet(need, "no_service", unmet_detail(lang, "no_service", need.label))
    rows = rows[screen(index, query, rows)]
    placement = place(index, query, rows, diagnose=True)
    if placement.eligible.any():
        detail = unmet_detail(lang, "beyond_limit", need.label, limit=query.limit)
        return _unmet(need, "beyond_limit", detail)
    reachable = (placement.open_site >= 0) | placement.remote
    if not reachable.any():
        return _unmet(need, "not_eligible", unmet_detail(lang, "not_eligible", need.label))
    nearest = _nearest(index, query, rows, placement.open_site, placement.open_km, reachable)
    name = name_in(nearest.service.names, nearest.service.name, lang)
    if nearest.site is None:
        return _unmet(need, "too_far", unmet_detail(lang, "too_far_remote", need.label, name=name), nearest)
    km = f"{nearest.distance_km:.1f}"
    return _unmet(need, "too_far", unmet_detail(lang, "too_far", need.label, name=name, km=km), nearest)


def _unmet(need: UnderstoodNeed, reason: str, detail: str, nearest: NearestOption | None = None) -> UnmetNeed:
    return UnmetNeed(need.code, need.label, need.severity, reason, detail, nearest)


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

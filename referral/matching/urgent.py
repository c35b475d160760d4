"""The urgent section of a match: what to do now when the safety layer found a risk.

This module owns which emergency lines, duties and services are shown for the risks found. It is
never empty: the region's lines and duties that apply to the child's place and the risks, the
directory's services that can act now, and always a sentence of advice, which tells the worker
to call local emergency services when the directory records no line for the place. It depends
on numpy and sibling modules only.

A service "can act now" when it is active, accepting (not waitlisted or full), passes the child's
own eligibility rules (age, gender, groups, languages) and serves the child's location (its area
rule, within ``max(query distance, URGENT_REACH_KM)``), and meets a risk need, a more specific
term or its parent. The worker's preferences (modes, cost, opening day) never hide such a
service. Nearest first, services offered only remotely after them; at most ``URGENT_SERVICES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from referral.matching.eligibility import place, screen
from referral.matching.geo import shown_km
from referral.matching.index import EXACT, NARROWER, DirectoryIndex
from referral.matching.messages import say
from referral.matching.types import Constraints, MatchQuery, RiskCategory, UnderstoodNeed, Urgent, UrgentService

URGENT_SERVICES = 5
URGENT_REACH_KM = 50.0  # a crisis or protection service further than this cannot act today


def urgent_section(
    index: DirectoryIndex, query: MatchQuery, needs: Sequence[UnderstoodNeed], located: bool = True
) -> Urgent | None:
    """The urgent section for the risk needs among ``needs``, or None when there is none. Not
    ``located`` (the child's place is unknown): every line and duty of the directory for the risks,
    whatever place they are for, and no services (distance and areas decide those)."""
    risky = [n for n in needs if n.risk]
    if not risky:
        return None
    found = _categories(index, risky)
    codes = {c.code for c in found}
    lineage = set(index.gazetteer.lineage(query.location.place))
    anywhere = not located  # the place is unknown: every line and duty of the directory's region(s)
    hotlines = tuple(h for h in index.region.hotlines if _applies(h.categories, h.places, codes, lineage, anywhere))
    duties = tuple(d for d in index.region.duties if _applies(d.categories, d.places, codes, lineage, anywhere))
    advice = say(query.language, "urgent.advice" if hotlines else "urgent.no_lines")
    services = _services(index, query, [n.code for n in risky]) if located else ()
    return Urgent(tuple(found), advice, hotlines, duties, services)


def _categories(index: DirectoryIndex, risky: Sequence[UnderstoodNeed]) -> list[RiskCategory]:
    """The lexicon's categories of the risks found, in need order."""
    by_code = {c.code: c for c in index.risks.categories}
    return [by_code[n.risk] for n in risky if n.risk in by_code]


def _applies(
    categories: frozenset[str], places: frozenset[str], found: set[str], lineage: set[str], anywhere: bool = False
) -> bool:
    """Empty categories serve every risk; empty places apply everywhere (``anywhere``: any place does)."""
    return (not categories or bool(categories & found)) and (anywhere or not places or bool(places & lineage))


def _services(index: DirectoryIndex, query: MatchQuery, codes: list[str]) -> tuple[UrgentService, ...]:
    meets = _meets(index, codes)
    if not meets:
        return ()
    rows = np.array(sorted(meets), dtype=np.int64)
    reach = replace(
        query,
        constraints=Constraints(
            max_distance_km=max(query.constraints.max_distance_km, URGENT_REACH_KM), include_waitlisted=False
        ),
    )
    rows = rows[screen(index, reach, rows)]  # without waitlisted and full services: accepting only
    placement = place(index, reach, rows)
    eligible = np.flatnonzero(placement.eligible)
    chosen = [(int(rows[k]), int(placement.site[k])) for k in _nearest_few(placement.km[eligible], eligible)]
    listed = [_urgent(index, query, row, flat, meets[row]) for row, flat in chosen]
    far = float("inf")
    listed.sort(key=lambda u: (u.distance_km if u.distance_km is not None else far, u.service.id))
    return tuple(listed[:URGENT_SERVICES])


def _meets(index: DirectoryIndex, codes: list[str]) -> dict[int, tuple[str, ...]]:
    """Service row -> the risk codes it meets with its own term, a more specific one or the parent.

    From the postings alone (no service is decoded): a posting's relation to the code is at least
    NARROWER when the service lists the code or a more specific term, and the parent's own postings
    (EXACT) say which list the parent itself."""
    taxonomy, found = index.taxonomy, {}
    for code in codes:
        rows, relation = index.postings.relations(code)
        hit = relation >= NARROWER
        parent = taxonomy.terms[code].parent if code in taxonomy else None
        if parent:
            listed, kind = index.postings.relations(parent)
            hit |= np.isin(rows, listed[kind == EXACT])
        for row in rows[hit].tolist():
            found.setdefault(row, [])
            found[row].append(code)
    return {row: tuple(met) for row, met in found.items()}


def _nearest_few(km: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The ``positions`` that may be among the URGENT_SERVICES nearest by shown distance (then id),
    from their haversine ``km`` (NaN = no site: sorted last): only those are decoded and shown.

    A position beyond ``kth x 1.02 + 0.2`` km (kth: the URGENT_SERVICES-th smallest) lies, geodesic
    and rounded to 0.1 km as shown, strictly farther than each of the nearest (haversine is within
    0.6 % of the geodesic, geo.BAND), so it can neither enter nor tie."""
    located = ~np.isnan(km)
    if int(located.sum()) <= URGENT_SERVICES:
        return positions
    kth = float(np.partition(km[located], URGENT_SERVICES - 1)[URGENT_SERVICES - 1])
    kept: np.ndarray = positions[located & (km <= kth * 1.02 + 0.2)]
    return kept


def _urgent(index: DirectoryIndex, query: MatchQuery, row: int, flat: int, met: tuple[str, ...]) -> UrgentService:
    service = index.services[row]
    site = service.sites[flat - int(index.sites.offsets[row])] if flat >= 0 else None
    km = shown_km(query.location.lat, query.location.lon, site.lat, site.lon) if site else None
    return UrgentService(service, site, km, met)


# The line to call first when a child is in danger: a crisis line over an intake desk over a main
# switchboard; a fax is never offered.
CALL_ORDER = ("emergency", "hotline", "intake", "main")


def phone_to_call(option: UrgentService) -> str | None:
    """The number a worker should ring for an urgent option: the service's own lines, then its site's,
    by ``CALL_ORDER``; else the site's or the organization's single phone."""
    lines = [*option.service.phones, *(option.site.phones if option.site else ())]
    for purpose in CALL_ORDER:
        for line in lines:
            if line.purpose == purpose:
                return line.number
    return (option.site.phone if option.site else None) or option.service.organization_phone

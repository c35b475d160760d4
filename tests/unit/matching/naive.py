"""A naive reference of the matcher: plain Python loops over every service, the same rules.

Used by the property tests (the vectorised engine must agree on ranked ids and scores) and by
bench/match_bench.py as the baseline. Needs are understood by the engine's own function (text
matching is not what this reference checks); everything after that is re-implemented here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from referral.matching.engine import MatchSettings, understand_needs
from referral.matching.geo import haversine_one, within
from referral.matching.groups import IMPLIED_GROUPS
from referral.matching.index import DirectoryIndex
from referral.matching.schools import fold
from referral.matching.types import Child, Directory, MatchQuery, Service, Site

INTENSITY = {
    3: {"intensive": 1.0, "support": 0.6, "prevention": 0.3},
    2: {"support": 1.0, "intensive": 0.8, "prevention": 0.6},
    1: {"prevention": 1.0, "support": 0.8, "intensive": 0.4},
}


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float
    site: str | None
    needs_met: tuple[str, ...]


def ancestors(directory: Directory, code: str) -> list[str]:
    parents = {t.code: t.parent for t in directory.terms}
    found, parent = [], parents.get(code)
    while parent in parents and parent not in found:
        found.append(parent)
        parent = parents[parent]
    return found


def relation(directory: Directory, service: Service, code: str) -> int:
    """3 exact, 2 the service's term is narrower, 1 broader, 0 not met (the best the service lists)."""
    best = 0
    for listed in service.needs:
        if listed == code:
            best = max(best, 3)
        elif code in ancestors(directory, listed):
            best = max(best, 2)
        elif listed in ancestors(directory, code):
            best = max(best, 1)
    return best


def quality(directory: Directory, service: Service, code: str, settings: MatchSettings = MatchSettings()) -> float:
    return {0: 0.0, 1: settings.broader_fit, 2: settings.narrower_fit, 3: settings.exact_fit}[
        relation(directory, service, code)
    ]


def school_of(directory: Directory, given: str | None) -> str | None:
    """The child's school among those services serve: by site id, or by a name (folded) naming exactly one."""
    served = {s.serves_school: s.school_names for s in directory.services if s.serves_school}
    if not given:
        return None
    if given in served:
        return given
    wanted = fold(given)
    hits = {
        site
        for site, names in served.items()
        for n in names
        if len(wanted) >= 2
        and fold(n)
        and (wanted == fold(n) or (len(fold(n)) >= 2 and (wanted in fold(n) or fold(n) in wanted)))
    }
    return hits.pop() if len(hits) == 1 else None


def tier(
    service: Service,
    rels: list[int],
    urgent: list[int],
    school: str | None,
    today: date,
    settings: MatchSettings,
    unknown: bool = False,
) -> int:
    """scoring.tiers, one service at a time."""
    m = len(urgent)
    urgent_class = 0
    if urgent and settings.urgent_ready_first:
        fresh = service.verified_at is not None and (today - service.verified_at).days <= settings.stale_after_days
        ready = service.capacity == "accepting" and fresh
        urgent_class = (0 if ready else 1) if any(rels[k] for k in urgent) else 2
    specific = sum(1 for k in urgent if rels[k] >= 2) if urgent and settings.specialist_first else 0
    late = int(bool(service.serves_school) and not school and settings.school_unknown_last)
    late += int(unknown and settings.unknown_eligibility_last)
    return (urgent_class * (m + 1) + (m - specific)) * 3 + late


def passes_rules(service: Service, query: MatchQuery) -> bool:
    child, c = query.child, query.constraints
    return (
        service.status == "active"
        and (child.age is None or service.minimum_age is None or service.minimum_age <= child.age)
        and (child.age is None or service.maximum_age is None or child.age <= service.maximum_age)
        and (not service.genders or child.gender is None or child.gender in service.genders)
        and (not service.groups or not child.groups or bool(service.groups & child.groups))
        and (not service.languages or not child.languages or bool(service.languages & child.languages))
        and service.capacity != "full"
        and (c.include_waitlisted or service.capacity != "waitlist")
        and (c.modes is None or bool(service.modes & c.modes))
        and (not c.free_only or service.cost == "free")
    )


def place_lineage(directory: Directory, code: str | None) -> set[str]:
    parents = {p.code: p.parent for p in directory.places}
    found = set()
    while code in parents and code not in found:
        found.add(code)
        code = parents[code]
    return found


def roots(directory: Directory) -> set[str]:
    return {p.code for p in directory.places if p.parent is None}


def choose_site(directory: Directory, service: Service, query: MatchQuery) -> tuple[bool, Site | None, float | None]:
    """(eligible, site, haversine km) under the opening-day, area and distance rules."""
    loc, c = query.location, query.constraints
    here = (loc.lat, loc.lon)
    by_place = (not service.area_places and service.area_radius_km is None) or bool(
        service.area_places & place_lineage(directory, loc.place)
    )
    best, best_km, in_radius = None, None, False
    for s in service.sites:
        km = haversine_one(loc.lat, loc.lon, s.lat, s.lon)
        radius_ok = service.area_radius_km is not None and within(service.area_radius_km, km, here, (s.lat, s.lon))
        in_radius |= radius_ok
        open_ok = c.open_on is None or c.open_on in s.open_days
        if open_ok and (by_place or radius_ok) and within(c.max_distance_km, km, here, (s.lat, s.lon)):
            if best_km is None or km < best_km:
                best, best_km = s, km
    remote = "remote" in service.modes and (c.modes is None or "remote" in c.modes)
    if best is not None:
        return True, best, best_km
    return remote and (by_place or in_radius), None, None


def unsure(service: Service, child: Child) -> bool:
    """Restricted on a fact the child's record leaves unknown (unknown is not ineligible)."""
    return (
        (child.age is None and (service.minimum_age is not None or service.maximum_age is not None))
        or (bool(service.genders) and child.gender is None)
        or (bool(service.groups) and not child.groups and not (service.groups & child.inferred_groups))
        or (bool(service.languages) and not child.languages)
    )


def naive_match(
    index: DirectoryIndex, directory: Directory, query: MatchQuery, settings: MatchSettings = MatchSettings()
) -> list[Ranked]:
    understood = understand_needs(index, query, settings)
    inferred = set()
    for n in understood:
        if n.source != "notes" and n.severity > 0:
            inferred |= {g for prefix, g in IMPLIED_GROUPS if n.code == prefix or n.code.startswith(prefix + ".")}
    query = replace(query, child=replace(query.child, inferred_groups=frozenset(inferred)))
    needs = [n for n in understood if n.severity > 0]
    weights = [n.severity if n.source != "notes" else n.confidence * 0.5 for n in needs]
    severity = max([n.severity for n in needs if n.source != "notes"], default=0)
    urgent = [k for k, n in enumerate(needs) if n.source != "notes" and n.severity >= settings.urgent_severity]
    today = query.today or date.today()
    school = school_of(directory, query.child.school)
    fits = {0: 0.0, 1: settings.broader_fit, 2: settings.narrower_fit, 3: settings.exact_fit}
    rows = []
    for service in directory.services:
        rels = [relation(directory, service, n.code) for n in needs]
        qs = [fits[r] for r in rels]
        if not any(rels) or not passes_rules(service, query):
            continue
        if service.serves_school and query.child.school and service.serves_school != school:
            continue  # a school's own service serves its pupils only
        ok, site, km = choose_site(directory, service, query)
        if ok:
            local = bool(service.area_places & (place_lineage(directory, query.location.place) - roots(directory)))
            remote_part = settings.remote_local_score if local else settings.remote_distance_score
            score = _score(service, km, qs, weights, severity, today, settings, remote_part)
            if unsure(service, query.child):
                score = math.floor(max(score - settings.unknown_eligibility_penalty, 0.0) * 100.0 + 0.5) / 100.0
            rows.append(
                (
                    service,
                    site,
                    km,
                    rels,
                    score,
                    tier(service, rels, urgent, query.child.school, today, settings, unsure(service, query.child)),
                )
            )
    rows.sort(key=lambda r: (r[5], -r[4], math.inf if r[2] is None else r[2], r[0].id))
    actionable = [k for k, n in enumerate(needs) if n.source != "notes" and n.severity >= 2]
    chosen = _choose(rows, actionable, query.limit)
    return [
        Ranked(r[0].id, r[4], r[1].id if r[1] else None, tuple(n.code for n, q in zip(needs, r[3]) if q))
        for r in chosen
    ]


def _score(service, km, qs, weights, severity, today, settings, remote_part) -> float:
    fit = 0.0
    for w, q in zip(weights, qs):
        fit = fit + w * q
    fit = fit / sum(weights)
    distance = remote_part if km is None else math.exp(-km / settings.distance_scale_km)
    if service.capacity == "accepting":
        capacity = 1.0
    else:
        capacity = 0.3 if service.wait_days is None else 0.6 / (1.0 + service.wait_days / 30.0)
    intensity = INTENSITY[min(max(severity, 1), 3)][service.intensity]
    fresh = 0.0
    if service.verified_at is not None:
        age = today.toordinal() - service.verified_at.toordinal()
        fresh = 1.0 if age <= settings.fresh_days else min(1.0, max(0.0, (365 - age) / (365 - settings.fresh_days)))
    parts, ws = (fit, distance, capacity, intensity, fresh, _outcome(service, settings)), settings.weights()
    acc = 0.0
    for w, p in zip(ws, parts):
        acc = acc + w * p
    return min(100.0, max(0.0, math.floor(100.0 * acc / sum(ws[:5]) * 100.0 + 0.5) / 100.0))


def _outcome(service, settings) -> float:
    """Beta-smoothed acceptance minus the prior's rate: 0 without history, added on top of the average."""
    a = settings.outcome_prior_rate * settings.outcome_prior_strength
    b = (1.0 - settings.outcome_prior_rate) * settings.outcome_prior_strength
    accepted, decided = (service.outcomes.accepted, service.outcomes.decided) if service.outcomes else (0, 0)
    return (accepted + a) / (decided + a + b) - a / (a + b)


def _choose(rows, actionable, limit):
    met = lambda r, k: r[3][k] > 0  # noqa: E731
    chosen = rows[: max(limit, 0)]
    for k in actionable:
        if not chosen or any(met(r, k) for r in chosen) or not any(met(r, k) for r in rows):
            continue
        best = next(r for r in rows if met(r, k))
        sole = [r for r in chosen if any(met(r, j) and sum(met(x, j) for x in chosen) == 1 for j in actionable)]
        droppable = [r for r in reversed(chosen) if all(r is not s for s in sole)]
        if droppable:
            chosen = [r for r in chosen if r is not droppable[0]] + [best]
    order = {id(r): i for i, r in enumerate(rows)}
    return sorted(chosen, key=lambda r: order[id(r)])

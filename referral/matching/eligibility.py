"""Hard eligibility, vectorised: which candidate services a child may be offered, and at which site.

This module owns the hard rules (status, age, gender, groups, languages, capacity, modes, cost,
opening day, service area, distance) and the choice of the site to show. Gender, groups and
languages are rules only when the child's record gives them (unknown is not ineligible; a service
restricted on an unknown fact is ``uncertain``, see groups.py). Every result passes every
rule; scoring never relaxes them. Depends on numpy and the index only.

Distances: limits use the displayed (geodesic) distance, screened through haversine (see geo.py).
The area rule: a service with neither area places nor radius serves everyone; otherwise the child is
inside when their place lineage meets ``area_places``, or the site is within ``area_radius_km``.
A remote-capable service (and "remote" allowed) is exempt from the distance limit and the opening
day, not from the area rule: without a site within reach it is offered with no site, and its radius
then counts from any of its sites. A service with no sites is reachable only remotely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from referral.matching.geo import haversine_km, outer_km, within_many
from referral.matching.groups import uncertain_mask
from referral.matching.index import DirectoryIndex
from referral.matching.types import CAPACITIES, COSTS, MatchQuery

FULL, WAITLIST = CAPACITIES.index("full"), CAPACITIES.index("waitlist")
FREE = COSTS.index("free")


def _fits(masks: np.ndarray, wanted: np.uint64) -> np.ndarray:
    """Mask 0 means "no restriction"; otherwise the child must share a bit."""
    return (masks == 0) | ((masks & wanted) != 0)


def screen(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """The rules that do not depend on place: one bool per row."""
    cols, child, limits = index.columns, query.child, query.constraints
    ok = cols.active[rows].copy()
    if child.age is not None:  # unknown is not ineligible: see groups.py
        ok &= ~(cols.min_age[rows] > child.age) & ~(cols.max_age[rows] < child.age)
    if child.gender is not None:  # unknown is not ineligible: see groups.py
        ok &= _fits(cols.genders[rows], cols.bits["genders"].mask([child.gender]))
    if child.groups:
        ok &= _fits(cols.groups[rows], cols.bits["groups"].mask(child.groups))
    if child.languages:
        ok &= _fits(cols.languages[rows], cols.bits["languages"].mask(child.languages))
    capacity = cols.capacity[rows]
    ok &= capacity != FULL
    if not limits.include_waitlisted:
        ok &= capacity != WAITLIST
    if limits.modes is not None:
        ok &= (cols.modes[rows] & cols.bits["modes"].mask(limits.modes)) != 0
    if limits.free_only:
        ok &= cols.cost[rows] == FREE
    return ok


def uncertain(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """Rows restricted on a fact the child's record leaves unknown (offered lower, with a caveat)."""
    cols = index.columns
    inferred = cols.bits["groups"].mask(query.child.inferred_groups)
    aged = ~np.isnan(cols.min_age[rows]) | ~np.isnan(cols.max_age[rows])
    return uncertain_mask(cols.genders[rows], cols.groups[rows], cols.languages[rows], query.child, inferred, aged)


def remote_capable(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """Rows offered remotely, when the constraints allow remote delivery."""
    modes = query.constraints.modes
    if modes is not None and "remote" not in modes:
        return np.zeros(len(rows), dtype=bool)
    return (index.columns.modes[rows] & index.columns.bits["modes"].mask(["remote"])) != 0


@dataclass(frozen=True, eq=False)
class Placement:
    """Per row: eligibility and the chosen site; and the nearest open site ignoring area and distance."""

    eligible: np.ndarray  # bool
    site: np.ndarray  # int64 flat site index of the chosen site, -1 = none (remote)
    km: np.ndarray  # haversine km to the chosen site, NaN = none
    open_site: np.ndarray  # int64 nearest site open on the asked day (any site if none asked), -1 = none
    open_km: np.ndarray  # haversine km to it, NaN = none
    remote: np.ndarray  # bool, remote-capable


def place(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray, diagnose: bool = False) -> Placement:
    """Apply the site rules (opening day, area, distance) to rows that passed ``screen``.

    ``diagnose`` also finds each row's nearest open site ignoring area and distance (unmet needs).
    """
    sites, cols, loc = index.sites, index.columns, query.location
    counts = sites.offsets[rows + 1] - sites.offsets[rows]
    owner = np.repeat(np.arange(len(rows)), counts)
    flat = np.repeat(sites.offsets[rows] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    km = haversine_km(sites.xyz[flat], loc.lat, loc.lon)
    here, lat, lon = (loc.lat, loc.lon), sites.lat[flat], sites.lon[flat]
    by_place = cols.area_unlimited[rows] | _in_area_places(index, query, rows)
    radius = np.zeros(len(flat), dtype=bool)
    has_radius = np.flatnonzero(~np.isnan(cols.area_radius[rows][owner]))
    radius[has_radius] = within_many(cols.area_radius[rows][owner[has_radius]], km[has_radius], here, lat[has_radius], lon[has_radius])
    is_open = _open(sites.days[flat], query.constraints.open_on)
    reach = is_open & (by_place[owner] | radius)
    candidates = np.flatnonzero(reach & (km <= outer_km(query.constraints.max_distance_km)))
    reach[:] = False
    reach[candidates] = within_many(query.constraints.max_distance_km, km[candidates], here, lat[candidates], lon[candidates])
    site, site_km = _nearest(owner, flat, np.where(reach, km, np.inf), counts)
    empty = (np.full(len(rows), -1, dtype=np.int64), np.full(len(rows), np.nan))
    open_site, open_km = _nearest(owner, flat, np.where(is_open, km, np.inf), counts) if diagnose else empty
    remote = remote_capable(index, query, rows)
    in_radius = np.bincount(owner, weights=radius, minlength=len(rows)) > 0
    eligible = (site >= 0) | (remote & (by_place | in_radius))
    return Placement(eligible, site, site_km, open_site, open_km, remote)


def _in_area_places(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """Whether the child's place or one of its ancestors is among each row's area places."""
    found = np.zeros(len(rows), dtype=bool)
    for code in index.gazetteer.lineage(query.location.place):
        listed = index.area.get(code)
        if listed is not None:
            pos = np.minimum(np.searchsorted(listed, rows), len(listed) - 1)
            found |= listed[pos] == rows
    return found


def _open(days: np.ndarray, weekday: int | None) -> np.ndarray:
    if weekday is None:
        return np.ones(len(days), dtype=bool)
    return (days >> np.uint8(weekday)) & np.uint8(1) == 1


def _nearest(owner: np.ndarray, flat: np.ndarray, km: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per owner: the first site at the smallest finite distance, and that distance (-1 / NaN if none)."""
    n = len(counts)
    best_km = np.full(n, np.inf)
    some = counts > 0
    if len(km):
        starts = (np.cumsum(counts) - counts)[some]
        best_km[some] = np.minimum.reduceat(km, starts)
    hits = np.flatnonzero(np.isfinite(km) & (km == best_km[owner]))
    first = hits[np.concatenate(([True], owner[hits][1:] != owner[hits][:-1]))] if len(hits) else hits
    site = np.full(n, -1, dtype=np.int64)
    site[owner[first]] = flat[first]
    return site, np.where(np.isfinite(best_km), best_km, np.nan)

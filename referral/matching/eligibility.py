"""Hard eligibility, vectorised: which candidate services a child may be offered, and at which site.

This module owns the hard rules (status, age, gender, groups, languages, capacity, modes, cost,
opening day, service area, distance) and the choice of the site to show. Age, gender, groups and
languages are rules only when the child's record gives them (unknown is not ineligible: a service
restricted on an unknown fact is ``uncertain``, offered lower with an "eligible if" caveat; groups
may be inferred from the needs, see groups.py). Every result passes every rule; scoring never
relaxes them. Depends on numpy, the columns, groups.py and the message catalogue only.

The rules that do not depend on place are a registry, ``RULES``: each one small function of the
columns, the query and the rows that returns one bool per row (True = the child may be offered it),
or None when the query does not bring it into play. Everything that applies them iterates the
registry, so no rule is written twice: ``screen`` (the full check, for matches, candidates and the
unmet diagnosis), ``standing`` (the rules that refuse whatever the request: the index leaves those
rows out of its cells, the delta keeps them out), ``failed`` (the rule an unmet need names, and
says in its own sentence: explanations are keyed by the rule's name), and ``uncertain`` / ``unknown``
(the rules restricting a service on a fact the child's record leaves unknown: its rank and caveats).

Adding a hard rule touches four places, and only these (tests/unit/test_toy_rule.py adds
a toy rule in a fixture and proves they suffice):

1. The column: the model column (referral/models/listings.py) and its Alembic migration
   (referral/migrations/versions/), and the field of the same name in ``types.Service`` declared an
   index column, ``field(default=..., metadata=column(kind))``. The snapshot fills it from the model
   row and columns.py builds its array from the declaration: no edit to snapshot.py, columns.py,
   index.py, delta.py or the presenter.
2. The rule: one function here under ``@rule("name")`` (``standing=True`` when it refuses whatever
   the request, like "full"). Its place in the file is its place in ``RULES``: the order in which
   ``failed`` looks for the rule that closes a service.
3. Its explanation: the English sentence ``rule.<name>`` in matching/messages.py's table, translated
   in each catalogue (matching/translations/<language>/LC_MESSAGES/core.po: ``make translations``
   extracts the new entry, tests/unit/test_catalogues.py fails until it is translated), or ``says=``,
   a function of the language and the service, when the sentence needs the service's values, as
   ages do. An unmet need the rule closes names it (``UnmetNeed.rule``) and says it.
   A rule on a fact the child's record may leave unknown also passes ``unknown=`` (the rows it then
   restricts) and ``eligible_if=`` (the caveat shown with them), as the gender rule does.
4. Its HSDS mapping: the field in ``hsds/extension.FIELDS["service"]`` with its kind, so that export
   writes it as a ``referral matching`` attribute and import reads it back.

Distances: limits use the displayed (geodesic) distance, screened through haversine (see geo.py).
The area rule: a service with neither area places nor radius serves everyone; otherwise the child is
inside when their place lineage meets ``area_places``, or the site is within ``area_radius_km``.
A remote-capable service (and "remote" allowed) is exempt from the distance limit and the opening
day, not from the area rule: without a site within reach it is offered with no site, and its radius
then counts from any of its sites. A service with no sites is reachable only remotely. These site
rules stay in ``place``: they choose a site, they are not one bool per service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from referral.matching.columns import Columns, Sites
from referral.matching.gazetteer import Gazetteer
from referral.matching.geo import haversine_km, outer_km, within_many
from referral.matching.messages import age_rule, gender_rule, group_label, join, language_label, requirement, say
from referral.matching.types import CAPACITIES, COSTS, MatchQuery, Service


class DirectoryIndex(Protocol):
    """What the rules read of index.DirectoryIndex (which imports this module for ``standing``)."""

    @property
    def columns(self) -> Columns: ...
    @property
    def sites(self) -> Sites: ...
    @property
    def gazetteer(self) -> Gazetteer: ...
    @property
    def area(self) -> dict[str, np.ndarray]: ...


FULL, WAITLIST = CAPACITIES.index("full"), CAPACITIES.index("waitlist")
FREE = COSTS.index("free")
Test = TypeVar("Test", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """One hard rule: ``test(columns, query, rows)`` -> bool per row (True = passes) or None (not in
    play for this query); ``says(language, service)``: why it closes ``service``, in words.

    A rule on a fact the child's record may leave unknown (unknown is not ineligible: groups.py) also
    has ``unknown(columns, query, rows)`` -> bool per row (restricted on that fact, and the fact is not
    given: the service is offered lower) and ``eligible_if(language, service)``: the caveat then shown."""

    name: str
    test: Callable[..., np.ndarray | None]
    says: Callable[[str, Service], str]
    standing: bool = False  # refuses whatever the request: ``test`` never reads the query
    unknown: Callable[[Columns, MatchQuery, np.ndarray], np.ndarray | None] | None = None
    eligible_if: Callable[[str, Service], str] | None = None


RULES: list[Rule] = []  # in the order ``failed`` tries them


def rule(
    name: str,
    says: Callable[[str, Service], str] | None = None,
    standing: bool = False,
    unknown: Callable[[Columns, MatchQuery, np.ndarray], np.ndarray | None] | None = None,
    eligible_if: Callable[[str, Service], str] | None = None,
) -> Callable[[Test], Test]:
    """Register the decorated test as the hard rule ``name`` (see the module docstring's checklist);
    a name is the rule's key (its sentence, ``UnmetNeed.rule``): two rules may not share one."""
    if any(each.name == name for each in RULES):
        raise ValueError(f"a hard rule named {name!r} exists already")

    def register(test: Test) -> Test:
        said = says or (lambda language, _service: say(language, f"rule.{name}"))
        RULES.append(Rule(name, test, said, standing, unknown, eligible_if))
        return test

    return register


def _eligible_if(says: Callable[[str, Service], str]) -> Callable[[str, Service], str]:
    """The caveat "eligible if <the rule, in words>"."""
    return lambda language, service: say(language, "caveat.eligible_if", rule=says(language, service))


def _fits(masks: np.ndarray, wanted: np.uint64) -> np.ndarray:
    """Mask 0 means "no restriction"; otherwise the child must share a bit."""
    return np.asarray((masks == 0) | ((masks & wanted) != 0), dtype=bool)


@rule("status", standing=True)
def _active(cols: Columns, query: MatchQuery | None, rows: np.ndarray) -> np.ndarray:
    return np.asarray(cols.active[rows], dtype=bool)


def _ages_said(language: str, service: Service) -> str:
    return age_rule(language, service.minimum_age, service.maximum_age)


def _aged(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if query.child.age is not None:
        return None
    return np.asarray(~np.isnan(cols.min_age[rows]) | ~np.isnan(cols.max_age[rows]), dtype=bool)


@rule("ages", says=_ages_said, unknown=_aged, eligible_if=_eligible_if(_ages_said))
def _ages(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    age = query.child.age
    if age is None:  # unknown is not ineligible: see groups.py
        return None
    return np.asarray(~(cols.min_age[rows] > age) & ~(cols.max_age[rows] < age), dtype=bool)  # NaN: no bound


def _gender_said(language: str, service: Service) -> str:
    return gender_rule(language, sorted(service.genders))


def _gendered(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    return None if query.child.gender is not None else np.asarray(cols.genders[rows] != 0, dtype=bool)


@rule("gender", says=_gender_said, unknown=_gendered, eligible_if=_eligible_if(_gender_said))
def _gender(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if query.child.gender is None:  # unknown is not ineligible: see groups.py
        return None
    return _fits(cols.genders[rows], cols.bits["genders"].mask([query.child.gender]))


def _groups_said(language: str, service: Service) -> str:
    labels = [group_label(language, g) for g in sorted(service.groups)]
    return say(language, "rule.groups", groups=join(language, labels))


def _grouped(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    """Restricted to groups, none given, and none inferred from the needs that fits (groups.py)."""
    if query.child.groups:
        return None
    inferred = cols.bits["groups"].mask(query.child.inferred_groups)
    return np.asarray((cols.groups[rows] != 0) & ((cols.groups[rows] & inferred) == 0), dtype=bool)


def _groups_caveat(language: str, service: Service) -> str:
    rule = say(language, "or").join(requirement(language, g) for g in sorted(service.groups))
    return say(language, "caveat.eligible_if", rule=rule)


@rule("groups", says=_groups_said, unknown=_grouped, eligible_if=_groups_caveat)
def _groups(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if not query.child.groups:
        return None
    return _fits(cols.groups[rows], cols.bits["groups"].mask(query.child.groups))


def _languages_said(language: str, service: Service) -> str:
    return say(language, "rule.languages", languages=join(language, sorted(service.languages)))


def _spoken(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    return None if query.child.languages else np.asarray(cols.languages[rows] != 0, dtype=bool)


def _languages_caveat(language: str, service: Service) -> str:
    names = [language_label(language, code) for code in sorted(service.languages)]
    return say(language, "caveat.requires_languages", languages=join(language, names))


@rule("languages", says=_languages_said, unknown=_spoken, eligible_if=_languages_caveat)
def _languages(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if not query.child.languages:
        return None
    return _fits(cols.languages[rows], cols.bits["languages"].mask(query.child.languages))


@rule("full", standing=True)
def _not_full(cols: Columns, query: MatchQuery | None, rows: np.ndarray) -> np.ndarray:
    return np.asarray(cols.capacity[rows] != FULL, dtype=bool)


@rule("waitlist")
def _waitlist(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if query.constraints.include_waitlisted:
        return None
    return np.asarray(cols.capacity[rows] != WAITLIST, dtype=bool)


@rule("modes")
def _modes(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if query.constraints.modes is None:
        return None
    return np.asarray((cols.modes[rows] & cols.bits["modes"].mask(query.constraints.modes)) != 0, dtype=bool)


@rule("fee")
def _fee(cols: Columns, query: MatchQuery, rows: np.ndarray) -> np.ndarray | None:
    if not query.constraints.free_only:
        return None
    return np.asarray(cols.cost[rows] == FREE, dtype=bool)


def screen(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """The rules that do not depend on place (every rule of ``RULES``): one bool per row."""
    ok = np.ones(len(rows), dtype=bool)
    for each in RULES:
        passed = each.test(index.columns, query, rows)
        if passed is not None:
            ok &= passed
    return ok


def standing(columns: Columns, rows: np.ndarray | None = None) -> np.ndarray:
    """Whether the standing rules (those that refuse whatever the request) let each row through
    (``rows``: all when None); the index lists only these rows in its cells."""
    rows = np.arange(len(columns.id_rank)) if rows is None else rows
    ok = np.ones(len(rows), dtype=bool)
    for each in RULES:
        if each.standing:
            ok &= each.test(columns, None, rows)
    return ok


def failed(index: DirectoryIndex, query: MatchQuery, row: int) -> Rule | None:
    """The first rule of ``RULES`` that closes service ``row`` to this child; None if it passes them all."""
    rows = np.array([row], dtype=np.int64)
    for each in RULES:
        passed = each.test(index.columns, query, rows)
        if passed is not None and not passed[0]:
            return each
    return None


def uncertain(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> np.ndarray:
    """Rows restricted on a fact the child's record leaves unknown (offered lower, with a caveat): any
    rule's ``unknown``."""
    found = np.zeros(len(rows), dtype=bool)
    for each in RULES:
        restricted = each.unknown(index.columns, query, rows) if each.unknown is not None else None
        if restricted is not None:
            found |= restricted
    return found


def unknown(index: DirectoryIndex, query: MatchQuery, rows: np.ndarray) -> list[tuple[Rule, ...]]:
    """Per row, the rules that restrict it on a fact the child's record leaves unknown, in order."""
    found: list[tuple[Rule, ...]] = [() for _ in range(len(rows))]
    for each in RULES:
        restricted = each.unknown(index.columns, query, rows) if each.unknown is not None else None
        for k in np.flatnonzero(restricted) if restricted is not None else ():
            found[k] = (*found[k], each)
    return found


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
    radius[has_radius] = within_many(
        cols.area_radius[rows][owner[has_radius]], km[has_radius], here, lat[has_radius], lon[has_radius]
    )
    is_open = _open(sites.days[flat], query.constraints.open_on)
    reach = is_open & (by_place[owner] | radius)
    candidates = np.flatnonzero(reach & (km <= outer_km(query.constraints.max_distance_km)))
    reach[:] = False
    reach[candidates] = within_many(
        query.constraints.max_distance_km, km[candidates], here, lat[candidates], lon[candidates]
    )
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
    """Per owner: the first site at the smallest finite distance, and that distance (-1 / NaN if none).

    ``owner`` ascends (each owner's sites are one run, ``counts`` long): sorted by owner then km, stably,
    each run starts with its nearest site, the first of equals."""
    site, best = np.full(len(counts), -1, dtype=np.int64), np.full(len(counts), np.nan)
    if not len(km):
        return site, best
    some = np.flatnonzero(counts)
    first = np.lexsort((km, owner))[(np.cumsum(counts) - counts)[some]]
    found = np.isfinite(km[first])
    site[some[found]], best[some[found]] = flat[first[found]], km[first[found]]
    return site, best

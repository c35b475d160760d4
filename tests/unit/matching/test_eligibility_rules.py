"""Hard eligibility: each rule keeps an ineligible service out and lets its eligible twin in.

Every row builds two services that differ only in what the rule looks at: "bad" must never be
offered, "good" must be. The child is a 10-year-old boy at the origin, in town T1 (district D1).
"""

from dataclasses import replace

import pytest

from referral.matching.engine import match
from referral.matching.geo import geodesic_km
from referral.matching.index import build_index
from referral.matching.types import Child, NeedInput

from .builders import ORIGIN, at, constraints, directory, query, service, site, term

BOY = Child(age=10, gender="male", languages=frozenset({"zh"}), groups=frozenset({"migrant"}))
REMOTE = frozenset({"remote"})

CASES = [
    # name, bad service overrides, good service overrides, query overrides
    ("inactive", dict(status="inactive"), {}, {}),
    ("too young for it", dict(minimum_age=12), dict(minimum_age=10), {}),
    ("too old for it", dict(maximum_age=9.5), dict(maximum_age=10), {}),
    ("other gender", dict(genders=frozenset({"female"})), dict(genders=frozenset({"male"})), {}),
    (
        "not in its groups",
        dict(groups=frozenset({"orphan"})),
        dict(groups=frozenset({"orphan", "migrant"})),
        dict(child=BOY),
    ),
    (
        "speaks none of its languages",
        dict(languages=frozenset({"en"})),
        dict(languages=frozenset({"zh"})),
        dict(child=BOY),
    ),
    ("full", dict(capacity="full"), dict(capacity="waitlist"), {}),
    ("waitlist excluded", dict(capacity="waitlist"), {}, dict(constraints=constraints(include_waitlisted=False))),
    (
        "mode not allowed",
        dict(modes=frozenset({"home_visit"})),
        {},
        dict(constraints=constraints(modes=frozenset({"in_person"}))),
    ),
    ("not free", dict(cost="subsidized"), {}, dict(constraints=constraints(free_only=True))),
    (
        "closed that day",
        dict(sites=(site("b", open_days=frozenset({0})),)),
        dict(sites=(site("g", open_days=frozenset({2})),)),
        dict(constraints=constraints(open_on=2)),
    ),
    (
        "opening days not recorded",
        dict(sites=(site("b"),)),
        dict(sites=(site("g", open_days=frozenset(range(7))),)),
        dict(constraints=constraints(open_on=2)),
    ),
    ("area elsewhere", dict(area_places=frozenset({"D2"})), dict(area_places=frozenset({"D1"})), {}),
    (
        "area radius too small",
        dict(area_radius_km=2.0, sites=(site("b", km_north=3),)),
        dict(area_radius_km=4.0, sites=(site("g", km_north=3),)),
        {},
    ),
    ("too far", dict(sites=(site("b", km_north=26),)), dict(sites=(site("g", km_north=24),)), {}),
    ("no sites, not remote", dict(sites=()), dict(sites=(), modes=REMOTE), {}),
    (
        "remote but outside its area",
        dict(sites=(), modes=REMOTE, area_places=frozenset({"D2"})),
        dict(sites=(), modes=REMOTE, area_places=frozenset({"C1"})),
        {},
    ),
    (
        "remote, far site, radius elsewhere",
        dict(modes=REMOTE, area_radius_km=10.0, sites=(site("b", km_north=40),)),
        dict(modes=REMOTE, area_radius_km=50.0, sites=(site("g", km_north=40),)),
        {},
    ),
]


@pytest.mark.parametrize("bad, good, overrides", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_ineligible_service_is_never_offered_and_its_eligible_twin_is(bad, good, overrides):
    index = build_index(directory(service("bad", **bad), service("good", **good)))
    outcome = match(index, query(**overrides))
    assert [r.service.id for r in outcome.results] == ["good"]


def test_remote_excluded_by_the_constraints_is_never_offered_without_a_site():
    index = build_index(directory(service("remote", sites=(), modes=REMOTE), service("near")))
    outcome = match(index, query(constraints=constraints(modes=frozenset({"in_person"}))))
    assert [r.service.id for r in outcome.results] == ["near"]


def test_a_remote_service_with_a_far_site_is_offered_without_the_site():
    far = service("far", modes=frozenset({"in_person", "remote"}), sites=(site("x", km_north=40),))
    result = match(build_index(directory(far)), query()).results[0]
    assert (result.site, result.distance_km, result.score_parts["distance"]) == (None, None, 0.0)


def test_a_remote_service_with_a_site_within_reach_shows_the_site():
    near = service("near", modes=frozenset({"in_person", "remote"}), sites=(site("x", km_north=4),))
    result = match(build_index(directory(near)), query()).results[0]
    assert result.site.id == "x" and result.distance_km == pytest.approx(4.0, abs=0.1)


def test_the_nearest_eligible_site_is_shown():
    tuesday, saturday = frozenset({2}), frozenset({5})
    sites = (
        site("far", km_north=9, open_days=tuesday),
        site("closed", km_north=1, open_days=saturday),
        site("near", km_north=3, open_days=tuesday),
    )
    outcome = match(build_index(directory(service("s", sites=sites))), query(constraints=constraints(open_on=2)))
    assert outcome.results[0].site.id == "near"


def test_the_distance_limit_is_the_displayed_geodesic_distance():
    # haversine and geodesic differ by up to ~0.5 %: 25.05 km north is within by one and not the other
    steps = [24.8 + i / 100 for i in range(40)]  # 24.80 .. 25.19 km north
    index = build_index(directory(*(service(f"s{i:02}", sites=(site("x", km_north=d),)) for i, d in enumerate(steps))))
    offered = {r.service.id for r in match(index, query(limit=50)).results}
    within = {f"s{i:02}" for i, d in enumerate(steps) if geodesic_km(*ORIGIN, *at(d)) <= 25.0}
    assert offered == within and 0 < len(within) < len(steps)


UNKNOWN = Child(age=10)  # gender, languages and groups not given
RESTRICTIONS = [
    # name, restricted service overrides, the caveat it shows (en)
    ("girls only", dict(genders=frozenset({"female"})), "Eligible if: girls only (not given for this child)."),
    (
        "children in difficulty",
        dict(groups=frozenset({"in_difficulty"})),
        "Eligible if: registered as a child in difficulty (not given for this child).",
    ),
    (
        "disability",
        dict(groups=frozenset({"disability", "migrant"})),
        "Eligible if: holds a disability certificate or a migrant child (not given for this child).",
    ),
    ("required language", dict(languages=frozenset({"en"})), "Requires English; the child's languages were not given."),
]


@pytest.mark.parametrize("restricted, caveat", [c[1:] for c in RESTRICTIONS], ids=[c[0] for c in RESTRICTIONS])
def test_a_restriction_on_what_the_record_does_not_give_offers_the_service_lower_with_its_caveat(restricted, caveat):
    index = build_index(directory(service("open"), service("restricted", **restricted)))
    outcome = match(index, query(child=UNKNOWN))
    assert [r.service.id for r in outcome.results] == ["open", "restricted"]
    open_, restricted_ = outcome.results
    assert restricted_.score == round(open_.score - 5.0, 2)
    assert caveat in restricted_.caveats and caveat not in open_.caveats


def test_a_restriction_the_child_fails_when_given_still_excludes():
    index = build_index(directory(service("girls", genders=frozenset({"female"})), service("open")))
    assert [r.service.id for r in match(index, query(child=Child(age=10, gender="male"))).results] == ["open"]


def test_the_unknown_eligibility_caveat_is_in_chinese_for_a_chinese_query():
    index = build_index(
        directory(service("girls", genders=frozenset({"female"})), service("hard", groups=frozenset({"in_difficulty"})))
    )
    outcome = match(index, query(child=UNKNOWN, language="zh", limit=5))
    caveats = {r.service.id: r.caveats for r in outcome.results}
    assert "符合条件方可：仅限女童（未提供该儿童的相关信息）。" in caveats["girls"]
    assert "符合条件方可：需困境儿童建档（未提供该儿童的相关信息）。" in caveats["hard"]


def test_a_group_inferred_from_the_needs_makes_the_service_certain_and_is_reported():
    base = directory(service("hard", groups=frozenset({"in_difficulty"}), needs=("protection.guardianship_risk",)))
    extra = (
        term("protection", "Protection", "保护"),
        term("protection.guardianship_risk", "Guardianship risk", "监护缺失"),
    )
    index = build_index(replace(base, terms=base.terms + extra))
    outcome = match(index, query(child=UNKNOWN, needs=(NeedInput(code="protection.guardianship_risk"),)))
    (result,) = outcome.results
    assert outcome.inferred_groups == (("in_difficulty", "protection.guardianship_risk"),)
    assert not any(c.startswith("Eligible if") for c in result.caveats)


def test_delivered_languages_are_a_caveat_never_a_rule():
    index = build_index(directory(service("zh", delivered_languages=frozenset({"zh"}))))
    outcome = match(index, query(child=Child(age=10, languages=frozenset({"en"}))))
    assert [r.service.id for r in outcome.results] == ["zh"]
    assert "Delivered in Chinese; the child speaks none of them: arrange interpreting." in outcome.results[0].caveats
    assert match(index, query(child=UNKNOWN)).results[0].caveats[-1] == "Delivered in Chinese only."

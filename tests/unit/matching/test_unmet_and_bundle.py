"""Unmet needs with their reasons, the coverage guarantee and the bundle."""

from functools import reduce
from itertools import combinations
from operator import or_
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from referral.matching.bundle import EXACT_MAX_SIZE, baseline, make_bundle, quality
from referral.matching.engine import match
from referral.matching.index import build_index

from .builders import directory, need, query, service, site


def test_each_unmet_need_says_why():
    index = build_index(
        directory(
            service("older", needs=("dev.autism",), minimum_age=15),
            service("far", needs=("family.education",), sites=(site("far", km_north=40),)),
            service("farther", needs=("family.education",), sites=(site("x", km_north=60),)),
            service("c"),
        )
    )
    outcome = match(index, query(need(), need("dev.speech"), need("dev.autism"), need("family.education", 3)))
    reasons = {u.code: u.reason for u in outcome.unmet_needs}
    assert reasons == {"dev.speech": "no_service", "dev.autism": "not_eligible", "family.education": "too_far"}
    too_far = outcome.unmet_needs[-1]
    assert too_far.nearest.service.id == "far" and too_far.nearest.distance_km == pytest.approx(40.0, abs=0.2)
    assert (
        too_far.detail
        == "The nearest service for Family education guidance is Service far, 39.9 km away: beyond the distance limit."
    )
    autism = outcome.unmet_needs[1]
    assert (
        autism.detail
        == "Services for Autism exist, but the nearest, Service older, is closed to this child: ages 15 and over only."
    )


def test_an_unmet_need_names_the_area_when_the_child_is_outside_it():
    index = build_index(
        directory(
            service("c"),
            service("elsewhere", needs=("dev.speech",), area_places=frozenset({"D2"}), sites=(site("e", km_north=30),)),
        )
    )
    (unmet,) = match(index, query(need(), need("dev.speech"))).unmet_needs
    assert unmet.detail.endswith("29.9 km away: outside the area it serves.")


def test_unmet_details_are_in_the_query_language():
    outcome = match(build_index(directory(service("c"))), query(need("dev.speech"), language="zh"))
    assert outcome.unmet_needs[0].detail == "目录中没有满足“言语治疗”的服务。"


def test_a_watch_level_need_is_never_reported_unmet():
    outcome = match(build_index(directory(service("c"))), query(need(), need("dev.speech", severity=1)))
    assert outcome.unmet_needs == ()


def test_every_actionable_need_with_a_candidate_is_met_by_some_result():
    many = [service(f"a{i}", needs=("dev.autism",)) for i in range(5)]
    index = build_index(directory(*many, service("z-far", sites=(site("z", km_north=20),))))
    outcome = match(index, query(need("dev.autism", 3), need(), limit=3))
    assert [r.service.id for r in outcome.results] == ["a0", "a1", "z-far"]
    assert outcome.unmet_needs == ()


def test_a_limit_smaller_than_the_needs_reports_the_rest_beyond_the_limit():
    index = build_index(directory(service("a", needs=("dev.autism",)), service("c")))
    outcome = match(index, query(need("dev.autism", 3), need(), limit=1))
    assert [(u.code, u.reason) for u in outcome.unmet_needs] == [("mh.counselling", "beyond_limit")]


def test_the_bundle_prefers_one_service_covering_everything():
    index = build_index(
        directory(
            service("a", needs=("dev.autism",)),
            service("c"),
            service("both", needs=("dev.autism", "mh.counselling"), sites=(site("b", km_north=3),)),
        )
    )
    bundle = match(index, query(need("dev.autism"), need())).bundle
    assert bundle.service_ids == ("both",) and bundle.covers == ("dev.autism", "mh.counselling")


def test_the_bundle_prefers_fewer_organizations_then_less_distance():
    index = build_index(
        directory(
            service("s1", needs=("dev.autism", "mh.counselling"), organization_id="X", sites=(site("1", km_north=4),)),
            service("s2", needs=("family.education",), organization_id="X", sites=(site("2", km_north=4),)),
            service(
                "s3", needs=("mh.counselling", "family.education"), organization_id="Y", sites=(site("3", km_north=1),)
            ),
            service("s4", needs=("dev.autism",), organization_id="Y", sites=(site("4", km_north=1),)),
        )
    )
    outcome = match(index, query(need("dev.autism"), need(), need("family.education")))
    assert set(outcome.bundle.service_ids) == {"s3", "s4"} and outcome.bundle.uncovered == ()


def test_the_bundle_lists_needs_no_result_meets_as_uncovered():
    outcome = match(build_index(directory(service("c"))), query(need(), need("dev.speech")))
    assert (outcome.bundle.service_ids, outcome.bundle.uncovered) == (("c",), ("dev.speech",))


def _brute_force_bundle(results, codes):
    """The module docstring's rule, by enumeration: of the baseline and every cover of the smallest
    size (up to EXACT_MAX_SIZE) and of the size after it, the best by ``quality``."""
    masks = [sum(1 << k for k, c in enumerate(codes) if c in r.needs_met) for r in results]
    goal = 0
    for mask in masks:
        goal |= mask
    covers = {
        size: [c for c in combinations(range(len(results)), size) if reduce(or_, (masks[i] for i in c), 0) == goal]
        for size in range(1, EXACT_MAX_SIZE + 1)
    }
    smallest = min((size for size, found in covers.items() if found), default=None)
    options = [baseline(masks, goal)]
    if smallest is not None:
        options += covers[smallest] + covers.get(smallest + 1, [])
    return min(options, key=lambda picked: quality(results, picked))


def _fake_result(rank, needs_met, waiting, remote, organization, km):
    """What make_bundle reads of a Result."""
    capacity = "waitlist" if waiting else "accepting"
    return SimpleNamespace(
        rank=rank,
        needs_met=needs_met,
        site=None if remote else object(),
        distance_km=None if remote else km,
        service=SimpleNamespace(id=f"s{rank}", capacity=capacity, organization_id=organization),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.frozensets(st.sampled_from("abcd"), max_size=3),
            st.booleans(),
            st.booleans(),
            st.sampled_from("XYZ"),
            st.floats(0, 30).map(lambda km: round(km, 1)),
        ),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.sampled_from("abcde"), min_size=1, max_size=4, unique=True),
)
@example(  # the first result covers both but is waitlisted: the two after it, both accepting, are better
    [
        (frozenset("ab"), True, False, "X", 1.0),
        (frozenset("a"), False, False, "X", 1.0),
        (frozenset("b"), False, False, "X", 1.0),
    ],
    ["a", "b"],
)
def test_the_bundle_is_the_best_cover_of_the_smallest_size_or_the_next_whatever_is_searched(rows, codes):
    results = [_fake_result(rank, *row) for rank, row in enumerate(rows, 1)]
    bundle = make_bundle(results, codes)
    best = _brute_force_bundle(results, codes) if any(r.needs_met & set(codes) for r in results) else ()
    assert bundle.ranks == tuple(sorted(results[i].rank for i in best))

"""Unmet needs with their reasons, the coverage guarantee and the bundle."""

import pytest

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

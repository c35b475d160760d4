"""A risk found anywhere becomes an actionable need, listed first, and opens an urgent section that
is never empty; the screening's grades become needs through region data."""

from __future__ import annotations

import pytest

from referral.matching.engine import match, read_needs
from referral.matching.index import build_index
from referral.matching.types import Directory, MatchInputError, Region
from tests.unit.matching.builders import PLACES, constraints, need, query, service, site, term
from tests.unit.matching.safety_data import seed_region, seed_risks

TERMS = (
    term("mental_health", "Mental health", "心理健康"),
    term("mental_health.crisis", "Crisis intervention", "心理危机干预", ("suicide risk",), ("自杀风险",)),
    term("mental_health.counseling", "Counselling", "心理咨询"),
    term("protection", "Child protection", "儿童保护"),
    term("protection.abuse", "Abuse and sexual abuse", "虐待与性侵害"),
    term("protection.guardianship_risk", "Guardianship risk", "监护风险"),
    term("protection.case_management", "Case management", "个案管理"),
    term("education", "Education", "教育支持"),
    term("education.learning_support", "Learning support", "学业辅导", ("homework help",), ("作业辅导",)),
    term("behaviour", "Behaviour", "行为问题"),
)
HOMEWORK = service("homework", needs=("education.learning_support",))
CRISIS = service("crisis", needs=("mental_health.crisis",), sites=(site("crisis-site", 3, 0, phone="0512-1"),))


def index_of(*services, region: Region | None = None, risks=None):
    return build_index(
        Directory(
            "v1",
            TERMS,
            PLACES,
            tuple(services),
            seed_risks() if risks is None else risks,
            seed_region(frozenset({"C1"})) if region is None else region,
        )
    )


def homework(**overrides):
    return query(need("education.learning_support"), **overrides)


def summary(needs):
    return [(n.code, n.severity, n.source, n.risk) for n in needs]


def test_a_risk_written_only_in_the_notes_comes_first_and_is_actionable():
    outcome = match(index_of(HOMEWORK, CRISIS), homework(notes="孩子在日记里写想结束生命"))
    assert summary(outcome.needs) == [
        ("mental_health.crisis", 3, "risk", "self_harm"),
        ("education.learning_support", 2, "code", None),
    ]
    assert {r.service.id for r in outcome.results} == {"homework", "crisis"}
    assert outcome.urgent is not None and outcome.urgent.services[0].service.id == "crisis"
    assert outcome.urgent.services[0].distance_km == 3.0 and outcome.urgent.services[0].site.phone == "0512-1"


def test_a_risk_with_no_service_is_reported_unmet():
    outcome = match(index_of(HOMEWORK), homework(notes="孩子被继父性侵"))
    assert summary(outcome.needs)[0] == ("protection.abuse", 3, "risk", "sexual_abuse")
    assert [(u.code, u.reason) for u in outcome.unmet_needs] == [("protection.abuse", "no_service")]


def test_a_risk_in_a_need_text_adds_the_risk_need_beside_what_the_text_was_read_as():
    needs = read_needs(index_of(), query(need(text="作业辅导，孩子说想死")))
    assert summary(needs) == [
        ("mental_health.crisis", 3, "risk", "self_harm"),
        ("education.learning_support", 2, "text", None),
    ]


def test_an_explicit_need_the_risk_names_is_raised_to_severity_three_and_keeps_its_source():
    needs = read_needs(index_of(), query(need("mental_health.crisis", severity=1), notes="he wants to die"))
    assert summary(needs) == [("mental_health.crisis", 3, "code", "self_harm")]


def test_a_need_inferred_from_notes_becomes_a_risk_need():
    needs = read_needs(index_of(), homework(notes="有自杀风险"))
    assert summary(needs) == [
        ("mental_health.crisis", 3, "risk", "self_harm"),
        ("education.learning_support", 2, "code", None),
    ]


def test_a_text_the_taxonomy_cannot_read_but_the_safety_layer_can_is_never_refused():
    needs = read_needs(index_of(), query(need(text="孩子说活着没意思"), need("education.learning_support")))
    assert summary(needs) == [
        ("mental_health.crisis", 3, "risk", "self_harm"),
        ("education.learning_support", 2, "code", None),
    ]


def test_an_unreadable_text_without_risk_is_answered_not_understood_beside_the_risk():
    needs = read_needs(index_of(), query(need(text="想死"), need(text="zzzz qqqq")))
    assert [(n.code, n.source, n.understood, n.input) for n in needs] == [
        ("mental_health.crisis", "risk", True, None),
        (None, "text", False, 1),
    ]


def test_a_denied_risk_changes_nothing():
    outcome = match(index_of(HOMEWORK, CRISIS), homework(notes="没有自伤行为，否认自杀想法"))
    assert summary(outcome.needs) == [("education.learning_support", 2, "code", None)]
    assert outcome.urgent is None


def test_without_a_lexicon_nothing_is_flagged():
    assert match(index_of(HOMEWORK, risks=()), homework(notes="不想活了")).urgent is None


def test_the_urgent_section_shows_the_lines_and_duties_for_the_risks_found():
    abuse = match(index_of(HOMEWORK), homework(notes="孩子被继父性侵")).urgent
    assert [h.number for h in abuse.hotlines] == ["110", "120", "12355", "12345", "12338"]
    assert [d.key for d in abuse.duties] == ["cn-mandatory-reporting"]
    assert [c.code for c in abuse.risks] == ["sexual_abuse"]
    suicide = match(index_of(HOMEWORK), homework(notes="不想活了")).urgent
    assert [h.number for h in suicide.hotlines] == ["110", "120", "12355", "12356"]
    assert suicide.duties == ()  # reporting is a duty for harm done to a child


def test_lines_of_another_region_are_not_shown():
    region = seed_region(frozenset({"ELSEWHERE"}))
    urgent = match(index_of(HOMEWORK, region=region), homework(notes="不想活了")).urgent
    assert urgent.hotlines == () and "local emergency services" in urgent.advice


def test_without_region_data_the_urgent_section_still_says_to_call_emergency_services():
    urgent = match(index_of(HOMEWORK, region=Region()), homework(notes="不想活了", language="zh")).urgent
    assert urgent.hotlines == () and urgent.duties == ()
    assert urgent.advice == (
        "发现儿童安全风险：请当天处置。目录中没有该地区的紧急电话：儿童正处于危险中时，"
        "请立即联系当地紧急服务（警察或急救）。"
    )


URGENT_CASES = [
    service("near", needs=("protection.abuse",), sites=(site("near-s", 1, 0),)),
    service("far", needs=("protection.abuse",), sites=(site("far-s", 20, 0),)),
    service("parent", needs=("protection",), sites=(site("parent-s", 2, 0),)),  # the risk need's parent
    service("remote", needs=("protection.abuse",), modes=frozenset({"remote"}), sites=()),
    service("fee", needs=("protection.abuse",), cost="fee", sites=(site("fee-s", 4, 0),)),  # the worker asked free only
    service("waitlist", needs=("protection.abuse",), capacity="waitlist", sites=(site("w-s", 0.5, 0),)),
    service("full", needs=("protection.abuse",), capacity="full", sites=(site("f-s", 0.5, 0),)),
    service("teen", needs=("protection.abuse",), minimum_age=14, sites=(site("t-s", 0.5, 0),)),
    service("sibling", needs=("protection.case_management",), sites=(site("s-s", 0.5, 0),)),
    service("elsewhere", needs=("protection.abuse",), area_places=frozenset({"T2"}), sites=(site("e-s", 0.5, 0),)),
]


def test_urgent_services_are_those_that_can_act_now_nearest_first():
    urgent = match(
        index_of(*URGENT_CASES), homework(notes="孩子被打了", constraints=constraints(free_only=True))
    ).urgent
    assert [(s.service.id, s.distance_km) for s in urgent.services] == [
        ("near", 1.0),
        ("parent", 2.0),
        ("fee", 4.0),
        ("far", 19.9),
        ("remote", None),
    ]  # geodesic km
    assert urgent.services[0].needs_met == ("protection.abuse",)


def test_at_most_five_urgent_services_are_shown():
    many = [service(f"p{k}", needs=("protection.abuse",), sites=(site(f"p{k}-s", k + 1, 0),)) for k in range(8)]
    urgent = match(index_of(*many), homework(notes="孩子被打了")).urgent
    assert [s.service.id for s in urgent.services] == ["p0", "p1", "p2", "p3", "p4"]


# The screening's own grades, through the demo region's scales.
@pytest.mark.parametrize(
    "grades, expected",
    [
        ({"guardianship": "high"}, [("protection.guardianship_risk", 3), ("protection.case_management", 2)]),
        ({"guardianship": "medium"}, [("protection.guardianship_risk", 2)]),
        ({"guardianship": "low"}, [("protection.guardianship_risk", 1)]),
        ({"guardianship": "none"}, []),
        ({"psychological": "high"}, [("mental_health.assessment", 3), ("mental_health.counseling", 2)]),
        (
            {"behavioural": "high", "guardianship": "high"},  # case management named twice: its highest severity
            [("behaviour", 3), ("protection.case_management", 2), ("protection.guardianship_risk", 3)],
        ),
    ],
)
def test_each_grade_maps_to_needs_through_region_data(grades, expected):
    needs = read_needs(index_of(), homework(assessment=grades))
    assert needs[0].code == "education.learning_support"
    assert [(n.code, n.severity) for n in needs[1:]] == expected
    assert {n.source for n in needs[1:]} <= {"assessment"}


def test_a_grade_raises_an_explicit_need_it_names_and_replaces_one_only_inferred():
    needs = read_needs(
        index_of(), query(need("protection.guardianship_risk", severity=1), assessment={"guardianship": "high"})
    )
    assert summary(needs) == [
        ("protection.guardianship_risk", 3, "code", None),
        ("protection.case_management", 2, "assessment", None),
    ]
    inferred = read_needs(index_of(), homework(notes="需要个案管理", assessment={"guardianship": "high"}))
    assert summary(inferred) == [
        ("education.learning_support", 2, "code", None),
        ("protection.guardianship_risk", 3, "assessment", None),
        ("protection.case_management", 2, "assessment", None),
    ]


@pytest.mark.parametrize(
    "grades, field, message",
    [
        (
            {"guardianshp": "high"},
            "assessment.guardianshp",
            "unknown assessment scale; allowed: behavioural, guardianship, psychological",
        ),
        ({"guardianship": "severe"}, "assessment.guardianship", "grade must be one of none, low, medium, high"),
    ],
)
def test_an_unknown_scale_or_grade_is_refused_naming_the_field(grades, field, message):
    with pytest.raises(MatchInputError) as error:
        read_needs(index_of(), homework(assessment=grades))
    assert (error.value.field, error.value.message) == (field, message)


def test_a_risk_and_a_grade_on_one_need_give_one_severity_three_need():
    needs = read_needs(index_of(), homework(notes="孩子没人管", assessment={"guardianship": "low"}))
    assert summary(needs) == [
        ("protection.guardianship_risk", 3, "assessment", "neglect"),
        ("education.learning_support", 2, "code", None),
    ]


def test_the_urgent_phone_is_the_crisis_line_before_the_desk_and_never_the_fax():
    from referral.matching.types import Phone, UrgentService
    from referral.matching.urgent import phone_to_call

    lines = (Phone("0512-fax", "fax"), Phone("0512-main", "main"), Phone("0512-intake", "intake"))
    on_site = site("s", 1, 0, phone="0512-old", phones=lines)
    assert phone_to_call(UrgentService(service("a", sites=(on_site,)), on_site, 1.0, ())) == "0512-intake"
    hotline = service("b", phones=(Phone("12355", "hotline"),), sites=(on_site,))
    assert phone_to_call(UrgentService(hotline, on_site, 1.0, ())) == "12355"
    bare = site("t", 1, 0, phone="0512-old")
    assert phone_to_call(UrgentService(service("c", sites=(bare,)), bare, 1.0, ())) == "0512-old"

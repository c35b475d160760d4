"""The ranking rules a colleague would apply, one table row per rule (and its switch in settings).

Each row builds a small directory, asks one query and expects an exact order of service ids. The
rules: need fit by relation (exact > narrower > broader), specialists first for an urgent need,
in-person before remote, accepting-and-fresh first for an urgent need, a school's own service last
when the school is unknown and never for another school's pupils.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.settings import MatchSettings
from referral.matching.types import Child, Text

from .builders import TODAY, directory, need, query, service, site

OFF = MatchSettings(
    urgent_ready_first=False, specialist_first=False, school_unknown_last=False, unknown_eligibility_last=False
)
SCHOOL = dict(
    serves_school="school-1",
    school_names=frozenset({"河城一中", "River City No. 1 Middle School"}),
    school=Text("河城一中", {"en": "River City No. 1 Middle School"}),
)
STALE = TODAY - timedelta(days=200)

ROWS = {
    # an exact term beats a broader tag, even when the broader one is nearer
    "exact beats broader": (
        [service("broad", needs=("mh",)), service("exact", sites=(site("e", km_north=8),))],
        query(),
        MatchSettings(),
        ["exact", "broad"],
    ),
    # a service more specific than the need beats one tagged with a parent term
    "narrower beats broader": (
        [
            service("broad", needs=("dev",)),
            service("narrow", needs=("dev.autism.early",), sites=(site("n", km_north=6),)),
        ],
        query(need("dev.autism")),
        MatchSettings(),
        ["narrow", "broad"],
    ),
    # meeting more needs never lets a generalist (parent tag) outrank the specialist for a severity-3 need
    "specialist first for an urgent need": (
        [
            service("generalist", needs=("dev", "family.education")),
            service("specialist", needs=("dev.autism",), sites=(site("s", km_north=12),)),
        ],
        query(need("dev.autism", 3), need("family.education", 2)),
        MatchSettings(),
        ["specialist", "generalist"],
    ),
    "without the rule the generalist's points win": (
        [
            service("generalist", needs=("dev", "family.education")),
            service("specialist", needs=("dev.autism",), sites=(site("s", km_north=12),)),
        ],
        query(need("dev.autism", 3), need("family.education", 2)),
        OFF,
        ["generalist", "specialist"],
    ),
    # a remote service never outranks an equivalent in-person one, however far within reach
    "in person before remote": (
        [service("remote", modes=frozenset({"remote"}), sites=()), service("far", sites=(site("f", km_north=20),))],
        query(),
        MatchSettings(),
        ["far", "remote"],
    ),
    # two remote lines: the one whose area is the child's own district before the city-wide one
    "a local remote line before a city-wide one": (
        [
            service("city", modes=frozenset({"remote"}), sites=(), area_places=frozenset({"C1"})),
            service("district", modes=frozenset({"remote"}), sites=(), area_places=frozenset({"D1"})),
        ],
        query(),
        MatchSettings(),
        ["district", "city"],
    ),
    "without the local part the id decides": (
        [
            service("city", modes=frozenset({"remote"}), sites=(), area_places=frozenset({"C1"})),
            service("district", modes=frozenset({"remote"}), sites=(), area_places=frozenset({"D1"})),
        ],
        query(),
        MatchSettings(remote_local_score=0.0),
        ["city", "district"],
    ),
    # severity 3: accepting now beats a nearer waitlisted service
    "urgent: accepting before waitlisted": (
        [service("waiting", capacity="waitlist", wait_days=21), service("open", sites=(site("o", km_north=15),))],
        query(need(severity=3)),
        MatchSettings(),
        ["open", "waiting"],
    ),
    # severity 3: recently verified before a listing nobody checked for 200 days
    "urgent: fresh before stale": (
        [service("stale", verified_at=STALE), service("fresh", sites=(site("o", km_north=15),))],
        query(need(severity=3)),
        MatchSettings(),
        ["fresh", "stale"],
    ),
    # severity 2: the same nearer waitlisted service may stay ahead (points decide)
    "not urgent: points decide": (
        [service("waiting", capacity="waitlist", wait_days=21), service("open", sites=(site("o", km_north=15),))],
        query(need(severity=2)),
        MatchSettings(),
        ["waiting", "open"],
    ),
    # a school's own service, the school not named: after the others
    "school unknown: the school's service last": (
        [service("station", **SCHOOL), service("centre", sites=(site("c", km_north=10),))],
        query(),
        MatchSettings(),
        ["centre", "station"],
    ),
    "school named: its service ranks on its merits": (
        [service("station", **SCHOOL), service("centre", sites=(site("c", km_north=10),))],
        query(child=Child(age=10, school="河城一中")),
        MatchSettings(),
        ["station", "centre"],
    ),
    # restricted on a fact the request does not give ("for veterans' families"): after the open ones
    "eligibility unknown: the restricted service after the open one": (
        [service("veterans", groups=frozenset({"veteran_family"})), service("open", sites=(site("o", km_north=15),))],
        query(),
        MatchSettings(),
        ["open", "veterans"],
    ),
    "groups given: the restricted service ranks on its merits": (
        [service("veterans", groups=frozenset({"veteran_family"})), service("open", sites=(site("o", km_north=15),))],
        query(child=Child(age=10, groups=frozenset({"veteran_family"}))),
        MatchSettings(),
        ["veterans", "open"],
    ),
    "without the rule the penalised points decide": (
        [service("veterans", groups=frozenset({"veteran_family"})), service("open", sites=(site("o", km_north=15),))],
        query(),
        MatchSettings(unknown_eligibility_last=False),
        ["veterans", "open"],
    ),
    "another school named: the school's service is not offered": (
        [service("station", **SCHOOL), service("centre", sites=(site("c", km_north=10),))],
        query(child=Child(age=10, school="湖滨小学")),
        MatchSettings(),
        ["centre"],
    ),
}


@pytest.mark.parametrize("case", ROWS, ids=list(ROWS))
def test_each_rule_orders_results_as_a_colleague_would(case):
    services, asked, settings, expected = ROWS[case]
    outcome = match(build_index(directory(*services)), asked, settings)
    assert [r.service.id for r in outcome.results] == expected


def test_an_urgent_waitlisted_service_says_why_it_comes_later():
    services = [service("waiting", capacity="waitlist", wait_days=21), service("open")]
    results = match(build_index(directory(*services)), query(need(severity=3))).results
    assert "Waitlist of about 21 days: placed after services that accept now, for an urgent need." in results[1].reasons
    assert "Accepts now and recently verified: placed first for an urgent need." in results[0].reasons


def test_a_service_placed_later_for_an_unknown_condition_says_so_beside_its_caveat():
    results = match(
        build_index(directory(service("veterans", groups=frozenset({"veteran_family"})), service("open"))), query()
    ).results
    assert [r.service.id for r in results] == ["open", "veterans"]
    assert (
        "Placed after the options open to this child: it is only for children who meet a condition not given "
        "in this request."
    ) in results[1].reasons
    assert not any("Placed after" in r for r in results[0].reasons)


def test_a_broader_service_says_it_meets_the_need_only_broadly():
    result = match(build_index(directory(service("broad", needs=("mh",)))), query()).results[0]
    assert result.reasons[0] == "Meets Counselling only broadly: listed under a wider term."
    assert result.score_parts["need_fit"] == 0.25


def test_a_schools_own_service_carries_a_caveat_until_the_school_is_named():
    unknown = match(build_index(directory(service("station", **SCHOOL))), query()).results[0]
    assert (
        "Serves the pupils of River City No. 1 Middle School only: check that the child attends it." in unknown.caveats
    )
    named = match(
        build_index(directory(service("station", **SCHOOL))),
        query(child=Child(age=10, school="river city no. 1 middle school")),
    ).results[0]
    assert "Serves the pupils of River City No. 1 Middle School, the child's school." in named.reasons
    assert not any("check that the child attends" in c for c in named.caveats)


def test_a_remote_result_says_which_area_it_serves():
    remote = service("remote", modes=frozenset({"remote"}), sites=(), area_places=frozenset({"C1"}))
    result = match(build_index(directory(remote)), query()).results[0]
    assert result.reasons[1] == "Offered remotely, for River City."
    assert result.card.remote and result.card.serves_area == ("River City",)


def test_the_fit_of_each_relation_comes_from_the_settings():
    broad = service("broad", needs=("mh",))
    result = match(build_index(directory(broad)), query(), replace(MatchSettings(), broader_fit=0.5)).results[0]
    assert result.score_parts["need_fit"] == 0.5

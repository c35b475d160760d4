"""Properties of the colleague rules over generated directories (see test_properties.py for the cases)."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from referral.matching.bundle import baseline, quality
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.settings import MatchSettings

from .builders import TODAY
from .naive import relation, school_of
from .test_properties import EXAMPLES, cases

SETTINGS = MatchSettings()


def ready(service) -> bool:
    fresh = service.verified_at is not None and (TODAY - service.verified_at).days <= SETTINGS.stale_after_days
    return service.capacity == "accepting" and fresh


@EXAMPLES
@given(cases())
def test_for_an_urgent_need_a_waiting_or_stale_service_never_stands_ahead_of_one_that_accepts_now(case):
    found, query = case
    urgent = [n.code for n in query.needs if n.severity >= SETTINGS.urgent_severity]
    results = match(build_index(found), query).results
    meeting = [ready(r.service) for r in results if set(r.needs_met) & set(urgent)]
    assert meeting == sorted(meeting, reverse=True)  # every ready one before every other one


@EXAMPLES
@given(cases())
def test_for_an_urgent_need_a_service_with_only_a_parent_tag_never_outranks_a_specialist_as_ready(case):
    found, query = case
    urgent = [n.code for n in query.needs if n.severity >= SETTINGS.urgent_severity]
    results = match(build_index(found), query).results

    def specific(r):
        return sum(relation(found, r.service, code) >= 2 for code in urgent)

    for before, after in zip(results, results[1:]):
        if (
            set(before.needs_met) & set(urgent)
            and set(after.needs_met) & set(urgent)
            and ready(before.service) == ready(after.service)
        ):
            assert specific(before) >= specific(after)


@EXAMPLES
@given(cases(), st.data())
def test_a_remote_twin_never_outranks_the_in_person_service_it_copies(case, data):
    found, query = case[0], replace(case[1], limit=50)
    placed = [r for r in match(build_index(found), query).results if r.site is not None]
    if not placed:
        return
    original = data.draw(st.sampled_from(placed)).service
    twin = replace(original, id="zz-remote-twin", modes=frozenset({"remote"}), sites=())
    results = match(build_index(replace(found, services=(*found.services, twin))), query).results
    ranks = {r.service.id: r.rank for r in results}
    if twin.id in ranks:
        assert ranks[original.id] < ranks[twin.id]


@EXAMPLES
@given(cases())
def test_a_schools_own_service_is_never_offered_to_a_pupil_of_another_school(case):
    found, query = case
    school = school_of(found, query.child.school)
    for result in match(build_index(found), query).results:
        if result.service.serves_school and query.child.school:
            assert result.service.serves_school == school


@EXAMPLES
@given(cases())
def test_the_bundle_is_never_worse_than_the_top_results_that_cover_the_needs(case):
    found, query = case
    outcome = match(build_index(found), query)
    if not outcome.bundle.ranks:
        return
    codes = list(outcome.bundle.covers)
    masks = [sum(1 << k for k, c in enumerate(codes) if c in r.needs_met) for r in outcome.results]
    picked = [r - 1 for r in outcome.bundle.ranks]
    assert quality(outcome.results, picked) <= quality(outcome.results, baseline(masks, (1 << len(codes)) - 1))
    assert {c for i in picked for c in outcome.results[i].needs_met} >= set(codes)

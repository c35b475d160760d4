"""Properties over small generated directories: hard rules, monotonicity, determinism, the reference.

Each example builds a directory of up to 12 services around the origin and one query; the engine's
answer is checked rule by rule in plain Python and against the naive reference (naive.py).
"""

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching.engine import match
from referral.matching.geo import geodesic_km
from referral.matching.index import build_index
from referral.matching.types import Child, Constraints, Location, MatchQuery, NeedInput, Outcomes

from .builders import ORIGIN, PLACES, TERMS, TODAY, at, directory, service, site
from .naive import choose_site, naive_match, passes_rules, quality

CODES = [t.code for t in TERMS]
PLACE_CODES = [p.code for p in PLACES]
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
sets = lambda *values: st.frozensets(st.sampled_from(values), max_size=2)  # noqa: E731


@st.composite
def sites(draw, sid: str):
    n = draw(st.integers(0, 3))
    km = st.floats(-35, 35, allow_nan=False).map(lambda v: round(v, 1))
    days = st.frozensets(st.integers(0, 6), max_size=7)
    return tuple(site(f"{sid}-{i}", km_north=draw(km), km_east=draw(km), open_days=draw(days)) for i in range(n))


@st.composite
def services(draw, i: int):
    sid = f"s{i:02}"
    low = draw(maybe(st.integers(0, 12)))
    return service(
        sid,
        organization_id=f"org{draw(st.integers(0, 3))}",
        needs=tuple(draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))),
        modes=draw(st.frozensets(st.sampled_from(["in_person", "home_visit", "remote"]), min_size=1)),
        cost=draw(st.sampled_from(["free", "free", "subsidized", "fee"])),
        capacity=draw(st.sampled_from(["accepting", "accepting", "waitlist", "full"])),
        wait_days=draw(maybe(st.integers(0, 90))),
        intensity=draw(st.sampled_from(["prevention", "support", "intensive"])),
        minimum_age=low,
        maximum_age=draw(maybe(st.integers(low or 0, 18))),
        genders=draw(sets("male", "female")),
        groups=draw(sets("migrant", "orphan")),
        languages=draw(sets("zh", "en")),
        area_places=draw(sets(*PLACE_CODES)),
        area_radius_km=draw(maybe(st.sampled_from([3.0, 10.0, 30.0]))),
        status=draw(st.sampled_from(["active"] * 5 + ["inactive"])),
        verified_at=draw(maybe(st.integers(0, 400).map(lambda d: TODAY - timedelta(days=d)))),
        sites=draw(sites(sid)),
        **school(draw(maybe(st.sampled_from(list(SCHOOLS))))),
        outcomes=draw(maybe(records())),
    )


@st.composite
def records(draw):
    """A referral record: decided referrals (0 = none yet), of which some accepted."""
    decided = draw(st.integers(0, 40))
    return Outcomes(accepted=draw(st.integers(0, decided)), decided=decided)


SCHOOLS = {"school-a": frozenset({"河城一中", "River City No. 1 Middle School"}), "school-b": frozenset({"湖滨小学"})}


def school(site_id: str | None) -> dict:
    """The fields of a service serving the school ``site_id`` (None: no one school)."""
    return {"serves_school": site_id, "school_names": SCHOOLS.get(site_id, frozenset())}


@st.composite
def cases(draw):
    n = draw(st.integers(1, 12))
    found = directory(*(draw(services(i)) for i in range(n)))
    needs = tuple(
        NeedInput(code=c, severity=draw(st.integers(0, 3)))
        for c in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True))
    )
    limits = Constraints(
        max_distance_km=draw(st.sampled_from([5.0, 15.0, 25.0])),
        modes=draw(maybe(sets("in_person", "remote", "home_visit"))),
        free_only=draw(st.booleans()),
        include_waitlisted=draw(st.booleans()),
        open_on=draw(maybe(st.integers(0, 6))),
    )
    child = Child(
        age=draw(st.integers(0, 18)),
        gender=draw(maybe(st.sampled_from(["male", "female"]))),
        languages=draw(sets("zh", "en")),
        groups=draw(sets("migrant", "orphan")),
        school=draw(maybe(st.sampled_from(["school-a", "湖滨小学", "river city no.1 middle school", "山边小学"]))),
    )
    where = Location(
        *at(draw(st.integers(-10, 10)), draw(st.integers(-10, 10))), place=draw(maybe(st.sampled_from(PLACE_CODES)))
    )
    return found, MatchQuery(where, child, needs, constraints=limits, limit=draw(st.integers(1, 8)), today=TODAY)


@EXAMPLES
@given(cases())
def test_no_result_ever_breaks_a_hard_rule(case):
    found, query = case
    for result in match(build_index(found), query).results:
        s, c = result.service, query.constraints
        assert passes_rules(s, query)
        assert any(quality(found, s, n.code) for n in query.needs if n.severity)
        if result.site is None:
            assert "remote" in s.modes and (c.modes is None or "remote" in c.modes)
            continue
        here = (query.location.lat, query.location.lon)
        assert geodesic_km(*here, result.site.lat, result.site.lon) <= c.max_distance_km
        assert c.open_on is None or c.open_on in result.site.open_days
        assert choose_site(found, s, query)[0]


@EXAMPLES
@given(cases())
def test_the_engine_agrees_with_the_naive_reference(case):
    found, query = case
    index = build_index(found)
    fast = [(r.service.id, r.score, r.site.id if r.site else None, r.needs_met) for r in match(index, query).results]
    slow = [(r.id, r.score, r.site, r.needs_met) for r in naive_match(index, found, query)]
    assert fast == slow


@EXAMPLES
@given(cases())
def test_the_same_request_twice_gives_equal_outcomes(case):
    found, query = case
    assert match(build_index(found), query) == match(build_index(found), query)


@EXAMPLES
@given(cases(), st.data())
def test_moving_a_service_closer_never_lowers_its_rank(case, data):
    found, query = replace(case[0]), replace(case[1], limit=50)
    results = match(build_index(found), query).results
    placed = [r for r in results if r.site is not None]
    if not placed:
        return
    moved = data.draw(st.sampled_from(placed)).service
    here = (query.location.lat, query.location.lon)
    closer = tuple(replace(s, lat=(s.lat + here[0]) / 2, lon=(s.lon + here[1]) / 2) for s in moved.sites)
    services = tuple(replace(s, sites=closer) if s.id == moved.id else s for s in found.services)
    after = match(build_index(replace(found, services=services)), query).results
    rank = lambda rs: next(r.rank for r in rs if r.service.id == moved.id)  # noqa: E731
    assert rank(after) <= rank(results)


@EXAMPLES
@given(cases(), st.data())
def test_meeting_one_more_of_the_childs_needs_never_lowers_a_score(case, data):
    found, query = case[0], replace(case[1], limit=50)
    results = match(build_index(found), query).results
    if not results:
        return
    target = data.draw(st.sampled_from(results)).service
    extra = data.draw(st.sampled_from([n.code for n in query.needs]))
    services = tuple(replace(s, needs=(*s.needs, extra)) if s.id == target.id else s for s in found.services)
    after = match(build_index(replace(found, services=services)), query).results
    score = lambda rs: next(r.score for r in rs if r.service.id == target.id)  # noqa: E731
    assert score(after) >= score(results)


def test_the_origin_is_where_the_builders_say():
    assert at() == ORIGIN

"""Evaluating services best bound first changes nothing: the same results as evaluating them all.

The property tests in test_properties.py use directories smaller than one chunk, so here the chunk
is made tiny (every stopping decision is exercised) or the directory larger than a chunk. The
distance bound under it (spatial.SiteBoxes) is checked against the haversine it bounds, everywhere
on the globe, antimeridian and poles included.
"""

import math
import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching.candidates import _need_fit, candidates
from referral.matching.engine import _choose, match
from referral.matching.geo import haversine_km, unit_vectors
from referral.matching.index import build_index
from referral.matching.needs import understand_needs, weight
from referral.matching.settings import MatchSettings
from referral.matching.spatial import SiteBoxes
from referral.matching.types import (
    SEVERITY_ACTIONABLE,
    Child,
    Location,
    MatchQuery,
    NeedInput,
    Outcomes,
    UnderstoodNeed,
)

from .builders import PLACES, TERMS, TODAY, at, directory, need, query, service, site
from .naive import naive_match
from .test_properties import cases

CODES, PLACE_CODES = [t.code for t in TERMS], [p.code for p in PLACES]

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def chosen(index, query, first_chunk, match_settings=MatchSettings()):
    """(service id, score, site, needs met) of what the engine would show, evaluating ``first_chunk`` first."""
    needs = [n for n in understand_needs(index, query, match_settings) if n.severity > 0]
    actionable = [k for k, n in enumerate(needs) if n.source != "notes" and n.severity >= SEVERITY_ACTIONABLE]
    found, order = candidates(index, query, needs, actionable, match_settings, query.today, first_chunk)
    picked = _choose(order, found.relation > 0, actionable, query.limit)
    return [
        (
            index.services[found.rows[p]].id,
            float(found.score[p]),
            int(found.placement.site[p]),
            tuple(bool(q) for q in found.relation[p]),
        )
        for p in picked
    ]


@EXAMPLES
@given(cases(), st.integers(1, 3))
def test_tiny_chunks_choose_exactly_what_evaluating_everything_chooses(case, first_chunk):
    found, query = case
    index = build_index(found)
    assert chosen(index, query, first_chunk) == chosen(index, query, 10**9)


@EXAMPLES
@given(cases(), st.integers(1, 3))
def test_with_a_heavy_outcome_weight_tiny_chunks_still_choose_exactly_what_everything_chooses(case, first_chunk):
    found, query = case
    index, heavy = build_index(found), MatchSettings(outcome_weight=3.0, outcome_prior_strength=2.0)
    assert chosen(index, query, first_chunk, heavy) == chosen(index, query, 10**9, heavy)


@EXAMPLES
@given(cases(), st.integers(1, 3))
def test_with_a_negative_weight_everything_is_evaluated_and_the_answer_is_the_same(case, first_chunk):
    found, query = case
    index, odd = build_index(found), MatchSettings(distance_weight=-0.2)
    assert chosen(index, query, first_chunk, odd) == chosen(index, query, 10**9, odd)


def random_service(rnd: random.Random, i: int):
    """A service drawn like test_properties.services, from a seeded ``random.Random``."""
    sid, low = f"s{i:03}", rnd.choice([None, rnd.randint(0, 12)])
    sites = tuple(
        site(
            f"{sid}-{k}",
            km_north=round(rnd.uniform(-35, 35), 1),
            km_east=round(rnd.uniform(-35, 35), 1),
            open_days=frozenset(rnd.sample(range(7), rnd.randint(0, 7))),
        )
        for k in range(rnd.randint(0, 3))
    )
    return service(
        sid,
        needs=tuple(rnd.sample(CODES, rnd.randint(1, 3))),
        modes=frozenset(rnd.sample(["in_person", "home_visit", "remote"], rnd.randint(1, 3))),
        cost=rnd.choice(["free", "free", "subsidized", "fee"]),
        capacity=rnd.choice(["accepting", "accepting", "waitlist", "full"]),
        wait_days=rnd.choice([None, rnd.randint(0, 90)]),
        intensity=rnd.choice(["prevention", "support", "intensive"]),
        minimum_age=low,
        maximum_age=rnd.choice([None, rnd.randint(low or 0, 18)]),
        genders=frozenset(rnd.sample(["male", "female"], rnd.randint(0, 1))),
        groups=frozenset(rnd.sample(["migrant", "orphan"], rnd.randint(0, 1))),
        area_places=frozenset(rnd.sample(PLACE_CODES, rnd.choice([0, 0, 1]))),
        area_radius_km=rnd.choice([None, None, 10.0, 30.0]),
        status=rnd.choice(["active"] * 5 + ["inactive"]),
        verified_at=TODAY - timedelta(days=rnd.randint(0, 400)),
        sites=sites,
        outcomes=rnd.choice([None, _record(rnd)]),
    )


def _record(rnd: random.Random) -> Outcomes:
    decided = rnd.randint(0, 40)
    return Outcomes(accepted=rnd.randint(0, decided), decided=decided)


@pytest.mark.parametrize("seed", range(4))
def test_a_directory_larger_than_a_chunk_agrees_with_the_naive_reference(seed):
    rnd = random.Random(seed)
    found = directory(*(random_service(rnd, i) for i in range(400)))
    index = build_index(found)
    for _ in range(15):
        needs = tuple(NeedInput(code=c, severity=rnd.randint(1, 3)) for c in rnd.sample(CODES, rnd.randint(1, 3)))
        where = Location(*at(rnd.uniform(-10, 10), rnd.uniform(-10, 10)), place=rnd.choice([None, *PLACE_CODES]))
        asked = MatchQuery(
            where, Child(age=rnd.randint(0, 18), gender="male"), needs, limit=rnd.randint(1, 12), today=TODAY
        )
        fast, slow = shown(index, found, asked)
        assert fast == slow


coordinates = st.tuples(st.floats(-90, 90), st.floats(-180, 180))
near_the_edges = st.tuples(
    st.sampled_from([-90.0, -89.99, 0.0, 89.99, 90.0]), st.sampled_from([-180.0, -179.99, 0.0, 179.99, 180.0])
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.one_of(coordinates, near_the_edges), min_size=0, max_size=3), min_size=1, max_size=5),
    st.one_of(coordinates, near_the_edges),
)
def test_no_site_is_nearer_than_its_services_box_says(groups, here):
    counts = np.array([len(g) for g in groups])
    offsets = np.concatenate(([0], np.cumsum(counts)))
    points = [p for g in groups for p in g]
    lat, lon = np.array([p[0] for p in points], dtype=float), np.array([p[1] for p in points], dtype=float)
    bound = SiteBoxes(offsets, lat, lon).min_km(np.arange(len(groups)), *here)
    km = haversine_km(unit_vectors(lat, lon).reshape(-1, 3), *here) if len(points) else np.empty(0)
    for row, count in enumerate(counts):
        if count == 0:
            assert math.isnan(bound[row])
        else:
            assert bound[row] <= km[offsets[row] : offsets[row + 1]].min()


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-89.9, 89.9),
    st.floats(-180, 180),
    st.lists(st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05)), min_size=1, max_size=3),
)
def test_the_float32_box_bound_holds_within_metres_of_the_point_and_stays_within_tens_of_metres(lat, lon, offsets):
    """The bound is computed in float32 (spatial.py): sites metres to a few km away, anywhere on the
    globe (the antimeridian too), are never nearer than it says, and it gives away at most ~30 m."""
    points = [(min(max(lat + dlat, -90.0), 90.0), (lon + dlon + 180.0) % 360.0 - 180.0) for dlat, dlon in offsets]
    plat, plon = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    bound = SiteBoxes(np.array([0, len(points)]), plat, plon).min_km(np.array([0]), lat, lon)
    assert bound.dtype == np.float64
    nearest = haversine_km(unit_vectors(plat, plon).reshape(-1, 3), lat, lon).min()
    assert bound[0] <= nearest
    if len(points) == 1:  # a box of one point: the bound is that point's distance, less the slack
        assert nearest - bound[0] <= 0.03 + 1e-4 * nearest


def shown(index, found, query):
    """The engine's answer and the naive reference's, in the same shape."""
    fast = [(r.service.id, r.score, r.site.id if r.site else None, r.needs_met) for r in match(index, query).results]
    slow = [(r.id, r.score, r.site, r.needs_met) for r in naive_match(index, found, query)]
    return fast, slow


def test_when_only_distance_differs_the_nearest_are_shown_in_order():
    rnd = random.Random(7)
    # identical services at random distances: the score is decided by the distance part alone
    found = directory(
        *(
            service(
                f"s{i:03}", sites=(site(f"s{i:03}-site", km_north=rnd.uniform(-14, 14), km_east=rnd.uniform(-14, 14)),)
            )
            for i in range(300)
        )
    )
    index = build_index(found)
    for limit in (1, 5, 10, 40):
        fast, slow = shown(index, found, query(limit=limit))
        assert fast == slow and len(fast) == limit


def test_equal_scores_are_settled_by_distance_then_id_however_they_were_evaluated():
    # 200 services with one score and one site position: only the id decides, so no bound may stop early on a tie
    here = site("shared", km_north=2.0)
    found = directory(*(service(f"s{(i * 37) % 200:03}", sites=(replace(here, id=f"site{i}"),)) for i in range(200)))
    index = build_index(found)
    fast, slow = shown(index, found, query(limit=10))
    assert fast == slow
    assert [r[0] for r in fast] == [f"s{i:03}" for i in range(10)]


def test_a_need_only_a_low_scoring_far_service_meets_is_still_covered():
    near = [service(f"c{i:03}", sites=(site(f"c{i:03}-site", km_north=i / 100),)) for i in range(300)]
    speech = service(
        "speech",
        needs=("dev.speech",),
        capacity="waitlist",
        verified_at=None,
        sites=(site("speech-site", km_north=20.0),),
    )
    found = directory(*near, speech)
    index = build_index(found)
    fast, slow = shown(index, found, query(need("mh.counselling"), need("dev.speech"), limit=3))
    assert fast == slow
    assert "speech" in [r[0] for r in fast]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["code", "text", "notes"]), st.floats(0, 1)),
        min_size=1,
        max_size=4,
    ),
    st.data(),
)
def test_the_need_fit_is_the_weighted_mean_of_the_needs_qualities_summed_in_need_order(asked, data):
    needs = [UnderstoodNeed(f"n{k}", "n", sev, source, confidence=conf) for k, (sev, source, conf) in enumerate(asked)]
    n = data.draw(st.integers(0, 40))
    cells = data.draw(st.lists(st.integers(0, 3), min_size=n * len(needs), max_size=n * len(needs)))
    related = np.array(cells, dtype=np.int8).reshape(n, len(needs))
    by_relation, weights = (0.0, *MatchSettings().fits()), [weight(need) for need in needs]
    expected = []
    for row in related.tolist():  # plain floats, the same operations in the same order: bit for bit
        acc = 0.0
        for w, r in zip(weights, row, strict=True):
            acc = acc + w * by_relation[r]
        expected.append(acc / sum(weights) if sum(weights) else acc)
    assert _need_fit(related, needs, MatchSettings()).tolist() == expected

"""Refining a large candidate set a batch at a time, from keys that need no rule and no site, changes
nothing: the same results, in the same order, as refining and evaluating every row at once.

candidates.py refines every row at once below ``SKETCH_FROM`` first chunks of rows; here the first
chunk is made tiny, so dense random directories of a few hundred services take the sketch path, with
ties, remote services, area-restricted ones, schools' own services, urgent needs and several needs.
"""

import random
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching.candidates import SKETCH_FROM, _postings, _sketch, _union, candidates, gather, urgent
from referral.matching.columns import build_columns
from referral.matching.index import build_index
from referral.matching.needs import understand_needs
from referral.matching.scoring import _ROW_PARTS, freshness, ready_now, row_parts, score_parts
from referral.matching.settings import MatchSettings
from referral.matching.types import Child, Constraints, Location, MatchQuery, NeedInput, Outcomes

from .builders import PLACES, TERMS, TODAY, at, directory, need, query, service, site
from .test_lazy_candidates import chosen, random_service, shown

CODES, PLACE_CODES = [t.code for t in TERMS], [p.code for p in PLACES]
EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dense_directory(rnd: random.Random, n: int):
    """``n`` services drawn like test_lazy_candidates.random_service, all within ~12 km, a quarter of
    them clones of another (same parts and site: ties only the id breaks), some serving a school."""

    def draw(i: int):
        made = random_service(rnd, i)
        sites = tuple(replace(s, lat=s.lat / 3 + at()[0] * 2 / 3, lon=s.lon / 3 + at()[1] * 2 / 3) for s in made.sites)
        return replace(made, sites=sites, serves_school=rnd.choice([None] * 9 + ["school-a"]))

    return with_clones(rnd, n, draw)


def with_clones(rnd: random.Random, n: int, draw):
    """A directory of ``n`` services drawn by ``draw(i)``, a quarter of them clones of another (the same
    parts and sites: ties only the id breaks)."""
    drawn = []
    for i in range(n):
        if drawn and rnd.random() < 0.25:
            twin = rnd.choice(drawn)
            sites = tuple(replace(s, id=f"s{i:03}-{k}") for k, s in enumerate(twin.sites))
            drawn.append(replace(twin, id=f"s{i:03}", organization_id=f"org-s{i:03}", sites=sites))
            continue
        drawn.append(draw(i))
    return directory(*drawn)


def random_query(rnd: random.Random) -> MatchQuery:
    needs = tuple(NeedInput(code=c, severity=rnd.randint(1, 3)) for c in rnd.sample(CODES, rnd.randint(1, 3)))
    limits = Constraints(
        max_distance_km=rnd.choice([5.0, 10.0, 25.0]),
        modes=rnd.choice([None, None, frozenset({"remote"}), frozenset({"in_person", "home_visit"})]),
        open_on=rnd.choice([None, None, rnd.randint(0, 6)]),
    )
    child = Child(
        age=rnd.randint(0, 18),
        gender=rnd.choice([None, "male", "female"]),
        groups=frozenset(rnd.sample(["migrant", "orphan"], rnd.randint(0, 1))),
        school=rnd.choice([None, None, "school-a", "山边小学"]),
    )
    where = Location(*at(rnd.uniform(-8, 8), rnd.uniform(-8, 8)), place=rnd.choice([None, *PLACE_CODES]))
    return MatchQuery(where, child, needs, constraints=limits, limit=rnd.randint(1, 12), today=TODAY)


@EXAMPLES
@given(st.integers(0, 10**6), st.integers(1, 2))
def test_refining_in_batches_chooses_exactly_what_refining_everything_chooses(seed, first_chunk):
    rnd = random.Random(seed)
    index = build_index(dense_directory(rnd, rnd.randint(200, 350)))
    for _ in range(4):
        asked = random_query(rnd)
        heavy = MatchSettings(outcome_weight=rnd.choice([0.1, 3.0]))
        assert chosen(index, asked, first_chunk, heavy) == chosen(index, asked, 10**9, heavy)


@pytest.mark.parametrize("seed", range(3))
def test_refining_in_batches_agrees_with_the_naive_reference(seed, monkeypatch):
    # the engine's own call, with a tiny first chunk: these directories take the sketch path
    monkeypatch.setattr("referral.matching.engine.candidates", lambda *args: candidates(*args, first_chunk=1))
    rnd = random.Random(seed)
    found = dense_directory(rnd, 250)
    index = build_index(found)
    for _ in range(8):
        fast, slow = shown(index, found, random_query(rnd))
        assert fast == slow


@EXAMPLES
@given(st.integers(0, 10**6))
def test_a_sketch_keeps_every_row_a_refinement_keeps_with_a_tier_no_later_and_a_bound_no_lower(seed):
    rnd = random.Random(seed)
    index = build_index(dense_directory(rnd, 200))
    asked = random_query(rnd)
    match_settings = MatchSettings()
    needs = [n for n in understand_needs(index, asked, match_settings) if n.severity > 0]
    pool = gather(index, asked, needs, match_settings, TODAY, urgent(needs, match_settings))
    rows, related = _union(_postings(index, asked, needs), len(index.services))
    sketch = _sketch(index, asked, needs, rows, related, match_settings, TODAY, urgent(needs, match_settings))
    at_ = np.searchsorted(sketch.rows, pool.rows)
    assert np.array_equal(sketch.rows[at_], pool.rows)
    assert (sketch.tier[at_] <= pool.tier).all() and (sketch.bound[at_] >= pool.bound).all()


def test_the_sketch_path_is_the_one_these_tests_take():
    rnd = random.Random(1)
    index = build_index(dense_directory(rnd, 250))
    asked = MatchQuery(Location(*at()), Child(age=8), (NeedInput(code="mh", severity=2),), today=TODAY)
    needs = [n for n in understand_needs(index, asked, MatchSettings()) if n.severity > 0]
    rows, _ = _union(_postings(index, asked, needs), len(index.services))
    assert len(rows) > SKETCH_FROM * 1  # refined in batches from a first chunk of 1


def test_the_day_parts_of_every_row_are_what_the_formulas_give_and_a_new_day_has_its_own():
    rnd = random.Random(3)
    found = directory(*(random_service(rnd, i) for i in range(60)), service("never", verified_at=None))
    cols, every = build_columns(found.services), np.arange(61)
    for day in (TODAY, TODAY + timedelta(days=200)):
        parts, match_settings = row_parts(cols, day, MatchSettings()), MatchSettings()
        assert np.array_equal(parts.freshness, freshness(cols.verified, day, match_settings))
        assert np.array_equal(parts.ready, ready_now(cols, every, day, match_settings))
        table = score_parts(cols, every, np.ones(61), np.zeros(61), 2, day, match_settings)
        assert np.array_equal(table[:, 4], parts.freshness)
    assert row_parts(cols, TODAY, MatchSettings()) is row_parts(cols, TODAY, MatchSettings())
    assert row_parts(cols, TODAY, MatchSettings(fresh_days=10)).freshness.min() < 1.0
    assert {day for _, day in _ROW_PARTS[cols]} == {TODAY.toordinal()}  # the other day's were let go


def test_services_whose_scores_clip_to_zero_are_still_ranked_by_distance_then_id():
    # poor records weighed heavily: every score clips to 0, so only distance and id may decide, whatever
    # the other parts (the bounds before the clip differ)
    rnd = random.Random(5)
    found = directory(
        *(
            service(
                f"s{i:03}",
                needs=("mh",),  # broader than the need asked: little fit
                capacity="waitlist",
                wait_days=rnd.choice([0, 90]),
                intensity=rnd.choice(["prevention", "support", "intensive"]),
                verified_at=None,
                outcomes=Outcomes(accepted=0, decided=rnd.randint(20, 40)),
                sites=(site(f"s{i:03}-site", km_north=rnd.uniform(-12, 12), km_east=rnd.uniform(-12, 12)),),
            )
            for i in range(200)
        )
    )
    index, heavy = build_index(found), MatchSettings(outcome_weight=3.0)
    asked = query(need("mh.counselling"), limit=10)
    assert chosen(index, asked, 1, heavy) == chosen(index, asked, 10**9, heavy)

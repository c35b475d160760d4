"""Reading the cells nearest the child first, the others standing as bounds, changes nothing: the same
results, in the same order, as refining every row at once (candidates.Frontier, cellbound.py).

Directories of a few hundred services spread over ~70 km (many 5.5 km cells), with a tiny first chunk
so the cells path is taken; services meeting one need each (as in many published directories, and the
scale benchmark's), so queries of several needs take it too, and services meeting several, so a query
of one need does. Each cell's bound is checked against the true scores and tiers of every row listed
in it, and a dense directory is shown to leave its far cells unread.
"""

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching import candidates as found_by
from referral.matching import cellbound
from referral.matching.candidates import SKETCH_SLACK, Frontier, _evaluate, gather, urgent
from referral.matching.cells import _cell, cell_boxes
from referral.matching.geo import outer_km
from referral.matching.index import build_index
from referral.matching.needs import understand_needs
from referral.matching.settings import MatchSettings
from referral.matching.spatial import SiteBoxes
from referral.matching.types import Child, Location, MatchQuery, NeedInput

from .builders import TODAY, at, directory, site
from .test_lazy_candidates import chosen, random_service
from .test_sketched_candidates import random_query, with_clones

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True, scope="module")
def cells_first_from_few_rows():
    """These directories are small: the cells are read first from a first chunk of rows in reach."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(found_by, "FRONTIER_FROM", 1)
        yield


def spread_directory(rnd: random.Random, n: int, one_need: bool):
    """``n`` services over ~70 x 70 km, a quarter clones of another (ties only the id breaks)."""

    def draw(i: int):
        made = random_service(rnd, i)
        return replace(made, needs=made.needs[:1]) if one_need else made

    return with_clones(rnd, n, draw)


def frontier_of(index, asked, match_settings=None, first_chunk=1):
    match_settings = match_settings or MatchSettings()
    needs = [n for n in understand_needs(index, asked, match_settings) if n.severity > 0]
    slots = [index.postings.slot.get(n.code) if n.code else None for n in needs]
    outer = outer_km(asked.constraints.max_distance_km)
    found = index.nearby.keys_near(slots, asked.location.lat, asked.location.lon, outer)
    return needs, (
        Frontier.of(index, asked, needs, match_settings, TODAY, first_chunk, slots, found) if found else None
    )


@EXAMPLES
@given(st.integers(0, 10**6), st.integers(1, 2), st.booleans())
def test_reading_the_nearest_cells_first_chooses_exactly_what_refining_everything_chooses(seed, first_chunk, one):
    rnd = random.Random(seed)
    index = build_index(spread_directory(rnd, rnd.randint(200, 350), one))
    for _ in range(4):
        asked = replace(random_query(rnd), location=Location(*at(rnd.uniform(-20, 20), rnd.uniform(-20, 20))))
        heavy = MatchSettings(outcome_weight=rnd.choice([0.1, 3.0]), distance_scale_km=rnd.choice([2.0, 10.0]))
        assert chosen(index, asked, first_chunk, heavy) == chosen(index, asked, 10**9, heavy)


@EXAMPLES
@given(st.integers(0, 10**6), st.booleans())
def test_no_row_listed_in_a_cell_scores_above_its_bound_or_ranks_in_an_earlier_tier(seed, one):
    rnd = random.Random(seed)
    index = build_index(spread_directory(rnd, 250, one))
    asked = replace(random_query(rnd), location=Location(*at(rnd.uniform(-20, 20), rnd.uniform(-20, 20))))
    match_settings = MatchSettings(distance_scale_km=rnd.choice([2.0, 10.0]))
    needs, frontier = frontier_of(index, asked, match_settings)
    if frontier is None:  # few rows, or a service near meets every need asked
        return
    pool = gather(index, asked, needs, match_settings, TODAY, urgent(needs, match_settings))
    scored = _evaluate(index, asked, pool, np.arange(len(pool.rows)), match_settings)
    rows, _, of = index.nearby.entries_of(frontier.keys)
    for row, score, tier, met in zip(scored.rows, scored.score, scored.tier, scored.relation, strict=True):
        for k in np.flatnonzero(met > 0):  # each need it meets: the keys of that need listing it hold it
            mine = of[(rows == row) & (frontier.slot[of] == k)]
            assert (frontier.relation[mine, k] > 0).all()
            assert score <= frontier.bound[mine].max() + SKETCH_SLACK
            assert tier >= frontier.tier[mine].min()


def test_a_dense_directory_leaves_its_far_cells_unread_and_answers_the_same():
    rnd = random.Random(7)
    services = []
    for i in range(1500):  # one need each, accepting, fresh: the nearest settle the answer
        north, east = rnd.uniform(-25, 25), rnd.uniform(-25, 25)
        made = random_service(rnd, i)
        services.append(
            replace(
                made,
                needs=made.needs[:1],
                status="active",
                capacity="accepting",
                verified_at=TODAY,
                modes=frozenset({"in_person"}),
                area_places=frozenset(),
                area_radius_km=None,
                minimum_age=None,
                maximum_age=None,
                genders=frozenset(),
                groups=frozenset(),
                sites=(site(f"s{i:04}-0", km_north=north, km_east=east),),
            )
        )
    index = build_index(directory(*services))
    read = []
    original = Frontier._sketch

    def counted(self, cells):
        sketch = original(self, cells)
        read.append(len(sketch.rows))
        return sketch

    for codes in (["mh"], ["mh.counselling", "dev.autism"]):  # two parts of the taxonomy: one service meets one
        asked = MatchQuery(
            Location(*at()), Child(age=9), tuple(NeedInput(code=c, severity=2) for c in codes), today=TODAY
        )
        needs, frontier = frontier_of(index, asked)
        listed = len(np.unique(index.nearby.entries_of(frontier.keys)[0]))
        read.clear()
        Frontier._sketch = counted
        try:
            fast = chosen(index, asked, 1)
        finally:
            Frontier._sketch = original
        assert fast == chosen(index, asked, 10**9)
        assert 0 < sum(read) < listed / 2  # most of the rows in reach were never sketched


def test_a_query_of_several_needs_takes_the_cells_first_unless_a_service_near_may_meet_two_of_them():
    rnd = random.Random(2)
    codes = ("mh.counselling", "dev.autism")
    asked = MatchQuery(Location(*at()), Child(age=9), tuple(NeedInput(code=c, severity=2) for c in codes), today=TODAY)
    drawn = spread_directory(rnd, 300, one_need=True).services
    for both in (False, True):
        listed = [replace(s, needs=codes if both else (codes[i % 2],)) for i, s in enumerate(drawn)]
        index = build_index(directory(*listed))
        summary = cellbound.summary(index, TODAY, MatchSettings())
        bits = cellbound.bit(index.postings.slot[codes[0]]) | cellbound.bit(index.postings.slot[codes[1]])
        assert (summary.met & bits == bits).any() == both
        assert (frontier_of(index, asked)[1] is None) == both


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.floats(-90, 90), st.integers(-3600, 3600).map(lambda k: k * 0.025)).filter(lambda x: -90 <= x <= 90),
    st.one_of(st.floats(-180, 180, exclude_max=True), st.integers(-7200, 7199).map(lambda k: k * 0.025)),
)
def test_a_cell_box_holds_every_point_the_grid_puts_in_that_cell(lat, lon):
    cell = _cell(np.array([lat]), np.array([lon]))
    boxes = SiteBoxes.of(cell_boxes(cell))
    assert boxes.min_km(np.array([0]), lat, lon)[0] == 0.0  # the point is inside its cell's box

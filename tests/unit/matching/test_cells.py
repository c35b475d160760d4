"""The postings by spatial cell drop nothing in reach: anywhere on the globe, at any limit.

A match reads the need postings of the cells near the child (cells.py) instead of the whole list.
These tests check the cells against the haversine they stand in for (edges of the grid, the
antimeridian and the poles included), and the match against the plain postings and the naive
reference: services with sites in several cells, remote-only services, limits wider than a cell.
"""

import math
from dataclasses import replace
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral.matching import cells
from referral.matching.candidates import gather
from referral.matching.cells import CELL_DEG, CellPostings
from referral.matching.engine import match
from referral.matching.geo import haversine_km, outer_km, unit_vectors
from referral.matching.index import build_index
from referral.matching.needs import understand_needs
from referral.matching.settings import MatchSettings
from referral.matching.types import Location

from .builders import TODAY, constraints, directory, need, query, service, site
from .naive import naive_match

coordinate = st.tuples(st.floats(-90, 90), st.floats(-180, 180))
edge = st.tuples(
    st.sampled_from([-90.0, -89.95, -0.05, 0.0, 0.05, 89.95, 90.0]),
    st.sampled_from([-180.0, -179.95, -0.05, 0.0, 0.05, 179.95, 180.0]),
)
point = st.one_of(coordinate, edge)
nearby_point = st.tuples(st.sampled_from([-89.9, 0.0, 60.0, 89.9]), st.sampled_from([-179.9, 0.0, 179.9])).flatmap(
    lambda p: st.tuples(
        st.floats(p[0] - 1.5, p[0] + 1.5).map(lambda v: max(-90.0, min(90.0, v))),
        st.floats(p[1] - 1.5, p[1] + 1.5).map(lambda v: (v + 180.0) % 360.0 - 180.0),
    )
)
limits = st.sampled_from([0.0, 1.0, 5.0, 25.0, 60.0, 250.0, 2000.0])


class PlainPostings:
    """A stand-in for the cells that always sends the match to the plain postings."""

    def near(self, slots, lat, lon, km):
        return None

    def keys_near(self, slots, lat, lon, km):
        return None


def cells_for(groups, anywhere=None):
    """CellPostings for one code met exactly by every service; ``groups`` holds each service's sites."""
    counts = np.array([len(g) for g in groups])
    offsets = np.concatenate(([0], np.cumsum(counts)))
    points = [p for g in groups for p in g]
    lat, lon = np.array([p[0] for p in points], float), np.array([p[1] for p in points], float)
    n = len(groups)
    anywhere = np.zeros(n, bool) if anywhere is None else anywhere
    postings = (np.array([0, n]), np.arange(n, dtype=np.int32), np.full(n, 2, np.int8))
    return CellPostings(*postings, offsets, lat, lon, anywhere, np.ones(n, bool)), offsets, lat, lon


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.one_of(point, nearby_point), min_size=0, max_size=3), min_size=1, max_size=6),
    st.one_of(point, nearby_point),
    limits,
)
def test_every_service_with_a_site_in_reach_is_listed_near_it(groups, here, km):
    cells, offsets, lat, lon = cells_for(groups)
    found = cells.near([0], *here, km)
    if found is None:
        return  # the caller reads the plain postings: nothing can be missed
    listed = set(found[0][0].tolist())
    reach = haversine_km(unit_vectors(lat, lon).reshape(-1, 3), *here) if len(lat) else np.empty(0)
    for row in range(len(groups)):
        some_site_near = (reach[offsets[row] : offsets[row + 1]] <= km).any()
        if some_site_near or offsets[row] == offsets[row + 1]:  # no sites: listed anywhere
            assert row in listed


def destination(here, km, bearing):
    """The point ``km`` (haversine) from ``here`` along ``bearing`` (degrees), on the sphere."""
    phi, lam, theta = math.radians(here[0]), math.radians(here[1]), math.radians(bearing)
    delta = km / 6371.0088
    lat = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lon = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(lat)
    )
    return max(-90.0, min(90.0, math.degrees(lat))), (math.degrees(lon) + 180.0) % 360.0 - 180.0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(point, nearby_point),
    limits,
    st.lists(st.tuples(st.floats(0.98, 1.0), st.floats(0, 360)), min_size=1, max_size=8),
)
def test_sites_at_the_very_edge_of_reach_are_listed(here, km, polar):
    # sites at 98-100 % of the limit in every direction: the ones a box cut too tight would miss
    groups = [[destination(here, km * u, bearing)] for u, bearing in polar]
    cells, offsets, lat, lon = cells_for(groups)
    found = cells.near([0], *here, km)
    if found is None:
        return
    reach = haversine_km(unit_vectors(lat, lon).reshape(-1, 3), *here)
    assert {r for r in range(len(groups)) if reach[r] <= km} <= set(found[0][0].tolist())


def test_a_service_with_sites_in_several_cells_is_listed_in_each():
    far_apart = [(31.0, 120.0), (31.0 + 3 * CELL_DEG, 120.0), (31.0, 120.0 + 5 * CELL_DEG)]
    cells, *_ = cells_for([far_apart])
    for lat, lon in far_apart:
        rows, relation = cells.near([0], lat, lon, 1.0)[0]
        assert rows.tolist() == [0] and relation.tolist() == [2]


def test_remote_services_and_services_without_sites_are_listed_everywhere():
    cells, *_ = cells_for([[(31.0, 120.0)], [(31.0, 120.0)], []], anywhere=np.array([False, True, False]))
    for here in ((-45.0, -70.0), (89.99, 179.99), (31.0, 120.0)):
        rows = cells.near([0], *here, 5.0)[0][0]
        assert {1, 2} <= set(rows.tolist())
        assert (0 in rows) == (here == (31.0, 120.0))


def test_an_unknown_code_lists_nothing_and_a_limit_of_a_continent_falls_back_to_the_plain_postings():
    cells, *_ = cells_for([[(31.0, 120.0)]])
    assert [len(rows) for rows, _ in cells.near([None, 0], 31.0, 120.0, 5.0)] == [0, 1]
    assert cells.near([0], 31.0, 120.0, 5000.0) is None
    assert cells.near([0], float("nan"), 120.0, 5.0) is None


def spread_directory():
    """Services around the antimeridian, a pole and the origin; some remote, some in several cells."""
    spots = [(0.0, 179.95), (0.0, -179.95), (89.95, 10.0), (89.9, -170.0), (-89.95, 0.0), (31.3, 120.6), (31.5, 120.9)]
    services = []
    for i, (lat, lon) in enumerate(spots):
        for j, modes in enumerate(({"in_person"}, {"in_person", "remote"})):
            second = site(f"s{i}{j}-b", lat=min(lat + 0.2, 90.0), lon=lon + 0.15)
            sites = (site(f"s{i}{j}-a", lat=lat, lon=lon), second)[: 1 + (i + j) % 2]
            services.append(
                service(
                    f"s{i}{j}",
                    modes=frozenset(modes),
                    sites=sites,
                    needs=("mh.counselling",) if i % 2 else ("mh", "dev.speech"),
                )
            )
    services.append(service("remote-only", modes=frozenset({"remote"}), sites=()))
    return directory(*services)


HERE = [
    (0.0, 180.0),
    (0.0, -179.9),
    (0.1, 179.8),
    (89.99, -100.0),
    (90.0, 0.0),
    (-90.0, 45.0),
    (31.3, 120.6),
    (31.4, 120.75),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HERE), limits, st.sampled_from([None, frozenset({"in_person"}), frozenset({"remote"})]))
def test_the_cells_give_the_match_exactly_what_the_plain_postings_give(here, km, modes):
    found = spread_directory()
    index = build_index(found)
    asked = query(
        need("mh.counselling"),
        need("dev.speech"),
        location=Location(*here),
        constraints=constraints(max_distance_km=km, modes=modes),
        limit=20,
    )
    needs = [n for n in understand_needs(index, asked, MatchSettings()) if n.severity > 0]
    near = gather(index, asked, needs, MatchSettings(), TODAY)
    plain = gather(replace(index, nearby=PlainPostings()), asked, needs, MatchSettings(), TODAY)
    # the plain pool may hold more: a site box can contain the child while no site is in reach
    same = np.isin(plain.rows, near.rows)
    for field in ("rows", "quality", "parts", "bound"):
        assert np.array_equal(getattr(near, field), getattr(plain, field)[same])
    for row in plain.rows[~same]:
        sites = found.services[row].sites
        assert "remote" not in found.services[row].modes
        assert all(
            haversine_km(unit_vectors(np.array([s.lat]), np.array([s.lon])), *here)[0] > outer_km(km) for s in sites
        )
    shown = [(r.service.id, r.score, r.site.id if r.site else None, r.needs_met) for r in match(index, asked).results]
    assert shown == [(r.id, r.score, r.site, r.needs_met) for r in naive_match(index, found, asked)]


def test_a_need_met_only_beyond_the_cells_read_is_diagnosed_too_far_with_the_nearest():
    far = service("far", needs=("dev.speech",), sites=(site("far-site", km_north=80.0),))
    index = build_index(directory(far))
    outcome = match(index, query(need("dev.speech", severity=3)))
    assert outcome.results == ()
    (unmet,) = outcome.unmet_needs
    assert unmet.reason == "too_far" and unmet.nearest.service.id == "far"
    assert math.isclose(unmet.nearest.distance_km, 80.0, abs_tol=0.5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=60), st.integers(1, 16))
def test_repeated_in_pieces_equals_np_repeat(counts, chunk):
    values = np.arange(len(counts), dtype=np.int64) * 7 - 3
    with patch.object(cells, "REPEAT_CHUNK", chunk):  # pieces of a few entries: values split, merged and filled
        assert np.array_equal(cells.repeated(values, np.array(counts, dtype=np.int64)), np.repeat(values, counts))

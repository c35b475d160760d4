"""The urgent section decodes only the services that may be among the nearest it shows: the cut by
haversine distance never changes which five are shown, or their order, against sorting them all."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.matching.geo import haversine_one, shown_km
from referral.matching.urgent import URGENT_SERVICES, _nearest_few

HERE = (31.3, 120.6)
points = st.lists(st.one_of(st.none(), st.tuples(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5))), min_size=0, max_size=25)


@settings(max_examples=300, deadline=None)
@given(points, st.integers(0, 3))
def test_the_cut_keeps_the_nearest_five_by_shown_distance_then_id(offsets, duplicate):
    if offsets and duplicate:  # equal places: ties broken by id
        offsets = offsets + offsets[:duplicate]
    where = [None if o is None else (HERE[0] + o[0], HERE[1] + o[1]) for o in offsets]
    km = np.array([np.nan if w is None else haversine_one(*HERE, *w) for w in where])
    positions = np.arange(len(where)) * 3  # positions are any labels of the rows
    ids = {int(p): f"svc-{(7 * i) % 11:02d}-{i}" for i, p in enumerate(positions)}

    def key(p: int) -> tuple[float, str]:
        w = where[p // 3]
        return (float("inf") if w is None else shown_km(*HERE, *w), ids[p])

    kept = _nearest_few(km, positions)
    assert set(kept.tolist()) <= set(positions.tolist())
    best = sorted(positions.tolist(), key=key)[:URGENT_SERVICES]
    assert sorted(kept.tolist(), key=key)[:URGENT_SERVICES] == best

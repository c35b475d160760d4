"""What an update splices instead of recomputing equals what a computation afresh gives: the grouped
lists (csr.splice_lists) against a plain regrouping, and the cell summaries of a spliced index
(cellbound.py, from the previous index's through ``Origin``) against those of a fresh build."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import timedelta
from functools import partial
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.matching import cellbound, csr, scoring
from referral.matching.csr import Lists, splice_lists
from referral.matching.delta import apply_changes
from referral.matching.index import Origin, build_index
from referral.matching.settings import MatchSettings
from tests.unit.matching.builders import TERMS, TODAY, directory, service, site

CODES = [t.code for t in TERMS]
row_parts_of = scoring._row_parts


def counted(calls: list, *args):
    """``scoring._row_parts``, noting the rows each call computes."""
    calls.append(args[3])
    return row_parts_of(*args)


def grouped(entries: set[tuple[int, int, int]]) -> Lists:
    """(key, row, relation) entries as lists: keys ascending, rows ascending under each."""
    ordered = sorted(entries)
    keys = np.array(sorted({k for k, _, _ in ordered}), dtype=np.int64)
    counts = [sum(1 for k, _, _ in ordered if k == key) for key in keys.tolist()]
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    rows = np.array([r for _, r, _ in ordered], dtype=np.int64)
    relation = np.array([x for _, _, x in ordered], dtype=np.int8)
    return Lists(keys, offsets, rows, relation, np.arange(len(keys), dtype=np.int64))


def entries_of(lists: Lists) -> list[tuple[int, int, int]]:
    counts = np.diff(lists.offsets)
    keys = np.repeat(lists.keys, counts)
    return list(zip(keys.tolist(), lists.rows.tolist(), lists.relation.tolist(), strict=True))


@pytest.mark.parametrize("many", [csr.MANY, 0])  # by slices, and by numpy's insert and delete
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_spliced_lists_equal_the_new_entries_grouped_afresh_and_name_the_keys_left_as_they_were(many, data):
    with patch.object(csr, "MANY", many):
        _check_a_splice(data)


def _check_a_splice(data) -> None:
    n = data.draw(st.integers(1, 30))
    pairs = st.dictionaries(st.tuples(st.integers(0, 12), st.integers(0, n - 1)), st.integers(0, 2), max_size=60)
    old = {(k, r, x) for (k, r), x in data.draw(pairs).items()}  # one relation per (key, row)
    gone = set(data.draw(st.sets(st.integers(0, n - 1), max_size=n)))
    kept = [r for r in range(n) if r not in gone]
    fresh = data.draw(st.integers(0, 5))
    order = data.draw(st.permutations([*[("kept", r) for r in kept], *[("fresh", j) for j in range(fresh)]]))
    # new numbers: kept rows stay in order among themselves (as a splice keeps them), fresh rows anywhere
    placed = _keep_order(order, kept)
    remap = np.full(n, -1, dtype=np.int64)
    new_of_fresh = {}
    for new, (kind, r) in enumerate(placed):
        if kind == "kept":
            remap[r] = new
        else:
            new_of_fresh[r] = new
    added = {
        (k, new_of_fresh[j], x)
        for j in range(fresh)
        for k, x in data.draw(st.dictionaries(st.integers(0, 14), st.integers(0, 2), max_size=4)).items()
    }
    keep = np.ones(n, dtype=bool)
    keep[list(gone)] = False
    drop_empty = data.draw(st.booleans())
    before = grouped(old)
    add = sorted(added)
    spliced = splice_lists(
        before,
        keep,
        None if np.array_equal(remap[kept], kept) else remap,
        (
            np.array([k for k, _, _ in add], dtype=np.int64),
            np.array([r for _, r, _ in add], dtype=np.int64),
            np.array([x for _, _, x in add], dtype=np.int8),
        ),
        drop_empty,
    )
    expected = sorted({(k, int(remap[r]), x) for k, r, x in old if r not in gone} | added)
    assert entries_of(spliced) == expected
    listed = {k for k, _, _ in expected}
    keys = spliced.keys.tolist()
    assert keys == sorted(listed | (set() if drop_empty else set(before.keys.tolist())))
    for i, key in enumerate(keys):  # a key keeps its old position exactly when its entries are as they were
        was = [(int(remap[r]), x) for k, r, x in sorted(old) if k == key and r not in gone]
        untouched = key in before.keys.tolist() and len(was) == sum(1 for k, _, _ in old if k == key)
        untouched = untouched and not any(k == key for k, _, _ in added)
        assert spliced.source[i] == (before.keys.tolist().index(key) if untouched else -1)


def _keep_order(order: list[tuple[str, int]], kept: list[int]) -> list[tuple[str, int]]:
    """``order`` with its kept rows put back in ascending order in the places kept rows hold."""
    rows = iter(kept)
    return [("kept", next(rows)) if kind == "kept" else (kind, r) for kind, r in order]


def dense_service(rnd: random.Random, id: str):
    """A service within ~15 km of the origin (a few 5.5 km cells, each listing many)."""
    sites = tuple(
        site(f"{id}-s{k}", rnd.uniform(-15, 15), rnd.uniform(-15, 15)) for k in range(rnd.choice([0, 1, 1, 2]))
    )
    return service(
        id,
        needs=tuple(rnd.sample(CODES, rnd.randint(1, 3))),
        sites=sites,
        modes=frozenset(rnd.choice([{"in_person"}, {"in_person"}, {"in_person", "remote"}])),
        capacity=rnd.choice(["accepting", "accepting", "waitlist", "full"]),
        wait_days=rnd.choice([None, 5, 40]),
        intensity=rnd.choice(["prevention", "support", "intensive"]),
    )


def redrawn(rnd: random.Random, old):
    """An edit: a new name only (written in place), a wait, or a service drawn anew under the same id."""
    kind = rnd.choice(["name", "wait", "new"])
    if kind == "name":
        return replace(old, name=old.name + " (renamed)")
    if kind == "wait":
        return replace(old, wait_days=rnd.choice([None, 3, 90]), capacity=rnd.choice(["accepting", "waitlist"]))
    return dense_service(rnd, old.id)


@pytest.mark.parametrize("seed", range(10))
def test_the_cell_summaries_of_a_spliced_index_equal_those_of_a_fresh_build(seed):
    rnd, day = random.Random(seed), MatchSettings()
    services = {f"svc-{i:03d}": dense_service(rnd, f"svc-{i:03d}") for i in rnd.sample(range(400), 120)}
    index = build_index(directory(*sorted(services.values(), key=lambda s: s.id)))
    cellbound.summary(index, TODAY, day)
    for step in range(4):
        changed, fresh = set(), []
        for old in rnd.sample(sorted(services.values(), key=lambda s: s.id), rnd.randint(1, 4)):
            changed.add(old.id)
            if rnd.random() < 0.8:
                fresh.append(redrawn(rnd, old))
        for k in range(rnd.randint(0, 2)):
            new_id = f"svc-{rnd.randint(0, 399):03d}-n{step}{k}"
            changed.add(new_id)
            fresh.append(dense_service(rnd, new_id))
        services = {i: s for i, s in services.items() if i not in changed} | {s.id: s for s in fresh}
        spliced = apply_changes(index, f"v{step + 2}", changed, fresh)
        assert spliced.previous() is index
        computed: list[np.ndarray] = []
        with patch.object(scoring, "_row_parts", partial(counted, computed)):
            ours = cellbound.prepare(spliced, TODAY, day)
        assert [len(rows) for rows in computed] == [len(fresh)]  # only the changed rows' parts were computed
        rebuilt = build_index(directory(*sorted(services.values(), key=lambda s: s.id), version=f"v{step + 2}"))
        theirs = cellbound.prepare(rebuilt, TODAY, day)
        assert np.array_equal(spliced.nearby.keys, rebuilt.nearby.keys)
        for name in ("relations", "met", "top", "ready"):
            assert np.array_equal(getattr(ours, name), getattr(theirs, name)), name
        parts, fresh_parts = (
            scoring.row_parts(spliced.columns, TODAY, day),
            scoring.row_parts(rebuilt.columns, TODAY, day),
        )
        for f in fields(parts):
            assert np.array_equal(getattr(parts, f.name), getattr(fresh_parts, f.name), equal_nan=True), f.name
        index = spliced


def test_a_summary_is_spliced_only_from_the_previous_index_while_it_is_held_and_describes_its_own_index():
    rnd, day = random.Random(7), MatchSettings()
    services = [dense_service(rnd, f"svc-{i:03d}") for i in range(60)]
    index = build_index(directory(*services))
    cellbound.summary(index, TODAY, day)
    moved = replace(services[0], sites=(site("moved", 20.0, 20.0),))
    spliced = apply_changes(index, "v2", {moved.id}, [moved])
    assert spliced.previous() is index and (spliced.origin.keys >= 0).any() and (spliced.origin.keys < 0).any()
    assert replace(spliced, columns=index.columns).previous() is None  # an origin says which index it describes
    del index
    assert spliced.previous() is None  # weak: an update never keeps the old index alive
    rebuilt = build_index(directory(moved, *services[1:], version="v2"))
    assert np.array_equal(cellbound.summary(spliced, TODAY, day).top, cellbound.summary(rebuilt, TODAY, day).top)


def test_an_edit_in_place_recomputes_the_summaries_of_the_cells_listing_the_service_it_edits():
    rnd, day = random.Random(3), MatchSettings()
    services = [dense_service(rnd, f"svc-{i:03d}") for i in range(40)]
    alone = service("alone", needs=("dev.speech",), sites=(site("far", 60.0, 60.0),), capacity="accepting")
    index = build_index(directory(*services, alone))
    before = cellbound.summary(index, TODAY, day)
    waiting = replace(alone, capacity="waitlist", wait_days=120)
    edited = apply_changes(index, "v2", {"alone"}, [waiting])
    assert edited.nearby is index.nearby and edited.previous() is index  # written in place, the cells shared
    after = cellbound.summary(edited, TODAY, day)
    rebuilt = cellbound.summary(build_index(directory(*services, waiting, version="v2")), TODAY, day)
    assert not np.array_equal(after.top, before.top)  # the only service of its cell now waits: its bound falls
    for name in ("relations", "met", "top", "ready"):
        assert np.array_equal(getattr(after, name), getattr(rebuilt, name)), name


def test_the_rows_an_update_kept_are_worked_out_only_when_the_day_parts_are_spliced_from_them():
    rnd, day = random.Random(11), MatchSettings()
    services = [dense_service(rnd, f"svc-{i:03d}") for i in range(30)]
    index = build_index(directory(*services))
    renamed = replace(services[4], name="Renamed")
    asked: list[int] = []
    old_rows = Origin.old_rows

    def noted(origin: Origin) -> np.ndarray:
        asked.append(1)
        return old_rows(origin)

    with patch.object(Origin, "old_rows", noted):
        cellbound.prepare(index, TODAY, day)  # a build: no previous index
        spliced = apply_changes(index, "v2", {renamed.id}, [renamed])
        cellbound.prepare(spliced, TODAY + timedelta(days=1), day)  # the old parts are of another day
        assert asked == []
        cellbound.prepare(spliced, TODAY, day)  # spliced from the old index's parts of that day
        assert asked == [1]
        cellbound.prepare(spliced, TODAY, day)  # already kept
        assert asked == [1]
    fresh = build_index(directory(*services[:4], renamed, *services[5:], version="v2"))
    for f in fields(scoring.RowParts):
        ours, theirs = (getattr(scoring.row_parts(i.columns, TODAY, day), f.name) for i in (spliced, fresh))
        assert np.array_equal(ours, theirs, equal_nan=True), f.name

"""A delta (some services edited, added or gone) spliced into an index gives, array for array, the
index a fresh build of the new directory gives, and the same matches."""

from __future__ import annotations

import random
from dataclasses import fields, replace

import numpy as np
import pytest

from referral.matching.delta import apply_changes
from referral.matching.engine import match
from referral.matching.index import build_index
from tests.unit.matching.builders import PLACES, TERMS, directory, need, query, service, site

CODES = [t.code for t in TERMS]
AREAS = [p.code for p in PLACES]


def _random_service(rng: random.Random, id: str):
    sites = tuple(
        site(f"{id}-s{k}", rng.uniform(-30, 30), rng.uniform(-30, 30), open_days=frozenset(rng.sample(range(7), 4)))
        for k in range(rng.choice([0, 1, 1, 2, 3]))
    )
    return service(
        id,
        needs=tuple(rng.sample(CODES, rng.randint(1, 3))),
        sites=sites,
        modes=frozenset(rng.choice([{"in_person"}, {"in_person", "remote"}, {"remote"}])),
        capacity=rng.choice(["accepting", "accepting", "waitlist", "full"]),
        area_places=frozenset(rng.sample(AREAS, rng.randint(0, 2))) if rng.random() < 0.4 else frozenset(),
        area_radius_km=rng.choice([None, 10.0]),
        minimum_age=rng.choice([None, 3.0]),
        serves_school=rng.choice([None, None, None, "school-1", "school-2"]),
        languages=frozenset(rng.choice([(), ("en",), ("zh", "en")])),
    )


def _change(rng: random.Random, services: list) -> tuple[list, set[str], list]:
    """A next directory: a few services edited, some gone, some new (ids anywhere in the order)."""
    changed, fresh = set(), []
    for s in rng.sample(services, min(len(services), rng.randint(0, 4))):
        changed.add(s.id)
        if rng.random() < 0.7:
            fresh.append(_random_service(rng, s.id))  # edited (or unchanged: still a valid delta)
    for k in range(rng.randint(0, 3)):
        new_id = f"svc-{rng.randint(0, 99):02d}-new{k}"
        if new_id not in {s.id for s in services}:
            changed.add(new_id)
            fresh.append(_random_service(rng, new_id))
    kept = [s for s in services if s.id not in changed]
    return sorted([*kept, *fresh], key=lambda s: s.id), changed, fresh


def _arrays(index) -> dict[str, object]:
    columns = {**index.columns.arrays, "id_rank": index.columns.id_rank}  # every per-row array, declared or derived
    sites = {f.name: getattr(index.sites, f.name) for f in fields(index.sites) if f.name != "boxes"}
    return {
        **{f"columns.{k}": v for k, v in columns.items()},
        **{f"sites.{k}": v for k, v in sites.items()},
        "boxes": index.sites.boxes.box,
        "postings.offsets": index.postings.offsets,
        "postings.rows": index.postings.rows,
        "postings.relation": index.postings.relation,
        **{f"nearby.{k}": getattr(index.nearby, k) for k in ("keys", "offsets", "rows", "relation")},
    }


@pytest.mark.parametrize("seed", range(12))
def test_a_delta_spliced_into_an_index_equals_a_fresh_build_of_the_new_directory(seed):
    rng = random.Random(seed)
    services = sorted((_random_service(rng, f"svc-{i:02d}") for i in rng.sample(range(100), 25)), key=lambda s: s.id)
    index = build_index(directory(*services))
    for step in range(3):
        services, changed, fresh = _change(rng, services)
        index = apply_changes(index, f"v{step + 2}", changed, fresh)
        rebuilt = build_index(directory(*services, version=f"v{step + 2}"))
        assert index.services == rebuilt.services and index.version == rebuilt.version
        ours, theirs = _arrays(index), _arrays(rebuilt)
        assert [k for k in ours if not np.array_equal(ours[k], theirs[k], equal_nan=ours[k].dtype.kind == "f")] == []
        assert {k: v.tolist() for k, v in index.area.items()} == {k: v.tolist() for k, v in rebuilt.area.items()}
        assert index.schools == rebuilt.schools
        for code in ("mh.counselling", "dev", "family.education"):
            asked = query(need(code), child=None)
            assert repr(match(index, asked)) == repr(match(rebuilt, asked))


@pytest.mark.parametrize(
    "edit",
    [
        dict(name="Renamed", capacity="waitlist", wait_days=30),  # in place: postings and sites kept as they are
        dict(capacity="full"),  # leaves the cell postings
        dict(needs=("dev.autism",)),  # other postings
        dict(sites=(site("a-site", 4.0, 1.0),)),  # a moved site
        dict(area_places=frozenset({"D1"})),
    ],
)
def test_an_edit_of_one_service_equals_a_fresh_build_whichever_arrays_it_touches(edit):
    services = [service("a"), service("b", needs=("dev.autism",)), service("c", modes=frozenset({"remote"}))]
    before = build_index(directory(*services))
    after = apply_changes(before, "v2", {"a"}, [replace(services[0], **edit)])
    rebuilt = build_index(directory(replace(services[0], **edit), *services[1:], version="v2"))
    ours, theirs = _arrays(after), _arrays(rebuilt)
    assert [k for k in ours if not np.array_equal(ours[k], theirs[k], equal_nan=ours[k].dtype.kind == "f")] == []
    assert {k: v.tolist() for k, v in after.area.items()} == {k: v.tolist() for k, v in rebuilt.area.items()}
    shared = after.postings is before.postings and after.sites is before.sites
    assert shared == ("name" in edit)
    for code in ("mh.counselling", "dev.autism"):
        assert repr(match(after, query(need(code)))) == repr(match(rebuilt, query(need(code))))


def test_a_value_the_index_did_not_know_gets_a_new_bit_and_matches_as_a_fresh_build_does():
    before = build_index(directory(service("a"), service("b", languages=frozenset({"zh"})), version="v2"))
    after = apply_changes(before, "v2", {"a"}, [service("a", languages=frozenset({"en"}))])
    rebuilt = build_index(
        directory(service("a", languages=frozenset({"en"})), service("b", languages=frozenset({"zh"})), version="v2")
    )
    assert after.columns.bits["languages"].bits == {"zh": 1, "en": 2}
    for languages in (frozenset(), frozenset({"en"}), frozenset({"zh"})):
        asked = query(need(), child=replace(query().child, languages=languages))
        assert repr(match(after, asked)) == repr(match(rebuilt, asked))


def test_an_index_not_in_id_order_gets_its_new_rows_at_the_end_and_matches_as_a_fresh_build_does():
    before = build_index(directory(service("c"), service("a")))
    after = apply_changes(before, "v2", {"b"}, [service("b")])
    assert [s.id for s in after.services] == ["c", "a", "b"] and after.columns.id_rank.tolist() == [2, 0, 1]
    rebuilt = build_index(directory(service("a"), service("b"), service("c"), version="v2"))
    assert repr(match(after, query())) == repr(match(rebuilt, query()))

"""The index keeps its services encoded (store.py): every field survives the round trip, splices
and edits keep every other record as it was, and a match decodes only the services it shows."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import FunctionType, ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.matching import store as store_module
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.store import CACHED, Packed, ServiceStore, Texts, decode, encode
from referral.matching.types import Contact, Hours, Outcomes, Phone, Service, Site, Text
from tests.unit.matching.builders import directory, need, query, service, site

words = st.text(max_size=12)
texts = st.builds(Text, words, st.dictionaries(st.sampled_from(["zh", "en", "ug"]), words, max_size=2))
phones = st.builds(Phone, words, st.sampled_from(["main", "intake", "hotline", "emergency", "fax"]))
hours = st.builds(Hours, st.integers(0, 6), st.just("09:00"), st.sampled_from(["17:00", "24:00"]))
sites = st.builds(
    Site,
    id=words,
    name=words,
    names=st.dictionaries(st.sampled_from(["zh", "en"]), words, max_size=2),
    address=st.none() | words,
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    place=st.none() | words,
    open_days=st.frozensets(st.integers(0, 6)),
    phone=st.none() | words,
    hours=st.lists(hours, max_size=3).map(tuple),
    phones=st.lists(phones, max_size=2).map(tuple),
    accessibility=st.none() | texts,
)
services = st.builds(
    Service,
    id=words,
    organization_id=words,
    organization_name=words,
    organization_names=st.dictionaries(st.sampled_from(["zh", "en"]), words, max_size=2),
    name=words,
    names=st.dictionaries(st.sampled_from(["zh", "en"]), words, max_size=2),
    needs=st.lists(words, max_size=3).map(tuple),
    modes=st.frozensets(st.sampled_from(["in_person", "remote", "home_visit"]), min_size=1),
    cost_text=st.none() | words,
    wait_days=st.none() | st.integers(0, 400),
    minimum_age=st.none() | st.floats(0, 18),
    maximum_age=st.none() | st.floats(0, 25),
    genders=st.frozensets(st.sampled_from(["male", "female"])),
    area_places=st.frozensets(words, max_size=3),
    area_radius_km=st.none() | st.floats(0, 100),
    verified_at=st.none() | st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    sites=st.lists(sites, max_size=3).map(tuple),
    description=st.none() | texts,
    cost_texts=st.dictionaries(st.sampled_from(["zh", "en"]), words, max_size=2),
    required_documents=st.lists(texts, max_size=2).map(tuple),
    alerts=st.lists(texts, max_size=2).map(tuple),
    contacts=st.lists(st.builds(Contact, texts, st.none() | words, st.none() | words), max_size=2).map(tuple),
    phones=st.lists(phones, max_size=2).map(tuple),
    hours=st.lists(hours, max_size=2).map(tuple),
    serves_school=st.none() | words,
    school_names=st.frozensets(words, max_size=2),
    school=st.none() | texts,
    organization_phone=st.none() | words,
    outcomes=st.none() | st.builds(Outcomes, st.integers(0, 50), st.integers(0, 50), st.none() | st.floats(0, 90)),
)


@contextmanager
def small_chunks(size: int = 3):
    kept = store_module.CHUNK
    store_module.CHUNK = size
    try:
        yield
    finally:
        store_module.CHUNK = kept


@settings(max_examples=150, deadline=None)
@given(services)
def test_a_decoded_service_equals_the_one_stored_field_for_field(original):
    decoded = decode(encode(original))
    assert decoded == original
    assert type(decoded.verified_at) is type(original.verified_at)  # a date comes back a date, not an ordinal
    assert all(type(a) is type(b) for a, b in zip(decoded.sites, original.sites, strict=True))


@dataclass(frozen=True)
class _Checked:
    """Not slotted, and its __init__ does more than store: decoded through __init__."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


@dataclass(frozen=True, slots=True)
class _Holder:
    name: str
    checked: _Checked


def test_a_class_whose_init_does_more_than_store_is_decoded_through_its_init():
    assert store_module._slotted(Service) and store_module._slotted(Site)
    assert not store_module._slotted(_Checked)
    rebuild = store_module._rebuild(_Holder)
    assert rebuild(("h", (1, 2))) == _Holder("h", _Checked(1, 2))
    with pytest.raises(ValueError, match="low above high"):
        rebuild(("h", (3, 2)))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.binary(max_size=20), max_size=16),
    st.data(),
)
def test_a_splice_of_packed_items_is_the_list_splice(items, data):
    with small_chunks():  # several chunks, and splits past twice their size
        _splice_matches_the_list(items, data)


def _splice_matches_the_list(items, data):
    packed = Packed.of(items)
    assert list(packed) == items and len(packed) == len(items)
    gone = sorted(data.draw(st.sets(st.sampled_from(range(len(items))), max_size=len(items))) if items else set())
    kept = [i for i in range(len(items)) if i not in set(gone)]
    fresh = data.draw(st.lists(st.binary(max_size=20), max_size=9))
    before = sorted(data.draw(st.lists(st.sampled_from([*kept, len(items)]), min_size=len(fresh), max_size=len(fresh))))
    events = sorted([(r, 0, -1) for r in gone] + [(r, 1, j) for j, r in enumerate(before)])
    expected, j = [], 0
    for row in range(len(items) + 1):
        while j < len(before) and before[j] == row:
            expected.append(fresh[j])
            j += 1
        if row < len(items) and row not in set(gone):
            expected.append(items[row])
    assert list(packed.spliced(events, fresh)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=8), min_size=1, max_size=10), st.data())
def test_replacing_items_changes_those_rows_only(items, data):
    rows = data.draw(st.lists(st.sampled_from(range(len(items))), unique=True, max_size=len(items)))
    fresh = data.draw(st.lists(st.text(max_size=8), min_size=len(rows), max_size=len(rows)))
    expected = list(items)
    for row, text in zip(rows, fresh, strict=True):
        expected[row] = text
    with small_chunks():
        packed = Texts.of(items).packed.replaced(rows, [t.encode() for t in fresh])
        assert list(Texts(packed)) == expected


def test_the_store_reads_like_the_tuple_it_replaces():
    listed = (service("a"), service("b", name="B"), service("c", sites=()))
    store = ServiceStore.of(listed)
    assert len(store) == 3 and store == listed and list(store) == list(listed)
    assert store[1] == listed[1] and store[-1] == listed[2] and store[0:2] == list(listed[:2])
    assert list(store.ids) == ["a", "b", "c"]
    assert store != listed[:2] and store != (*listed[:2], service("c"))
    with pytest.raises(IndexError):
        store[3]
    with pytest.raises(TypeError):
        hash(store)


def test_the_cache_keeps_at_most_its_bound_oldest_out_first(monkeypatch):
    monkeypatch.setattr(store_module, "CACHED", 2)
    store = ServiceStore.of([service("a"), service("b"), service("c")])
    first = store[0]
    assert store[0] is first  # served from the cache
    store[1], store[2]  # a third decoded service evicts the oldest
    assert store[0] is not first and store[0] == first
    assert CACHED >= 1000  # the real bound holds a neighbourhood's results


def test_an_edit_shares_nothing_it_should_not():
    store = ServiceStore.of([service("a"), service("b"), service("c")])
    edited = store.replaced([2, 0], [service("c", name="C2"), service("a", name="A2")])
    assert [s.name for s in edited] == ["A2", "Service b", "C2"] and list(edited.ids) == ["a", "b", "c"]
    assert [s.name for s in store] == ["Service a", "Service b", "Service c"]  # the old version is unchanged


def _reachable(root: object) -> list[object]:
    """Every object reachable from ``root`` through references (classes, functions and modules not followed)."""
    seen, stack, found = set(), [root], []
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | ModuleType | FunctionType):
            continue
        seen.add(id(obj))
        found.append(obj)
        stack.extend(gc.get_referents(obj))
    return found


def test_the_index_holds_no_service_object_and_a_match_decodes_only_what_it_shows(monkeypatch):
    many = [service(f"s{i:03d}", sites=(site(f"s{i:03d}-site", km_north=i / 10),)) for i in range(120)]
    index = build_index(directory(*many))
    assert not any(isinstance(o, Service) for o in _reachable(index))
    decoded = []
    real = store_module.decode
    monkeypatch.setattr(store_module, "decode", lambda record: decoded.append(1) or real(record))
    outcome = match(index, query(need(), limit=5))
    assert [r.service.id for r in outcome.results] == ["s000", "s001", "s002", "s003", "s004"]
    assert len(decoded) == 5

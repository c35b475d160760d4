"""The build's steps taken a piece at a time (pieces.py) give exactly what the one-call versions give:
for any texts and values, and for a whole index built with pieces of three items."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from referral.matching import pieces
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.placenames import _code_points
from tests.unit.matching.builders import directory, need, query, service, site

# texts as ids and names come: ascii, accents, CJK, astral characters, empty, and the odd NUL
TEXTS = st.lists(st.text(alphabet=st.sampled_from("ab Zé中文\U0001f600\x00-_9"), max_size=6), max_size=40)


@contextmanager
def small_pieces(size: int = 3):
    with patch.object(pieces, "PIECE", size):
        yield


@given(TEXTS, st.integers(1, 5))
def test_order_is_the_order_sorted_gives_ties_by_position(keys, size):
    with small_pieces(size):
        assert pieces.order(keys).tolist() == sorted(range(len(keys)), key=keys.__getitem__)


def test_order_of_keys_too_long_for_a_byte_array_falls_back_to_the_same_order():
    keys = ["b" * 300, "a" * 300, "a" * 299, "c"]
    assert pieces.order(keys).tolist() == [2, 1, 0, 3]


@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-100, 100)), max_size=30), st.integers(1, 4)
)
def test_array_mapped_and_distinct_equal_their_one_call_versions(values, size):
    with small_pieces(size):
        assert np.array_equal(pieces.array(values, np.float64), np.array(values, dtype=np.float64), equal_nan=True)
        assert pieces.mapped(repr, values) == list(map(repr, values))
        assert list(pieces.distinct(values)) == list(dict.fromkeys(values))


@given(TEXTS.filter(lambda texts: not any("\x00" in t for t in texts)), st.integers(1, 4))
def test_code_points_are_the_joined_texts_code_points(texts, size):
    with small_pieces(size):
        expected = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        assert _code_points(texts).tolist() == expected.tolist()


def _wide_directory():
    names = ["Zhongshan", "中山路站", "Élan", "abc", "Abc", "中山", "West gate", "西门", "a", "b"]
    return directory(
        *(
            service(
                f"svc-{(i * 7) % 23:02d}{names[i % len(names)]}",
                modes=frozenset({("in_person", "remote", "home_visit")[i % 3]}),
                languages=frozenset({("zh", "en", "yue")[i % 3]}),
                verified_at=date(2026, 1 + i % 12, 1),
                sites=(site(f"s-{names[(i * 3) % len(names)]}-{i % 9}", i % 5, i % 4, name=names[i % len(names)]),),
            )
            for i in range(23)
        )
    )


def test_an_index_built_in_pieces_of_three_equals_one_built_in_one_piece():
    whole = build_index(_wide_directory())
    with small_pieces():
        pieced = build_index(_wide_directory())
        pieced_sites = pieced.gazetteer.names.sites
    sites = whole.gazetteer.names.sites
    assert whole.columns.arrays.keys() == pieced.columns.arrays.keys()
    for name, column in whole.columns.arrays.items():
        assert np.array_equal(column, pieced.columns.arrays[name], equal_nan=True), name
    assert whole.columns.id_rank.tolist() == pieced.columns.id_rank.tolist()
    assert [e.site.id for e in sites.listed()] == [e.site.id for e in pieced_sites.listed()]
    assert sites.slot_of.base == pieced_sites.slot_of.base
    for table in ("names", "addresses"):
        mine, theirs = getattr(sites, table).base, getattr(pieced_sites, table).base
        assert mine._grams.tolist() == theirs._grams.tolist() and mine._rows.tolist() == theirs._rows.tolist()
    assert repr(match(whole, query(need()))) == repr(match(pieced, query(need())))

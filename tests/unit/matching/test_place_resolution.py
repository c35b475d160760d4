"""Resolving what a person typed, or a coordinate, to a gazetteer place."""

import pytest

from referral.matching.index import build_index
from referral.matching.places import place_for_point, resolve_place
from referral.matching.types import MatchInputError

from .builders import at, directory


@pytest.fixture(scope="module")
def index():
    return build_index(directory())


@pytest.mark.parametrize(
    "typed, code",
    [
        ("T1", "T1"),  # exact code
        ("t1", "T1"),  # code, other case
        ("湖滨镇", "T1"),  # Chinese name
        ("Lakeside", "T1"),  # English name
        ("lakesyde", "T1"),  # fuzzy
        ("West Distrcit", "D2"),  # fuzzy with a typo
    ],
)
def test_a_place_is_found_by_code_name_or_fuzzy_name(index, typed, code):
    assert resolve_place(index, typed).code == code


def test_an_unknown_place_is_an_error_with_suggestions(index):
    with pytest.raises(MatchInputError) as caught:
        resolve_place(index, "Zqxwv")
    assert caught.value.field == "location.place"
    assert 0 < len(caught.value.suggestions) <= 5


def test_an_ambiguous_name_is_an_error_listing_the_candidates(index):
    with pytest.raises(MatchInputError) as caught:
        resolve_place(index, "Newtown")
    assert caught.value.message == "the name could be several places; choose one of these"
    assert [c["code"] for c in caught.value.candidates] == ["T3", "T4"]
    assert caught.value.suggestions == ("T3 Newtown North (East District)", "T4 Newtown South (East District)")


def test_a_point_lies_in_the_nearest_place_of_the_finest_kind(index):
    assert place_for_point(index, *at(1.2, 9.1)).code == "T1"


def test_a_point_far_from_every_place_lies_in_none(index):
    assert place_for_point(index, *at(300, 300)) is None

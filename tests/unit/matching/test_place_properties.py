"""Invariants of place resolution, and a gazetteer of another country: nothing assumes China."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.matching.index import build_index
from referral.matching.placenames import compact, fold
from referral.matching.places import locate
from referral.matching.settings import MatchSettings
from referral.matching.types import Directory, MatchInputError, Place, Service, Site

from .region import region_index

THRESHOLD = MatchSettings().place_min_confidence


def _evidence_phrases(index, code: str) -> set[str]:
    """Everything that may name ``code``: its names and aliases, and its sites' names, organizations, addresses."""
    place = index.gazetteer.places[code]
    phrases = {code, place.name, *place.names.values(), *place.aliases}
    for entry in index.gazetteer.names.sites.listed():
        if entry.site.place == code:
            phrases |= {*entry.names, entry.address or ""}
    return phrases


NAMES = [
    p for place in region_index().gazetteer.places.values() for p in (place.name, *place.names.values(), *place.aliases)
]
typed = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NAMES),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.builds(lambda name, cut: name[: max(1, len(name) - cut)], st.sampled_from(NAMES), st.integers(0, 3)),
    st.builds(lambda name, junk: name + junk, st.sampled_from(NAMES), st.text(max_size=3)),
)


@settings(max_examples=300, deadline=None)
@given(typed)
def test_resolution_only_raises_input_errors_and_never_returns_weak_evidence(text):
    index = region_index()
    try:
        found = locate(index, text)
    except MatchInputError as error:
        assert error.field == "location.place" and len(error.candidates) <= 5
        return
    evidence = found.evidence
    assert evidence.confidence >= THRESHOLD
    assert evidence.matched in _evidence_phrases(index, found.place)
    assert evidence.matched_by in {"code", "name", "alias", "pinyin", "site", "address", "fuzzy"}


OUTER = [p.name for p in region_index().gazetteer.places.values() if p.kind != "town"]


@settings(max_examples=200, deadline=None)
@given(typed, st.sampled_from(OUTER))
def test_a_place_found_within_an_outer_place_always_lies_inside_it(text, outer):
    index = region_index()
    try:
        found = locate(index, text, within=outer)
    except MatchInputError as error:
        assert error.field in {"location.place", "location.within"}
        return
    within = locate(index, outer).place
    assert within in index.gazetteer.lineage(found.place)


def _place(code, parent, kind, name, lat, lon, **names):
    return Place(code, parent, kind, name, names, lat, lon)


ELSEWHERE = (
    _place("BR-SP", None, "city", "São Paulo", -23.55, -46.63),
    _place("BR-SP-01", "BR-SP", "district", "Pinheiros", -23.567, -46.702),
    _place("BR-SP-02", "BR-SP", "district", "Santana", -23.5, -46.625),
    _place("BR-RJ", None, "city", "Rio de Janeiro", -22.906, -43.173),
    _place("BR-RJ-01", "BR-RJ", "district", "Santana", -22.9, -43.19),  # a name two cities share
    _place("BR-GO", None, "city", "Goiânia", -16.686, -49.265),
    _place("KE-047", None, "city", "Nairobi City County", -1.286, 36.817, sw="Kaunti ya Nairobi"),
    _place("KE-047-01", "KE-047", "district", "Kibera", -1.313, 36.787),
)
CLINIC = Service(
    id="clinic",
    organization_id="org",
    organization_name="Associação Criança Feliz",
    organization_names={},
    name="Atendimento",
    names={},
    needs=(),
    modes=frozenset({"in_person"}),
    sites=(Site("s1", "Casa da Criança", {}, "Rua dos Pinheiros 1200, São Paulo", -23.566, -46.69, "BR-SP-01"),),
)


@pytest.fixture(scope="module")
def elsewhere():
    return build_index(Directory("x", (), ELSEWHERE, (CLINIC,)))


@pytest.mark.parametrize(
    "typed, code, matched_by",
    [
        ("São Paulo", "BR-SP", "name"),
        ("Sao Paulo", "BR-SP", "name"),  # accents never matter
        ("SAO PAULO", "BR-SP", "name"),
        ("sao paulo city", "BR-SP", "name"),  # a kind word is optional
        ("Goiania", "BR-GO", "name"),
        ("Nairobi", "KE-047", "name"),  # "City County" dropped
        ("Kaunti ya Nairobi", "KE-047", "name"),  # a name in Swahili
        ("Kibera, Nairobi", "KE-047-01", "name"),
        ("Santana, São Paulo", "BR-SP-02", "name"),  # the outer place settles a shared name
        ("Casa da Crianca", "BR-SP-01", "site"),
        ("Associacao Crianca Feliz", "BR-SP-01", "site"),
        ("Rua dos Pinheiros", "BR-SP-01", "address"),
        ("Kiberra", "KE-047-01", "fuzzy"),
    ],
)
def test_another_countrys_gazetteer_resolves_the_same_way(elsewhere, typed, code, matched_by):
    found = locate(elsewhere, typed)
    assert (found.place, found.evidence.matched_by) == (code, matched_by)


def test_a_name_two_cities_share_is_ambiguous_elsewhere_too(elsewhere):
    with pytest.raises(MatchInputError) as caught:
        locate(elsewhere, "Santana")
    assert [c["code"] for c in caught.value.candidates] == ["BR-RJ-01", "BR-SP-02"]


def test_folding_drops_accents_case_and_punctuation_but_keeps_chinese():
    assert compact(fold("São-Paulo!")) == "saopaulo"
    assert compact(fold("Tong'an Town")) == "tongantown"
    assert fold("平江街道（姑苏）") == "平江街道 姑苏"

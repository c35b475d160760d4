"""The taxonomy crosswalk: our codes first, Open Eligibility names, exact labels, then fuzzy."""

from __future__ import annotations

import json

import pytest

from referral.hsds.crosswalk import TAXONOMY_ID, Crosswalk, Need, Term, TermMapping, needs_of_service, term_id
from tests.builders import MINI

SEEDS = MINI.parent.parent.parent / "seeds" / "needs.json"


def _crosswalk(path=SEEDS, threshold: float = 80) -> Crosswalk:
    terms = json.loads(path.read_text(encoding="utf-8"))["terms"]
    return Crosswalk(
        [
            Need(t["code"], t["labels"], t.get("synonyms", {}), t.get("open_eligibility"), i)
            for i, t in enumerate(terms)
        ],
        threshold,
    )


@pytest.mark.parametrize(
    ("name", "code", "need", "method"),
    [
        ("anything", "mental_health.counseling", "mental_health.counseling", "code"),  # our code as code
        ("counseling", None, "mental_health.counseling", "open_eligibility"),  # an Open Eligibility name
        ("Crisis Intervention", None, "mental_health.crisis", "open_eligibility"),  # case does not matter
        ("developmental screening", None, "development.screening", "open_eligibility"),
        ("early childhood intervention", None, "development.delay", "open_eligibility"),  # shared: the broadest
        ("Counselling", None, "mental_health.counseling", "label"),  # our English label
        ("自闭症", None, "development.autism", "label"),  # a Chinese synonym
        ("心理咨询", None, "mental_health.counseling", "label"),  # a Chinese label
    ],
)
def test_terms_map_by_code_open_eligibility_and_label_first(name, code, need, method) -> None:
    found = _crosswalk().map(Term("t1", name, code))
    assert (found.need, found.method, found.confidence) == (need, method, 100.0)


@pytest.mark.parametrize(
    ("name", "need"),
    [
        ("Talking therapies for young people", "mental_health.counseling"),  # a publisher's own name
        ("自闭症康复服务", "development.autism"),  # a Chinese synonym with more words around it
        ("儿童心理辅导服务", "mental_health.counseling"),
        ("家庭教育指导服务", "family.education_guidance"),
    ],
)
def test_other_taxonomies_map_by_fuzzy_label_above_the_threshold(name, need) -> None:
    found = _crosswalk().map(Term("t1", name))
    assert found.need == need and found.method == "fuzzy" and found.confidence >= 80


def test_a_term_below_the_threshold_is_unmapped_with_its_best_candidate() -> None:
    found = _crosswalk().map(Term("t1", "Money and debt advice"))
    assert found.need is None and found.method == "none" and found.confidence < 80
    strict = _crosswalk(threshold=99).map(Term("t2", "Talking therapies for young people"))
    assert strict.need is None and strict.best == "mental_health.counseling"


def test_our_own_taxonomy_terms_win_over_other_terms_of_the_same_service() -> None:
    walk = _crosswalk()
    own = walk.map(Term(term_id("mental_health.crisis"), "Crisis intervention", taxonomy_id=TAXONOMY_ID))
    other = TermMapping(Term("x", "counseling"), "mental_health.counseling", "open_eligibility", 100.0)
    assert own.method == "code"
    assert needs_of_service([own, other]) == ["mental_health.crisis"]
    assert needs_of_service([other]) == ["mental_health.counseling"]


def _risks() -> list:
    from referral.matching.types import RiskCategory

    categories = json.loads((SEEDS.parent / "risk.json").read_text(encoding="utf-8"))["categories"]
    return [
        RiskCategory(
            code=c["code"],
            need=c["need"],
            labels=c["labels"],
            phrases={k: tuple(v) for k, v in c.get("phrases", {}).items()},
            patterns={k: tuple(v) for k, v in c.get("patterns", {}).items()},
            exclusions={k: tuple(v) for k, v in c.get("exclusions", {}).items()},
        )
        for c in categories
    ]


def _with_risks() -> Crosswalk:
    terms = json.loads(SEEDS.read_text(encoding="utf-8"))["terms"]
    return Crosswalk(
        [
            Need(t["code"], t["labels"], t.get("synonyms", {}), t.get("open_eligibility"), i)
            for i, t in enumerate(terms)
        ],
        risks=_risks(),
    )


@pytest.mark.parametrize(
    ("name", "need"),
    [
        ("Suicide prevention and crisis support", "mental_health.crisis"),  # "suicide prevention" names the danger
        ("自杀预防与危机干预", "mental_health.crisis"),  # the same in Chinese
        ("預防自殺熱線", "mental_health.crisis"),  # traditional characters, folded as the reader does
        ("Self-harm support group", "mental_health.crisis"),
        ("Domestic Violence Shelters", "protection.domestic_violence"),  # every danger the lexicon knows
    ],
)
def test_a_term_naming_a_danger_maps_to_the_need_it_makes_actionable(name: str, need: str) -> None:
    found = _with_risks().map(Term("x", name))
    assert (found.need, found.method, found.confidence) == (need, "risk", 100.0)


def test_look_alikes_stay_excluded_and_without_the_lexicon_the_floor_is_absent() -> None:
    assert _with_risks().map(Term("x", "Hair cutting for youth")).need is None  # "cutting" is a look-alike here
    assert _crosswalk().map(Term("x", "Suicide prevention and crisis support")).need is None

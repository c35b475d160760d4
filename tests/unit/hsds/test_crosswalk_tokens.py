"""A crosswalk you can trust: token-aware scores (a phrase inside a longer name never scores 100),
the names that fooled substring scoring, a higher floor for needs that name a population, AIRS/211
codes by prefix as a last resort, and a person's reviewed decisions first."""

from __future__ import annotations

import pytest

from referral.hsds import tokens
from referral.hsds.crosswalk import Term
from tests.unit.hsds.test_crosswalk import _crosswalk


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("Adoption Evaluation/Placement", "student_practice.internship"),
        ("Addictions/Substance Use Disorder Support Groups", "behaviour.adhd"),
        ("Abused Children", "disability"),
        ("Substance Abuse Treatment", "protection.abuse"),
    ],
)
def test_names_that_share_a_word_with_a_need_are_not_mapped_to_it(name, wrong) -> None:
    found = _crosswalk().map(Term("t", name))
    assert found.need != wrong and (found.need is None or found.confidence >= 80)


def test_adoption_and_addiction_terms_stay_unmapped_for_a_person_to_decide() -> None:
    walk = _crosswalk()
    assert walk.map(Term("t", "Adoption Evaluation/Placement")).need is None
    assert walk.map(Term("t", "Addictions/Substance Use Disorder Support Groups")).need is None


@pytest.mark.parametrize(
    ("term", "phrase", "expected"),
    [
        ("Food Pantries", "food pantry", 100.0),
        ("Food Pantries", "food", 83.3),
        ("Talking therapies for young people", "talking therapy", 83.3),
        ("Substance Abuse Treatment", "abuse", 75.0),
        ("Adoption Evaluation/Placement", "internship placement", 45.0),
        ("自闭症康复服务", "自闭症", 83.3),
        ("Individual Counselling", "individual counseling", 100.0),  # spellings of one word are one word
    ],
)
def test_token_scores(term, phrase, expected) -> None:
    assert round(tokens.score(term, phrase), 1) == expected


def test_no_phrase_inside_a_longer_name_scores_100() -> None:
    assert tokens.score("Domestic violence shelters for mothers", "domestic violence") < 100


def test_a_need_that_names_a_population_needs_the_higher_floor() -> None:
    walk = _crosswalk()
    # "Rehabilitation for disabled children" names a group: an 83-point guess is not enough for it
    found = walk.map(Term("t", "Rehabilitation services for disabled children and their carers"))
    assert found.need != "disability.rehabilitation"
    lowered = _crosswalk()
    lowered.eligibility_floor = 0
    assert (
        lowered.map(Term("t", "Rehabilitation services for disabled children and their carers")).need
        == "disability.rehabilitation"
    )


def test_airs_codes_map_by_prefix_only_when_the_name_says_nothing_surer() -> None:
    walk = _crosswalk()
    assert walk.map(Term("t", "Meal Sites", "BD-5000.8300")).method == "airs_prefix"
    assert walk.map(Term("t", "Meal Sites", "BD-5000.8300")).confidence == 90.0
    assert walk.map(Term("t", "Counseling", "RP-1400")).method == "open_eligibility"
    assert walk.map(Term("t", "Older Adults", "YB-8000")).need is None  # target populations are not needs


def test_a_reviewed_decision_comes_first_even_to_leave_a_term_unmapped() -> None:
    import json

    from tests.unit.hsds.test_crosswalk import SEEDS, Crosswalk, Need

    terms = json.loads(SEEDS.read_text(encoding="utf-8"))["terms"]
    needs = [
        Need(t["code"], t["labels"], t.get("synonyms", {}), t.get("open_eligibility"), i) for i, t in enumerate(terms)
    ]
    walk = Crosswalk(needs, reviewed={"a": "mental_health.crisis", "b": None})
    assert (walk.map(Term("a", "Suicide prevention")).need, walk.map(Term("a", "x")).method) == (
        "mental_health.crisis",
        "reviewed",
    )
    assert walk.map(Term("b", "counseling")).need is None


def test_an_open_eligibility_term_maps_by_its_id() -> None:
    found = _crosswalk().map(Term("t", "Psychologische Beratung", "1102", "Open Eligibility"))  # 1102: food
    plain = _crosswalk().map(Term("t", "Psychologische Beratung", "1102", "Some taxonomy"))
    assert (found.method, plain.method) == ("open_eligibility_id", "none")

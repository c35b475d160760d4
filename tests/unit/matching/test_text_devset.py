"""The text development set is well formed (known codes, every need term covered, the promised mix)
and its readings are scored as documented in tests/textdev.py.

Its reading is measured in tests/integration/test_text_devset_reading.py and bench/text_bench.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pytest

from referral.matching.types import Location, MatchInputError
from tests.textdev import FIELDS, FILLER, KINDS, RISKS, SEEDS, Item, Score, load_devset, read_item, score


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return load_devset()


@pytest.fixture(scope="module")
def codes() -> set[str]:
    terms = json.loads((SEEDS / "needs.json").read_text(encoding="utf-8"))["terms"]
    return {term["code"] for term in terms}


def test_every_code_the_set_names_is_a_need_term_of_the_seed_taxonomy(items, codes):
    unknown = {(item.id, code) for item in items for code in item.codes() if code not in codes}
    assert not unknown


def test_every_need_term_is_expected_at_least_four_times(items, codes):
    covered = Counter(code for item in items for code in item.expect)
    assert {code: covered[code] for code in codes if covered[code] < 4} == {}


def test_the_set_holds_the_promised_numbers_of_phrasings(items):
    by_lang = Counter(item.lang for item in items)
    risky = [item for item in items if item.risk is not None]
    by_kind = Counter(item.kind for item in items)
    assert len(items) >= 400 and by_lang["zh"] >= 300 and by_lang["en"] >= 100
    assert len(risky) >= 60 and sum(item.field == "notes" for item in risky) >= 20
    assert min(by_kind["negation"], by_kind["parent"], by_kind["multi"]) >= 15


def test_ids_are_unique_and_name_their_language(items):
    ids = [item.id for item in items]
    assert len(ids) == len(set(ids))
    assert all(item.id.startswith(f"{item.lang}-") and item.lang in ("zh", "en") for item in items)


def test_fields_kinds_and_risk_categories_are_the_documented_ones(items):
    assert {item.field for item in items} <= set(FIELDS)
    assert {item.kind for item in items} <= set(KINDS)
    assert {item.risk for item in items} - {None} <= set(RISKS)


def test_a_risk_phrasing_accepts_the_need_its_category_must_be_read_as(items):
    wrong = [item.id for item in items if item.risk and not set(item.expect) & set(RISKS[item.risk])]
    assert wrong == []


def test_no_phrasing_is_empty_or_repeated_in_the_same_field(items):
    assert all(item.text.strip() for item in items)
    repeated = [key for key, n in Counter((item.field, item.text) for item in items).items() if n > 1]
    assert repeated == []


def test_only_a_text_that_expects_a_need_asks_for_more_of_them(items):
    assert all(item.expect for item in items if item.also)
    assert all(not item.also for item in items if item.kind == "negation")


# How a reading is scored (tests/textdev.py), with a fake reader standing in for the engine.


@dataclass(frozen=True)
class FakeNeed:
    code: str
    source: str = "text"
    severity: int = 2
    risk: str | None = None
    understood: bool = True
    suggestions: tuple[str, ...] = ()


def scored(item: Item, *needs: FakeNeed, raises: bool = False) -> Score:
    def reader(_index, query, _settings):
        if raises:
            raise MatchInputError("needs[0].text", "no need term matches this text", ("education.learning_support x",))
        assert (query.notes is not None) == (item.field == "notes")
        return needs

    return score(item, read_item(reader, None, None, item, Location(31.3, 120.6)))


def an_item(**overrides) -> Item:
    fields = dict(
        id="zh-999", lang="zh", field="need", text="…", expect=("development.autism",), risk=None, kind="sentence"
    )
    return Item(**{**fields, **overrides})


def test_a_notes_item_is_scored_on_what_the_notes_add_not_on_the_need_beside_them():
    item = an_item(field="notes", expect=("mental_health.crisis",), risk="self_harm", kind="risk_notes")
    got = scored(item, FakeNeed(FILLER, "code"), FakeNeed("mental_health.crisis", "notes", 3, "self_harm"))
    assert got == Score(top1=True, top3=True, refusal=False, flagged=True, exact_risk=True)
    assert scored(item, FakeNeed(FILLER, "code")) == Score(False, False, True, False, False)


def test_a_multi_need_text_counts_only_when_every_also_code_is_read():
    item = an_item(
        expect=("development.autism", "development.speech"),
        also=("development.autism|development.autism.early_intervention", "development.speech"),
    )
    assert not scored(item, FakeNeed("development.autism")).top1
    assert scored(item, FakeNeed("development.speech"), FakeNeed("development.autism.early_intervention")).top1


def test_a_need_not_understood_is_a_refusal_whose_first_three_suggestions_count_for_top_3():
    offered = ("family x", "family.parenting x", "development.autism x", "mental_health y")
    got = scored(an_item(), FakeNeed("family", understood=False, suggestions=offered))
    assert got == Score(top1=False, top3=True, refusal=True, flagged=False, exact_risk=False)
    late = scored(an_item(expect=("mental_health",)), FakeNeed("family", understood=False, suggestions=offered))
    assert not late.top3


def test_a_negation_is_right_only_when_nothing_is_read_and_nothing_is_refused():
    item = an_item(field="notes", expect=(), kind="negation")
    assert scored(item, FakeNeed(FILLER, "code")).top1
    assert not scored(item, FakeNeed(FILLER, "code"), FakeNeed("development.autism", "notes", 1)).top1
    assert scored(an_item(expect=()), raises=True) == Score(False, False, True, False, False)


def test_a_risk_counts_as_flagged_only_at_severity_3_and_its_category_is_checked_apart():
    item = an_item(expect=("protection.abuse",), risk="sexual_abuse", kind="risk")
    assert not scored(item, FakeNeed("protection.abuse", severity=2, risk="sexual_abuse")).flagged
    wrong_category = scored(item, FakeNeed("protection.abuse", severity=3, risk="physical_abuse"))
    assert wrong_category.flagged and not wrong_category.exact_risk

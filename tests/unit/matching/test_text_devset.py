"""The text development set is well formed: known codes, every need term covered, the promised mix.

Its reading is measured in tests/integration/test_text_devset_reading.py and bench/text_bench.py.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.textdev import FIELDS, KINDS, RISKS, SEEDS, Item, load_devset


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

"""Who a service is for, read from HSDS terms and eligibility_description (zh and en)."""

from __future__ import annotations

import pytest

from referral.hsds import foreign, openeligibility, restrictions
from referral.hsds.crosswalk import Term
from referral.hsds.gazetteer import place_key
from referral.hsds.openeligibility import Restriction

NONE = Restriction()

DESCRIPTIONS = [
    # text, what it adds to nothing known
    ("6-12岁", Restriction(minimum_age=6, maximum_age=12)),
    ("ages 6 to 12", Restriction(minimum_age=6, maximum_age=12)),
    ("under 18", Restriction(maximum_age=17)),  # "under" excludes the number
    ("未满14周岁", Restriction(maximum_age=13)),
    ("18岁以下", Restriction(maximum_age=18)),  # 以下 includes it, as in Chinese law
    ("16 and older", Restriction(minimum_age=16)),
    ("仅限女童", Restriction(genders=frozenset({"female"}))),
    ("For girls only, ages 10–14", Restriction(frozenset({"female"}), frozenset(), 10, 14)),
    ("面向流动儿童", Restriction(groups=frozenset({"migrant"}))),
    ("退役军人家庭子女", Restriction(groups=frozenset({"veteran_family"}))),
    ("Open to veterans' families", Restriction(groups=frozenset({"veteran_family"}))),
    ("困境儿童，需建档", Restriction(groups=frozenset({"in_difficulty"}))),
    ("持残疾证", Restriction(groups=frozenset({"disability"}))),
    ("low income households", Restriction(groups=frozenset({"low_income"}))),
    ("Boys and girls welcome", NONE),  # naming both genders restricts neither
    ("All children welcome", NONE),
]


@pytest.mark.parametrize("text, expected", DESCRIPTIONS, ids=[d[0] for d in DESCRIPTIONS])
def test_an_eligibility_description_is_read_for_ages_gender_and_groups(text, expected):
    found, said = restrictions.read_description(text, NONE)
    assert found == expected
    assert len(said) == len(expected.genders and [1]) + len(expected.groups and [1]) + (
        expected.minimum_age is not None
    ) + (expected.maximum_age is not None)


def test_structured_restrictions_win_over_the_description():
    known = Restriction(genders=frozenset({"male"}), minimum_age=8)
    found, said = restrictions.read_description("仅限女童，6-12岁", known)
    assert found == Restriction(frozenset({"male"}), frozenset(), 8, 12) and said == ["maximum_age 12"]


def test_open_eligibility_situations_are_restrictions_and_other_terms_are_not():
    assert restrictions.of_term("x", "Women", None) == Restriction(genders=frozenset({"female"}))
    assert restrictions.of_term("x", "Veterans", None, phrases=False) == Restriction(
        groups=frozenset({"veteran_family"})
    )
    assert restrictions.of_term("x", "退役军人", None, phrases=False) == Restriction(
        groups=frozenset({"veteran_family"})
    )
    assert not restrictions.of_term("x", "Food Pantry", None)
    assert restrictions.of_term(restrictions.eligibility_term_id("gender", "male"), "boys only", None) == Restriction(
        genders=frozenset({"male"})
    )


def test_open_eligibility_ships_whole_with_chinese_labels():
    services, situations = openeligibility.service_terms(), openeligibility.situation_terms()
    assert (len(services), len(situations)) == (291, 94)
    assert all(openeligibility.zh_label(t.title) for t in services)
    assert all(openeligibility.zh_label(t.title, "situations") for t in situations)
    assert (openeligibility.DATA / "ATTRIBUTION.md").read_text(encoding="utf-8").count("CC BY-SA 3.0") >= 1


def test_the_open_eligibility_branch_leaves_out_what_our_needs_stand_for():
    needs = [{"code": "mental_health.counseling", "labels": {"en": "Counselling"}, "open_eligibility": "counseling"}]
    branch = {t["code"]: t for t in openeligibility.need_terms(needs)}
    assert branch["oe.food.food_pantry"]["labels"] == {"en": "Food Pantry", "zh": "食物银行"}
    assert not any(t["open_eligibility"] == "Counseling" for t in branch.values())
    assert all(code == "oe" or code.rpartition(".")[0] in branch for code in branch)  # parents first, present


def test_foreign_terms_get_stable_namespaced_codes():
    term = Term("t1", "亲子共读指导", "LY-05", "洛阳市未成年人关爱服务分类")
    code = foreign.term_code(term)
    assert code.startswith("ext.t") and code.endswith(".ly_05") and foreign.term_code(term) == code
    made = foreign.need_terms([(term, None, None)])
    assert [t["code"] for t in made] == ["ext", code.rpartition(".")[0], code]
    assert made[-1]["labels"] == {"zh": "亲子共读指导"}
    english = Term("t2", "Food Pantries", None, "AIRS")
    assert foreign.term_code(english) == "ext.airs.food_pantries"


@pytest.mark.parametrize("a, b", [("洛阳市", "洛阳"), ("Springfield City", "springfield"), ("涧西区", "涧西")])
def test_place_names_compare_without_their_administrative_suffix(a, b):
    assert place_key(a) == place_key(b)


def test_a_geojson_extent_gives_the_positions_of_an_area():
    from referral.hsds.gazetteer import geojson_points

    polygon = {"type": "Polygon", "coordinates": [[[112.3, 34.6], [112.5, 34.6], [112.5, 34.7], [112.3, 34.6]]]}
    assert geojson_points(polygon)[:2] == [(34.6, 112.3), (34.6, 112.5)]
    assert geojson_points('{"type": "Point", "coordinates": [112.4, 34.65]}') == [(34.65, 112.4)]
    assert geojson_points("extent") == [] and geojson_points(None) == []

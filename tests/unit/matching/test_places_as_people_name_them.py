"""Places as people name them, on the demo region: codes, names with or without their kind word,
toneless pinyin, aliases, schools and other sites, streets in site addresses, typos — and never a
silent jump to another town: ambiguous or weak text is an error listing the candidates."""

from __future__ import annotations

import pytest

from referral.matching.places import caveat, locate, search_places
from referral.matching.settings import MatchSettings
from referral.matching.types import MatchInputError

from .region import region_index

PINGJIANG, CHENGXIANG, PORT = "320508001", "320585100", "320585401"


@pytest.fixture(scope="module")
def index():
    return region_index()


@pytest.mark.parametrize(
    "typed, code, matched_by",
    [
        ("320508001", PINGJIANG, "code"),  # a gazetteer code
        (" 320585100 ", CHENGXIANG, "code"),  # a code with stray spaces
        ("平江街道", PINGJIANG, "name"),  # the zh name with its kind word
        ("平江", PINGJIANG, "name"),  # ... and without it
        ("城厢镇", CHENGXIANG, "name"),
        ("城厢", CHENGXIANG, "name"),
        ("太仓市", "320585", "name"),
        ("太仓", "320585", "name"),
        ("Pingjiang Subdistrict", PINGJIANG, "name"),  # the en name
        ("pingjiang subdistrict", PINGJIANG, "name"),  # any case
        ("Pingjiang", PINGJIANG, "name"),  # "Pingjiang" in Suzhou is 平江街道, never Zhenjiang
        ("Pingjiang district", PINGJIANG, "name"),  # a wrong kind word is dropped, not trusted
        ("pingjiang jiedao", PINGJIANG, "pinyin"),  # toneless pinyin with its kind word, spaced
        ("pingjiangjiedao", PINGJIANG, "pinyin"),  # ... unspaced
        ("Chengxiang", CHENGXIANG, "name"),
        ("chengxiang zhen", CHENGXIANG, "pinyin"),
        ("taicang", "320585", "name"),
        ("taicangshi", "320585", "pinyin"),
        ("changqiao", "320506001", "name"),  # 长桥: the name's own reading (pypinyin says zhang)
        ("zhangqiao jiedao", "320506001", "pinyin"),  # the other reading of a heteronym still finds it
        ("lvcheng", "321181101", "pinyin"),  # ü typed as v
        ("Lücheng Town", "321181101", "name"),
        ("Lucheng", "321181101", "name"),  # accents do not matter
        ("Tong'an", "320505101", "name"),  # nor apostrophes
        ("Zhenjiang", "321100", "name"),  # the city, not 镇江新区 inside it
        ("镇江", "321100", "name"),
        ("港区", PORT, "alias"),  # local names and aliases
        ("太仓港", PORT, "alias"),
        ("县府街", CHENGXIANG, "alias"),  # a street of 城厢镇, given as data
        ("Xianfu Street", CHENGXIANG, "alias"),
        ("平江路", PINGJIANG, "alias"),
        ("西山", "320506106", "alias"),  # the old name of 金庭镇
        ("浒关", "320505100", "alias"),
        ("huguan", "320505100", "pinyin"),  # the pinyin of an alias
        ("太仓市实验小学", CHENGXIANG, "site"),  # a school: its organization's name
        ("Xinyu Centre Chengxiang office", CHENGXIANG, "site"),  # a site's en name
        ("景德路", "320508004", "site"),  # part of a site's name
        ("白云中路", "320585101", "address"),  # a street found in site addresses
        ("苏州市姑苏区景德路303号", "320508004", "address"),  # a whole address
        ("苏州 平江", PINGJIANG, "name"),  # an outer place and a place
        ("Taicang, Chengxiang", CHENGXIANG, "name"),
        ("Pingjiang, Suzhou", PINGJIANG, "name"),  # in either order
        ("Changshu Yushan", "320581001", "name"),  # the outer place settles a pinyin collision
        ("Kunshan, Yushan", "320583100", "name"),
        ("苏州市姑苏区平江街道", PINGJIANG, "name"),  # a written hierarchy
        ("太仓 实验小学", CHENGXIANG, "site"),  # a school name narrowed by its city
        ("Yushan Town", "320583100", "name"),  # the exact kind word breaks a pinyin collision
        ("yushan zhen", "320583100", "pinyin"),
        ("pinjiang", PINGJIANG, "fuzzy"),  # typos in pinyin
        ("pingjaing", PINGJIANG, "fuzzy"),
        ("Xushuguang", "320505100", "fuzzy"),
    ],
)
def test_a_place_is_found_however_a_person_names_it(index, typed, code, matched_by):
    found = locate(index, typed)
    assert (found.place, found.evidence.matched_by) == (code, matched_by)
    assert found.evidence.confidence >= MatchSettings().place_min_confidence


@pytest.mark.parametrize(
    "typed, candidates",
    [
        ("yushan", ["320581001", "320583100"]),  # 虞山街道 (Changshu) and 玉山镇 (Kunshan): one pinyin
        ("Huqiu", ["320505", "320508006"]),  # 虎丘区 and 虎丘街道 (in Gusu, not in Huqiu District)
        ("实验小学", ["320505001", "320585100", "321102001"]),  # three schools in three cities
        ("苏州大学", ["320508003", "320571002"]),  # two campuses
        ("县府东街", ["320585001", "320585100"]),  # a street that crosses two towns
        ("yushen", ["320581001", "320583100"]),  # a typo close to both
    ],
)
def test_a_name_several_places_share_is_an_error_listing_them(index, typed, candidates):
    with pytest.raises(MatchInputError) as caught:
        locate(index, typed)
    assert caught.value.field == "location.place"
    assert caught.value.message == "the name could be several places; choose one of these"
    assert [c["code"] for c in caught.value.candidates] == candidates


def test_nonsense_is_an_error_with_the_closest_places_and_their_parents(index):
    with pytest.raises(MatchInputError) as caught:
        locate(index, "xyzzy qwerty", language="zh")
    assert caught.value.message == "no place matches well enough; the closest are listed"
    first = caught.value.candidates[0]
    assert len(caught.value.candidates) == 5 and first["confidence"] < MatchSettings().place_min_confidence
    assert set(first) == {"code", "name", "parent", "matched_by", "matched", "confidence", "sites"}
    assert caught.value.suggestions[0] == f"{first['code']} {first['name']} ({first['parent']})"


def test_within_narrows_the_place_to_an_outer_one(index):
    assert locate(index, "yushan", within="常熟").place == "320581001"
    assert locate(index, "Yushan", within="Kunshan").place == "320583100"


def test_a_place_outside_within_is_an_error_never_another_town(index):
    with pytest.raises(MatchInputError) as caught:
        locate(index, "平江街道", within="镇江")
    assert caught.value.field == "location.place"


def test_an_unknown_within_is_an_error_on_within(index):
    with pytest.raises(MatchInputError) as caught:
        locate(index, "平江", within="Atlantis")
    assert caught.value.field == "location.within"


def test_a_site_hit_gives_the_sites_coordinates_and_its_place(index):
    found = locate(index, "太仓市实验小学")
    assert (found.lat, found.lon, found.place) == (31.4544, 121.1158, CHENGXIANG)
    assert found.evidence.site == "tc-experimental-primary-school-station"


def test_a_place_hit_gives_the_places_centroid(index):
    found = locate(index, "Pingjiang")
    assert (found.lat, found.lon, found.evidence.site) == (31.321, 120.63, None)


def test_a_fuzzy_guess_carries_a_caveat_and_an_exact_name_none(index):
    guessed = locate(index, "pinjiang")
    assert caveat(index, guessed, "en") == (
        "The place was guessed from a similar spelling: Pingjiang Subdistrict, "
        "Gusu District (94% sure). Check that this is where the child lives."
    )
    assert (
        caveat(index, guessed, "zh")
        == "地点根据相近的写法推测为：姑苏区平江街道（可信度94%）。请核实这是儿童的居住地。"
    )
    assert caveat(index, locate(index, "平江街道"), "en") is None


def test_a_stricter_threshold_turns_a_guess_into_an_error(index):
    with pytest.raises(MatchInputError):
        locate(index, "pingjaing", settings=MatchSettings(place_min_confidence=0.95))


def test_search_lists_the_resolved_place_first_then_other_evidence(index):
    found = search_places(index, "yushan", language="en")
    assert [(f["code"], f["matched_by"]) for f in found[:2]] == [("320581001", "name"), ("320583100", "name")]
    school = search_places(index, "实验小学", language="zh")
    assert [(f["code"], f["matched_by"]) for f in school] == [
        ("320505001", "site"),
        ("320585100", "site"),
        ("321102001", "site"),
    ]
    assert school[1]["sites"] == ["实验小学校园社工站"]

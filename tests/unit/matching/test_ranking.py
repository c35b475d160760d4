"""Scores and ranking on a small hand-made directory, and how needs are understood."""

from datetime import timedelta

import pytest

from referral.matching.engine import MatchSettings, match, understand_needs
from referral.matching.index import build_index
from referral.matching.types import MatchInputError

from .builders import TODAY, directory, need, query, service, site

HAND_MADE = (
    service("b", needs=("mh",)),  # broader term: need fit 0.25
    service("c", sites=(site("c", km_north=5),)),  # 5 km: distance part exp(-0.5)
    service("d", capacity="waitlist", wait_days=30),  # capacity 0.6 / 2
    service("e", intensity="prevention", verified_at=TODAY - timedelta(days=200)),
    service("f"),  # ties with "a": the service id decides
    service("a"),
    service("x", needs=("dev.speech",)),  # meets nothing the child needs
)


@pytest.fixture(scope="module")
def index():
    return build_index(directory(*HAND_MADE))


def test_results_are_ranked_by_score_then_distance_then_id(index):
    results = match(index, query()).results
    assert [r.service.id for r in results] == ["a", "f", "e", "c", "d", "b"]
    assert [r.score for r in results] == [100.0, 100.0, 94.0, 92.13, 89.5, 62.5]
    assert [r.rank for r in results] == [1, 2, 3, 4, 5, 6]


def test_score_parts_are_exact(index):
    e = next(r for r in match(index, query()).results if r.service.id == "e")
    assert e.score_parts == {
        "need_fit": 1.0,
        "distance": 1.0,
        "capacity": 1.0,
        "intensity": 0.6,
        "freshness": 0.6,
        "outcomes": 0.0,
    }


def test_weights_come_from_the_settings(index):
    only_need = MatchSettings(distance_weight=0, capacity_weight=0, intensity_weight=0, freshness_weight=0)
    scores = {r.service.id: r.score for r in match(index, query(), only_need).results}
    assert scores["c"] == 100.0 and scores["b"] == 25.0


def test_capacity_intensity_and_freshness_come_from_the_settings_too(index):
    settings = MatchSettings(
        waitlist_score=0.9,
        wait_scale_days=60.0,
        faded_days=290,
        intensity_fit=((1.0, 0.8, 0.4), (0.2, 1.0, 0.8), (0.3, 0.6, 1.0)),
    )
    parts = {r.service.id: r.score_parts for r in match(index, query(), settings).results}
    assert parts["d"]["capacity"] == 0.6  # 0.9 / (1 + 30 / 60)
    assert (parts["e"]["intensity"], parts["e"]["freshness"]) == (0.2, 0.45)  # (290 - 200) / (290 - 90)


def test_the_limit_cuts_the_list(index):
    assert [r.service.id for r in match(index, query(limit=2)).results] == ["a", "f"]


def test_reasons_and_caveats_speak_the_query_language(index):
    d = next(r for r in match(index, query(language="zh")).results if r.service.id == "d")
    assert d.reasons[0] == "满足需求：心理咨询。" and "需排队，约30天。" in d.reasons
    assert "需要排队等候。" in d.caveats


def test_an_unknown_language_falls_back_to_english(index):
    a = match(index, query(language="fr")).results[0]
    assert a.reasons[:2] == ("Meets Counselling.", "0.0 km away, at Site a-site.")


def test_a_misspelt_text_need_becomes_the_term_it_means_with_lowered_confidence(index):
    (understood,) = understand_needs(index, query(need(text="councelling")))
    assert (understood.code, understood.source, understood.matched) == (
        "mh.counselling",
        "text",
        "councelling",
    )  # as written
    assert 0.25 <= understood.confidence < 0.7  # a typo alone never reads as confidently as the word


def test_an_unknown_code_is_an_error_with_close_codes(index):
    with pytest.raises(MatchInputError) as caught:
        understand_needs(index, query(need("mh.councelling")))
    assert caught.value.field == "needs[0].code" and "mh.counselling" in caught.value.suggestions


def test_a_text_nothing_can_be_read_from_is_kept_as_not_understood_and_never_refused(index):
    needs = understand_needs(index, query(need(), need(text="zzzz qqqq")))
    assert [(n.code, n.understood, n.input, n.source) for n in needs] == [
        ("mh.counselling", True, 0, "code"),
        (None, False, 1, "text"),
    ]


def test_duplicate_codes_keep_the_highest_severity(index):
    needs = understand_needs(index, query(need(severity=1), need(severity=3), need("dev.autism", 2)))
    assert [(n.code, n.severity) for n in needs] == [("mh.counselling", 3), ("dev.autism", 2)]


def test_notes_add_inferred_needs_after_explicit_ones_skipping_given_codes(index):
    notes = "Counselling was tried. 孩子有自闭症。"
    needs = understand_needs(index, query(need(), notes=notes))
    assert [(n.code, n.source, n.severity) for n in needs] == [
        ("mh.counselling", "code", 2),
        ("dev.autism", "notes", 1),
    ]


def test_an_inferred_need_never_outweighs_an_explicit_one():
    index = build_index(directory(service("explicit"), service("inferred", needs=("dev.autism",))))
    results = match(index, query(need(severity=1), notes="孩子有自闭症")).results
    assert [r.service.id for r in results] == ["explicit", "inferred"]


def test_a_severity_zero_need_is_listed_but_plays_no_part():
    index = build_index(directory(service("autism", needs=("dev.autism",)), service("c")))
    outcome = match(index, query(need(), need("dev.autism", severity=0)))
    assert [n.code for n in outcome.needs] == ["mh.counselling", "dev.autism"]
    assert [r.service.id for r in outcome.results] == ["c"] and outcome.results[0].score_parts["need_fit"] == 1.0


def test_a_more_specific_service_fits_better_than_a_broader_one():
    index = build_index(directory(service("narrow", needs=("dev.autism.early",)), service("broad", needs=("dev",))))
    results = match(index, query(need("dev.autism"))).results
    assert [(r.service.id, r.score_parts["need_fit"]) for r in results] == [("narrow", 0.85), ("broad", 0.25)]

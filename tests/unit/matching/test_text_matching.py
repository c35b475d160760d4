"""PhraseMatcher: Chinese and English phrasings, typos, notes inference, short-phrase guards."""

import time

import pytest

from referral.matching.text import PhraseMatcher, normalise

from .builders import TERMS


@pytest.fixture(scope="module")
def matcher() -> PhraseMatcher:
    def phrases(t):
        return [*t.labels.values(), *(p for ps in t.synonyms.values() for p in ps)]

    return PhraseMatcher((t.code, phrases(t)) for t in TERMS)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("councelling", "mh.counselling"),  # English typo
        ("autsim", "dev.autism"),  # transposed letters
        ("Talking-Therapy!", "mh.counselling"),  # case and punctuation differences
        ("需要家庭教育指导", "family.education"),  # Chinese phrase inside a longer phrasing
        ("孩子有自闭症", "dev.autism"),  # Chinese, no spaces
        ("ｐａｒｅｎｔｉｎｇ guidance", "family.education"),  # full-width letters (NFKC)
        ("孤独症", "dev.autism"),  # a synonym, not the label
    ],
)
def test_search_finds_the_term_a_person_meant(matcher, query, expected):
    assert matcher.search(query, limit=1, min_score=70)[0].key == expected


def test_a_query_much_shorter_than_a_phrase_does_not_score_100(matcher):
    hit = matcher.search("aut", limit=1, min_score=0)[0]
    assert hit.key == "dev.autism" and hit.score < 90


def test_a_short_phrase_needs_a_whole_word_hit(matcher):
    assert "edu.pe" not in {h.key for h in matcher.search("sleep problems", min_score=60)}
    assert matcher.search("needs PE support", limit=1, min_score=90)[0].key == "edu.pe"


def test_a_two_character_chinese_phrase_needs_an_exact_substring():
    short = PhraseMatcher([("mh.anxiety", ["焦虑"])])
    assert short.search("焦急", min_score=1) == []
    assert short.search("有些焦虑", min_score=90)[0].key == "mh.anxiety"


def test_search_ranks_by_score_then_key_and_honours_limit(matcher):
    hits = matcher.search("autism", limit=2, min_score=0)
    assert [h.key for h in hits][0] in {"dev.autism"} and len(hits) == 2
    assert hits[0].score >= hits[1].score


def test_find_in_infers_needs_from_mixed_language_notes(matcher):
    notes = "Mother reports emotional problems at school. 家长希望得到家庭教育指导。 Likes PE."
    keys = [h.key for h in matcher.find_in(notes, min_score=90)]
    assert set(keys) == {"mh", "family.education", "edu.pe"}


def test_find_in_ignores_typos_below_the_confidence_bar(matcher):
    assert matcher.find_in("diagnosed with autsim", min_score=90) == []


def test_find_in_a_long_note_takes_a_few_milliseconds():
    many = PhraseMatcher((f"k{i}", [f"phrase number {i} about family", f"短语{i}号家庭"]) for i in range(250))
    notes = ("The family reports phrase number 17 about family and other matters. 短语42号家庭。" * 30)[:2000]
    start = time.perf_counter()
    hits = many.find_in(notes)
    assert {h.key for h in hits} >= {"k17", "k42"}
    assert time.perf_counter() - start < 0.25  # generous: a unit test, not a benchmark


def test_normalise_folds_case_width_and_punctuation():
    assert normalise("  Ａutism—Spectrum, Disorder!! ") == "autism spectrum disorder"

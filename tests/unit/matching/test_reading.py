"""Reading what social workers, teachers and parents write: every need a text expresses.

Table-driven over the seeded taxonomy (seeds/needs.json, read as plain data: no app, no database).
Each row: the text, then the needs it must be read as: one (the top reading), several (each read),
or none (nothing may be read).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.config import PROJECT_ROOT
from referral.matching.reading import MIN_CONFIDENCE, Reader
from referral.matching.types import NeedTerm


def seeded_terms() -> list[NeedTerm]:
    data = json.loads((PROJECT_ROOT / "seeds" / "needs.json").read_text(encoding="utf-8"))
    return [
        NeedTerm(
            t["code"],
            t["code"].rpartition(".")[0] or None,
            t["labels"],
            {k: tuple(v) for k, v in t.get("synonyms", {}).items()},
            t.get("description", {}),
            {k: tuple(v) for k, v in t.get("lexicon", {}).items()},
            t.get("audience", "child"),
        )
        for t in data["terms"]
    ]


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(seeded_terms())


def understood(reader: Reader, text: str) -> list[str]:
    return [r.code for r in reader.read(text) if not r.negated and r.confidence >= MIN_CONFIDENCE]


ROWS = [
    # colloquial words and short phrases
    ("不想活了", ["mental_health.crisis"]),
    ("想死", ["mental_health.crisis"]),
    ("被打", ["protection.abuse"]),
    ("没人管", ["protection.guardianship_risk"]),
    ("身上有伤", ["protection.abuse"]),
    ("摔东西", ["behaviour.aggression"]),
    ("发脾气打人", ["behaviour.aggression"]),
    ("上课坐不住", ["behaviour.adhd"]),
    ("说话晚", ["development.speech"]),
    ("结巴", ["development.speech"]),
    ("厌学", ["education.school_refusal"]),
    ("网瘾", ["behaviour.internet_addiction"]),
    ("吃不饱", ["material.food"]),
    ("交不起学费", ["material.education_grant"]),
    ("需要轮椅", ["disability.assistive_devices"]),
    ("wants to die", ["mental_health.crisis"]),
    ("hearing voices", ["mental_health.psychiatric"]),
    ("feels anxious all the time", ["mental_health.emotional"]),
    ("bullied at school", ["education.bullying"]),
    ("needs a wheelchair", ["disability.assistive_devices"]),
    ("can't sit still", ["behaviour.adhd"]),
    ("late talker", ["development.speech"]),
    # shared characters are not meaning
    ("外地孩子", ["integration.migrant"]),  # not abuse ("打孩子" shares 孩子)
    ("刚从老家转来", ["integration.migrant"]),
    ("摔东西，发脾气", ["behaviour.aggression"]),  # not delinquency
    ("hearing voices at night", ["mental_health.psychiatric"]),  # not hearing aids
    # whole sentences as people write them
    ("爸妈都去外省打工了，孩子跟外公外婆住", ["integration.left_behind"]),
    ("父母在外地打工，一年才回来一次", ["integration.left_behind"]),
    ("家里没人能辅导功课", ["education.learning_support"]),
    ("爷爷奶奶不识字，辅导不了作业", ["integration.left_behind", "education.learning_support"]),
    ("孩子在日记里写想结束生命", ["mental_health.crisis"]),
    ("孩子经常被他爸打，脸上都是伤", ["protection.abuse"]),
    ("爸爸喝醉酒就打妈妈", ["protection.domestic_violence"]),
    ("父母都在坐牢，孩子没人管", ["protection.guardianship_risk"]),
    ("离家出走，今晚没地方住", ["protection.case_management", "protection.emergency_placement"]),  # runaway + shelter
    ("每天早上哭着不肯去学校", ["education.school_refusal"]),
    ("整天抱着手机打游戏", ["behaviour.internet_addiction"]),
    ("积分不够，上不了公办学校", ["integration.migrant.school_enrolment"]),
    ("奶奶去世后孩子一直走不出来", ["mental_health.trauma"]),
    ("总觉得有人要害他，自言自语", ["mental_health.psychiatric"]),
    ("离婚后爸爸一直不给抚养费", ["legal.custody"]),
    ("看不清黑板，可能近视了", ["health.vision_hearing"]),
    ("should be seen by a specialist to find out what is going on", ["mental_health.assessment"]),
    ("nobody at home can help with homework", ["education.learning_support"]),
    ("parents work in another city and he lives with his grandparents", ["integration.left_behind"]),
    ("dad gets drunk and hits mum", ["protection.domestic_violence"]),
    ("throws things and hits other children when angry", ["behaviour.aggression"]),
    ("often comes to school hungry", ["material.food"]),
    ("refuses to go to school", ["education.school_refusal"]),
    ("she has been cutting herself", ["mental_health.crisis"]),
    # several needs in one text
    ("疑似自闭，叫名字不理人，说话晚", ["development.speech", "development.autism"]),
    ("上课坐不住，还经常打同学", ["behaviour.adhd", "behaviour.aggression"]),
    ("hyperactive and hits other kids", ["behaviour.adhd", "behaviour.aggression"]),
    # whose need: the carer's situation is the family's need, not the child's
    ("妈妈失业了", ["material.financial_aid"]),
    ("家长不会教育孩子", ["family.education_guidance"]),
    ("妈妈照顾孩子累垮了", ["family.caregiver_support"]),
    ("mother lost her job", ["material.financial_aid"]),
    ("parents don't know how to handle him", ["family.education_guidance"]),
    # negation within the clause removes the reading
    ("没有自伤行为", []),
    ("未见自闭症表现", []),
    ("否认被打", []),
    ("no signs of autism", []),
    ("denies self-harm", []),
    ("未见自闭症表现，但说话晚", ["development.speech"]),  # the cue is in another clause
    ("家里没有大人照顾", ["protection.guardianship_risk"]),  # the cue belongs to the phrase
    ("开学了还没有新书包和文具", ["material.school_supplies"]),  # lacking something is the need itself
    ("doesn't have a winter coat", ["material.school_supplies"]),
    ("未发现监护缺失", []),  # a denial proper still denies a lack
    ("no signs of neglect", []),
    ("孩子身上没有伤", []),  # the cue stands before the head of the evidence
    ("家里没有家暴", []),
    ("未发现自伤倾向，情绪稳定", []),  # a state said to be fine is not a need
    ("情绪不稳定", ["mental_health"]),
    ("听力正常，视力下降", ["health.vision_hearing"]),
    ("疑似ADHD，建议就诊", ["behaviour.adhd"]),  # English inside Chinese
    # typos and look-alike characters: read through the word they spell, never a single character
    ("autsim", ["development.autism"]),
    ("depresion", ["mental_health.emotional"]),
    ("孩子有自閉症", ["development.autism"]),  # a traditional character
    ("她說不想活了", ["mental_health.crisis"]),
    ("孩子有自必症", ["development.autism"]),  # one character mistyped in a three-character word
    ("speach therapy", ["development.speech"]),  # one slip: "speech" (one edit), never "search" (two)
    ("thearpy for anxiety", ["mental_health.emotional"]),  # two letters swapped are one slip
    ("utility help", []),  # "utility" is spelled like no indexed word: never "until" (its stem "util" is)
    # words about the form of a service are not needs: "group" alone is not "group of girls picking on her"
    ("a girls only group", []),
    ("excluded by a group of girls", ["education.bullying"]),
    ("parent support group", ["family.caregiver_support"]),
    # nothing to read
    ("今天天气很好", []),
    ("孩子很可爱", []),
    ("the child is nine years old", []),
    ("打", []),  # one character is never a need
]


@pytest.mark.parametrize("text, expected", ROWS, ids=[r[0] for r in ROWS])
def test_a_text_is_read_as_the_needs_it_expresses(reader, text, expected):
    read = understood(reader, text)
    if not expected:
        assert read == []
    elif len(expected) == 1:
        assert read[:1] == expected
    else:  # several needs: each is read, in whatever order their confidence gives
        assert set(expected) <= set(read[: len(expected) + 1])


def test_the_table_covers_both_languages_and_every_kind_of_row():
    assert len(ROWS) >= 60
    assert sum(1 for text, _ in ROWS if text.isascii()) >= 20


def test_each_reading_carries_its_words_and_a_confidence(reader):
    (autism,) = [r for r in reader.read("疑似自闭，叫名字不理人") if r.code == "development.autism"]
    assert "疑似自闭" in autism.matched and 0.25 <= autism.confidence <= 1


def test_a_typo_reads_with_lower_confidence_than_the_word(reader):
    (typo,) = reader.read("autsim")
    (word,) = reader.read("autistic")
    assert typo.code == word.code == "development.autism" and typo.fuzzy and typo.confidence < word.confidence


def test_the_narrower_term_wins_and_the_broader_is_dropped(reader):
    read = understood(reader, "刚确诊自闭症要尽早干预")
    assert read[0] == "development.autism.early_intervention" and "development.autism" not in read


def test_a_negated_reading_is_kept_flagged(reader):
    (reading,) = reader.read("no signs of autism")
    assert (reading.code, reading.negated) == ("development.autism", True)


def test_read_text_takes_a_reader_or_anything_holding_one(reader):
    from referral.matching.reading import read_text
    from referral.matching.taxonomy import Taxonomy

    taxonomy = Taxonomy(seeded_terms())
    assert (
        [r.code for r in read_text(reader, "被打", "zh")]
        == [r.code for r in read_text(taxonomy, "被打")]
        == ["protection.abuse"]
    )


def test_a_homophone_typed_for_a_word_reads_with_a_typos_confidence(reader):
    (reading,) = reader.read("家爆")  # the pinyin input method's slip for 家暴 (jiā bào)
    assert (reading.code, reading.confidence, reading.fuzzy) == ("protection.domestic_violence", 0.3, True)
    assert [r.code for r in reader.read("孩子最近很焦绿")] == ["mental_health.emotional"]


def test_a_longer_word_typed_by_sound_is_read_beside_what_the_text_says_plainly(reader):
    codes = [r.code for r in reader.read("家庭茅盾")]  # 茅盾 typed for 矛盾 (máo dùn)
    assert "family.conflict" in codes[:3]
    assert [r.code for r in reader.read("家庭矛盾")][:1] == ["family.conflict"]  # spelled right: no typo reading


def test_a_two_character_look_alike_is_never_read_but_suggests_the_word_it_spells(reader):
    assert understood(reader, "缀学") == [] and "education.dropout" in reader.suggest("缀学")[:3]


def test_suggestions_rank_the_closest_needs_even_when_nothing_is_read(reader):
    assert reader.suggest("心理")[:1] and all(code in reader.codes for code in reader.suggest("心理"))
    assert reader.suggest("") == ()


KNOWN = {t.code for t in seeded_terms()}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_reading_never_raises_on_any_text_and_returns_only_known_codes(text):
    found = _shared_reader().read(text)
    assert {r.code for r in found} <= KNOWN
    assert all(0 <= r.confidence <= 1 for r in found)
    assert set(_shared_reader().suggest(text)) <= KNOWN


_READER: list[Reader] = []


def _shared_reader() -> Reader:
    if not _READER:
        _READER.append(Reader(seeded_terms()))
    return _READER[0]

"""The risk lexicon finds danger in what workers, teachers and parents write, in zh and en, in
need texts and notes alike; it respects a negation in the clause and ignores look-alikes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.matching.safety import RiskLexicon, find_risks, prepare
from referral.matching.types import RiskCategory
from tests.unit.matching.safety_data import seed_lexicon, seed_risks

CATEGORIES = {
    "self_harm",
    "physical_abuse",
    "sexual_abuse",
    "domestic_violence",
    "neglect",
    "runaway",
    "acute_psychiatric",
}


def categories(text: str) -> set[str]:
    return {f.category for f in seed_lexicon().find(text)}


@pytest.mark.parametrize(
    "text, expected",
    [
        # self-harm and suicide
        ("孩子在日记里写想结束生命", {"self_harm"}),
        ("孩子说不想活了", {"self_harm"}),
        ("最近总说想死", {"self_harm"}),
        ("手臂上都是划痕，承认自己用小刀划的", {"self_harm"}),
        ("昨晚站在楼顶上说要跳下去", {"self_harm"}),
        ("说过不想活了，但否认有计划", {"self_harm"}),  # the denial is in another clause
        ("活着好累没意思", {"self_harm"}),
        ("没有人在乎他，想死", {"self_harm"}),  # "nobody" is not a negation
        ("没有人在乎他想死", {"self_harm"}),
        ("老师问她是不是想自杀", {"self_harm"}),  # a question is not a denial
        ("担心他会不会自杀", {"self_harm"}),
        ("She says she wants to die", {"self_harm"}),
        ("he has been cutting himself for a month", {"self_harm"}),
        ("Mum found a suicide note in her bag", {"self_harm"}),
        ("He told his friend he is going to kill himself", {"self_harm"}),
        ("denies a plan but said he wants to die", {"self_harm"}),
        # physical abuse
        ("孩子经常被打", {"physical_abuse"}),
        ("继父经常打他，身上有淤青", {"physical_abuse"}),
        ("不敢说被打了", {"physical_abuse"}),  # 不 is no cue: afraid to tell is disclosure
        ("爸爸喝了酒用皮带抽他", {"physical_abuse"}),
        ("被打得鼻青脸肿", {"physical_abuse"}),
        ("Dad hits him with a belt", {"physical_abuse"}),
        ("teacher noticed bruises on his arms", {"physical_abuse"}),
        ("she was beaten by her stepfather", {"physical_abuse"}),
        # sexual abuse
        ("孩子被继父性侵", {"sexual_abuse"}),
        ("邻居叔叔摸她下体", {"sexual_abuse"}),
        ("被网友骗去拍裸照", {"sexual_abuse"}),
        ("an uncle touched her inappropriately", {"sexual_abuse"}),
        ("mum's new boyfriend touches her", {"sexual_abuse"}),  # an adult named, then "touches her"
        ("grandpa touches her when no one is home", {"sexual_abuse"}),
        ("her stepdad gets into her bed at night", {"sexual_abuse"}),
        ("he was molested at the swimming club", {"sexual_abuse"}),
        # domestic violence
        ("爸爸喝醉了就打妈妈", {"domestic_violence"}),
        ("家里有家暴，孩子目睹", {"domestic_violence"}),
        ("父母经常打架，还动刀", {"domestic_violence"}),
        ("dad beats mum when he drinks", {"domestic_violence"}),
        ("the child witnessed violence at home", {"domestic_violence"}),
        # neglect
        ("父母外出，孩子没人管", {"neglect"}),
        ("他一个人在家好几天，经常饿肚子", {"neglect"}),
        ("属于事实无人抚养儿童", {"neglect"}),
        ("妈妈离家出走了，爸爸在坐牢", {"neglect"}),  # the mother left: neglect, not the child running away
        ("she is left alone for days", {"neglect"}),
        ("no one looks after him after school", {"neglect"}),
        # running away
        ("离家出走三天了", {"runaway"}),
        ("孩子不敢回家", {"runaway"}),
        ("跑出去两天没回家", {"runaway"}),
        ("he ran away from home last week", {"runaway"}),
        ("She is afraid to go home", {"runaway"}),
        # acute psychiatric symptoms
        ("最近幻听，说有人在骂他", {"acute_psychiatric"}),
        ("胡言乱语，好几天不睡觉", {"acute_psychiatric"}),
        ("总说有人监视她，觉得饭里有毒", {"acute_psychiatric"}),
        ("he hears voices telling him to run", {"acute_psychiatric"}),
        ("seems psychotic since Tuesday", {"acute_psychiatric"}),
        # colloquial phrasings read through patterns
        ("孩子说活着没啥意思", {"self_harm"}),
        ("孩子说想从窗户跳出去", {"self_harm"}),
        ("13岁女孩怀孕", {"sexual_abuse"}),
        ("孩子被父母赶出家门", {"neglect"}),
        ("孩子和网友跑了", {"runaway"}),
        ("总是自言自语，对着墙说话", {"acute_psychiatric"}),
        ("the stepdad beats the kids", {"physical_abuse"}),  # "the kid" must not stop at "the kids"
        ("her brother touches her at night", {"sexual_abuse"}),
        ("the parents leave him alone for days at a time", {"neglect"}),
        ("they don't feed him properly", {"neglect"}),  # the cue is part of the expression
        ("he didn't come back home last night", {"runaway"}),
        ("he thinks the tv is sending him messages", {"acute_psychiatric"}),
        # several at once
        ("he hears voices telling him to hurt himself", {"acute_psychiatric", "self_harm"}),
        ("被打后不敢回家", {"physical_abuse", "runaway"}),
        # negated in their clause: no risk
        ("没有自伤行为", set()),
        ("否认自杀想法", set()),
        ("未发现自伤痕迹。", set()),
        ("无自伤", set()),
        ("denies suicidal thoughts", set()),
        ("No signs of abuse.", set()),
        ("no bruises were seen", set()),
        # look-alikes: no risk
        ("他周末喜欢打游戏", set()),
        ("打针的时候很害怕", set()),
        ("经常给妈妈打电话", set()),
        ("爸爸打他电话没人接", set()),
        ("想死你了，快回来", set()),
        ("今天热死了", set()),
        ("老师摸摸他的头表扬他", set()),
        ("老师安排了摸底考试", set()),
        ("he is cutting class", set()),
        ("I'm dying to see the film", set()),
        ("the dog ran away", set()),
        ("需要学业辅导", set()),
        ("needs help with homework", set()),
        ("just leave him alone, he says", set()),
        ("妈妈怀孕了，孩子担心没人陪", set()),
        ("孩子周末住校不回家", set()),
    ],
)
def test_the_lexicon_reads_risks_as_people_write_them(text, expected):
    assert categories(text) == expected


def test_the_seed_lexicon_covers_every_category_generously_in_both_languages():
    by_code = {c.code: c for c in seed_risks()}
    assert set(by_code) == CATEGORIES
    for category in by_code.values():
        assert len(category.phrases["zh"]) >= 40 and len(category.phrases["en"]) >= 25, category.code
        assert category.patterns["zh"] and category.patterns["en"], category.code


def test_each_category_makes_its_own_need_actionable():
    needs = {c.code: c.need for c in seed_risks()}
    assert needs == {
        "self_harm": "mental_health.crisis",
        "physical_abuse": "protection.abuse",
        "sexual_abuse": "protection.abuse",
        "domestic_violence": "protection.domestic_violence",
        "neglect": "protection.guardianship_risk",
        "runaway": "protection.case_management",
        "acute_psychiatric": "mental_health.psychiatric",
    }


def test_a_finding_says_what_was_read_and_findings_come_in_reading_order():
    found = seed_lexicon().find("他离家出走了，说不想活了")
    assert [(f.category, f.need, f.matched) for f in found] == [
        ("runaway", "protection.case_management", "离家出走"),
        ("self_harm", "mental_health.crisis", "不想活了"),
    ]


def test_full_width_and_capitals_read_like_plain_text():
    assert categories("ＳＨＥ ＷＡＮＴＳ ＴＯ ＤＩＥ！") == {"self_harm"}


def test_risks_over_several_texts_keep_the_first_finding_of_each_category():
    found = find_risks(seed_lexicon(), ["想死", None, "", "他想自杀，被打了"])
    assert [(f.category, f.matched) for f in found] == [("self_harm", "想死"), ("physical_abuse", "被打")]


def test_an_empty_lexicon_finds_nothing():
    assert RiskLexicon().find("不想活了") == [] and not RiskLexicon()


def test_a_regions_own_category_is_read_from_data_alone():
    lexicon = RiskLexicon(
        [
            RiskCategory(
                "trafficking",
                "protection.abuse",
                {"en": "Trafficking"},
                {"en": ("sold to",)},
                {"en": ("forced to (beg|work) on the street",)},
            )
        ]
    )
    assert [f.category for f in lexicon.find("She was forced to beg on the street")] == ["trafficking"]
    assert [f.matched for f in lexicon.find("He was sold to a gang.")] == ["sold to"]


# Every expression of the lexicon, alone, is found; so is it in any surrounding noise that does not
# put a negation cue in its clause.
EXPRESSIONS = [(c.code, phrase) for c in seed_risks() for phrases in c.phrases.values() for phrase in phrases]
TOKENS = [
    "孩子",
    "今天",
    "学校",
    "老师",
    "作业",
    "的",
    "了",
    "在",
    "很",
    " the ",
    " school ",
    " today ",
    " she ",
    "。",
    ", ",
    "; ",
    "\n",
    "!",
]
NOISE = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)


@pytest.mark.parametrize("code, phrase", EXPRESSIONS, ids=[f"{c}:{p}" for c, p in EXPRESSIONS])
def test_every_expression_of_the_lexicon_is_found_on_its_own(code, phrase):
    assert code in categories(phrase)


@settings(max_examples=300, deadline=None)
@given(expression=st.sampled_from(EXPRESSIONS), before=NOISE, after=NOISE)
def test_a_risk_expression_in_any_noise_without_a_negation_cue_is_flagged(expression, before, after):
    code, phrase = expression
    text = f"{before}{phrase}{after}"
    assert code in categories(text), prepare(text)

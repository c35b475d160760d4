"""The per-language cues the text reader reads by: clause breaks, negation, fine states, carers.

This module owns the cue tables (the text of every language is checked: writing mixes languages)
and the small functions that find them. A language is added by adding its cues here. It depends
only on the standard library and lexical.py.
"""

from __future__ import annotations

import re

from referral.matching.lexical import is_cjk, normalise

CLAUSE = re.compile(
    r"[,.;:!?\n\r()\[\]\u3001\u3002\uff0c\uff1b\uff1a\uff01\uff1f\uff08\uff09]+"
    r"|\b(?:but|however|although|though|whereas)\b|但是|但|可是|不过|然而|虽然"
)
# Conjunctions that join two needs in one clause ("hyperactive and hits other kids"): each part is
# also read on its own (the whole text is read too, so a need spread over both parts is not lost).
PART = re.compile(r"\b(?:and|also|plus|as well as)\b|并且|而且|还有|同时|以及|另外")
AGE = re.compile(r"[0-9一二三四五六七八九十两几半]+(?:岁|岁了|个月|年级|周岁)")
# Chinese function characters: a bigram holding one ("子很", "很可") is never evidence on its own.
FUNCTION_CHARS = frozenset(
    "的是在有就都也和与跟很还又把让给着过吗呢吧啊呀嘛么我你他她它们这那个一"
)  # not 了: "死了", "打了"
# Per-language cue tables (the text of every language is checked: writing mixes languages).
NEGATIONS = {
    # "not" alone is a symptom as often as a denial ("does not speak", "can't sit still"): only its
    # copular and having forms deny.
    "en": (
        "no",
        "without",
        "denies",
        "denied",
        "deny",
        "no signs of",
        "no sign of",
        "no evidence of",
        "no history of",
        "no concerns about",
        "no concern about",
        "not suspected",
        "ruled out",
        "rules out",
        "negative for",
        "free of",
        "is not",
        "are not",
        "was not",
        "were not",
        "not diagnosed",
        "does not have",
        "did not have",
        "never had",
        "never been",
        "not at risk",
        "not being",
        "is not being",
        "isn't being",
    ),
    "zh": (
        "没有",
        "没有发现",
        "没有迹象",
        "没发现",
        "未见",
        "未发现",
        "未有",
        "否认",
        "排除",
        "不是",
        "并非",
        "无明显",
        "并无",
        "从未",
        "从来没有",
        "不存在",
        "无任何",
        "无",
        "没被",
        "未被",
        "从没被",
        "并没被",
    ),  # "没被打", "没被欺负": the passive denied
}
# A state said to be fine right after it denies it too ("情绪稳定", "development is normal").
POSITIVE = {
    "en": (
        "is normal",
        "are normal",
        "normal",
        "is fine",
        "is stable",
        "stable",
        "is good",
        "no problems",
        "age-appropriate",
        "within normal limits",
        "is ok",
        "gets on well",
        "get on well",
    ),
    "zh": ("稳定", "正常", "良好", "无异常", "没问题", "没有问题", "挺好", "很好", "和睦", "融洽"),
}
CARERS = {
    "en": (
        "mother",
        "mum",
        "mom",
        "father",
        "dad",
        "parent",
        "parents",
        "grandmother",
        "grandfather",
        "carer",
        "caregiver",
        "stepfather",
        "stepmother",
        "guardian",
    ),
    "zh": (
        "妈妈",
        "母亲",
        "爸爸",
        "父亲",
        "父母",
        "爸妈",
        "家长",
        "爷爷",
        "奶奶",
        "外公",
        "外婆",
        "监护人",
        "继父",
        "继母",
        "老爸",
        "老妈",
    ),
}
CHILDREN = {
    "en": ("child", "children", "kid", "kids", "son", "daughter", "boy", "girl", "he", "she", "student", "pupil"),
    "zh": ("孩子", "儿子", "女儿", "小孩", "学生", "他", "她", "儿童", "娃"),
}


# "无" denies ("无自杀念头") except in words where it does not ("无法集中", "无聊", "无人照顾").
_CJK_CUE = {"无": "无(?![法聊论奈理力助所人])"}


def cue_pattern(table: dict[str, tuple[str, ...]]) -> list[re.Pattern[str]]:
    """One pattern for all the cues of every language, longest first: substrings in CJK, whole words
    elsewhere."""
    cues = sorted({c for cs in table.values() for c in cs}, key=len, reverse=True)
    parts = [_CJK_CUE.get(c, re.escape(c)) if is_cjk(c) else rf"(?<![\w]){re.escape(c)}(?![\w])" for c in cues]
    return [re.compile("|".join(parts))]


NEGATION = cue_pattern(NEGATIONS)
POSITIVE_CUES = cue_pattern(POSITIVE)
UN = re.compile(r"(?:不|没|欠|not\s*|ab|un)$")
# Cues of mere absence: they deny a problem ("没有自伤行为") but state a need of lacking something
# ("没有校服", "no winter coat"); denials proper ("未发现", "denies", "ruled out") always deny.
ABSENCE = frozenset(("没有", "无", "并无", "从来没有", "no", "without", "never had", "does not have", "did not have"))
LACK_START = re.compile(r"^(?:家里|孩子|家中)?(?:没有|没|缺少|缺|无)|^(?:no|without|lacks?|not enough|nothing)\b")
CARER_CUES = cue_pattern(CARERS)
CHILD_CUES = cue_pattern(CHILDREN)
LACK_PHRASES = (4, 0.05)  # how many of a term's phrases (and what share) say "没有…" for it to be a lack


def spans(text: str, separator: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``text[start:end]`` between separators (the whole span when none)."""
    found = []
    for m in separator.finditer(text, start, end):
        if m.start() > start and text[start : m.start()].strip():
            found.append((start, m.start()))
        start = max(start, m.end())
    if start < end and text[start:end].strip():
        found.append((start, end))
    return found or [(start, end)]


def carer_subject(text: str) -> bool:
    """Whether a carer opens the clause and no child is named in it ("妈妈失业了")."""
    head = text.lstrip()[:12]
    carer = any(m.start() <= 1 for p in CARER_CUES for m in p.finditer(head))
    return carer and not any(p.search(text) for p in CHILD_CUES)


def is_lack(phrases: list[str]) -> bool:
    """Whether a term (by its phrases) is a need of lacking something: enough of them open with
    "没有…", "no …" ("没有校服", "no winter coat"), so an absence cue before its evidence states
    the need rather than denying it."""
    lacking = sum(1 for p in phrases if LACK_START.search(normalise(p)))
    return lacking >= LACK_PHRASES[0] and lacking >= LACK_PHRASES[1] * len(phrases)

"""Token-aware similarity of a taxonomy term's name and a need's phrase, per script.

Words of alphabetic scripts are compared whole, after a light stemming (plural and -ed/-ing endings,
a final e) and without function words; two words of five letters or more spelled within a ratio of 88
count as the same (counseling = counselling). Runs of CJK characters are compared by character
bigrams ("服务", service, left out). The score (0-100) is the mean of the phrase's coverage and the
Dice coefficient of the two token sets: a phrase found inside a longer name never scores 100 ("Food
Pantries" is 100 for "food pantry", 83 for "food"; "Substance Abuse Treatment" is 75 for "abuse");
"Adoption Evaluation/Placement" shares one word of three with "internship placement" (45). Pure:
rapidfuzz and re.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "the",
        "to",
        "in",
        "on",
        "with",
        "by",
        "at",
        "service",
        "services",
        "program",
        "programs",
        "support",
    }
)
FUNCTION_CJK = ("服务",)  # "service": said of every service, it tells none apart
SAME_WORD = 88.0


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    w = word.lower()
    if w == "children":
        return "child"
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)] + replacement
            break
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


@lru_cache(maxsize=65536)
def tokens(text: str) -> frozenset[str]:
    """The comparable tokens of a text: stemmed content words, CJK bigrams (a lone character alone)."""
    found: set[str] = set()
    for word in FUNCTION_CJK:
        text = text.replace(word, " ")
    for run in _CJK.findall(text):
        found |= {run[i : i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    rest = _CJK.sub(" ", text)
    found |= {stem(w) for w in _WORD.findall(rest.lower()) if w.lower() not in FUNCTION_WORDS}
    return frozenset(found)


def _same(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= SAME_WORD)


def score(term: str, phrase: str) -> float:
    """0-100: the mean of how much of the phrase the term covers and the Dice similarity of the two token
    sets (a word matching at most one word); 100 only when the token sets are the same."""
    left, right = tokens(term), tokens(phrase)
    if not left or not right:
        return 0.0
    unmatched = set(right)
    shared = 0
    for token in sorted(left):
        hit = token if token in unmatched else next((o for o in sorted(unmatched) if _same(token, o)), None)
        if hit is not None:
            unmatched.discard(hit)
            shared += 1
    return 50.0 * shared / len(right) + 100.0 * shared / (len(left) + len(right))

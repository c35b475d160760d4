"""Text mechanics of the safety layer: normalising, literal phrase scanning, lexicon patterns and
the clause-scoped negation rule. Fast enough to read every need text and the notes of a match.

This module owns how an expression is found in text; what the expressions mean is the lexicon's
(safety.py). It depends on the standard library and messages.py only.

* Text is NFKC-normalised and case-folded, whitespace collapsed; punctuation is kept (it ends
  clauses). A phrase occurs as a substring in CJK and as a whole word in spaced scripts, where a
  CJK character next to a Latin word is a boundary ("die孩子" ends in "die").
* Literal phrases of every category are found in one pass: an index by their first two
  characters, checked at each position of the text (a regular-expression alternation of hundreds
  of phrases is tried phrase by phrase at each position, a hundred times slower).
* In a pattern, ``…`` is a short gap that never crosses a clause.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping

from referral.matching.lexical import TRADITIONAL_FOLD
from referral.matching.messages import RISK_NEGATION, NegationRule

_CJK_RANGES = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_LETTER = re.compile(f"[^\\W{_CJK_RANGES}]")  # a word character of a spaced script
_PUNCT = ",.;:!?\n\r\u3002\uff61\u3001"  # after NFKC, full-width ，；：！？ are ASCII already
_GAP = {True: 10, False: 30}  # "…" in a pattern: up to this many characters (CJK, spaced script)
_CLAUSE = re.compile(f"[{re.escape(_PUNCT)}]")


def prepare(text: str) -> str:
    """NFKC, case-folded, common traditional characters folded to simplified (lexical.py), whitespace
    collapsed; punctuation kept."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(TRADITIONAL_FOLD).split())


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _letter_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and bool(_LETTER.match(text, i))


def bounded(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is whole words: no spaced-script letter runs on at either end."""
    return not (_letter_at(text, start - 1) and _letter_at(text, start)) and not (
        _letter_at(text, end) and _letter_at(text, end - 1)
    )


class Pattern:
    """A lexicon pattern: a regular expression in which ``…`` is a short gap inside one clause."""

    def __init__(self, source: str):
        self.cjk = is_cjk(source)
        gap = f"[^{re.escape(_PUNCT)}]{{0,{_GAP[self.cjk]}}}?"
        expression = source.casefold().replace("…", gap)
        # a trailing look-ahead lets the engine backtrack to a longer alternative ("the kid|the
        # kids"); the left boundary is checked after the match, since a leading look-behind would
        # stop the engine from scanning for the pattern's first characters (ten times slower)
        suffix = "" if self.cjk else f"(?!{_LETTER.pattern})"
        self.regex = re.compile(f"(?:{expression}){suffix}")  # raises re.error when malformed

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Every match's span; in a spaced script only whole words (the next match is looked for
        one character on, so a rejected match never hides an overlapping good one)."""
        pos = 0
        while (found := self.regex.search(text, pos)) is not None:
            start, end = found.span()
            if end > start and (self.cjk or not (_letter_at(text, start - 1) and _letter_at(text, start))):
                yield start, end
                pos = end
            else:
                pos = start + 1


class PhraseIndex:
    """Literal phrases of many keys, found in one pass over a text."""

    def __init__(self, entries: Iterable[tuple[int, str]]):
        self._by_prefix: dict[str, list[tuple[str, int]]] = {}
        for key, phrase in entries:
            norm = prepare(phrase)
            if norm and (norm, key) not in self._by_prefix.get(norm[:2], []):
                self._by_prefix.setdefault(norm[:2], []).append((norm, key))
        for listed in self._by_prefix.values():
            listed.sort(key=lambda item: -len(item[0]))  # the longest, most specific reading first
        self._single = any(len(prefix) == 1 for prefix in self._by_prefix)

    def scan(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Key -> spans of its phrases in ``text`` (whole words in spaced scripts)."""
        found: dict[int, list[tuple[int, int]]] = {}
        get = self._by_prefix.get
        for i in range(len(text)):
            candidates = get(text[i : i + 2], ())
            if self._single:
                candidates = [*candidates, *get(text[i], ())]
            for phrase, key in candidates:
                end = i + len(phrase)
                if text.startswith(phrase, i) and (is_cjk(phrase) or bounded(text, i, end)):
                    found.setdefault(key, []).append((i, end))
        return found


class Negation:
    """The clause-scoped negation rule of every language in ``rules`` (messages.RISK_NEGATION)."""

    def __init__(self, rules: Mapping[str, NegationRule] = RISK_NEGATION):
        reach: dict[str, int] = {}
        not_cues: list[str] = []
        breaks: list[str] = []
        for rule in rules.values():
            reach |= {prepare(c): rule["reach"] for c in rule["cues"]}
            reach |= {prepare(c): rule["near_reach"] for c in rule["near"]}
            not_cues += rule["not_cues"]
            breaks += rule["breaks"]
        self._reach = reach
        self._cues = PhraseIndex((0, c) for c in reach)
        self._not_cues = PhraseIndex((0, c) for c in not_cues)
        self._breaks = PhraseIndex((0, c) for c in breaks)

    def scopes(self, text: str) -> list[int]:
        """Where each scope of ``text`` begins (sorted): 0, after punctuation and after each break."""
        starts = {0} | {m.end() for m in _CLAUSE.finditer(text)}
        starts |= {end for _start, end in self._breaks.scan(text).get(0, ())}
        return sorted(starts)

    def negates(self, text: str, scopes: list[int], start: int) -> bool:
        """Whether a cue stands within its reach before ``start``, in the same scope."""
        before = text[scopes[bisect_right(scopes, start) - 1] : start]
        masked = self._not_cues.scan(before).get(0, [])
        for a, b in self._cues.scan(before).get(0, []):
            if any(c < b and a < d for c, d in masked):
                continue
            if len(before[b:].strip()) <= self._reach[before[a:b]]:
                return True
        return False

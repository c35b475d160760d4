"""The safety layer: danger to a child found in free text, and made actionable.

This module owns reading the risk lexicon (``RiskCategory`` data: phrases, patterns, exclusions)
against every need text and the notes, the negation rule that scopes it, and how a risk found
changes the needs: its need becomes severity 3 and actionable whatever its source, added when the
text was read as something else, and listed first. It must not know about services, scores or
the web; it depends on the standard library and sibling modules only.

Reading: text is NFKC-normalised and case-folded; a phrase occurs as a substring in CJK and as a
whole word in spaced scripts; a pattern is a regular expression in which ``…`` is a short gap
inside one clause; an occurrence overlapping an exclusion ("打游戏", "dying to") does not count.
An occurrence is negated only when a negation cue (messages.RISK_NEGATION) stands shortly before
it in its scope ("没有自伤行为", "denies suicidal thoughts"); one plain occurrence is enough.
Recall comes first: a child in danger must never be missed, so doubt reads as risk.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping, Sequence

from referral.matching.messages import RISK_NEGATION
from referral.matching.types import RiskCategory, UnderstoodNeed

RISK_SEVERITY = 3
_CJK_RANGES = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_LETTER = f"[^\\W{_CJK_RANGES}]"  # a word character of a spaced script: "die孩子" still ends "die"
_PUNCT = ",.;:!?\n\r\u3002\uff61\u3001;"  # after NFKC full-width ，；：！？ are ASCII already
_GAP = {True: 10, False: 30}  # "…" in a pattern: up to this many characters (CJK, spaced script)
_CLAUSE = re.compile(f"[{re.escape(_PUNCT)}]")


@dataclass(frozen=True, slots=True)
class Finding:
    """A risk found in one text: its category, the need it makes actionable, what was read."""

    category: str
    need: str
    matched: str
    position: int  # where in the (normalised) text: findings of one text come in reading order


def prepare(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed; punctuation kept (it ends clauses)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _bounded(expression: str, cjk: bool) -> str:
    """Whole words in a spaced script; CJK has no spaces to bound words with."""
    return expression if cjk else f"(?<!{_LETTER})(?:{expression})(?!{_LETTER})"


def compile_pattern(source: str) -> re.Pattern[str]:
    """A lexicon pattern compiled: ``…`` becomes a short gap that never crosses a clause."""
    cjk = _is_cjk(source)
    gap = f"[^{re.escape(_PUNCT)}]{{0,{_GAP[cjk]}}}?"
    return re.compile(_bounded(source.casefold().replace("…", gap), cjk))


def _phrases(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation of literal phrases, longest first (the most specific reading wins)."""
    prepared = sorted({prepare(p) for p in phrases if prepare(p)}, key=lambda p: (-len(p), p))
    if not prepared:
        return None
    return re.compile("|".join(_bounded(re.escape(p), _is_cjk(p)) for p in prepared))


def _all(mapping: Mapping[str, Sequence[str]]) -> list[str]:
    return [item for items in mapping.values() for item in items]


@dataclass(frozen=True, eq=False)
class _Compiled:
    category: RiskCategory
    readers: tuple[re.Pattern[str], ...]
    exclusions: tuple[re.Pattern[str], ...]


class Negation:
    """The clause-scoped negation rule of every language in ``rules`` (messages.RISK_NEGATION)."""

    def __init__(self, rules: Mapping[str, Mapping[str, object]] = RISK_NEGATION):
        cues, not_cues, breaks = [], [], []
        for rule in rules.values():
            near = set(rule["near"])  # type: ignore[arg-type]
            cues += [(c, rule["near_reach"] if c in near else rule["reach"]) for c in (*rule["cues"], *near)]  # type: ignore[misc]
            not_cues += list(rule["not_cues"])  # type: ignore[arg-type]
            breaks += list(rule["breaks"])  # type: ignore[arg-type]
        self._reach = {prepare(c): int(r) for c, r in cues}  # type: ignore[call-overload]
        self._cues = _phrases(self._reach)
        self._not_cues = _phrases(not_cues)
        self._breaks = _phrases(breaks)

    def scopes(self, text: str) -> list[int]:
        """Where each scope of ``text`` begins (sorted): 0, after punctuation and after each break."""
        starts = {0} | {m.end() for m in _CLAUSE.finditer(text)}
        if self._breaks is not None:
            starts |= {m.end() for m in self._breaks.finditer(text)}
        return sorted(starts)

    def negates(self, text: str, scopes: list[int], start: int) -> bool:
        """Whether a cue stands within its reach before ``start``, in the same scope."""
        if self._cues is None:
            return False
        begin = scopes[bisect_right(scopes, start) - 1]
        before = text[begin:start]
        masked = [m.span() for m in self._not_cues.finditer(before)] if self._not_cues else []
        for cue in self._cues.finditer(before):
            if any(a < cue.end() and cue.start() < b for a, b in masked):
                continue
            if len(before[cue.end():].strip()) <= self._reach[cue.group()]:
                return True
        return False


class RiskLexicon:
    """The risk lexicon compiled once per directory version; ``find`` reads one text."""

    def __init__(self, categories: Iterable[RiskCategory] = (), negation: Negation | None = None):
        self.categories: tuple[RiskCategory, ...] = tuple(categories)
        self._negation = negation or Negation()
        self._compiled = tuple(self._compile(c) for c in self.categories)

    @staticmethod
    def _compile(category: RiskCategory) -> _Compiled:
        literal = _phrases(_all(category.phrases))
        readers = ((literal,) if literal else ()) + tuple(compile_pattern(p) for p in _all(category.patterns))
        return _Compiled(category, readers, tuple(compile_pattern(p) for p in _all(category.exclusions)))

    def __bool__(self) -> bool:
        return bool(self.categories)

    def find(self, text: str | None) -> list[Finding]:
        """One finding per category present (not negated, not excluded), in reading order."""
        if not text or not self._compiled:
            return []
        norm = prepare(text)
        scopes = self._negation.scopes(norm)
        found = [f for c in self._compiled if (f := self._first(c, norm, scopes)) is not None]
        return sorted(found, key=lambda f: f.position)

    def _first(self, compiled: _Compiled, text: str, scopes: list[int]) -> Finding | None:
        """The category's first occurrence in ``text`` that counts, or None."""
        excluded = [m.span() for e in compiled.exclusions for m in e.finditer(text)]
        hits = sorted((m.start(), m.end()) for r in compiled.readers for m in r.finditer(text) if m.end() > m.start())
        for start, end in hits:
            if any(a < end and start < b for a, b in excluded):
                continue
            if not self._negation.negates(text, scopes, start):
                category = compiled.category
                return Finding(category.code, category.need, text[start:end], start)
        return None


def find_risks(lexicon: RiskLexicon, texts: Iterable[str | None]) -> list[Finding]:
    """Findings over several texts (need texts, then notes): the first of each category."""
    seen: dict[str, Finding] = {}
    for text in texts:
        for finding in lexicon.find(text):
            seen.setdefault(finding.category, finding)
    return list(seen.values())


def with_risks(
    needs: Sequence[UnderstoodNeed], findings: Sequence[Finding], label: Callable[[str], str],
) -> tuple[UnderstoodNeed, ...]:
    """``needs`` with every finding made actionable, risk needs first.

    A finding whose need is already there raises it to severity 3 and marks it (an inferred
    notes need becomes a "risk" need: notes alone are never actionable); otherwise the risk need
    is added with source "risk". Several categories meeting one need mark it with the first.
    """
    kept = list(needs)
    risky: dict[str, UnderstoodNeed] = {}
    for finding in findings:
        if finding.need in risky:
            continue
        known = next((n for n in kept if n.code == finding.need), None)
        if known is not None:
            kept.remove(known)
            risky[finding.need] = _raised(known, finding)
        else:
            risky[finding.need] = UnderstoodNeed(finding.need, label(finding.need), RISK_SEVERITY, "risk",
                                                 finding.matched, 1.0, finding.category)
    return (*risky.values(), *kept)


def _raised(need: UnderstoodNeed, finding: Finding) -> UnderstoodNeed:
    if need.source == "notes":
        return replace(need, severity=RISK_SEVERITY, source="risk", matched=finding.matched, confidence=1.0,
                       risk=finding.category)
    return replace(need, severity=max(need.severity, RISK_SEVERITY), risk=finding.category)

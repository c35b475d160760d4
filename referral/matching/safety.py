"""The safety layer: danger to a child found in free text, and made actionable.

This module owns reading the risk lexicon (``RiskCategory`` data: phrases, patterns, exclusions)
against every need text and the notes, the negation rule that scopes it, and how a risk found
changes the needs: its need becomes severity 3 and actionable whatever its source, added when the
text was read as something else, and listed first. It must not know about services, scores or
the web; it depends on the standard library and sibling modules only.

Reading (mechanics in risktext.py): a phrase occurs as a substring in CJK and as a whole word in
spaced scripts; a pattern is a regular expression in which ``…`` is a short gap inside one clause;
an occurrence overlapping an exclusion ("打游戏", "dying to") does not count.
An occurrence is negated only when a negation cue (messages.RISK_NEGATION) stands shortly before
it in its scope ("没有自伤行为", "denies suicidal thoughts"); one plain occurrence is enough.
Recall comes first: a child in danger must never be missed, so doubt reads as risk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from referral.matching.risktext import Negation, Pattern, PhraseIndex, prepare
from referral.matching.types import RiskCategory, UnderstoodNeed

RISK_SEVERITY = 3


@dataclass(frozen=True, slots=True)
class Finding:
    """A risk found in one text: its category, the need it makes actionable, what was read."""

    category: str
    need: str
    matched: str
    position: int  # where in the (normalised) text: findings of one text come in reading order


def compile_pattern(source: str) -> Pattern:
    """A lexicon pattern or exclusion, compiled; raises re.error when it is malformed."""
    return Pattern(source)


class RiskLexicon:
    """The risk lexicon compiled once per directory version; ``find`` reads one text."""

    def __init__(self, categories: Iterable[RiskCategory] = (), negation: Negation | None = None):
        self.categories: tuple[RiskCategory, ...] = tuple(categories)
        self._negation = negation or Negation()
        self._phrases = PhraseIndex(
            (k, p) for k, c in enumerate(self.categories) for ps in c.phrases.values() for p in ps
        )
        self._patterns = tuple(tuple(Pattern(p) for ps in c.patterns.values() for p in ps) for c in self.categories)
        self._exclusions = tuple(tuple(Pattern(p) for ps in c.exclusions.values() for p in ps) for c in self.categories)

    def __bool__(self) -> bool:
        return bool(self.categories)

    def find(self, text: str | None) -> list[Finding]:
        """One finding per category present (not negated, not excluded), in reading order."""
        if not text or not self.categories:
            return []
        norm = prepare(text)
        literal = self._phrases.scan(norm)
        scopes: list[int] = []
        found = []
        for k in range(len(self.categories)):
            spans = literal.get(k, []) + [span for p in self._patterns[k] for span in p.spans(norm)]
            hits = sorted(spans, key=lambda span: (span[0], -span[1]))  # at one place, the longest reading
            if hits:
                scopes = scopes or self._negation.scopes(norm)
                finding = self._first(k, norm, hits, scopes)
                found += [finding] if finding else []
        return sorted(found, key=lambda f: f.position)

    def _first(self, k: int, text: str, hits: list[tuple[int, int]], scopes: list[int]) -> Finding | None:
        """Category ``k``'s first occurrence in ``text`` that counts, or None."""
        excluded = [span for e in self._exclusions[k] for span in e.spans(text)]
        for start, end in hits:
            if any(a < end and start < b for a, b in excluded) or self._negation.negates(text, scopes, start):
                continue
            category = self.categories[k]
            return Finding(category.code, category.need, text[start:end], start)
        return None


def find_risks(lexicon: RiskLexicon, texts: Iterable[str | None]) -> list[Finding]:
    """Findings over several texts (need texts, then notes): the first of each category."""
    return first_of_each(lexicon.find(text) for text in texts)


def first_of_each(findings: Iterable[Sequence[Finding]]) -> list[Finding]:
    """The first finding of each category over the findings of several texts, in text order."""
    seen: dict[str, Finding] = {}
    for found in findings:
        for finding in found:
            seen.setdefault(finding.category, finding)
    return list(seen.values())


def with_risks(
    needs: Sequence[UnderstoodNeed],
    findings: Sequence[Finding],
    label: Callable[[str], str],
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
            risky[finding.need] = UnderstoodNeed(
                finding.need, label(finding.need), RISK_SEVERITY, "risk", finding.matched, 1.0, risk=finding.category
            )
    return (*risky.values(), *kept)


def _raised(need: UnderstoodNeed, finding: Finding) -> UnderstoodNeed:
    if need.source == "notes":
        return replace(
            need, severity=RISK_SEVERITY, source="risk", matched=finding.matched, confidence=1.0, risk=finding.category
        )
    return replace(need, severity=max(need.severity, RISK_SEVERITY), risk=finding.category)

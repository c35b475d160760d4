"""Mapping taxonomy terms from other taxonomies onto the project's needs.

Order of trust: our own code (``code`` equal to a need code, or a term of our exported taxonomy);
then the Open Eligibility name a need declares; then an exact label or synonym in any language; then
a fuzzy match (rapidfuzz, via ``PhraseMatcher``) on labels, synonyms and Open Eligibility names at or
above a confidence threshold. Pure: takes plain data, no database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from rapidfuzz import fuzz

from referral.hsds.ids import derived
from referral.matching.text import PhraseMatcher, normalise

# The ids of the two taxonomies this project exports; a term of ours is recognised by them.
TAXONOMY_ID = derived("referral", "taxonomy", "needs")
OPEN_ELIGIBILITY_ID = derived("referral", "taxonomy", "open_eligibility")
DEFAULT_MIN_CONFIDENCE = 80.0


@dataclass(frozen=True)
class Need:
    """What the crosswalk knows of a need term."""

    code: str
    labels: Mapping[str, str]
    synonyms: Mapping[str, Sequence[str]]
    open_eligibility: str | None
    position: int = 0


@dataclass(frozen=True)
class Term:
    """An HSDS taxonomy term as found in the input."""

    id: str
    name: str
    code: str | None = None
    taxonomy: str | None = None  # the taxonomy's name (taxonomy_term.taxonomy or taxonomy.name)
    taxonomy_id: str | None = None


@dataclass(frozen=True)
class TermMapping:
    """The need a term maps to (None: unmapped), how, and how sure (0-100)."""

    term: Term
    need: str | None
    method: str  # code, open_eligibility, label, fuzzy, none
    confidence: float
    best: str | None = None  # for an unmapped term: the best candidate below the threshold

    @property
    def own(self) -> bool:
        return self.term.taxonomy_id in (TAXONOMY_ID, OPEN_ELIGIBILITY_ID)


def term_id(code: str) -> str:
    """The HSDS id of one of our need terms."""
    return derived(TAXONOMY_ID, "term", code)


def open_eligibility_term_id(name: str) -> str:
    return derived(OPEN_ELIGIBILITY_ID, "term", name)


class Crosswalk:
    """Built once per import from the need terms; maps each distinct term once."""

    def __init__(self, needs: Iterable[Need], min_confidence: float = DEFAULT_MIN_CONFIDENCE):
        self.needs = {n.code: n for n in needs}
        self.min_confidence = min_confidence
        self._by_id = {term_id(code): code for code in self.needs}
        self._oe: dict[str, str] = {}
        for need in sorted(self.needs.values(), key=lambda n: (n.code.count("."), n.position, n.code)):
            if need.open_eligibility:  # shared names go to the broadest need (first in this order)
                self._oe.setdefault(normalise(need.open_eligibility), need.code)
        self._exact: dict[str, str] = {}
        for need in sorted(self.needs.values(), key=lambda n: (n.position, n.code)):
            for phrase in _phrases(need):
                self._exact.setdefault(normalise(phrase), need.code)
        self._matcher = PhraseMatcher((n.code, _phrases(n)) for n in self.needs.values())

    def map(self, term: Term) -> TermMapping:
        """The need for ``term``, or an unmapped result with the best candidate."""
        if term.id in self._by_id:
            return TermMapping(term, self._by_id[term.id], "code", 100.0)
        for value in (term.code, term.name):
            if value and value.strip() in self.needs:
                return TermMapping(term, value.strip(), "code", 100.0)
        name = normalise(term.name or "")
        if name in self._oe:
            return TermMapping(term, self._oe[name], "open_eligibility", 100.0)
        if name in self._exact:
            return TermMapping(term, self._exact[name], "label", 100.0)
        hits = self._matcher.search(term.name or "", limit=10, min_score=0) if name else []
        sure = [h for h in hits if h.score >= self.min_confidence]
        if len(sure) > 1:  # of the sure hits, the phrase spelled most like the whole name: "Food Pantries"
            # is a Food Pantry before it is "food" (a short word inside it scores 100 too)
            hits = [max(sure, key=lambda h: (fuzz.ratio(name, normalise(h.phrase)), -sure.index(h)))]
        if hits and hits[0].score >= self.min_confidence:
            return TermMapping(term, hits[0].key, "fuzzy", hits[0].score)
        return TermMapping(term, None, "none", hits[0].score if hits else 0.0, hits[0].key if hits else None)


def _phrases(need: Need) -> list[str]:
    synonyms = [s for values in need.synonyms.values() for s in values]
    oe = [need.open_eligibility] if need.open_eligibility else []
    return [*need.labels.values(), *synonyms, *oe]


def needs_of_service(mappings: Sequence[TermMapping]) -> list[str]:
    """The need codes a service's term mappings give: our own taxonomy's terms win when present."""
    own = [m for m in mappings if m.own and m.term.taxonomy_id == TAXONOMY_ID and m.need]
    chosen = own or [m for m in mappings if m.need]
    return sorted({m.need for m in chosen if m.need})

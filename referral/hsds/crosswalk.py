"""Mapping taxonomy terms from other taxonomies onto the project's needs.

Order of trust: a person's decision (a reviewed mapping file: ``review``); our own code (``code``
equal to a need code, or a term of our exported taxonomy); then the Open Eligibility name a need
declares, or its id (a term of a taxonomy called Open Eligibility whose code is an OE id); then an
exact label or synonym in any language; then a token-aware fuzzy match
(``tokens``: per script, never 100 for a phrase inside a longer name) on labels and synonyms in the
term's language (all when it has none) and Open Eligibility names, at or above a confidence
threshold, and at or above a higher floor for a need whose labels name a population (a target group:
"Disability services"), since such a mapping decides who is offered what; last, an AIRS/211 code by
its prefix (``referral/data/hsds/airs_prefixes.json``, to an Open Eligibility name: a broad group).
A safety floor comes before the fuzzy match: a name the risk lexicon (the safety layer's, every
language it has) reads as a danger to a child maps to the need that danger makes actionable
(method ``risk``: suicide, self-harm → the crisis need), never to a guess or to nothing.
Pure: plain data in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from referral.hsds import tokens
from referral.hsds.ids import derived
from referral.hsds.restrictions import read_phrases
from referral.matching.risktext import prepare
from referral.matching.safety import RiskLexicon
from referral.matching.text import normalise
from referral.matching.types import RiskCategory

# The ids of the two taxonomies this project exports; a term of ours is recognised by them.
TAXONOMY_ID = derived("referral", "taxonomy", "needs")
OPEN_ELIGIBILITY_ID = derived("referral", "taxonomy", "open_eligibility")
DEFAULT_MIN_CONFIDENCE = 80.0
DEFAULT_ELIGIBILITY_FLOOR = 95.0  # a fuzzy mapping onto a need that names a population
AIRS_CONFIDENCE = 90.0
AIRS = Path(__file__).resolve().parent.parent / "data" / "hsds" / "airs_prefixes.json"
_AIRS_CODE = re.compile(r"^[A-Z]{1,2}(-\d{4}(\.\d{4})*(-\d{3,4})*(\.\d{2,3})?)?$")


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
    language: str | None = None


@dataclass(frozen=True)
class TermMapping:
    """The need a term maps to (None: unmapped), how, and how sure (0-100)."""

    term: Term
    need: str | None
    method: str  # reviewed, code, open_eligibility(_id), label, risk, fuzzy, airs_prefix, none
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

    def __init__(
        self,
        needs: Iterable[Need],
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        reviewed: Mapping[str, str | None] | None = None,
        eligibility_floor: float = DEFAULT_ELIGIBILITY_FLOOR,
        risks: Iterable[RiskCategory] = (),
    ):
        """``reviewed``: term id -> need code (None: leave unmapped), a person's decisions (``review``);
        ``risks``: the safety layer's lexicon (a term naming a danger maps to the need it makes actionable)."""
        self.risks = RiskLexicon(naming(c) for c in risks)
        self.needs = {n.code: n for n in needs}
        self.min_confidence, self.eligibility_floor = min_confidence, eligibility_floor
        self.reviewed = dict(reviewed or {})
        self._by_id = {term_id(code): code for code in self.needs}
        self._oe: dict[str, str] = {}
        for need in sorted(self.needs.values(), key=lambda n: (n.code.count("."), n.position, n.code)):
            if need.open_eligibility:  # shared names go to the broadest need (first in this order)
                self._oe.setdefault(normalise(need.open_eligibility), need.code)
        self._exact: dict[str, str] = {}
        for need in sorted(self.needs.values(), key=lambda n: (n.position, n.code)):
            for phrase in _phrases(need):
                self._exact.setdefault(normalise(phrase), need.code)
        self._sensitive = {n.code for n in self.needs.values() if any(read_phrases(v) for v in n.labels.values())}

    def map(self, term: Term) -> TermMapping:
        """The need for ``term``, or an unmapped result with the best candidate."""
        if term.id in self.reviewed:
            need = self.reviewed[term.id]
            return TermMapping(term, need if need in self.needs else None, "reviewed", 100.0)
        if term.id in self._by_id:
            return TermMapping(term, self._by_id[term.id], "code", 100.0)
        for value in (term.code, term.name):
            if value and value.strip() in self.needs:
                return TermMapping(term, value.strip(), "code", 100.0)
        name = normalise(term.name or "")
        if name in self._oe:
            return TermMapping(term, self._oe[name], "open_eligibility", 100.0)
        by_id = self._open_eligibility_id(term)
        if by_id is not None:
            return by_id
        if name in self._exact:
            return TermMapping(term, self._exact[name], "label", 100.0)
        risk = self._risk(term)
        if risk is not None:
            return risk
        fuzzy = self._fuzzy(term)  # a name that says what it is beats the broad group its code is in
        return fuzzy if fuzzy.need else (self._airs(term) or fuzzy)

    def _risk(self, term: Term) -> TermMapping | None:
        """The safety floor: a name the risk lexicon reads as a danger to a child, in any language it
        knows ("Suicide prevention and crisis support", "自杀干预"), maps to the need that danger makes
        actionable (self-harm: the crisis need) before any fuzzy guess, and never stays unmapped."""
        for finding in self.risks.find(term.name) if self.risks and term.name else ():
            if finding.need in self.needs:
                return TermMapping(term, finding.need, "risk", 100.0)
        return None

    def _open_eligibility_id(self, term: Term) -> TermMapping | None:
        """An Open Eligibility term named by its id (the code of a term of an "Open Eligibility" taxonomy)."""
        if "open eligibility" not in normalise(term.taxonomy or "").replace("openeligibility", "open eligibility"):
            return None
        title = _open_eligibility_titles().get((term.code or "").strip())
        key = normalise(title) if title else None
        need = self._oe.get(key) or self._exact.get(key) if key else None
        return TermMapping(term, need, "open_eligibility_id", 100.0) if need else None

    def _airs(self, term: Term) -> TermMapping | None:
        code = (term.code or "").strip().upper()
        if not code or not _AIRS_CODE.match(code):
            return None
        prefixes = _airs_prefixes()
        for length in range(len(code), 0, -1):
            oe = prefixes.get(code[:length])
            need = self._oe.get(normalise(oe)) if oe is not None else None
            if need is not None:  # a broad group: never onto a need that names a population (the floor)
                return (
                    TermMapping(term, need, "airs_prefix", AIRS_CONFIDENCE)
                    if need not in self._sensitive or self.eligibility_floor <= AIRS_CONFIDENCE
                    else None
                )
        return None

    def _fuzzy(self, term: Term) -> TermMapping:
        scored = []
        for need in self.needs.values():
            best = max((tokens.score(term.name or "", p) for p in _phrases(need, term.language)), default=0.0)
            scored.append((best, -need.code.count("."), -need.position, need.code))
        if not scored:
            return TermMapping(term, None, "none", 0.0)
        best, _, _, code = max(scored)
        floor = max(self.min_confidence, self.eligibility_floor if code in self._sensitive else 0.0)
        if best >= floor:
            return TermMapping(term, code, "fuzzy", round(best, 1))
        return TermMapping(term, None, "none", round(best, 1), code if best > 0 else None)


def naming(category: RiskCategory) -> RiskCategory:
    """A risk category as read in a term's name: its exclusions that name the danger itself in a frame
    ("suicide prevention", "预防自杀": a phrase its own label uses) are dropped, since a service named
    after a danger is about it; its look-alike exclusions ("hair cutting", "kill time") are kept."""
    labels = [prepare(label) for label in category.labels.values()]
    named = {prepare(p) for ps in category.phrases.values() for p in ps if any(prepare(p) in label for label in labels)}
    kept = {
        lang: tuple(e for e in patterns if not any(p in prepare(e) for p in named))
        for lang, patterns in category.exclusions.items()
    }
    return replace(category, exclusions=kept)


@lru_cache(maxsize=1)
def _open_eligibility_titles() -> dict[str, str]:
    """OE id -> title, for the ids that name one title only (some ids repeat in the published file)."""
    from referral.hsds.openeligibility import service_terms

    titles: dict[str, set[str]] = {}
    for t in service_terms():
        titles.setdefault(t.id, set()).add(t.title)
    return {i: next(iter(v)) for i, v in titles.items() if i and len(v) == 1}


@lru_cache(maxsize=1)
def _airs_prefixes() -> dict[str, str]:
    return {k.upper(): v for k, v in json.loads(AIRS.read_text(encoding="utf-8"))["prefixes"].items()}


def _phrases(need: Need, language: str | None = None) -> list[str]:
    """A need's labels, synonyms and Open Eligibility name; with ``language``, those in it (OE is English)."""
    short = (language or "").lower().split("-")[0] or None
    labels = [v for k, v in need.labels.items() if short is None or k == short]
    synonyms = [s for k, values in need.synonyms.items() if short is None or k == short for s in values]
    oe = [need.open_eligibility] if need.open_eligibility and short in (None, "en") else []
    return [*labels, *synonyms, *oe]


def needs_of_service(mappings: Sequence[TermMapping]) -> list[str]:
    """The need codes a service's term mappings give: our own taxonomy's terms win when present."""
    own = [m for m in mappings if m.own and m.term.taxonomy_id == TAXONOMY_ID and m.need]
    chosen = own or [m for m in mappings if m.need]
    return sorted({m.need for m in chosen if m.need})

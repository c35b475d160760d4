"""Fuzzy phrase matching of short queries and free text to keys (need codes, place codes).

This module owns text normalisation and the scoring rules that turn a query into ranked keys. It
knows nothing about needs, places or services: callers give it ``(key, phrases)`` pairs. It must
depend only on the standard library, numpy and rapidfuzz.

Scoring, per phrase (both sides normalised: NFKC, casefold, punctuation to spaces, whitespace
collapsed):

* short phrases (1-2 characters, or 3 characters of a spaced script) only count on an exact hit:
  a whole word for spaced scripts, a substring for CJK, which has no spaces;
* otherwise the best of ``ratio`` and ``partial_ratio``; ``partial_ratio`` is damped when the query
  is shorter than the phrase ("aut" must not score 100 against "autism spectrum disorder").
  Partial ratios rather than token ratios, because Chinese has no spaces to split tokens on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

_SHORT_CJK = 2  # a 1-2 character CJK phrase ("焦虑") is a word; fuzzy hits on it are noise
_SHORT_SPACED = 3  # "adhd" may be fuzzy; "pe" or "art" must be a whole word
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def normalise(text: str) -> str:
    """NFKC, casefold, punctuation and symbols to spaces, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    chars = (" " if unicodedata.category(c)[0] in "PSZC" else c for c in text)
    return " ".join("".join(chars).split())


@dataclass(frozen=True, slots=True)
class Hit:
    """A key found for a query, with its best phrase and score (0-100)."""

    key: str
    score: float
    phrase: str


def _is_short(phrase: str) -> bool:
    """Whether a normalised phrase is too short to be matched fuzzily."""
    return len(phrase) <= _SHORT_CJK or (len(phrase) <= _SHORT_SPACED and not _CJK.search(phrase))


def _exact_pattern(phrase: str) -> re.Pattern[str]:
    """A whole-word pattern for spaced scripts, a plain substring for CJK."""
    if _CJK.search(phrase):
        return re.compile(re.escape(phrase))
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


class PhraseMatcher:
    """Ranks keys by how well their phrases match a query; built once, queried many times."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]]):
        keys, originals, phrases, seen = [], [], [], set()
        for key, key_phrases in entries:
            for original in key_phrases:
                norm = normalise(original)
                if norm and (key, norm) not in seen:
                    seen.add((key, norm))
                    keys.append(key)
                    originals.append(original)
                    phrases.append(norm)
        self._keys = keys
        self._originals = originals
        self._phrases = phrases
        self._lengths = np.array([len(p) for p in phrases], dtype=np.float64)
        self._short = {i: _exact_pattern(p) for i, p in enumerate(phrases) if _is_short(p)}
        self._long = np.array([i not in self._short for i in range(len(phrases))], dtype=bool)
        self._bigrams = [_bigrams(p) for p in phrases]

    def __len__(self) -> int:
        return len(self._phrases)

    def search(self, query: str, limit: int = 10, min_score: float = 60) -> list[Hit]:
        """Keys ranked by their best phrase for a short query (score desc, longer phrase, key asc)."""
        text = normalise(query)
        if not text or not self._phrases:
            return []
        scores = self._search_scores(text)
        return self._best_per_key(scores, min_score)[:limit]

    def find_in(self, text: str, min_score: float = 90) -> list[Hit]:
        """Keys whose phrases clearly occur inside a long free text (score desc, longer phrase, key asc)."""
        norm = normalise(text)
        if not norm or not self._phrases:
            return []
        scores = np.zeros(len(self._phrases))
        self._score_short(norm, scores)
        text_bigrams = _bigrams(norm)
        for i in self._plausible(text_bigrams, min_score):
            scores[i] = fuzz.partial_ratio(self._phrases[i], norm, score_cutoff=min_score)
        self._drop_nested(norm, scores, min_score)
        return self._best_per_key(scores, min_score)

    def _spans(self, i: int, text: str) -> list[tuple[int, int]]:
        """Where phrase ``i`` occurs in ``text``: every exact hit, else the best fuzzy window."""
        if i in self._short:
            return [m.span() for m in self._short[i].finditer(text)]
        phrase = self._phrases[i]
        exact = [(m.start(), m.start() + len(phrase)) for m in re.finditer(re.escape(phrase), text)]
        if exact:
            return exact
        found = fuzz.partial_ratio_alignment(phrase, text)
        return [(found.dest_start, found.dest_end)]

    def _drop_nested(self, text: str, scores: np.ndarray, min_score: float) -> None:
        """Zero hits that only occur inside a longer hit of another key ("教育" in "家庭教育指导")."""
        hits = sorted(np.flatnonzero(scores >= min_score), key=lambda i: -len(self._phrases[i]))
        claimed: list[tuple[int, int, str]] = []
        for i in hits:
            spans = self._spans(int(i), text)
            free = [
                (a, b) for a, b in spans if not any(a >= c and b <= d and k != self._keys[i] for c, d, k in claimed)
            ]
            if not free:
                scores[i] = 0.0
            claimed.extend((a, b, self._keys[i]) for a, b in free)

    def _search_scores(self, text: str) -> np.ndarray:
        """One score per phrase for a short query, vectorised over the phrases."""
        full = process.cdist([text], self._phrases, scorer=fuzz.ratio, workers=1)[0]
        partial = process.cdist([text], self._phrases, scorer=fuzz.partial_ratio, workers=1)[0]
        # damp partial hits by how much of the phrase the query covers: 0.5 at worst
        cover = np.minimum(1.0, len(text) / self._lengths)
        scores = np.maximum(full, partial * (0.5 + 0.5 * cover))
        scores = np.where(self._long, scores, 0.0)
        self._score_short(text, scores)
        return scores

    def _score_short(self, text: str, scores: np.ndarray) -> None:
        """Short phrases score 100 on an exact hit, 0 otherwise."""
        for i, pattern in self._short.items():
            if pattern.search(text):
                scores[i] = 100.0

    def _plausible(self, text_bigrams: frozenset[str], min_score: float) -> list[int]:
        """Long phrases sharing enough character bigrams with the text to reach ``min_score``.

        ``partial_ratio`` >= s allows at most (1 - s/100) * 2L insertions and deletions against a
        window of the phrase's length L; each destroys at most two of the phrase's bigrams.
        """
        slack = 2.0 * (1.0 - min_score / 100.0)
        found = []
        for i in np.flatnonzero(self._long):
            grams = self._bigrams[i]
            needed = len(grams) - 2 * int(slack * self._lengths[i])
            if needed <= 0 or len(grams & text_bigrams) >= needed:
                found.append(int(i))
        return found

    def _best_per_key(self, scores: np.ndarray, min_score: float) -> list[Hit]:
        """The best phrase per key at or above ``min_score``, ranked as ``search`` documents."""
        best: dict[str, int] = {}
        for i in np.flatnonzero(scores >= min_score):
            key = self._keys[i]
            if key not in best or scores[i] > scores[best[key]]:
                best[key] = int(i)
        hits = [Hit(k, round(float(scores[i]), 2), self._originals[i]) for k, i in best.items()]
        # on equal scores the longer phrase is the more specific match
        return sorted(hits, key=lambda h: (-h.score, -len(h.phrase), h.key))


def _spelling(a: str, b: str, **_kwargs: object) -> float:
    """Whole-string similarity, or a slightly discounted partial one ("autism" in "development.autism")."""
    return max(fuzz.ratio(a, b), 0.9 * fuzz.partial_ratio(a, b))


def closest(value: str, choices: Iterable[str], limit: int = 5, cutoff: float = 50) -> tuple[str, ...]:
    """Up to ``limit`` choices spelled most like ``value`` (codes, names), best first, ties by choice.

    For "did you mean" suggestions on a mistyped code: "development.autsm" → "development.autism"
    before "development".
    """
    normalised = {choice: normalise(choice) for choice in choices}
    hits = process.extract(normalise(value), normalised, scorer=_spelling, limit=None, score_cutoff=cutoff)
    ranked = sorted(hits, key=lambda hit: (-hit[1], hit[2]))
    return tuple(key for _norm, _score, key in ranked[:limit])


# Clause boundaries in any script: a negation only reaches to the end of its clause.
_CLAUSE = re.compile(r"[,.;:!?\n\r\u3001\u3002\uff0c\uff1b\uff1a\uff01\uff1f]+")
_NEGATION_REACH = 16  # characters before the phrase in which a cue negates it ("no clear signs of …")


def negated(text: str, phrase: str, cues: Iterable[str]) -> bool:
    """Whether every occurrence of ``phrase`` in ``text`` follows a negation cue in its clause.

    "No signs of autism." negates "autism"; "家长不懂教育孩子，需要家庭教育指导" does not negate
    "家庭教育指导" (the cue is in another clause). Cues are whole words in spaced scripts and
    substrings in CJK, like phrases; a phrase that is never found verbatim is not negated.
    """
    target = normalise(phrase)
    patterns = [_exact_pattern(normalise(c)) for c in cues if normalise(c)]
    seen = False
    for clause in _CLAUSE.split(text):
        norm = normalise(clause)
        for found in re.finditer(re.escape(target), norm) if target else ():
            seen = True
            before = norm[max(0, found.start() - _NEGATION_REACH) : found.start()]
            if not any(p.search(before) for p in patterns):
                return False
    return seen

"""Reading free text into need terms: every need a text expresses, with its words and confidence.

This module owns the reading rules on top of the taxonomy's lexical index (lexindex.py, built once
per index build) and the per-language cues (cues.py). It must not know about services, places or
scoring; it depends on those modules, text.py (the character-level fallback), rapidfuzz and numpy.

A text is cut into clauses (punctuation, "but", "但是" …) and parts ("and", "而且"); each, and the
whole text, is scored against every term (lexindex.py).

Rules on top: a reading needs a whole word of evidence (one shared character or bigram never
matches); a negation cue before the head of the evidence in its clause ("没有自伤行为", "no signs of autism")
removes the reading unless the cue belongs to the matched phrase ("家里没有大人照顾") or the term is
about lacking something (its lexicon says "没有校服", "no winter coat"); when a carer is the
subject and no child is named ("妈妈失业了"), terms about the child are damped, so carers' terms win;
within a tie the narrower term wins, and a broader term is dropped when a narrower one is read; one
clause may give several needs when each has evidence of its own. English words not in the index
may be read as the closest indexed word (typos, "autsim"), with lowered confidence; when nothing is
read, a character-level match of a long label or synonym may still read with low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from referral.matching import cues
from referral.matching.lexical import Feature, is_cjk, normalise
from referral.matching.lexindex import LexicalIndex, bare, is_pair, names_of, phrases_of
from referral.matching.text import PhraseMatcher
from referral.matching.types import NeedTerm

MIN_CONFIDENCE = 0.25  # a reading below this is a suggestion, not an understanding
SECOND_CONFIDENCE = 0.5  # a further need read from the same clause needs more
TIE = 0.04  # scores this close are a tie: the narrower term wins
FALLBACK_MIN = 85  # PhraseMatcher score for the character-level fallback
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
TYPO_CONFIDENCE = 0.3  # a phrase read with one character mistyped
FALLBACK_CONFIDENCE = 0.45  # x score/100: a character-level reading is never confident
POSITIVE_REACH = 8  # characters between a state and the word saying it is fine
RARE_GRAM = 1.6  # IDF (x0.5 for a bigram) above which one bigram alone is evidence ("~死了": few terms hold it)
WHOLE_PHRASE = 0.95  # recall of one phrase for its weak words to count together
COVERAGE = 0.5  # share of a reading's rank that is how much of the text's content words it explains
PRIORITY = 0.75  # a danger (term priority 1) read from a text ranks as if 75 % more confident


@dataclass(frozen=True, slots=True)
class Reading:
    """A need read from a text: its code, confidence 0-1 and the words that carried it."""

    code: str
    confidence: float
    matched: tuple[str, ...]
    negated: bool = False
    fuzzy: bool = False  # carried only by typo-tolerant or character-level evidence


@dataclass(frozen=True, slots=True)
class _Scored:
    term: int
    score: float
    features: tuple[Feature, ...]  # the clause's features the term knows
    phrase: int  # the best phrase
    fuzzy: bool


class Reader(LexicalIndex):
    """The reading rules over a taxonomy's lexical index; ``read`` is pure and thread-safe once built."""

    def __init__(self, terms: Iterable[NeedTerm]):
        super().__init__(terms)
        self._depth = [_depth(t, {t.code: t for t in self.terms}) for t in self.terms]
        self._ancestors = _ancestor_sets(self.terms)
        self._descendants = [[j for j, up in enumerate(self._ancestors) if k in up] for k in range(len(self.terms))]
        self._lack = [cues.is_lack(phrases_of(t)) for t in self.terms]
        self._fallback = PhraseMatcher((t.code, [p for p in names_of(t) if len(normalise(p)) >= 3]) for t in self.terms)
        self._one_off = _one_off_keys(self.terms)
        self._sounds = _sound_keys(self.terms)
        self._spelled = {normalise(p).strip() for term in self.terms for p in phrases_of(term)}  # not typos
        short = [(normalise(p), t.code) for t in self.terms for p in names_of(t) if 2 <= len(normalise(p)) <= 4]
        self._short_names = [p for p, _ in short]
        self._short_owner = [c for _, c in short]

    # -- reading --------------------------------------------------------------------------------
    def read(self, text: str, language: str = "en", limit: int | None = None) -> list[Reading]:
        """Every need the text expresses, best first (negated ones last, flagged)."""
        norm = normalise(text or "")
        exact = self._exact.get(bare(norm))
        if exact is not None:  # the text is one of the term's own phrases: no doubt
            return [Reading(self.codes[exact], 1.0, (norm.strip(),))]
        features = self.tokens.features(norm)
        if not features:
            return self._fallback_read(norm)
        features = self._correct(features)
        clauses = cues.spans(norm, cues.CLAUSE, 0, len(norm))
        parts = [p for a, b in clauses for p in cues.spans(norm, cues.PART, a, b)]
        spans = list(dict.fromkeys([*clauses, *parts, (0, len(norm))]))
        found: dict[int, tuple[_Scored, bool]] = {}
        read_clauses = 0
        for a, b in spans:
            if (a, b) == (0, len(norm)) and len(clauses) > 1 and read_clauses == len(clauses):
                break  # every clause was read on its own: the whole text adds nothing
            group = [f for f in features if a <= f.start and f.end <= b]
            read = self._clause(group, norm, clauses)
            read_clauses += bool(read) and (a, b) in clauses
            for scored in read:
                neg = self._negated(scored, norm, clauses)
                known = found.get(scored.term)
                if known is not None and known[1] == neg:  # the same need read again: its words add up
                    words = tuple(dict.fromkeys((*known[0].features, *scored.features)))
                    best = scored if scored.score > known[0].score else known[0]
                    found[scored.term] = (_Scored(best.term, best.score, words, best.phrase, best.fuzzy), neg)
                elif known is None or (known[1], -known[0].score) > (neg, -scored.score):
                    found[scored.term] = (scored, neg)
        readings = self._prune(found, norm, features)
        if not readings:
            readings = self._fallback_read(norm)
        elif is_cjk(norm):  # a longer word typed by sound beside what was read ("家庭茅盾": 矛盾)
            known = {r.code for r in readings}
            readings += [r for r in self._homophone_read(norm, min_size=3) if r.code not in known]
        return readings[:limit] if limit else readings

    def suggest(self, text: str, limit: int = 5) -> tuple[str, ...]:
        """The codes a text comes closest to, best first, even when nothing is read."""
        norm = normalise(text or "")
        features = self._correct(self.tokens.features(norm))
        scores = self._scores(features, norm)[0] if features else np.zeros(len(self.terms))
        ranked = [int(k) for k in np.argsort(-scores, kind="stable") if scores[k] > 0][:limit]
        codes = [self.codes[k] for k in ranked]
        for hit in self._fallback.search(norm, limit=limit, min_score=50):
            if hit.key not in codes and len(codes) < limit:
                codes.append(hit.key)
        for _name, _score, k in process.extract(
            norm.strip(), self._short_names, scorer=fuzz.ratio, score_cutoff=50, limit=limit
        ):
            if self._short_owner[k] not in codes and len(codes) < limit:  # "家爆" suggests 家暴, never reads as it
                codes.append(self._short_owner[k])
        return tuple(codes)

    def narrower(self, code: str) -> list[str]:
        """The codes below ``code`` in the taxonomy."""
        k = self._pos.get(code)
        return [] if k is None else [self.codes[j] for j in self._descendants[k]]

    def _clause(self, features: Sequence[Feature], text: str, clauses: list[tuple[int, int]]) -> list[_Scored]:
        """The needs one clause (or the whole text) expresses, each with evidence of its own."""
        if not features:
            return []
        span = text[features[0].start : features[-1].end]
        scores, (hit, fit, recall) = self._scores(features, span)
        owner = self._phrase_term[hit.astype(np.int64)]
        chosen: list[_Scored] = []
        used: set[str] = set()
        for k in np.argsort(-scores, kind="stable")[:8]:
            k = int(k)
            if scores[k] < (SECOND_CONFIDENCE if chosen else MIN_CONFIDENCE):
                break
            evidence = tuple(f for f in features if f.key in self._term_keys[k])
            words = self._strong(evidence) or self._whole_phrase(evidence, recall[owner == k])
            if not words or (chosen and words <= used):
                continue
            narrower = self._narrowest_tie(k, scores)
            narrow_evidence = tuple(f for f in features if f.key in self._term_keys[narrower])
            if narrower != k and (
                self._strong(narrow_evidence) or self._whole_phrase(narrow_evidence, recall[owner == narrower])
            ):
                k, evidence = narrower, narrow_evidence  # the narrower term wins the tie on evidence of its own
            fuzzy = all(f.fuzzy for f in evidence if not f.key.startswith("~"))
            mine = np.flatnonzero(owner == k)
            phrase = int(hit[mine[np.argmax(fit[mine])]]) if len(mine) else int(self._term_starts[k])
            chosen.append(_Scored(k, float(scores[k]), evidence, phrase, fuzzy))
            used |= words
        return chosen

    @staticmethod
    def _whole_phrase(evidence: Sequence[Feature], recall: np.ndarray) -> set[str]:
        """Weak words that make up nearly all of one of the term's phrases ("hasn't been to school")
        are evidence together."""
        words = {f.key for f in evidence if not is_pair(f.key)}
        return words if len(words) >= 2 and len(recall) and recall.max() >= WHOLE_PHRASE else set()

    def _strong(self, evidence: Sequence[Feature]) -> set[str]:
        """The evidence that may carry a reading: words that are not weak, or (Chinese, whose verbs
        are often one character: "被他爸打") two bigrams that are not weak."""
        words = {f.key for f in evidence if not is_pair(f.key) and f.key not in self._weak}
        if words:
            return words
        grams = {
            f.key
            for f in evidence
            if f.key.startswith("~") and f.key not in self._weak and not cues.FUNCTION_CHARS.intersection(f.key)
        }
        rare = {g for g in grams if self.idf[self.vocab[g]] >= RARE_GRAM}
        return grams if len(grams) >= 2 or rare else set()

    def _narrowest_tie(self, k: int, scores: np.ndarray) -> int:
        """A narrower term scoring within ``TIE`` of ``k`` wins the tie (the deepest such)."""
        best = k
        for j in self._descendants[k]:
            if scores[j] >= scores[k] - TIE and self._depth[j] > self._depth[best]:
                best = j
        return best

    def _negated(self, scored: _Scored, text: str, clauses: list[tuple[int, int]]) -> bool:
        """Whether, in every clause holding its evidence, a negation cue precedes the last word of
        the evidence (the head: "身上没有伤", "no evidence of abuse"), or a word saying the state is
        fine follows it ("情绪稳定").

        A cue belongs to the matched phrase when the phrase holds the cue and what follows it
        ("家里没有大人" read from "家里没有大人照顾"); evidence inside a cue ("no") is not evidence;
        weak words ("家里", "孩子") are not the head.
        """
        lack = self._lack[scored.term]
        phrase = self._phrase_text[scored.phrase]
        words = [f for f in scored.features if f.key in self._phrase_keys[scored.phrase]] or list(scored.features)
        words = [f for f in words if not self._weak_key(f.key)] or words  # bigrams too: "没有伤" holds "有伤"
        for a, b in clauses:
            here = [f for f in words if a <= f.start < b]
            if not here:
                continue
            denials = [
                m.span()
                for p in cues.NEGATION
                for m in p.finditer(text, a, b)
                if not _in_phrase(text, m, phrase) and not (lack and m.group() in cues.ABSENCE)
            ]
            fine = [
                m.span()
                for m in cues.POSITIVE_CUES[0].finditer(text, a, b)
                if not cues.UN.search(text[max(a, m.start() - 4) : m.start()])
            ]  # not "情绪不稳定"
            live = [f for f in here if not any(c <= f.start and f.end <= d for c, d in (*fine, *denials))]
            if not live:
                continue  # the only evidence is the cue itself
            head = max(live, key=lambda f: (f.end, f.start))
            well = any(
                0 <= c - head.end <= POSITIVE_REACH or 0 <= head.start - d <= POSITIVE_REACH for c, d in fine
            )  # "情绪稳定", "hearing is normal", "gets on well with classmates"
            if not well and not any(c <= head.start for c, _ in denials):  # "没有伤" holds the word "有伤"
                return False
        return True

    def _prune(self, found: dict[int, tuple[_Scored, bool]], text: str, features: Sequence[Feature]) -> list[Reading]:
        """Broader terms of a narrower reading go; ranked by confidence weighed by how much of the
        text's content the reading explains (a need read across clauses before one read from a
        single clause), then depth, then code."""
        live = {k for k, (_, neg) in found.items() if not neg}
        content = {f.key for f in features if not f.key.startswith("~") and not self._weak_key(f.key)}
        ranked = []
        for k, (s, neg) in found.items():
            if not neg and any(k in self._ancestors[j] for j in live):
                continue
            confidence = min(1.0, s.score * (0.8 if s.fuzzy else 1.0))
            explained = len(content & {f.key for f in s.features}) / len(content) if content else 0.0
            reading = Reading(self.codes[k], round(confidence, 4), _surfaces(s.features, text), neg, s.fuzzy)
            rank = confidence * (1 - COVERAGE + COVERAGE * explained) * (1 + PRIORITY * self.terms[k].priority)
            ranked.append((neg, -rank, -self._depth[k], reading.code, reading))
        return [r for *_, r in sorted(ranked)]

    def _correct(self, features: list[Feature]) -> list[Feature]:
        """English words the index does not know, read as their closest indexed word (marked)."""
        out = []
        for f in features:
            if f.key in self.vocab or f.key.startswith("~") or " " in f.key or is_cjk(f.key) or len(f.key) < 4:
                out.append(f)
                continue
            closest = self._closest_word(f.surface)
            out.append(Feature(closest, f.start, f.end, f.surface, fuzzy=True) if closest else f)
        return out

    def _closest_word(self, word: str) -> str | None:
        """The key of the indexed spelling closest to ``word`` as written (remembered: typos repeat).

        Closest by edit distance with transpositions (a slip is one key: "speach", "thearpy"), at most
        one edit in a word of up to six letters and two in a longer one; a tie goes to the spelling
        sharing the longer beginning ("speach": "speech", not "search"), then to the first.
        """
        if word not in self._corrections:
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            self._corrections[word] = self._spelled_like(word)
        return self._corrections[word]

    def _spelled_like(self, word: str) -> str | None:
        if not word.isalpha() or len(word) < 4:
            return None
        most = 1 if len(word) <= 6 else 2
        hits = process.extract(word, self._spelling_list, scorer=OSA.distance, score_cutoff=most, limit=None)
        if not hits:
            return None
        best = min(hits, key=lambda h: (h[1], -_shared_start(word, h[0]), h[0]))
        return self._spellings[best[0]]

    def _one_off_read(self, text: str) -> list[Reading]:
        """Terms whose 3-6 character phrase the text holds with one character mistyped."""
        found: dict[int, str] = {}
        for run in (m.group() for m in _CJK_RUN.finditer(text)):
            for size in range(min(6, len(run)), 2, -1):
                for a in range(len(run) - size + 1):
                    piece = run[a : a + size]
                    for i in range(size):
                        rest = piece[:i] + piece[i + 1 :]
                        if rest in self._weak or cues.FUNCTION_CHARS.intersection(rest):
                            continue  # "天天?" is not a word mistyped
                        k = self._one_off.get(piece[:i] + "?" + piece[i + 1 :])
                        if k is not None and k not in found:
                            found[k] = piece
        return [Reading(self.codes[k], TYPO_CONFIDENCE, (piece,), False, True) for k, piece in list(found.items())[:1]]

    def _homophone_read(self, text: str, min_size: int = 2) -> list[Reading]:
        """Terms whose 2-6 character phrase sounds like a piece of the text: the pinyin input
        method's slips ("焦绿" for 焦虑, "网隐" for 网瘾), read with a typo's confidence."""
        for run in (m.group() for m in _CJK_RUN.finditer(text)):
            sounds = tuple(lazy_pinyin(run))
            for size in range(min(6, len(run)), min_size - 1, -1):
                for a in range(len(run) - size + 1):
                    piece = run[a : a + size]
                    if cues.FUNCTION_CHARS.intersection(piece) or piece in self._weak or piece in self._spelled:
                        continue
                    k = self._sounds.get(sounds[a : a + size])
                    if k is not None:
                        return [Reading(self.codes[k], TYPO_CONFIDENCE, (piece,), False, True)]
        return []

    def _fallback_read(self, text: str) -> list[Reading]:
        """A character-level reading of long names, when the words gave nothing (Chinese typos:
        English ones are read through their closest word)."""
        if not is_cjk(text):
            return []
        typo = self._one_off_read(text) or self._homophone_read(text)
        if typo:
            return typo
        hits = self._fallback.find_in(text, min_score=FALLBACK_MIN)
        return [
            Reading(h.key, round(FALLBACK_CONFIDENCE * h.score / 100, 4), (h.phrase,), False, True) for h in hits[:1]
        ]


def _in_phrase(text: str, cue: re.Match[str], phrase: str) -> bool:
    """Whether the cue and what follows it belong to the matched phrase ("家里没有大人" in
    "家里没有大人照顾"; "not up to date" after "are not")."""
    last = cue.group().split()[-1] if cue.group().split() else cue.group()
    return any(text[start : cue.end() + 2].rstrip() in phrase for start in (cue.start(), cue.end() - len(last)))


def _shared_start(a: str, b: str) -> int:
    """How many leading letters two words share."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _one_off_keys(terms: Sequence[NeedTerm]) -> dict[str, int]:
    """Chinese phrases of 3-6 characters with one character blanked ("志?者"), each to its term
    when only one term has it: a typo of one character in a longer word ("志原者") still reads."""
    found: dict[str, set[int]] = {}
    for k, term in enumerate(terms):
        for phrase in phrases_of(term):
            p = normalise(phrase).strip()
            if 3 <= len(p) <= 6 and all(is_cjk(c) for c in p):
                for i in range(len(p)):
                    found.setdefault(p[:i] + "?" + p[i + 1 :], set()).add(k)
    return {key: next(iter(ks)) for key, ks in found.items() if len(ks) == 1}


def _sound_keys(terms: Sequence[NeedTerm]) -> dict[tuple[str, ...], int]:
    """Chinese phrases of 2-6 characters by their toneless pinyin, each to its term when only one
    term sounds so: a homophone typed for the word ("焦绿") still reads."""
    found: dict[tuple[str, ...], set[int]] = {}
    for k, term in enumerate(terms):
        for phrase in phrases_of(term):
            p = normalise(phrase).strip()
            if 2 <= len(p) <= 6 and all(is_cjk(c) for c in p):
                found.setdefault(tuple(lazy_pinyin(p)), set()).add(k)
    return {key: next(iter(ks)) for key, ks in found.items() if len(ks) == 1}


def read_text(source: Any, text: str, language: str = "en") -> list[Reading]:
    """Every need ``text`` expresses, best first: the public entry other modules call.

    ``source`` is a ``Reader``, a ``Taxonomy`` or a ``DirectoryIndex`` (anything holding a reader).
    Negated readings are included, flagged ``negated`` and ranked last; readings below
    ``MIN_CONFIDENCE`` never appear except as a Chinese character-level fallback (``fuzzy``).
    Never raises on any text; returns only codes of the taxonomy.
    """
    reader = source if isinstance(source, Reader) else getattr(source, "reader", None)
    if reader is None:
        reader = source.taxonomy.reader
    return reader.read(text, language)


def _depth(term: NeedTerm, by_code: dict[str, NeedTerm]) -> int:
    depth, seen, parent = 0, {term.code}, term.parent
    while parent in by_code and parent not in seen:
        seen.add(parent)
        depth, parent = depth + 1, by_code[parent].parent
    return depth


def _ancestor_sets(terms: list[NeedTerm]) -> list[frozenset[int]]:
    pos = {t.code: k for k, t in enumerate(terms)}
    by_code = {t.code: t for t in terms}
    sets = []
    for t in terms:
        found, parent = set(), t.parent
        while parent in pos and pos[parent] not in found and parent != t.code:
            found.add(pos[parent])
            parent = by_code[parent].parent
        sets.append(frozenset(found))
    return sets


def _surfaces(features: Sequence[Feature], text: str) -> tuple[str, ...]:
    """The matched words as written, overlapping spans merged, in text order."""
    spans: list[list[int]] = []
    for f in sorted(features, key=lambda f: (f.start, f.end)):
        if spans and f.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], f.end)
        else:
            spans.append([f.start, f.end])
    return tuple(text[a:b] for a, b in spans)

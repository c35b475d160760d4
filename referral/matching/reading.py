"""Reading free text into need terms: every need a text expresses, with its words and confidence.

This module owns the lexical index over the taxonomy (built once per index build) and the reading
rules. It must not know about services, places or scoring; it depends on lexical.py (tokens),
text.py (the character-level fallback) and numpy.

The index: each term's phrases (labels, synonyms and its lexicon of everyday expressions, every
language) become weighted feature sets (IDF over terms; a Chinese bigram weighs half a word). A
text is cut into clauses (punctuation, "but", "但是" …); each clause, and the whole text, is scored
against every term as

    0.6 x best phrase fit (F1 of the IDF-weighted overlap with one phrase)
  + 0.4 x BM25 of the clause against the term's whole document (phrases and description),
          divided by the most the clause could score

Rules on top: a reading needs a whole word of evidence (one shared character or bigram never
matches); a negation cue before the evidence in its clause ("没有自伤行为", "no signs of autism")
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
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from referral.matching.lexical import WEAK_WORDS, Feature, is_cjk, normalise, tokeniser_for
from referral.matching.text import PhraseMatcher
from referral.matching.types import NeedTerm

MIN_CONFIDENCE = 0.25  # a reading below this is a suggestion, not an understanding
SECOND_CONFIDENCE = 0.5  # a further need read from the same clause needs more
TIE = 0.04  # scores this close are a tie: the narrower term wins
BIGRAM_WEIGHT = 0.5  # a Chinese character bigram weighs half a word
UNKNOWN_WEIGHT = (0.4, 0.25)  # weight of a word / bigram the index does not know (dilutes the fit)
FUZZY_WEIGHT = 0.7  # an English word read as its closest indexed word
FUZZY_CUTOFF = 80  # rapidfuzz ratio for that
FALLBACK_MIN = 85  # PhraseMatcher score for the character-level fallback
FALLBACK_CONFIDENCE = 0.45  # x score/100: a character-level reading is never confident
CARER_DAMP = 0.6
POSITIVE_REACH = 8  # characters between a state and the word saying it is fine
WHOLE_PHRASE = 0.85  # recall of one phrase for its weak words to count together
LACK_PHRASES = (4, 0.05)  # how many of a term's phrases (and what share) say "没有…" for it to be a lack
WEAK_WEIGHT = 0.6  # a weak word's share of a word's weight
VOTE_WEIGHT = 0.9  # the words' vote: each word's weight split among the terms holding it, by share
K1, B = 1.2, 0.5  # BM25

_CLAUSE = re.compile(
    r"[,.;:!?\n\r()\[\]\u3001\u3002\uff0c\uff1b\uff1a\uff01\uff1f\uff08\uff09]+"
    r"|\b(?:but|however|although|though|whereas)\b|但是|但|可是|不过|然而|虽然"
)
# Conjunctions that join two needs in one clause ("hyperactive and hits other kids"): each part is
# also read on its own (the whole text is read too, so a need spread over both parts is not lost).
_PART = re.compile(r"\b(?:and|also|plus|as well as)\b|并且|而且|还有|同时|以及|另外")
_AGE = re.compile(r"[0-9一二三四五六七八九十两几半]+(?:岁|岁了|个月|年级|周岁)")
# Chinese function characters: a bigram holding one ("子很", "很可") is never evidence on its own.
_FUNCTION_CHARS = frozenset("的了是在有就都也和与跟很还又把让给着过吗呢吧啊呀嘛么我你他她它们这那个一")
# Per-language cue tables (the text of every language is checked: writing mixes languages).
NEGATIONS = {
    # "not" alone is a symptom as often as a denial ("does not speak", "can't sit still"): only its
    # copular and having forms deny.
    "en": ("no", "without", "denies", "denied", "deny", "no signs of", "no sign of", "no evidence of", "no history of",
           "no concerns about", "no concern about", "not suspected", "ruled out", "rules out", "negative for", "free of",
           "is not", "are not", "was not", "were not", "not diagnosed", "does not have", "did not have",
           "never had", "never been", "not at risk"),
    "zh": ("没有", "没有发现", "没有迹象", "没发现", "未见", "未发现", "未有", "否认", "排除", "不是", "并非", "无明显", "并无", "从未", "从来没有",
           "不存在", "无任何"),
}
# A state said to be fine right after it denies it too ("情绪稳定", "development is normal").
POSITIVE = {
    "en": ("is normal", "are normal", "normal", "is fine", "is stable", "stable", "is good", "no problems", "age-appropriate",
           "within normal limits", "is ok"),
    "zh": ("稳定", "正常", "良好", "无异常", "没问题", "没有问题", "挺好", "很好"),
}
CARERS = {
    "en": ("mother", "mum", "mom", "father", "dad", "parent", "parents", "grandmother", "grandfather", "carer",
           "caregiver", "stepfather", "stepmother", "guardian"),
    "zh": ("妈妈", "母亲", "爸爸", "父亲", "父母", "爸妈", "家长", "爷爷", "奶奶", "外公", "外婆", "监护人", "继父", "继母",
           "老爸", "老妈"),
}
CHILDREN = {
    "en": ("child", "children", "kid", "kids", "son", "daughter", "boy", "girl", "he", "she", "student", "pupil"),
    "zh": ("孩子", "儿子", "女儿", "小孩", "学生", "他", "她", "儿童", "娃"),
}


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


def _cue_patterns(table: dict[str, tuple[str, ...]]) -> list[re.Pattern[str]]:
    """One pattern for all the cues of every language, longest first: substrings in CJK, whole words
    elsewhere."""
    cues = sorted({c for cs in table.values() for c in cs}, key=len, reverse=True)
    parts = [re.escape(c) if is_cjk(c) else rf"(?<![\w]){re.escape(c)}(?![\w])" for c in cues]
    return [re.compile("|".join(parts))]


_NEGATION_PATTERNS = _cue_patterns(NEGATIONS)
_POSITIVE_PATTERNS = _cue_patterns(POSITIVE)
_UN = re.compile(r"(?:不|没|欠|not\s*|ab|un)$")
# Cues of mere absence: they deny a problem ("没有自伤行为") but state a need of lacking something
# ("没有校服", "no winter coat"); denials proper ("未发现", "denies", "ruled out") always deny.
_ABSENCE = frozenset(("没有", "并无", "从来没有", "no", "without", "never had", "does not have", "did not have"))
_LACK_START = re.compile(r"^(?:家里|孩子|家中)?(?:没有|没|缺少|缺|无)|^(?:no|without|lacks?|not enough|nothing)\b")
_CARER_PATTERNS = _cue_patterns(CARERS)
_CHILD_PATTERNS = _cue_patterns(CHILDREN)


class Reader:
    """The lexical index of a taxonomy; ``read`` is pure and thread-safe once built."""

    def __init__(self, terms: Iterable[NeedTerm]):
        self.terms = sorted(terms, key=lambda t: t.code)
        self.codes = [t.code for t in self.terms]
        self._pos = {c: k for k, c in enumerate(self.codes)}
        phrases = [(k, p) for k, t in enumerate(self.terms) for p in _phrases(t)]
        self.tokens = tokeniser_for(frozenset(p for _, p in phrases))
        self._phrase_text = [normalise(p) for _, p in phrases]
        self._phrase_term = np.array([k for k, _ in phrases], dtype=np.int64)
        self._exact = _unambiguous((_bare(normalise(p)), k) for k, p in phrases)
        self._build(phrases)
        self._depth = [_depth(t, {t.code: t for t in self.terms}) for t in self.terms]
        self._ancestors = _ancestor_sets(self.terms)
        self._descendants = [[j for j, up in enumerate(self._ancestors) if k in up] for k in range(len(self.terms))]
        self._family = np.array([t.audience != "child" for t in self.terms])
        self._lack = [_is_lack(t) for t in self.terms]
        self._fallback = PhraseMatcher((t.code, [p for p in _names(t) if len(normalise(p)) >= 3]) for t in self.terms)

    # -- building -------------------------------------------------------------------------------
    def _build(self, phrases: list[tuple[int, str]]) -> None:
        keys_per_phrase = [{f.key for f in self.tokens.features(t)} for t in self._phrase_text]
        self._phrase_keys = [frozenset(keys) for keys in keys_per_phrase]
        docs: list[dict[str, int]] = [{} for _ in self.terms]
        for (k, _), keys in zip(phrases, keys_per_phrase):
            for key in keys:
                docs[k][key] = docs[k].get(key, 0) + 1
        for k, term in enumerate(self.terms):
            for text in term.description.values():
                for f in self.tokens.features(normalise(text)):
                    docs[k][f.key] = docs[k].get(f.key, 0) + 1
        vocab = sorted({key for d in docs for key in d})
        self.vocab = {key: i for i, key in enumerate(vocab)}
        self._vocab_keys = vocab
        n = len(self.terms)
        df = np.zeros(len(vocab))
        for d in docs:
            for key in d:
                df[self.vocab[key]] += 1
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5)) * np.array([_kind(k) for k in vocab])
        weak = [normalise(w) for words in WEAK_WORDS.values() for w in words]
        self._weak = frozenset(f.key for w in weak for f in self.tokens.features(w)) | frozenset(weak)
        self._weak |= frozenset("~" + w for w in weak if len(w) == 2 and is_cjk(w))
        self._weak |= frozenset(k for k in self.vocab if _AGE.fullmatch(k.lstrip("~")))
        # weak words (and English pairs holding one) weigh little in the fit: "uses a wheelchair that
        # no longer fits" is about the wheelchair
        self._light = np.array([WEAK_WEIGHT if self._weak_key(k) else 1.0 for k in self._vocab_keys])
        self._term_keys = [frozenset(d) for d in docs]
        self._postings_phrases(keys_per_phrase)
        self._postings_terms(docs)
        self._words = {k for k in vocab if not k.startswith("~") and " " not in k and not is_cjk(k) and len(k) >= 3}
        self._word_list = sorted(self._words)
        self._corrections: dict[str, str | None] = {}

    def _postings_phrases(self, keys_per_phrase: list[set[str]]) -> None:
        rows: dict[int, list[int]] = {}
        self._phrase_norm = np.zeros(len(keys_per_phrase))
        for p, keys in enumerate(keys_per_phrase):
            for key in keys:
                i = self.vocab[key]
                rows.setdefault(i, []).append(p)
                self._phrase_norm[p] += self.idf[i] * self._light[i]
        self._phrase_norm[self._phrase_norm == 0] = 1.0
        self._p_post = {i: np.array(ps, dtype=np.int64) for i, ps in rows.items()}
        order = np.argsort(self._phrase_term, kind="stable")
        assert (order == np.arange(len(order))).all()  # phrases are grouped by term, in term order
        self._term_starts = np.searchsorted(self._phrase_term, np.arange(len(self.terms)))
        self._term_ends = np.searchsorted(self._phrase_term, np.arange(len(self.terms)), side="right")

    def _csr(self) -> None:
        """The postings as flat arrays with offsets per feature, for one vectorised gather per query."""
        n = len(self._vocab_keys)
        p_lists = [self._p_post.get(i, np.zeros(0, dtype=np.int64)) for i in range(n)]
        self._p_ptr = np.concatenate(([0], np.cumsum([len(x) for x in p_lists]))).astype(np.int64)
        self._p_idx = np.concatenate(p_lists) if p_lists else np.zeros(0, dtype=np.int64)
        t_lists = [self._t_post[i] for i in range(n)]
        self._t_ptr = np.concatenate(([0], np.cumsum([len(ts) for ts, _ in t_lists]))).astype(np.int64)
        self._t_idx = np.concatenate([ts for ts, _ in t_lists])
        self._t_bm25 = np.concatenate([ws for _, ws in t_lists])
        self._t_share = np.concatenate([self._share[i] for i in range(n)])

    def _postings_terms(self, docs: list[dict[str, int]]) -> None:
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avg = lengths.mean() if len(lengths) else 1.0
        rows: dict[int, tuple[list[int], list[float]]] = {}
        for k, d in enumerate(docs):
            norm = K1 * (1 - B + B * lengths[k] / avg)
            for key, tf in d.items():
                ts, ws = rows.setdefault(self.vocab[key], ([], []))
                ts.append(k)
                ws.append(tf * (K1 + 1) / (tf + norm))
        self._t_post = {i: (np.array(ts, dtype=np.int64), np.array(ws)) for i, (ts, ws) in rows.items()}
        # how exclusively each feature points to each term that holds it (its share of the feature's tf)
        tfs = {i: np.array([docs[t][self._vocab_keys[i]] for t in ts], dtype=np.float64) for i, (ts, _) in rows.items()}
        self._share = {i: tf / tf.sum() for i, tf in tfs.items()}
        self._csr()

    # -- reading --------------------------------------------------------------------------------
    def read(self, text: str, language: str = "en", limit: int | None = None) -> list[Reading]:
        """Every need the text expresses, best first (negated ones last, flagged)."""
        norm = normalise(text or "")
        exact = self._exact.get(_bare(norm))
        if exact is not None:  # the text is one of the term's own phrases: no doubt
            return [Reading(self.codes[exact], 1.0, (norm.strip(),))]
        features = self.tokens.features(norm)
        if not features:
            return self._fallback_read(norm)
        features = self._correct(features)
        clauses = _spans(norm, _CLAUSE, 0, len(norm))
        parts = [p for a, b in clauses for p in _spans(norm, _PART, a, b)]
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
        readings = self._prune(found, norm)
        if not readings:
            readings = self._fallback_read(norm)
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
        return tuple(codes)

    def narrower(self, code: str) -> list[str]:
        """The codes below ``code`` in the taxonomy."""
        k = self._pos.get(code)
        return [] if k is None else [self.codes[j] for j in self._descendants[k]]

    def _scores(self, features: Sequence[Feature], text: str) -> tuple[np.ndarray, np.ndarray]:
        """Per term: the score; for the phrases sharing a feature: their index, fit (F1) and recall."""
        weights: dict[int, float] = {}
        unknown, seen = 0.0, set()
        for f in features:
            i = self.vocab.get(f.key)
            if i is None:
                unknown += 0.0 if f.key in seen else UNKNOWN_WEIGHT[_is_pair(f.key)]
                seen.add(f.key)
                continue
            weights[i] = max(weights.get(i, 0.0), self.idf[i] * (FUZZY_WEIGHT if f.fuzzy else 1.0) * self._light[i])
        ids = list(weights)
        total = sum(self.idf[i] * self._light[i] for i in ids) + unknown  # a typo explains less than its word
        n_terms = len(self.terms)
        if not ids or total <= 0:
            return np.zeros(n_terms), np.zeros((3, 0))
        ids_arr = np.fromiter(ids, dtype=np.int64, count=len(ids))
        w = np.fromiter((weights[i] for i in ids), dtype=np.float64, count=len(ids))
        at, pw = _gather(self._p_ptr, ids_arr, w)
        overlap = np.bincount(self._p_idx[at], pw, len(self._phrase_norm))
        hit = np.flatnonzero(overlap)  # only phrases sharing a feature are scored
        recall = overlap[hit] / self._phrase_norm[hit]
        precision = overlap[hit] / total
        f1 = 2 * recall * precision / np.maximum(recall + precision, 1e-9)
        best_phrase = np.zeros(n_terms)
        if len(hit):  # phrases are grouped by term: the best of each run of one term's phrases
            owner = self._phrase_term[hit]
            runs = np.flatnonzero(np.diff(owner, prepend=-1))
            best_phrase[owner[runs]] = np.maximum.reduceat(f1, runs)
        at, tw = _gather(self._t_ptr, ids_arr, w)
        ts = self._t_idx[at]
        bm25 = np.bincount(ts, self._t_bm25[at] * tw, n_terms)
        vote = np.bincount(ts, self._t_share[at] * tw, n_terms)
        score = np.maximum(0.6 * best_phrase + 0.4 * bm25 / (total * (K1 + 1)), VOTE_WEIGHT * vote / total)
        if _carer_subject(text):
            score = np.where(self._family, score, score * CARER_DAMP)
        return score, np.stack((hit, f1, recall))

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
            k = self._narrowest_tie(k, scores)
            evidence = tuple(f for f in features if f.key in self._term_keys[k])
            fuzzy = all(f.fuzzy for f in evidence if not f.key.startswith("~"))
            mine = np.flatnonzero(owner == k)
            phrase = int(hit[mine[np.argmax(fit[mine])]]) if len(mine) else int(self._term_starts[k])
            chosen.append(_Scored(k, float(scores[k]), evidence, phrase, fuzzy))
            used |= words
        return chosen

    def _weak_key(self, key: str) -> bool:
        if key in self._weak:
            return True
        return " " in key and any(part in self._weak for part in key.split(" "))

    @staticmethod
    def _whole_phrase(evidence: Sequence[Feature], recall: np.ndarray) -> set[str]:
        """Weak words that make up nearly all of one of the term's phrases ("hasn't been to school")
        are evidence together."""
        return {f.key for f in evidence} if len(recall) and recall.max() >= WHOLE_PHRASE else set()

    def _strong(self, evidence: Sequence[Feature]) -> set[str]:
        """The evidence that may carry a reading: words that are not weak, or (Chinese, whose verbs
        are often one character: "被他爸打") two bigrams that are not weak."""
        words = {f.key for f in evidence if not _is_pair(f.key) and f.key not in self._weak}
        if words:
            return words
        grams = {f.key for f in evidence if f.key.startswith("~") and f.key not in self._weak
                 and not _FUNCTION_CHARS.intersection(f.key)}
        return grams if len(grams) >= 2 else set()

    def _narrowest_tie(self, k: int, scores: np.ndarray) -> int:
        """A narrower term scoring within ``TIE`` of ``k`` wins the tie (the deepest such)."""
        best = k
        for j in self._descendants[k]:
            if scores[j] >= scores[k] - TIE and self._depth[j] > self._depth[best]:
                best = j
        return best

    def _negated(self, scored: _Scored, text: str, clauses: list[tuple[int, int]]) -> bool:
        """Whether a negation cue precedes all the evidence in its clause, outside the matched phrase.

        A cue belongs to the matched phrase when the phrase holds the cue and what follows it
        ("家里没有大人" read from "家里没有大人照顾"); evidence inside a cue ("no") is not evidence.
        """
        lack = self._lack[scored.term]
        phrase = self._phrase_text[scored.phrase]
        words = [f for f in scored.features if not _is_pair(f.key)] or list(scored.features)
        words = [f for f in words if f.key in self._phrase_keys[scored.phrase]] or words  # not "孩子"
        for a, b in clauses:
            cues = [m.span() for p in _NEGATION_PATTERNS for m in p.finditer(text, a, b)
                    if text[m.start() : m.end() + 2].rstrip() not in phrase and not (lack and m.group() in _ABSENCE)]
            fine = [m.span() for m in _POSITIVE_PATTERNS[0].finditer(text, a, b)
                    if not _UN.search(text[max(a, m.start() - 4) : m.start()])]  # not "情绪不稳定"
            for f in words:
                if any(c <= f.start < d for c, d in fine):
                    continue  # the word saying it is fine is not evidence of a need
                if a <= f.start < b and not any(c <= f.start < d for c, d in cues):
                    well = any(0 <= c - f.end <= POSITIVE_REACH for c, _ in fine)  # "情绪稳定", "hearing is normal"
                    if not well and not any(d <= f.start for _, d in cues):
                        return False
        return True

    def _prune(self, found: dict[int, tuple[_Scored, bool]], text: str) -> list[Reading]:
        """Broader terms of a narrower reading go; ranked by confidence, then depth, then code."""
        live = {k for k, (_, neg) in found.items() if not neg}
        readings = []
        for k, (s, neg) in found.items():
            if not neg and any(k in self._ancestors[j] for j in live):
                continue
            confidence = min(1.0, s.score * (0.8 if s.fuzzy else 1.0))
            matched = _surfaces(s.features, text)
            readings.append(Reading(self.codes[k], round(confidence, 4), matched, neg, s.fuzzy))
        return sorted(readings, key=lambda r: (r.negated, -r.confidence, -self._depth[self._pos[r.code]], r.code))

    def _correct(self, features: list[Feature]) -> list[Feature]:
        """English words the index does not know, read as their closest indexed word (marked)."""
        out = []
        for f in features:
            if f.key in self.vocab or f.key.startswith("~") or " " in f.key or is_cjk(f.key) or len(f.key) < 4:
                out.append(f)
                continue
            closest = self._closest_word(f.key)
            out.append(Feature(closest, f.start, f.end, f.surface, fuzzy=True) if closest else f)
        return out

    def _closest_word(self, word: str) -> str | None:
        """The indexed word spelled most like ``word`` (remembered: typos repeat)."""
        if word not in self._corrections:
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            hit = process.extractOne(word, self._word_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            self._corrections[word] = hit[0] if hit else None
        return self._corrections[word]

    def _fallback_read(self, text: str) -> list[Reading]:
        """A character-level reading of long names, when the words gave nothing (Chinese typos:
        English ones are read through their closest word)."""
        if not is_cjk(text):
            return []
        hits = self._fallback.find_in(text, min_score=FALLBACK_MIN)
        return [Reading(h.key, round(FALLBACK_CONFIDENCE * h.score / 100, 4), (h.phrase,), False, True) for h in hits[:1]]


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


def _gather(ptr: np.ndarray, ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the postings of ``ids`` in a flat array with offsets ``ptr``, and each one's weight."""
    starts, lens = ptr[ids], ptr[ids + 1] - ptr[ids]
    total = int(lens.sum())
    at = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
    return at, np.repeat(weights, lens)


def _is_lack(term: NeedTerm) -> bool:
    """Whether the term is a need of lacking something: enough of its phrases open with "没有…",
    "no …" ("没有校服", "no winter coat"), so an absence cue before its evidence states the need."""
    phrases = _phrases(term)
    lacking = sum(1 for p in phrases if _LACK_START.search(normalise(p)))
    return lacking >= LACK_PHRASES[0] and lacking >= LACK_PHRASES[1] * len(phrases)


def _names(term: NeedTerm) -> list[str]:
    """A term's labels and synonyms: what the character-level fallback knows."""
    return [*term.labels.values(), *(s for values in term.synonyms.values() for s in values)]


def _phrases(term: NeedTerm) -> list[str]:
    found = [*term.labels.values()]
    for values in (*term.synonyms.values(), *term.lexicon.values()):
        found.extend(values)
    return found


def _bare(text: str) -> str:
    """A text without punctuation, symbols or spaces, for exact comparison."""
    return "".join(c for c in text if c.isalnum())


def _unambiguous(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Phrase -> term, for phrases exactly one term holds."""
    found: dict[str, set[int]] = {}
    for phrase, k in pairs:
        found.setdefault(phrase, set()).add(k)
    return {p: next(iter(ks)) for p, ks in found.items() if len(ks) == 1 and p}


def _kind(key: str) -> float:
    return BIGRAM_WEIGHT if _is_pair(key) else 1.0


def _is_pair(key: str) -> bool:
    """A Chinese character bigram or an English stem bigram."""
    return key.startswith("~") or " " in key


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


def _spans(text: str, separator: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """The pieces of ``text[start:end]`` between separators (the whole span when none)."""
    spans = []
    for m in separator.finditer(text, start, end):
        if m.start() > start and text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = max(start, m.end())
    if start < end and text[start:end].strip():
        spans.append((start, end))
    return spans or [(start, end)]


def _carer_subject(text: str) -> bool:
    """Whether a carer opens the clause and no child is named in it ("妈妈失业了")."""
    head = text.lstrip()[:12]
    carer = any(m.start() <= 1 for p in _CARER_PATTERNS for m in p.finditer(head))
    return carer and not any(p.search(text) for p in _CHILD_PATTERNS)


def _surfaces(features: Sequence[Feature], text: str) -> tuple[str, ...]:
    """The matched words as written, overlapping spans merged, in text order."""
    spans: list[list[int]] = []
    for f in sorted(features, key=lambda f: (f.start, f.end)):
        if spans and f.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], f.end)
        else:
            spans.append([f.start, f.end])
    return tuple(text[a:b] for a, b in spans)

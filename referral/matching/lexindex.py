"""The lexical index of a taxonomy: every term's phrases as weighted features, scored per text.

This module owns the index the text reader scores with (reading.py owns the rules on top). Each
term's phrases (labels, synonyms and its lexicon of everyday expressions, every language) become
feature sets weighted by IDF over terms (a Chinese bigram weighs half a word, a weak word less);
a text's features score every term as the best of

    0.6 x best phrase fit (F1 of the IDF-weighted overlap with one phrase)
      + 0.4 x BM25 of the text against the term's whole document (phrases and description),
            divided by the most the text could score
    0.9 x the words' vote (each word's weight split among the terms holding it, by its share)

When a carer is the subject and no child is named, terms about the child are damped. Built once
per taxonomy; depends on numpy, lexical.py and cues.py only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from referral.matching import cues
from referral.matching.lexical import WEAK_WORDS, Feature, is_cjk, normalise, tokeniser_for
from referral.matching.types import NeedTerm

BIGRAM_WEIGHT = 0.5  # a Chinese character bigram weighs half a word
UNKNOWN_WEIGHT = (0.4, 0.25)  # weight of a word / bigram the index does not know (dilutes the fit)
FUZZY_WEIGHT = 0.7  # an English word read as its closest indexed word
WEAK_WEIGHT = 0.6  # a weak word's share of a word's weight
VOTE_WEIGHT = 0.9  # the words' vote: each word's weight split among the terms holding it, by share
CARER_DAMP = 0.6
K1, B = 1.2, 0.5  # BM25


class LexicalIndex:
    """Terms, their phrases and the postings that score a text's features against them."""

    def __init__(self, terms: Iterable[NeedTerm]):
        self.terms = sorted(terms, key=lambda t: t.code)
        self.codes = [t.code for t in self.terms]
        self._pos = {c: k for k, c in enumerate(self.codes)}
        phrases = [(k, p) for k, t in enumerate(self.terms) for p in phrases_of(t)]
        self.tokens = tokeniser_for(frozenset(p for _, p in phrases))
        self._phrase_text = [normalise(p) for _, p in phrases]
        self._phrase_term = np.array([k for k, _ in phrases], dtype=np.int64)
        self._exact = _unambiguous((bare(normalise(p)), k) for k, p in phrases)
        self._family = np.array([t.audience != "child" for t in self.terms])
        self._build(phrases)

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
        self._weak |= frozenset(k for k in self.vocab if cues.AGE.fullmatch(k.lstrip("~")))
        # weak words (and English pairs holding one) weigh little in the fit: "uses a wheelchair that
        # no longer fits" is about the wheelchair
        self._light = np.array([WEAK_WEIGHT if self._weak_key(k) else 1.0 for k in self._vocab_keys])
        self._term_keys = [frozenset(d) for d in docs]
        self._postings_phrases(keys_per_phrase)
        self._postings_terms(docs)
        self._words = {k for k in vocab if not k.startswith("~") and " " not in k and not is_cjk(k) and len(k) >= 3}
        self._spellings = self._spellings_of(
            [*self._phrase_text, *(normalise(d) for t in self.terms for d in t.description.values())]
        )
        self._spelling_list = sorted(self._spellings)
        self._corrections: dict[str, str | None] = {}

    def _spellings_of(self, texts: Iterable[str]) -> dict[str, str]:
        """Each English word as the index's phrases spell it -> its indexed key ("speech" -> "speech",
        "therapy" -> "therapi"): typos are corrected against spellings, not stems, so that
        "utility" (stem "util") is never read as "until"."""
        spellings: dict[str, str] = {}
        for text in texts:
            for f in self.tokens.features(text):
                if f.key in self._words and f.surface.isalpha() and f.surface.isascii():
                    spellings.setdefault(f.surface, f.key)
        return spellings

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
        none = [np.zeros(0)]  # an empty taxonomy (a fresh database) has no features at all
        self._t_idx = np.concatenate([ts for ts, _ in t_lists] or none).astype(np.int64)
        self._t_bm25 = np.concatenate([ws for _, ws in t_lists] or none)
        self._t_share = np.concatenate([self._share[i] for i in range(n)] or none)

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

    def _scores(self, features: Sequence[Feature], text: str) -> tuple[np.ndarray, np.ndarray]:
        """Per term: the score; for the phrases sharing a feature: their index, fit (F1) and recall."""
        weights: dict[int, float] = {}
        unknown, seen = 0.0, set()
        for f in features:
            i = self.vocab.get(f.key)
            if i is None:
                unknown += 0.0 if f.key in seen else UNKNOWN_WEIGHT[is_pair(f.key)]
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
        if cues.carer_subject(text):
            score = np.where(self._family, score, score * CARER_DAMP)
        return score, np.stack((hit, f1, recall))

    def _weak_key(self, key: str) -> bool:
        if key in self._weak:
            return True
        return " " in key and any(part in self._weak for part in key.split(" "))


def _gather(ptr: np.ndarray, ids: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the postings of ``ids`` in a flat array with offsets ``ptr``, and each one's weight."""
    starts, lens = ptr[ids], ptr[ids + 1] - ptr[ids]
    total = int(lens.sum())
    at = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
    return at, np.repeat(weights, lens)


def names_of(term: NeedTerm) -> list[str]:
    """A term's labels and synonyms: what the character-level fallback knows."""
    return [*term.labels.values(), *(s for values in term.synonyms.values() for s in values)]


def phrases_of(term: NeedTerm) -> list[str]:
    found = [*term.labels.values()]
    for values in (*term.synonyms.values(), *term.lexicon.values()):
        found.extend(values)
    return found


def bare(text: str) -> str:
    """A text without punctuation, symbols or spaces, for exact comparison."""
    return "".join(c for c in text if c.isalnum())


def _unambiguous(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Phrase -> term, for phrases exactly one term holds."""
    found: dict[str, set[int]] = {}
    for phrase, k in pairs:
        found.setdefault(phrase, set()).add(k)
    return {p: next(iter(ks)) for p, ks in found.items() if len(ks) == 1 and p}


def _kind(key: str) -> float:
    return BIGRAM_WEIGHT if is_pair(key) else 1.0


def is_pair(key: str) -> bool:
    """A Chinese character bigram or an English stem bigram."""
    return key.startswith("~") or " " in key

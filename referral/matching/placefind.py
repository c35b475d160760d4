"""The evidence that a typed text names a place, tier by tier, and the verdict on it.

This module owns the tiers, strongest first — code; a name, alias or pinyin as written; the same
without its kind word ("Pingjiang" for 平江街道); a site's or its organization's name; a fragment of
a site name or address ("县府街"); and last a fuzzy guess — and the rule that decides: the first tier
with a hit is the evidence, and its best place wins only when it reaches the confidence threshold
and no other place (one not containing, nor inside, the best) comes within the margin. It also
splits "苏州 平江", "Taicang, Chengxiang" or "太仓市实验小学" into an outer place and the rest.
It knows nothing about requests or messages; it depends on numpy, rapidfuzz and the sibling modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from referral.matching.gazetteer import Gazetteer
from referral.matching.placenames import MIN_FRAGMENT, MIN_SPACED_FRAGMENT, Key, compact, unspaced
from referral.matching.settings import MatchSettings
from referral.matching.types import Site

# Confidence (0-1) of each kind of evidence; a fuzzy guess is its similarity.
EXACT = {"code": 1.0, "name": 1.0, "alias": 1.0, "pinyin": 0.95}
BARE = 0.9  # a name, alias or pinyin without its kind word ("平江" for 平江街道)
PREFIX = 0.8  # the leading words of a name ("Newtown" for Newtown North): resolves only when unique
SITE_NAME = 0.95  # the whole name of a site or of its organization
FRAGMENT = 0.85  # part of a site's name or address, three characters or more
SHORT_FUZZY = 0.5  # a fuzzy guess on a query too short to spell anything is damped by this
FUZZY_POOL = 300  # keys looked at after the fuzzy sort: plenty for a few places per query
MAX_DEPTH = 2  # "city district town": an outer place may itself be split once more


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place the text may mean, with the evidence for it."""

    code: str
    matched_by: str
    confidence: float
    matched: str  # the gazetteer or directory phrase: never the typed text
    sites: tuple[Site, ...] = ()  # the sites that placed it, for "site" and "address" evidence


Verdict = Candidate | list[Candidate] | None  # resolved, unresolved candidates best first, nothing


def exact(gaz: Gazetteer, text: str, within: str | None) -> list[Candidate]:
    """The candidates of the first exact tier with a hit inside ``within``."""
    key = compact(text)
    tiers: tuple[Callable[[], Iterable[Candidate]], ...] = (
        *_place_tiers(gaz, text),
        lambda: _sites(gaz, gaz.names.sites.exactly(key), "site", SITE_NAME),  # site tables: built here once
        lambda: _fragments(gaz, text),
        lambda: _keyed(gaz.names.prefix.get(key, ()), PREFIX),
    )
    return _first(gaz, tiers, within)


def places_only(gaz: Gazetteer, text: str, within: str | None) -> list[Candidate]:
    """Exact evidence from the gazetteer alone (code, names, aliases, pinyin): for outer places."""
    return _first(gaz, _place_tiers(gaz, text), within)


def _place_tiers(gaz: Gazetteer, text: str) -> tuple[Callable[[], Iterable[Candidate]], ...]:
    names, key = gaz.names, compact(text)
    bare = [compact(form) for form in names.suffixes.forms(text)]  # the query without its kind words
    return (
        lambda: _code(gaz, key),
        lambda: _keyed(names.full.get(key, ())),
        lambda: _keyed(names.bare.get(key, ())),
        lambda: [c for k in bare for c in _keyed([*names.full.get(k, ()), *names.bare.get(k, ())], exact=False)],
    )


def _first(gaz: Gazetteer, tiers: Iterable[Callable[[], Iterable[Candidate]]], within: str | None) -> list[Candidate]:
    for tier in tiers:
        found = [c for c in tier() if gaz.within(c.code, within)]
        if found:
            return found
    return []


def _code(gaz: Gazetteer, key: str) -> list[Candidate]:
    code = gaz.names.codes.get(key)
    return [Candidate(code, "code", EXACT["code"], code)] if code else []


def _keyed(keys: Iterable[Key], partial: float = BARE, exact: bool = True) -> list[Candidate]:
    """The best key per place (name before alias before pinyin on equal confidence)."""
    best: dict[str, Candidate] = {}
    for key in sorted(keys, key=lambda k: _PREFERENCE.index(k.matched_by)):
        confidence = EXACT[key.matched_by] if key.full and exact else partial
        if key.code not in best or confidence > best[key.code].confidence:
            best[key.code] = Candidate(key.code, key.matched_by, confidence, key.phrase)
    return list(best.values())


_PREFERENCE = ("name", "alias", "pinyin")


def _sites(gaz: Gazetteer, rows: Iterable[int], matched_by: str, confidence: float) -> list[Candidate]:
    """One candidate per place of the sites at ``rows`` (sites without a known place are skipped)."""
    by_place: dict[str, list[Site]] = {}
    for row in rows:
        site = gaz.names.sites.site_at(row)
        if site.place is not None and site.place in gaz.places:
            by_place.setdefault(site.place, []).append(site)
    return [
        Candidate(code, matched_by, confidence, _phrase(found[0], matched_by), tuple(found))
        for code, found in by_place.items()
    ]


def _phrase(site: Site, matched_by: str) -> str:
    return (site.address or site.name) if matched_by == "address" else site.name


def _fragments(gaz: Gazetteer, text: str) -> list[Candidate]:
    """Places of the sites whose name, else whose address, contains the text."""
    sites = gaz.names.sites
    named = _sites(gaz, sites.named(text), "site", FRAGMENT)
    seen = {c.code for c in named}
    return named + [c for c in _sites(gaz, sites.at_address(text), "address", FRAGMENT) if c.code not in seen]


def fuzzy(gaz: Gazetteer, text: str, within: str | None) -> list[Candidate]:
    """Places ranked by the most similar of their keys (rapidfuzz ratio on compact keys)."""
    names = gaz.names
    queries = list(dict.fromkeys((compact(text), compact(names.suffixes.strip(text))))) if text else []
    if not queries or not names.fuzzy_keys:
        return []
    scores = process.cdist(queries, names.fuzzy_keys, scorer=fuzz.ratio, workers=1).max(axis=0)
    damp = 1.0 if len(queries[0]) >= (MIN_FRAGMENT if unspaced(queries[0]) else MIN_SPACED_FRAGMENT) else SHORT_FUZZY
    best: dict[str, Candidate] = {}
    for i in np.argsort(-scores, kind="stable")[:FUZZY_POOL]:
        key = names.fuzzy_found[i]
        if key.code not in best and gaz.within(key.code, within):
            best[key.code] = Candidate(key.code, "fuzzy", round(float(scores[i]) / 100 * damp, 4), key.phrase)
    return list(best.values())


def decide(gaz: Gazetteer, found: list[Candidate], settings: MatchSettings) -> Verdict:
    """The one confident place, else the candidates best first (ambiguous or weak), else None."""
    if not found:
        return None
    ranked = sorted(found, key=lambda c: (-c.confidence, len(gaz.lineage(c.code)), c.code))
    top = ranked[0]
    rivals = [
        c
        for c in ranked[1:]
        if c.confidence >= top.confidence - settings.place_ambiguity_margin and not gaz.related(c.code, top.code)
    ]
    if top.confidence < settings.place_min_confidence or rivals:
        return ranked
    return top


def ambiguous(verdict: list[Candidate], settings: MatchSettings) -> bool:
    """Whether unresolved candidates are several good ones, rather than only weak ones."""
    good = [c for c in verdict if c.confidence >= settings.place_min_confidence]
    return len(good) > 1


def find(
    gaz: Gazetteer, text: str, within: str | None, settings: MatchSettings, guess: bool, depth: int = 0
) -> Verdict:
    """One pass (exact evidence, or fuzzy when ``guess``) over the text, then over its splits."""
    verdict = decide(gaz, fuzzy(gaz, text, within) if guess else exact(gaz, text, within), settings)
    if isinstance(verdict, Candidate) or depth >= MAX_DEPTH:
        return verdict
    for outer, rest in splits(gaz, text, within, settings):
        inner = find(gaz, rest, outer.code, settings, guess, depth + 1)
        if isinstance(inner, Candidate):
            return replace(inner, confidence=min(inner.confidence, outer.confidence))
    return verdict


def splits(gaz: Gazetteer, text: str, within: str | None, settings: MatchSettings) -> Iterator[tuple[Candidate, str]]:
    """Ways to read ``text`` as an outer place and the rest: "苏州 平江", "Pingjiang, Suzhou", "太仓市实验小学"."""
    words = text.split(" ")
    pairs = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    pairs += [(b, a) for a, b in pairs]
    key = compact(text)
    if unspaced(key) and len(words) == 1:  # longest leading place name first
        pairs += [(key[:k], key[k:]) for k in range(len(key) - 2, 1, -1)]
    for outer_text, rest in pairs:
        outer = decide(gaz, places_only(gaz, outer_text, within), settings)
        if isinstance(outer, Candidate):
            yield outer, rest

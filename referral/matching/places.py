"""Turning what a person typed, or a coordinate, into a gazetteer place.

This module owns the resolution rules: exact code, then exact name in any language, then fuzzy; and
nearest-place lookup for a coordinate. It must not know about services or scoring.
"""

from __future__ import annotations

import numpy as np

from referral.matching.geo import haversine_km
from referral.matching.index import DirectoryIndex
from referral.matching.text import normalise
from referral.matching.types import MatchInputError, Place

FIELD = "location.place"
AMBIGUITY_POINTS = 3.0  # fuzzy candidates this close to the top are indistinguishable
MIN_FUZZY = 60.0


def _describe(index: DirectoryIndex, codes: list[str]) -> tuple[str, ...]:
    """Suggestions as "code name" strings."""
    return tuple(f"{c} {index.gazetteer.places[c].name}" for c in codes)


def resolve_place(index: DirectoryIndex, query: str) -> Place:
    """The place a person meant by ``query``; MatchInputError when unknown or ambiguous."""
    gaz = index.gazetteer
    text = query.strip()
    if text in gaz.places:
        return gaz.places[text]
    folded = {c.casefold(): c for c in gaz.codes}.get(text.casefold())
    if folded:
        return gaz.places[folded]
    exact = gaz.by_name.get(normalise(text), [])
    if len(exact) == 1:
        return gaz.places[exact[0]]
    if exact:
        raise MatchInputError(FIELD, "the name is shared by several places; give a code", _describe(index, exact[:5]))
    return _fuzzy(index, query)


def _fuzzy(index: DirectoryIndex, query: str) -> Place:
    hits = index.gazetteer.matcher.search(query, limit=5, min_score=0)
    if not hits or hits[0].score < MIN_FUZZY:
        raise MatchInputError(FIELD, "no place in the gazetteer matches; the closest are listed", _describe(index, [h.key for h in hits]))
    close = [h.key for h in hits if h.score >= hits[0].score - AMBIGUITY_POINTS]
    if len(close) > 1:
        raise MatchInputError(FIELD, "the name could be several places; give a code", _describe(index, close))
    return index.gazetteer.places[hits[0].key]


def place_for_point(index: DirectoryIndex, lat: float, lon: float, max_km: float = 10.0) -> Place | None:
    """The finest place whose centroid lies within ``max_km``, nearest first; None if none does.

    "Finest" is the deepest in the parent chain (a town under a district under a city).
    """
    gaz = index.gazetteer
    if not gaz.codes:
        return None
    dist = haversine_km(gaz.xyz, lat, lon)
    near = np.flatnonzero(dist <= max_km)
    if not len(near):
        return None
    # deepest first, then nearest, then code (codes are sorted, so the position breaks ties)
    best = near[np.lexsort((near, dist[near], -gaz.depth[near]))[0]]
    return gaz.places[gaz.codes[best]]

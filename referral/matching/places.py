"""Turning what a person typed, or a coordinate, into a gazetteer place.

This module owns the resolver's contract: ``locate`` gives the child's location from a typed place
(optionally ``within`` an outer place) with the evidence for it, or raises MatchInputError with the
candidates, best first — it never silently picks one of several towns, nor a weak guess; a fuzzy
guess it accepts carries a caveat. ``search_places`` lists what the same evidence finds, and
``place_for_point`` finds the place of a coordinate. The tiers and the verdict live in placefind.py.
It must not know about services' rules or scoring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from referral.matching import placefind
from referral.matching.explain import name_in
from referral.matching.geo import haversine_km
from referral.matching.index import DirectoryIndex
from referral.matching.messages import say
from referral.matching.placefind import Candidate
from referral.matching.placenames import fold
from referral.matching.settings import MatchSettings
from referral.matching.types import Location, MatchInputError, Place, PlaceEvidence

FIELD = "location.place"
WITHIN = "location.within"
SUGGESTIONS = 5
SEARCH_FLOOR = 0.6  # a fuzzy search hit below this similarity is noise


def locate(index: DirectoryIndex, query: str, within: str | None = None, settings: MatchSettings | None = None,
           language: str = "en") -> Location:
    """The child's location for a typed place; MatchInputError naming the field when unsure."""
    settings = settings or MatchSettings()
    outer = _outer(index, within, settings, language) if within else None
    found = _resolve(index, fold(query), outer, settings, FIELD, language)
    return _location(index, found)


def resolve_place(index: DirectoryIndex, query: str) -> Place:
    """The place a person meant by ``query``; MatchInputError when unknown, weak or ambiguous."""
    return index.gazetteer.places[locate(index, query).place]  # type: ignore[index]


def _outer(index: DirectoryIndex, within: str, settings: MatchSettings, language: str) -> str:
    """The code of the place a ``within`` names (a place, never a site)."""
    return _resolve(index, fold(within), None, settings, WITHIN, language, places_only=True).code


def _resolve(index: DirectoryIndex, text: str, outer: str | None, settings: MatchSettings, field: str,
             language: str, places_only: bool = False) -> Candidate:
    gaz = index.gazetteer
    exact = placefind.find(gaz, text, outer, settings, guess=False)
    if isinstance(exact, list) and places_only:
        exact = [c for c in exact if not c.sites] or None
    if isinstance(exact, Candidate) and not (places_only and exact.sites):
        return exact
    if isinstance(exact, list) and placefind.ambiguous(exact, settings):
        raise _error(index, field, "the name could be several places; choose one of these", exact, language)
    guess = placefind.find(gaz, text, outer, settings, guess=True)
    if isinstance(guess, Candidate):
        return guess
    if isinstance(guess, list) and placefind.ambiguous(guess, settings):
        raise _error(index, field, "the name could be several places; choose one of these", guess, language)
    closest = placefind.decide(gaz, placefind.fuzzy(gaz, text, outer), settings)
    raise _error(index, field, "no place matches well enough; the closest are listed",
                 closest if isinstance(closest, list) else [], language)


def _location(index: DirectoryIndex, found: Candidate) -> Location:
    """Coordinates of the site(s) that placed the child, else the place's centroid."""
    evidence = PlaceEvidence(found.matched_by, round(found.confidence, 2), found.matched,
                             found.sites[0].id if len(found.sites) == 1 else None)
    if found.sites:  # several sites of one place on the same street: their middle
        lat, lon = float(np.mean([s.lat for s in found.sites])), float(np.mean([s.lon for s in found.sites]))
        return Location(lat=lat, lon=lon, place=found.code, evidence=evidence)
    place = index.gazetteer.places[found.code]
    return Location(lat=place.lat, lon=place.lon, place=place.code, evidence=evidence)


def _error(index: DirectoryIndex, field: str, message: str, ranked: list[Candidate], language: str) -> MatchInputError:
    shown = _distinct(ranked)[:SUGGESTIONS]
    described = tuple(describe(index, c, language) for c in shown)
    strings = tuple(f"{d['code']} {d['name']}" + (f" ({d['parent']})" if d["parent"] else "") for d in described)
    return MatchInputError(field, message, strings, described)


def _distinct(ranked: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    return [c for c in ranked if not (c.code in seen or seen.add(c.code))]  # type: ignore[func-returns-value]


def describe(index: DirectoryIndex, found: Candidate, language: str) -> dict[str, Any]:
    """A candidate as people read it: code, name and parent's name, and what matched."""
    gaz = index.gazetteer
    place = gaz.places[found.code]
    parent = gaz.places.get(place.parent) if place.parent else None
    return {
        "code": place.code, "name": name_in(place.names, place.name, language),
        "parent": name_in(parent.names, parent.name, language) if parent else None,
        "matched_by": found.matched_by, "matched": found.matched, "confidence": round(found.confidence, 2),
        "sites": [name_in(s.names, s.name, language) for s in found.sites[:SUGGESTIONS]],
    }


def caveat(index: DirectoryIndex, location: Location, language: str) -> str | None:
    """The sentence a fuzzy guess of the child's place carries, in ``language``; else None."""
    evidence = location.evidence
    if evidence is None or evidence.matched_by != "fuzzy" or location.place is None:
        return None
    described = describe(index, Candidate(location.place, "fuzzy", evidence.confidence, evidence.matched), language)
    return say(language, "place.caveat.fuzzy", name=described["name"], parent=described["parent"] or "",
               percent=round(evidence.confidence * 100))


def search_places(index: DirectoryIndex, query: str, limit: int = 10, settings: MatchSettings | None = None,
                  language: str = "en") -> list[dict[str, Any]]:
    """What the resolver finds for ``query``, best first: its answer, then every other candidate."""
    settings = settings or MatchSettings()
    gaz, text = index.gazetteer, fold(query)
    found: list[Candidate] = []
    try:
        found.append(_resolve(index, text, None, settings, FIELD, language))
    except MatchInputError:
        pass
    found += placefind.exact(gaz, text, None)
    found += [c for c in placefind.fuzzy(gaz, text, None) if c.confidence >= SEARCH_FLOOR]
    head, rest = found[:1], sorted(found[1:], key=lambda c: (-c.confidence, c.code))
    return [describe(index, c, language) for c in _distinct(head + rest)[:limit]]


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

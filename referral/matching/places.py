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
from referral.matching.gazetteer import Gazetteer
from referral.matching.geo import haversine_km
from referral.matching.i18n import N_
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


def locate(
    index: DirectoryIndex,
    query: str,
    within: str | None = None,
    settings: MatchSettings | None = None,
    language: str = "en",
) -> Location:
    """The child's location for a typed place; MatchInputError naming the field when unsure."""
    settings = settings or MatchSettings()
    outer = _outer(index, within, settings, language) if within else None
    found = _resolve(index, fold(query), outer, settings, FIELD, language)
    return _location(index, found)


def resolve_place(index: DirectoryIndex, query: str) -> Place:
    """The place a person meant by ``query``; MatchInputError when unknown, weak or ambiguous."""
    return index.gazetteer.places[_resolve(index, fold(query), None, MatchSettings(), FIELD, "en").code]


def _outer(index: DirectoryIndex, within: str, settings: MatchSettings, language: str) -> str:
    """The code of the place a ``within`` names (a place, never a site)."""
    return _resolve(index, fold(within), None, settings, WITHIN, language, places_only=True).code


def _resolve(
    index: DirectoryIndex,
    text: str,
    outer: str | None,
    settings: MatchSettings,
    field: str,
    language: str,
    places_only: bool = False,
) -> Candidate:
    """The exact pass, then the fuzzy one; the first confident place, else an error with candidates."""
    gaz = index.gazetteer
    for guess in (False, True):
        verdict = _pass(gaz, text, outer, settings, guess, places_only)
        if isinstance(verdict, Candidate):
            return verdict
        if isinstance(verdict, list) and placefind.ambiguous(verdict, settings):
            good = [c for c in verdict if c.confidence >= settings.place_min_confidence]
            raise _error(index, field, N_("the name could be several places; choose one of these"), good, language)
    closest = placefind.fuzzy(gaz, text, outer)
    ranked = sorted(closest, key=lambda c: (-c.confidence, c.code))
    raise _error(index, field, N_("no place matches well enough; the closest are listed"), ranked, language)


def _pass(
    gaz: Gazetteer, text: str, outer: str | None, settings: MatchSettings, guess: bool, places_only: bool
) -> placefind.Verdict:
    if places_only:  # an outer place is named by the gazetteer alone, never by a site
        found = placefind.fuzzy(gaz, text, outer) if guess else placefind.places_only(gaz, text, outer)
        return placefind.decide(gaz, found, settings)
    return placefind.find(gaz, text, outer, settings, guess)


def _location(index: DirectoryIndex, found: Candidate) -> Location:
    """Coordinates of the site(s) that placed the child, else the place's centroid."""
    evidence = PlaceEvidence(
        found.matched_by,
        round(found.confidence, 2),
        found.matched,
        found.sites[0].id if len(found.sites) == 1 else None,
    )
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
    first: dict[str, Candidate] = {}
    for c in ranked:
        first.setdefault(c.code, c)
    return list(first.values())  # the first of each code, in rank order


def describe(index: DirectoryIndex, found: Candidate, language: str) -> dict[str, Any]:
    """A candidate as people read it: code, name and parent's name, and what matched."""
    gaz = index.gazetteer
    place = gaz.places[found.code]
    parent = gaz.places.get(place.parent) if place.parent else None
    return {
        "code": place.code,
        "name": name_in(place.names, place.name, language),
        "parent": name_in(parent.names, parent.name, language) if parent else None,
        "matched_by": found.matched_by,
        "matched": found.matched,
        "confidence": round(found.confidence, 2),
        "sites": [name_in(s.names, s.name, language) for s in found.sites[:SUGGESTIONS]],
    }


def caveat(index: DirectoryIndex, location: Location, language: str) -> str | None:
    """The sentence a guess of the child's place carries in ``language`` (a fuzzy spelling, or a
    street known only from a site's address); None for other evidence."""
    evidence = location.evidence
    if evidence is None or evidence.matched_by not in ("fuzzy", "address") or location.place is None:
        return None
    found = Candidate(location.place, evidence.matched_by, evidence.confidence, evidence.matched)
    described = describe(index, found, language)
    return say(
        language,
        f"place.caveat.{evidence.matched_by}",
        name=described["name"],
        parent=described["parent"] or "",
        percent=round(evidence.confidence * 100),
    )


def search_places(
    index: DirectoryIndex, query: str, limit: int = 10, settings: MatchSettings | None = None, language: str = "en"
) -> list[dict[str, Any]]:
    """What the resolver finds for ``query``, best first: its answer, then every other candidate."""
    settings = settings or MatchSettings()
    gaz, text = index.gazetteer, fold(query)
    found: list[Candidate] = []
    try:
        found.append(_resolve(index, text, None, settings, FIELD, language))
    except MatchInputError:
        pass
    by_strength = lambda c: (-c.confidence, c.code)  # noqa: E731
    found += sorted(placefind.exact(gaz, text, None), key=by_strength)
    found += sorted((c for c in placefind.fuzzy(gaz, text, None) if c.confidence >= SEARCH_FLOOR), key=by_strength)
    return [describe(index, c, language) for c in _distinct(found)[:limit]]


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

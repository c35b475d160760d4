"""The reference data behind the API: the needs taxonomy tree, the gazetteer, and search over both
(needs: the text reader and labels/synonyms in every language; places through the match resolver and
its index). Read-only; takes a session, or the match index for place search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral import search
from referral.matching import places
from referral.matching.index import DirectoryIndex
from referral.matching.needs import matched_words
from referral.matching.reading import MIN_CONFIDENCE
from referral.matching.text import PhraseMatcher
from referral.matching.types import Place as CorePlace
from referral.models import NeedTerm, Place

SEARCH_MIN_SCORE = 60  # rapidfuzz 0-100; below this a suggestion is noise


def need_tree(session: Session) -> list[dict[str, Any]]:
    """The taxonomy as nested terms, in the order the taxonomy lists them."""
    terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code)).all()
    return _nest([_term(t) for t in terms])


def search_needs(session: Session, q: str, limit: int) -> list[dict[str, Any]]:
    """Terms a person means by ``q``, best first: what the text reader reads (search.py), then
    labels and synonyms spelled like it (rapidfuzz); ``score`` 0-100, ``matched`` words."""
    terms = {t.code: t for t in session.scalars(select(NeedTerm))}
    found = {
        r.code: {**_term(terms[r.code]), "score": round(r.confidence * 100, 1), "matched": matched_words(r)}
        for r in search.need_reader(session).read(q)
        if r.code in terms and not r.negated and r.confidence >= MIN_CONFIDENCE
    }
    matcher = PhraseMatcher((t.code, term_phrases(t)) for t in terms.values())
    for hit in matcher.search(q, limit=limit, min_score=SEARCH_MIN_SCORE):
        if hit.key not in found:
            found[hit.key] = {**_term(terms[hit.key]), "score": round(hit.score, 1), "matched": hit.phrase}
    return list(found.values())[:limit]


def term_phrases(term: NeedTerm) -> list[str]:
    """Everything a person might type for a term: code, labels and synonyms in every language."""
    synonyms = [s for values in (term.synonyms or {}).values() for s in values]
    return [term.code, *term.labels.values(), *synonyms]


def place_tree(session: Session) -> list[dict[str, Any]]:
    places = session.scalars(select(Place).order_by(Place.code)).all()
    return _nest([_place(p) for p in places])


def search_places(index: DirectoryIndex, q: str, limit: int, language: str) -> list[dict[str, Any]]:
    """What the match resolver finds for ``q`` (places.search_places), with each place's record."""
    found = places.search_places(index, q, limit, language=language)
    gaz = index.gazetteer.places
    return [
        {
            **_core_place(gaz[hit["code"]]),
            "score": round(hit["confidence"] * 100, 1),
            "matched": hit["matched"],
            "matched_by": hit["matched_by"],
            "confidence": hit["confidence"],
            "sites": hit["sites"],
        }
        for hit in found
    ]


def _core_place(place: CorePlace) -> dict[str, Any]:
    return {
        "code": place.code,
        "parent": place.parent,
        "kind": place.kind,
        "name": place.name,
        "names": dict(place.names),
        "aliases": list(place.aliases),
        "latitude": place.lat,
        "longitude": place.lon,
    }


def _term(term: NeedTerm) -> dict[str, Any]:
    return {
        "code": term.code,
        "parent": term.parent_code,
        "labels": term.labels,
        "synonyms": term.synonyms or {},
        "open_eligibility": term.open_eligibility,
    }


def _place(place: Place) -> dict[str, Any]:
    return {
        "code": place.code,
        "parent": place.parent_code,
        "kind": place.kind,
        "name": place.name,
        "names": place.names,
        "aliases": place.aliases or [],
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _nest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach each row under its parent (rows keyed by code; unknown parents become roots)."""
    by_code = {row["code"]: {**row, "children": []} for row in rows}
    roots = []
    for row in by_code.values():
        parent = by_code.get(row["parent"]) if row["parent"] else None
        (parent["children"] if parent else roots).append(row)
    return roots

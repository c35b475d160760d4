"""One search engine for the directory: what a person types (``q``, HSDS ``search``) -> the listings
they mean, best first.

Takes a session; never writes. It reads with the matching core's own tokeniser and need reader
(matching/lexical.py, matching/reading.py), so "自闭症" finds autism services through the taxonomy
and "同心圆" finds the organization whose name holds it. A listing's score is the best of:

* its name (any language) contains the query (ignoring spaces and punctuation): 1.0;
* (services) the query reads as a need the service meets, or a narrower one: 0.9 x confidence
  (at least 0.7: a need read is a need read);
* the query's words found in its names and descriptions (every language), each word weighted by
  its rarity among the listings searched (IDF): the weighted share found x 0.9;
* a fuzzy match of its names (rapidfuzz, for typos): score / 100.

Listings below ``MIN_SCORE`` are not found. The reader and the listings' tokenised text are built
once per database and directory version (the latest version only), never per request.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from referral.directory import directory_version
from referral.matching.lexical import normalise
from referral.matching.reading import MIN_CONFIDENCE, Reader
from referral.matching.text import PhraseMatcher
from referral.models import NeedTerm, Service, ServiceNeed
from referral.snapshot import load_terms

MIN_SCORE = 0.6
NAME_FUZZY_MIN = 70  # rapidfuzz 0-100, as before this engine: a name typed with a typo still finds it
NEED_WEIGHT = 0.9
TEXT_WEIGHT = 0.9

_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()  # per database engine


def ranked_ids(session: Session, query: Select, model: Any, q: str) -> list[str]:
    """Ids of the listings ``query`` selects that match ``q``, best first (ties: name, id)."""
    reader, docs = _state(session)
    rows = session.execute(query.with_only_columns(*_columns(model)).order_by(None)).all()
    if not rows:
        return []
    bare = _bare(normalise(q))
    words = [f.key for f in reader.tokens.features(normalise(q)) if not _pair(f.key)]
    texts = {row.id: _doc(docs, reader, model, row) for row in rows}
    needs = _need_scores(session, reader, q, [row.id for row in rows]) if model is Service else {}
    fuzzy = _fuzzy(rows, q)
    idf = _idf(words, texts.values())
    scored = []
    for row in rows:
        names, keys = texts[row.id]
        score = max(
            1.0 if len(bare) >= 2 and any(bare in n for n in names) else 0.0,
            needs.get(row.id, 0.0),
            TEXT_WEIGHT * _share(words, keys, idf),
            fuzzy.get(row.id, 0.0),
        )
        if score >= MIN_SCORE:
            scored.append((-score, row.name or "", row.id))
    return [row_id for _, _, row_id in sorted(scored)]


def need_reader(session: Session) -> Reader:
    """The text reader of the directory's current taxonomy (built once per directory version)."""
    return _state(session)[0]


def _state(session: Session) -> tuple[Reader, dict]:
    """The need reader and the tokenised listings for the directory's current version."""
    version = directory_version(session)
    with _lock:
        cache = _caches.setdefault(session.get_bind(), {"version": None})
        if cache["version"] != version:
            terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code)).all()
            cache.update(version=version, reader=Reader(load_terms(terms)), docs={})
        return cache["reader"], cache["docs"]


def _columns(model: Any) -> list[Any]:
    columns = [model.id, model.name, model.names]
    if hasattr(model, "description"):
        columns += [model.description, model.descriptions]
    return columns


def _doc(docs: dict, reader: Reader, model: Any, row: Any) -> tuple[list[str], frozenset[str]]:
    """A listing's names (bare, for containment) and its word features, cached per version."""
    key = (model.__tablename__, row.id)
    found = docs.get(key)
    if found is None:
        names = [row.name or "", *(row.names or {}).values()]
        texts = [*names, getattr(row, "description", None) or "", *(getattr(row, "descriptions", None) or {}).values()]
        keys = frozenset(f.key for t in texts for f in reader.tokens.features(normalise(t)) if not _pair(f.key))
        found = docs[key] = ([_bare(normalise(n)) for n in names if n], keys)
    return found


def _need_scores(session: Session, reader: Reader, q: str, ids: Sequence[str]) -> dict[str, float]:
    """Per service: the confidence of the best need ``q`` reads as that it meets (or a narrower one)."""
    wanted: dict[str, float] = {}
    for reading in reader.read(q):
        if reading.negated or reading.confidence < MIN_CONFIDENCE:
            continue
        for code in (reading.code, *reader.narrower(reading.code)):
            wanted[code] = max(wanted.get(code, 0.0), reading.confidence)
    if not wanted:
        return {}
    links = session.execute(
        select(ServiceNeed.service_id, ServiceNeed.need_code).where(ServiceNeed.need_code.in_(wanted))
    ).all()
    chosen = set(ids)
    scores: dict[str, float] = {}
    for service_id, code in links:
        if service_id in chosen:
            scores[service_id] = max(scores.get(service_id, 0.0), NEED_WEIGHT * max(0.7, wanted[code]))
    return scores


def _fuzzy(rows: Sequence[Any], q: str) -> dict[str, float]:
    matcher = PhraseMatcher((row.id, [row.name or "", *(row.names or {}).values()]) for row in rows)
    return {hit.key: hit.score / 100 for hit in matcher.search(q, limit=len(rows), min_score=NAME_FUZZY_MIN)}


def _idf(words: Sequence[str], docs: Iterable[tuple[list[str], frozenset[str]]]) -> dict[str, float]:
    docs = list(docs)
    n = len(docs)
    return {w: math.log(1 + (n + 1) / (1 + sum(w in keys for _, keys in docs))) for w in set(words)}


def _share(words: Sequence[str], keys: frozenset[str], idf: dict[str, float]) -> float:
    """The IDF-weighted share of the query's words the listing holds."""
    total = sum(idf[w] for w in set(words))
    return sum(idf[w] for w in set(words) if w in keys) / total if total else 0.0


def _pair(key: str) -> bool:
    return key.startswith("~") or " " in key


def _bare(text: str) -> str:
    return "".join(c for c in text if c.isalnum())

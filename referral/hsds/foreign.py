"""Foreign taxonomy terms that map to no need become needs of their own taxonomy: ``ext.<taxonomy>.<term>``.

Owns the codes and labels of those terms. A directory that arrives with its own vocabulary is then
matchable the day it is imported: the new terms are need terms like any other, reachable by code,
by ``/v1/needs?q=`` and by free text in a match (their labels are the term's name in its language,
and its description as a synonym). Codes are stable: the taxonomy's slug (its name, else a hash)
and the term's code or name made ASCII, else a hash of the name. Pure: returns term dicts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from referral.hsds.crosswalk import Term

ROOT = "ext"
ROOT_LABELS = {"en": "Terms of imported taxonomies", "zh": "导入目录自带的分类"}
_CJK = re.compile(r"[\u3400-\u9fff]")


def _slug(text: str | None, limit: int = 32) -> str | None:
    found = re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")[:limit].strip("_")
    return found or None


def _hash(text: str) -> str:
    return "t" + hashlib.sha1(text.encode()).hexdigest()[:10]


def language_of(name: str, given: str | None) -> str:
    """The term's language tag: the HSDS ``language`` field, else zh for Chinese script, else en."""
    if given and re.match(r"^[A-Za-z]{2,3}([-_].*)?$", given.strip()):
        return given.strip()[:2].lower() if len(given.strip()) >= 2 else given.lower()
    return "zh" if _CJK.search(name) else "en"


def taxonomy_code(term: Term) -> str:
    name = term.taxonomy or term.taxonomy_id or "unnamed"
    return f"{ROOT}.{_slug(name, 40) or _hash(name)}"


def term_code(term: Term) -> str:
    """``ext.<taxonomy>.<term>`` for an unmapped term."""
    own = _slug(term.code, 40) if term.code and not _CJK.search(term.code) else None
    return f"{taxonomy_code(term)}.{own or _slug(term.name, 40) or _hash(term.name or term.id)}"


def need_terms(terms: Iterable[tuple[Term, str | None, str | None]]) -> list[dict[str, Any]]:
    """Need-term dicts (parents first) for (term, language, description) of unmapped terms."""
    found: dict[str, dict[str, Any]] = {ROOT: {"code": ROOT, "labels": dict(ROOT_LABELS)}}
    for term, language, description in terms:
        tax = taxonomy_code(term)
        lang = language_of(term.name, language)
        found.setdefault(tax, {"code": tax, "labels": {lang: term.taxonomy or tax.split(".")[-1]}})
        code = term_code(term)
        synonyms = {lang: [description[:200]]} if description and len(description) <= 200 else {}
        found.setdefault(code, {"code": code, "labels": {lang: term.name}, "synonyms": synonyms})
    return list(found.values())

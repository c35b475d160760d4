"""Which school the child attends, as the directory knows schools: for services that serve one school.

This module owns resolving a request's ``child.school`` (a site id, or a name in any language) to
the site id of a school some service serves. A name must equal, contain or be contained in one of
the school's names after folding case, spaces and punctuation; an ambiguous or unknown name
resolves to nothing (the school is then "not known", never guessed). Depends on the standard
library and types only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from referral.matching.types import Service

MIN_NAME = 2  # characters: shorter fragments ("中", "No") would match too many schools


def school_names(services: Iterable[Service]) -> dict[str, frozenset[str]]:
    """Site id -> folded names, for every school some service serves."""
    names: dict[str, set[str]] = {}
    for service in services:
        if service.serves_school:
            known = names.setdefault(service.serves_school, set())
            known.update(fold(n) for n in service.school_names if fold(n))
    return {site: frozenset(found) for site, found in names.items()}


def resolve_school(schools: dict[str, frozenset[str]], given: str | None) -> str | None:
    """The site id of the school ``given`` names, or None when it is not one of ``schools``."""
    if not given:
        return None
    if given in schools:
        return given
    wanted = fold(given)
    if len(wanted) < MIN_NAME:
        return None
    hits = [site for site, names in schools.items() if any(_same(wanted, n) for n in names)]
    return hits[0] if len(hits) == 1 else None


def _same(wanted: str, name: str) -> bool:
    return wanted == name or (len(name) >= MIN_NAME and (wanted in name or name in wanted))


def fold(text: str) -> str:
    """Case-, width- and punctuation-folded text, without spaces."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in normal if ch.isalnum())

"""Who a service is for, read from HSDS: eligibility/audience attributes and eligibility_description.

Owns the turn from HSDS to our restrictions (genders, target groups, ages), never needs:
a term is a restriction when its attribute's ``link_type`` is ``eligibility`` or ``audience``, when
it is an Open Eligibility human situation, or when it is a term of our own exported eligibility
taxonomy. ``eligibility_description`` is read (phrases and age patterns per language in
``referral/data/eligibility_phrases.json``) only for what structured data left open; every such
inference is returned so the import report can list it. Pure: no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from referral.hsds.ids import derived
from referral.hsds.openeligibility import Restriction, situations
from referral.matching.text import normalise

PHRASES = Path(__file__).resolve().parent.parent / "data" / "eligibility_phrases.json"
ELIGIBILITY_ID = derived("referral", "taxonomy", "eligibility")
RESTRICTING_LINKS = ("eligibility", "audience")


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Any]:
    return json.loads(PHRASES.read_text(encoding="utf-8"))


def eligibility_term_id(kind: str, value: str) -> str:
    """The HSDS id of one of our exported eligibility terms ("gender", "female")."""
    return derived(ELIGIBILITY_ID, "term", f"{kind}.{value}")


@lru_cache(maxsize=1)
def _own_terms() -> dict[str, Restriction]:
    found = {}
    for gender in ("female", "male"):
        found[eligibility_term_id("gender", gender)] = Restriction(genders=frozenset({gender}))
    return found


def of_term(term_id: str, name: str, code: str | None, phrases: bool = True) -> Restriction:
    """The restriction a term states: our own id or code, an OE situation, or (``phrases``) a known phrase."""
    if term_id in _own_terms():
        return _own_terms()[term_id]
    for value in (code or "", name):
        kind, _, rest = value.partition(".")
        if kind == "gender" and rest:
            return Restriction(genders=frozenset({rest}))
        if kind == "group" and rest:
            return Restriction(groups=frozenset({rest}))
    key = normalise(name)
    found = situations().get(name.strip().lower()) or situations().get(key)
    if found:
        return found
    return read_phrases(name) if phrases else Restriction()


def read_phrases(text: str) -> Restriction:
    """Genders and groups named by the phrase table in ``text`` (lower-cased, any language)."""
    folded = text.lower()
    table = _phrases()
    genders = {g for g, words in table["genders"].items() if any(w in folded for w in words)}
    groups = {g for g, words in table["groups"].items() if any(w in folded for w in words)}
    return Restriction(frozenset(genders) if len(genders) == 1 else frozenset(), frozenset(groups))


def ages(text: str) -> tuple[float | None, float | None]:
    """(minimum, maximum) age stated in ``text``, inclusive years; None where it says nothing."""
    low: float | None = None
    high: float | None = None
    for kind, patterns in _phrases()["ages"].items():
        for pattern in patterns:
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if not match:
                continue
            found = match.groupdict()
            if found.get("low") is not None and low is None:
                low = float(found["low"]) + (1 if kind == "over" else 0)
            if found.get("high") is not None and high is None:
                high = float(found["high"]) - (1 if kind == "under" else 0)
    if low is not None and high is not None and low > high:
        return None, None
    return low, high


def read_description(text: str | None, known: Restriction) -> tuple[Restriction, list[str]]:
    """What ``eligibility_description`` adds to ``known`` (fields already set stay), and each inference."""
    if not text:
        return known, []
    said: list[str] = []
    found = read_phrases(text)
    result = known
    if found.genders and not known.genders:
        result = replace(result, genders=found.genders)
        said.append(f"genders {sorted(found.genders)}")
    if found.groups and not known.groups:
        result = replace(result, groups=found.groups)
        said.append(f"target groups {sorted(found.groups)}")
    low, high = ages(text)
    if low is not None and known.minimum_age is None:
        result = replace(result, minimum_age=low)
        said.append(f"minimum_age {low:g}")
    if high is not None and known.maximum_age is None:
        result = replace(result, maximum_age=high)
        said.append(f"maximum_age {high:g}")
    return result, said


def combine(*found: Restriction) -> Restriction:
    """Several terms' restrictions on one service: any of the genders, any of the groups, the widest ages."""
    genders = frozenset().union(*(r.genders for r in found))
    groups = frozenset().union(*(r.groups for r in found))
    lows = [r.minimum_age for r in found if r.minimum_age is not None]
    highs = [r.maximum_age for r in found if r.maximum_age is not None]
    with_ages = [r for r in found if r.minimum_age is not None or r.maximum_age is not None]
    low = min(lows) if lows and len(lows) == len(with_ages) else None
    high = max(highs) if highs and len(highs) == len(with_ages) else None
    return Restriction(genders, groups, low, high)

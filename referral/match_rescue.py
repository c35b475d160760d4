"""A child at risk is never a 422 (``POST /v1/match``).

When a match request is refused — a field malformed (syntax) or not found (an unknown place or need
code) — but its need texts or notes reveal a risk to the child (``engine.reveals_risk``), the answer
is a 200 with what could be used: every part that could not is dropped and named in ``problems``, the
urgent section comes first, and the needs are read as usual. An age that could not be read leaves
age-bounded services offered with an "eligible if" caveat; a place that could not be found leaves the
urgent section's lines and duties that apply everywhere, and no ranked services. Without a risk the
request gets its 422 as before.

This module owns the repair of the raw body (which parts to drop); the match itself is
``matchmaking.run_anyway``. Nothing of the request is logged or kept here either.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from marshmallow import ValidationError, fields, validate

from referral.matching.engine import reveals_risk
from referral.matching.index import DirectoryIndex
from referral.schemas import flatten_messages
from referral.schemas.match import MatchChild, MatchLocation, MatchNeed, MatchRequest

MAX_TEXT = 4000  # characters of one text read for a risk (a longer one is still read up to here)
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _AnyAgeChild(MatchChild):
    age = fields.Float(validate=validate.Range(0, 25))


class LenientMatchRequest(MatchRequest):
    """The request with nothing required: what is left of it after the unusable parts are dropped."""

    location = fields.Nested(MatchLocation)
    child = fields.Nested(_AnyAgeChild, load_default=dict)
    needs = fields.List(fields.Nested(MatchNeed), load_default=list, validate=validate.Length(0, 20))


def texts_and_codes(raw: Any) -> tuple[list[str], list[str]]:
    """The need texts and notes (each cut to MAX_TEXT), and the need codes, of a raw body of any shape."""
    texts: list[str] = []
    codes: list[str] = []
    if not isinstance(raw, dict):
        return texts, codes
    needs: list[Any] = raw["needs"] if isinstance(raw.get("needs"), list) else []
    for need in needs[:50]:
        if isinstance(need, dict):
            if isinstance(need.get("text"), str):
                texts.append(need["text"][:MAX_TEXT])
            if isinstance(need.get("code"), str):
                codes.append(need["code"][:200])
    if isinstance(raw.get("notes"), str):
        texts.append(raw["notes"][:MAX_TEXT])
    return texts, codes


def at_risk(index: DirectoryIndex, raw: Any, language: str) -> bool:
    """Whether the raw body reveals a risk to the child."""
    texts, codes = texts_and_codes(raw)
    return reveals_risk(index, texts, codes, language)


def repair(raw: dict[str, Any], fields_wrong: list[str]) -> dict[str, Any]:
    """``raw`` without the parts named in ``fields_wrong`` (paths such as ``child.age``,
    ``needs[1].code``, ``location.place``), loaded through the lenient schema; what it still refuses
    is dropped the same way (a few rounds), so the result always loads."""
    data = copy.deepcopy(raw)
    wrong = list(fields_wrong)
    for _ in range(4):
        for path in wrong:
            data = drop(data, path)
        if isinstance(data.get("notes"), str):
            data["notes"] = data["notes"][:2000]
        try:
            return LenientMatchRequest().load(data)
        except ValidationError as error:
            wrong = [field for field, _ in flatten_messages(error.messages, "")]
    try:  # still refused: the texts alone, which carry the risk
        return LenientMatchRequest().load({k: v for k, v in data.items() if k in ("needs", "notes")})
    except ValidationError:
        return LenientMatchRequest().load({})


def drop(data: dict[str, Any], path: str) -> dict[str, Any]:
    """``data`` without the part ``path`` names: a whole need for anything inside it, the whole
    location, one scale of the assessment, one field of the child or the constraints, else the
    top-level key (the body itself for an empty path: nothing is kept but the texts)."""
    steps: list[str | int] = [name or int(index) for name, index in _STEP.findall(path)]
    if not steps:
        return {k: data[k] for k in ("needs", "notes") if k in data}
    head = str(steps[0])
    if head == "needs" and len(steps) > 1 and isinstance(steps[1], int) and isinstance(data.get("needs"), list):
        data["needs"] = [n for i, n in enumerate(data["needs"]) if i != steps[1]]
    elif head in ("child", "constraints", "assessment") and len(steps) > 1 and isinstance(data.get(head), dict):
        data[head].pop(str(steps[1]), None)
    elif head == "needs" and isinstance(data.get("needs"), list) and len(data["needs"]) > 20:
        data["needs"] = data["needs"][:20]
    else:
        data.pop(head, None)
    return data

"""The find-help form: what it offers (needs tree, screening scales, groups, languages, modes) and
how a posted form becomes the API's match request, checked by the API's own ``MatchRequest``
schema. Field names are the request's paths (``child.age``), so an error sits beside its field.

Holds no rule of matching: an empty field is simply left out of the request. Nothing here logs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from referral.matching.messages import GROUPS, LABELS, group_label, label
from referral.matching.types import GRADES, MODES
from referral.matching.week import WEEKDAYS
from referral.schemas import flatten_messages
from referral.schemas.match import MatchRequest
from referral.web.i18n import field_said

TEXT_ROWS = 3  # rows for needs typed in the worker's own words
SEVERITIES = (1, 2, 3)
NEED_PREFIX = "need:"
GENDERS = ("female", "male")


def options(language: str, tree: list[dict[str, Any]], scales: Any) -> dict[str, Any]:
    """Everything the form offers, labelled in ``language``."""
    return {
        "sections": sections(tree, language),
        "scales": [(s.key, s.names.get(language) or next(iter(s.names.values()), s.key)) for s in scales],
        "grades": GRADES,
        "groups": [(g, group_label(language, g)) for g in GROUPS["en"]],
        "languages": [(code, label(language, "language", code)) for code in LABELS["en"]["language"]],
        "modes": [(m, label(language, "mode", m)) for m in MODES],
        "weekdays": [(code, label(language, "weekday", str(i))) for i, code in enumerate(WEEKDAYS)],
        "severities": SEVERITIES,
        "text_rows": range(TEXT_ROWS),
        "genders": GENDERS,
    }


def picked(form: MultiDict) -> set[str]:
    """The codes picked from the tree (to open their sections again)."""
    return {k[len(NEED_PREFIX) :] for k, v in form.items() if k.startswith(NEED_PREFIX) and v}


def sections(tree: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The needs tree as the forms show it: one section per top need (the listing forms share it)."""
    return [_section(top, language) for top in tree]


def _section(top: dict[str, Any], language: str) -> dict[str, Any]:
    """A top need and every term under it, depth-first, as (code, label, depth)."""
    terms: list[tuple[str, str, int]] = []

    def walk(term: dict[str, Any], depth: int) -> None:
        terms.append((term["code"], _label(term, language), depth))
        for child in term["children"]:
            walk(child, depth + 1)

    walk(top, 0)
    return {"code": top["code"], "label": _label(top, language), "terms": terms}


def _label(term: dict[str, Any], language: str) -> str:
    labels = term["labels"]
    return labels.get(language) or labels.get("en") or next(iter(labels.values()), term["code"])


def request_from(form: MultiDict) -> dict[str, Any]:
    """The match request a posted form describes (not yet validated)."""
    body: dict[str, Any] = {
        "location": _clean({"place": _text(form, "location.place")}),
        "child": _clean(
            {
                "age": _text(form, "child.age"),
                "gender": _text(form, "child.gender"),
                "languages": form.getlist("child.languages"),
                "groups": form.getlist("child.groups"),
                "school": _text(form, "child.school"),
            }
        ),
        "needs": _picked_needs(form) + _typed_needs(form),
        "notes": _text(form, "notes"),
        "assessment": {k[len("assessment.") :]: v for k, v in form.items() if k.startswith("assessment.") and v},
        "constraints": _clean(
            {
                "max_distance_km": _text(form, "constraints.max_distance_km"),
                "modes": form.getlist("constraints.modes"),
                "free_only": "constraints.free_only" in form or None,
                "include_waitlisted": False if "constraints.no_waitlist" in form else None,
                "open_on": _text(form, "constraints.open_on"),
            }
        ),
    }
    return _clean(body)


def validate(body: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The loaded request, or the errors by field path (the API's messages)."""
    try:
        return MatchRequest().load(body), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for field, message in flatten_messages(error.messages):
            errors.setdefault(_form_field(field), field_said(message))
        return None, errors


def problems(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (request path, message) the request schema refuses, for an answer given anyway."""
    try:
        MatchRequest().load(body)
    except ValidationError as error:
        return [(field, field_said(message)) for field, message in flatten_messages(error.messages)]
    return []


def encoded(body: Mapping[str, Any]) -> str:
    """The request for a hidden field (the printable sheet runs the match again: nothing is kept)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _form_field(path: str) -> str:
    """needs[3].text -> needs (the list is built from two parts of the form)."""
    return "needs" if path.startswith("needs") else path


def _picked_needs(form: MultiDict) -> list[dict[str, Any]]:
    picked = []
    for key, value in form.items(multi=True):
        if key.startswith(NEED_PREFIX) and value.isdigit():
            picked.append({"code": key[len(NEED_PREFIX) :], "severity": int(value)})
    return picked


def _typed_needs(form: MultiDict) -> list[dict[str, Any]]:
    typed = []
    for row in range(TEXT_ROWS):
        text = _text(form, f"needs_text.{row}")
        severity = _text(form, f"needs_text.{row}.severity")
        if text:
            typed.append({"text": text, "severity": int(severity) if severity and severity.isdigit() else 2})
    return typed


def _text(form: MultiDict, name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the form left empty: the request then takes the API's defaults."""
    return {k: v for k, v in values.items() if v not in (None, [], {}, "")}

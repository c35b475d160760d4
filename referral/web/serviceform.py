"""The service edit form: a service's editable fields as form values and back, checked by the API's
own ``ServiceSchema`` (partial), whose error paths (``opening_hours[0].closes``) are the form's
field names, so each error sits beside its field. Only fields the editor changed are sent.
"""

from __future__ import annotations

from typing import Any, Mapping

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from referral.api.errors import flatten_messages
from referral.api.schemas import ServiceSchema

TEXTS = ("name", "description", "cost_text", "application_process", "wait_time")
CHOICES = ("capacity", "cost")
NUMBERS = ("minimum_age", "maximum_age", "wait_days")
EXTRA_ROWS = 2  # empty rows offered for a new phone or opening time
FIELDS = (*TEXTS, *CHOICES, *NUMBERS, "phones", "opening_hours", "required_documents")


def values_of(service: Any) -> dict[str, Any]:
    """The editable fields of a stored service, as the form shows them."""
    values: dict[str, Any] = {name: getattr(service, name) for name in (*TEXTS, *CHOICES)}
    values.update({name: _number(getattr(service, name)) for name in NUMBERS})
    values["phones"] = [dict(p) for p in service.phones or []]
    values["opening_hours"] = [dict(h) for h in service.opening_hours or []]
    values["required_documents"] = [d["document"] for d in service.required_documents or []]
    return values


def values_from(form: MultiDict) -> dict[str, Any]:
    """The editable fields as the editor left them (not yet validated)."""
    values: dict[str, Any] = {name: (form.get(name) or "").strip() or None for name in (*TEXTS, *NUMBERS)}
    values.update({name: form.get(name) or None for name in CHOICES})
    values["phones"] = _rows(form, "phones", ("number", "purpose"), required="number")
    values["opening_hours"] = _rows(form, "opening_hours", ("weekday", "opens", "closes"), required="opens")
    values["required_documents"] = [line.strip() for line in (form.get("required_documents") or "").splitlines()
                                    if line.strip()]
    return values


def changes(service: Any, original: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The request body: each field the editor changed from what they saw, in the API's shape."""
    body: dict[str, Any] = {}
    for name in FIELDS:
        if edited.get(name) == original.get(name):
            continue
        body[name] = _documents(service, edited[name]) if name == "required_documents" else edited[name]
    return body


def validate(body: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The loaded changes, or the errors by form field (the API's messages)."""
    try:
        return ServiceSchema().load(body, partial=True), {}
    except ValidationError as error:
        errors: dict[str, str] = {}
        for field, message in flatten_messages(error.messages):
            errors.setdefault(field, message)
        return None, errors


def rows(values: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows the form shows for a list field: the values, then empty rows to add to."""
    return [*values.get(name, []), *({} for _ in range(EXTRA_ROWS))]


def _number(value: float | int | None) -> str | None:
    """A number as the form shows it (6, not 6.0), so an untouched field reads as unchanged."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _rows(form: MultiDict, name: str, keys: tuple[str, ...], required: str) -> list[dict[str, Any]]:
    found = []
    for i in range(100):
        row = {key: (form.get(f"{name}[{i}].{key}") or "").strip() for key in keys}
        if f"{name}[{i}].{required}" not in form:
            break
        if row[required]:
            found.append(row)
    return found


def _documents(service: Any, lines: list[str]) -> list[dict[str, Any]]:
    """Lines back to documents, keeping the translations of a line that did not change."""
    known = {d["document"]: d for d in service.required_documents or []}
    return [dict(known.get(line) or {"document": line}) for line in lines]

"""The edit forms of organizations, sites and services: a listing's editable fields as form values
and back, checked by the API's own schemas (``OrganizationSchema``, ``SiteSchema``,
``ServiceSchema``), whose field names and error paths (``opening_hours[0].closes``) are the form's
field names, so each error sits beside its field. An edit sends only the fields the editor changed;
a new site sends what was filled in. Holds no rule of the directory: the schemas and
``referral.directory`` decide what is valid and allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from referral.schemas import flatten_messages
from referral.schemas.directory import OrganizationSchema, ServiceSchema, SiteSchema
from referral.web.i18n import field_said

EXTRA_ROWS = 2  # empty rows offered for a new phone or opening time
ROWS = {"phones": (("number", "purpose"), "number"), "opening_hours": (("weekday", "opens", "closes"), "opens")}


@dataclass(frozen=True)
class ListingForm:
    """Which fields a form edits, by the kind of input each needs."""

    schema: type[Schema]
    texts: tuple[str, ...] = ()  # free text; empty -> None
    choices: tuple[str, ...] = ()  # one of a list (a select); empty -> None
    numbers: tuple[str, ...] = ()  # typed numbers, kept as the text typed until the schema loads them
    codes: tuple[str, ...] = ()  # lists of codes (checkboxes), kept sorted
    rows: tuple[str, ...] = ()  # lists of rows: phones, opening_hours
    documents: bool = False  # what to bring, one per line
    attributes: Mapping[str, str] = field(default_factory=dict)  # schema name -> model attribute

    @property
    def fields(self) -> tuple[str, ...]:
        extra = ("required_documents",) if self.documents else ()
        return (*self.texts, *self.choices, *self.numbers, *self.codes, *self.rows, *extra)

    def values_of(self, obj: Any) -> dict[str, Any]:
        """The editable fields of a stored listing, as the form shows them."""
        read = lambda name: getattr(obj, self.attributes.get(name, name))  # noqa: E731
        values: dict[str, Any] = {name: read(name) for name in (*self.texts, *self.choices)}
        values.update({name: _number(read(name)) for name in self.numbers})
        values.update({name: sorted(read(name) or []) for name in self.codes})
        values.update({name: [dict(row) for row in read(name) or []] for name in self.rows})
        if self.documents:
            values["required_documents"] = [d["document"] for d in obj.required_documents or []]
        return values

    def values_from(self, form: MultiDict) -> dict[str, Any]:
        """The editable fields as the editor left them (not yet validated)."""
        values: dict[str, Any] = {name: (form.get(name) or "").strip() or None for name in (*self.texts, *self.numbers)}
        values.update({name: form.get(name) or None for name in self.choices})
        values.update({name: sorted(set(form.getlist(name))) for name in self.codes})
        values.update({name: _rows(form, name, *ROWS[name]) for name in self.rows})
        if self.documents:
            values["required_documents"] = [
                line.strip() for line in (form.get("required_documents") or "").splitlines() if line.strip()
            ]
        return values

    def changes(self, obj: Any, original: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
        """The request body of an edit: each field the editor changed from what they saw."""
        body: dict[str, Any] = {}
        for name in self.fields:
            if edited.get(name) == original.get(name):
                continue
            body[name] = _documents(obj, edited[name]) if name == "required_documents" else edited[name]
        return body

    def filled(self, edited: Mapping[str, Any], **fixed: Any) -> dict[str, Any]:
        """The request body of a new listing: what was filled in, plus ``fixed`` (its organization)."""
        body = {name: value for name, value in edited.items() if value not in (None, "", [])}
        if self.documents and "required_documents" in body:
            body["required_documents"] = _documents(None, body["required_documents"])
        return {**body, **fixed}

    def validate(self, body: Mapping[str, Any], partial: bool = True) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The loaded body, or the errors by form field (the API's messages)."""
        try:
            return self.schema().load(body, partial=partial), {}
        except ValidationError as error:
            errors: dict[str, str] = {}
            for name, message in flatten_messages(error.messages):
                errors.setdefault(name, field_said(message))
            return None, errors


SERVICE = ListingForm(
    ServiceSchema,
    texts=("name", "description", "cost_text", "application_process", "wait_time"),
    choices=("capacity", "cost", "intensity"),
    numbers=("minimum_age", "maximum_age", "wait_days", "area_radius_km"),
    codes=("needs", "genders", "target_groups", "languages", "delivered_languages", "modes", "area_places", "sites"),
    rows=("phones", "opening_hours"),
    documents=True,
    attributes={"sites": "site_ids"},
)
SITE = ListingForm(
    SiteSchema,
    texts=("name", "address", "phone", "accessibility"),
    choices=("kind", "place"),
    numbers=("latitude", "longitude"),
    codes=("languages",),
    rows=("phones", "opening_hours"),
    attributes={"place": "place_code"},
)
ORGANIZATION = ListingForm(
    OrganizationSchema,
    texts=("name", "description", "email", "phone", "website"),
    choices=("kind",),
)


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
    known = {d["document"]: d for d in (service.required_documents if service is not None else None) or []}
    return [dict(known.get(line) or {"document": line}) for line in lines]

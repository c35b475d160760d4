"""HSDS 3.0 JSON input: nested objects flattened into the same tables the CSV files hold.

Accepts a list of full organization, service or service_at_location objects, one such object, or
HSDS API pages with ``contents``; parent ids are filled in, so one mapper serves JSON and CSV.
Depends on the standard library only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from referral import boundary
from referral.hsds import validate
from referral.hsds.report import Where
from referral.hsds.source import Record, Source, SourceError

_TOP = re.compile(r"^\$(\[\d+\](\.contents\[\d+\])?)?")  # the top object of a row's path


class JsonSource(Source):
    """Nested HSDS JSON flattened into tables (repeated nested copies of one object are merged)."""

    def __init__(self, name: str, data: Any, check: bool = False):
        """``check``: detect each top object's kind and validate it against the official schema first
        (``validate``); objects of other kinds and invalid ones are listed in ``schema_problems``, and
        ``invalid`` holds the paths of invalid objects (a lenient import sets their rows aside)."""
        self.name, self.notes = name, []
        self._tables: dict[str, dict[str, Record]] = {}
        self._anonymous: dict[str, list[Record]] = {}
        self.duplicates: list[tuple[Where, str]] = []
        self.schema_problems: list[tuple[Where, str]] = []
        self.invalid: set[str] = set()
        top_ids: dict[tuple[str, str], Where] = {}
        for path, obj in _top_objects(name, data):
            kind = _kind_of(obj)
            where = Where(name, object=path)
            if check and not self._valid(kind, obj, where):
                continue
            key = (kind, str(obj.get("id")))
            if obj.get("id") is not None and key in top_ids:
                self.duplicates.append(
                    (where.at("id"), f"duplicate {kind} id {obj['id']!r} (also at {top_ids[key].object})")
                )
                continue
            top_ids[key] = where
            _FLATTEN[kind](self, obj, path, {})

    def _valid(self, kind: str, obj: dict[str, Any], where: Where) -> bool:
        """False when ``obj`` is no kind we import (it is not read at all); an invalid object is read but
        its path is kept in ``invalid``."""
        if kind == "organization":
            kind = validate.kind_of(obj)
            if kind not in validate.IMPORTABLE:
                self.schema_problems.append(
                    (
                        where,
                        f"is an HSDS {kind}, not an organization, service or "
                        "service_at_location: it was not read (import it inside "
                        "the organization or service it belongs to)",
                    )
                )
                self.invalid.add(str(where.object))
                return False
        for path, field, message in validate.problems(kind, obj):
            self.schema_problems.append(
                (Where(self.name, object=f"{where.object}{path}", field=field or None), message)
            )
            self.invalid.add(str(where.object))
        return True

    def set_aside(self, where: Where) -> bool:
        """Whether a row comes from an object that failed its schema (``invalid``)."""
        found = _TOP.match(str(where.object or ""))
        top = found.group(0) if found else ""
        return top in self.invalid

    def tables(self) -> list[str]:
        return sorted(set(self._tables) | set(self._anonymous))

    def rows(self, table: str) -> Iterator[Record]:
        yield from self._tables.get(table, {}).values()
        yield from self._anonymous.get(table, [])

    def add(self, table: str, obj: dict[str, Any], path: str, parents: dict[str, Any]) -> dict[str, Any]:
        """Record the scalar fields of ``obj`` (plus parent ids) as a row of ``table``."""
        row = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
        for key, value in parents.items():
            row.setdefault(key, value)
        record = Record(table, Where(self.name, object=path), row)
        if row.get("id") is None:
            self._anonymous.setdefault(table, []).append(record)
            return row
        known = self._tables.setdefault(table, {}).get(str(row["id"]))
        if known is None:
            self._tables[table][str(row["id"])] = record
            return row
        for key, value in row.items():
            if known.data.get(key) is None:
                known.data[key] = value
        return known.data


def _top_objects(name: str, data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    elif isinstance(data, list) and data and all(isinstance(p, dict) and "contents" in p for p in data):
        data = [(i, j, o) for i, page in enumerate(data) for j, o in enumerate(page["contents"])]
        for i, j, obj in data:
            yield from _checked(name, f"$[{i}].contents[{j}]", obj)
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise SourceError(Where(name), "expected HSDS objects: a list, an object, or API pages with contents")
    for i, obj in enumerate(data):
        yield from _checked(name, f"$[{i}]", obj)


def _checked(name: str, path: str, obj: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(obj, dict):
        raise SourceError(Where(name, object=path), f"expected an HSDS object, not {type(obj).__name__}")
    yield path, obj


def _kind_of(obj: dict[str, Any]) -> str:
    """organization, service or service_at_location, by the fields only that kind has."""
    if "status" in obj or "service_at_locations" in obj or "organization" in obj:
        return "service"
    if "location_id" in obj or "service_id" in obj or "location" in obj or "service" in obj:
        return "service_at_location"
    return "organization"


def _children(source: JsonSource, obj: dict[str, Any], path: str, key: str) -> Iterator[tuple[str, dict]]:
    value = obj.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        source.duplicates.append((Where(source.name, object=path, field=key), "must be a list of objects"))
        return
    for i, child in enumerate(value):
        if isinstance(child, dict):
            yield f"{path}.{key}[{i}]", child
        else:
            source.duplicates.append((Where(source.name, object=f"{path}.{key}[{i}]"), "must be an object"))


def _leaves(source: JsonSource, obj: dict, path: str, parents: dict, plan: dict[str, str]) -> None:
    """Children that are plain rows of another table (with their own phones and languages)."""
    for key, table in plan.items():
        for child_path, child in _children(source, obj, path, key):
            row = source.add(table, child, child_path, parents)
            if table in ("phone", "contact"):
                own = {"phone_id" if table == "phone" else "contact_id": row.get("id"), **parents}
                _leaves(source, child, child_path, own, {"languages": "language", "phones": "phone"})
            if table == "attribute":
                _taxonomy_term(source, child, child_path, row)


def _taxonomy_term(source: JsonSource, attribute: dict, path: str, row: dict) -> None:
    term = attribute.get("taxonomy_term")
    if isinstance(term, dict):
        detail = term.get("taxonomy_detail")
        if isinstance(detail, dict):
            source.add("taxonomy", detail, f"{path}.taxonomy_term.taxonomy_detail", {})
        term_row = source.add(
            "taxonomy_term",
            term,
            f"{path}.taxonomy_term",
            {"taxonomy_id": detail.get("id")} if isinstance(detail, dict) else {},
        )
        row.setdefault("taxonomy_term_id", term_row.get("id"))


COMMON = {"attributes": "attribute", "metadata": "metadata"}


def _organization(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    row = source.add("organization", obj, path, {})
    own = {"organization_id": row.get("id")}
    _leaves(
        source,
        obj,
        path,
        own,
        {
            "phones": "phone",
            "contacts": "contact",
            "funding": "funding",
            "programs": "program",
            "organization_identifiers": "organization_identifier",
        },
    )
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "organization"}, COMMON)
    for child_path, child in _children(source, obj, path, "locations"):
        _location(source, child, child_path, own)
    for child_path, child in _children(source, obj, path, "services"):
        _service(source, child, child_path, own)


def _location(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    row = source.add("location", obj, path, parents)
    own = {"location_id": row.get("id")}
    _leaves(
        source,
        obj,
        path,
        own,
        {
            "addresses": "address",
            "languages": "language",
            "phones": "phone",
            "schedules": "schedule",
            "accessibility": "accessibility",
            "contacts": "contact",
        },
    )
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "location"}, COMMON)


def _service(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    organization = obj.get("organization")
    if isinstance(organization, dict):
        _organization(source, organization, f"{path}.organization", {})
        parents = {"organization_id": organization.get("id")}
    row = source.add("service", obj, path, parents)
    own = {"service_id": row.get("id")}
    _leaves(
        source,
        obj,
        path,
        own,
        {
            "phones": "phone",
            "schedules": "schedule",
            "service_areas": "service_area",
            "languages": "language",
            "funding": "funding",
            "cost_options": "cost_option",
            "required_documents": "required_document",
            "contacts": "contact",
        },
    )
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "service"}, COMMON)
    program = obj.get("program")
    if isinstance(program, dict):
        source.add("program", program, f"{path}.program", {"organization_id": row.get("organization_id")})
    for child_path, child in _children(source, obj, path, "service_at_locations"):
        _service_at_location(source, child, child_path, {**own, "organization_id": row.get("organization_id")})


def _service_at_location(source: JsonSource, obj: dict, path: str, parents: dict) -> None:
    service = obj.get("service")
    if isinstance(service, dict):
        _service(source, service, f"{path}.service", {})
        parents = {"service_id": service.get("id"), "organization_id": service.get("organization_id")}
    location = obj.get("location")
    if isinstance(location, dict):
        _location(source, location, f"{path}.location", {"organization_id": parents.get("organization_id")})
    link = {"service_id": parents.get("service_id")}
    if isinstance(location, dict):
        link["location_id"] = location.get("id")
    row = source.add("service_at_location", obj, path, link)
    own = {"service_at_location_id": row.get("id")}
    _leaves(source, obj, path, own, {"phones": "phone", "schedules": "schedule", "contacts": "contact"})
    _leaves(source, obj, path, {"link_id": row.get("id"), "link_entity": "service_at_location"}, COMMON)


_FLATTEN: dict[str, Callable[[JsonSource, dict, str, dict], None]] = {
    "organization": _organization,
    "service": _service,
    "service_at_location": _service_at_location,
}


def open_json(name: str, raw: bytes) -> JsonSource:
    if boundary.json_too_deep(raw):  # before the parser recurses (referral/boundary.py)
        raise SourceError(Where(name), f"is nested deeper than {boundary.MAX_DEPTH} levels")
    try:
        return JsonSource(name, json.loads(raw.decode("utf-8")), check=True)
    except UnicodeDecodeError as error:
        raise SourceError(Where(name), f"is not UTF-8 text (byte {error.start}: {error.reason})") from None
    except json.JSONDecodeError as error:
        raise SourceError(
            Where(name, row=error.lineno), f"is not well-formed JSON ({error.msg}, column {error.colno})"
        ) from None

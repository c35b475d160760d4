"""Our own export's nested HSDS objects as the rows of the tabular package's tables.

The export's counterpart of ``json_source`` (which reads anybody's JSON, with paths for its report):
the same tables, rows and parent ids, for the well-formed objects ``export`` builds, without the
bookkeeping an import needs, so that writing the CSV package costs about as much as writing JSON.
A row is an object's scalar fields plus its parents' ids; an object met twice (a location nested again
in a service_at_location) is one row. Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PLANS: dict[str, dict[str, str]] = {  # nested list -> table, per parent table
    "organization": {
        "phones": "phone",
        "contacts": "contact",
        "funding": "funding",
        "programs": "program",
        "organization_identifiers": "organization_identifier",
    },
    "location": {
        "addresses": "address",
        "languages": "language",
        "phones": "phone",
        "schedules": "schedule",
        "accessibility": "accessibility",
        "contacts": "contact",
    },
    "service": {
        "phones": "phone",
        "schedules": "schedule",
        "service_areas": "service_area",
        "languages": "language",
        "funding": "funding",
        "cost_options": "cost_option",
        "required_documents": "required_document",
        "contacts": "contact",
    },
    "service_at_location": {"phones": "phone", "schedules": "schedule", "contacts": "contact"},
    "phone": {"languages": "language", "phones": "phone"},
    "contact": {"languages": "language", "phones": "phone"},
}
COMMON = {"attributes": "attribute", "metadata": "metadata"}
_OWN_KEY = {
    "organization": "organization_id",
    "location": "location_id",
    "service": "service_id",
    "service_at_location": "service_at_location_id",
    "phone": "phone_id",
    "contact": "contact_id",
}


class Tables:
    """Rows by table and id, filled by ``organization``."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self._seen: set[int] = set()  # nested objects already flattened (the export shares location dicts)

    def add(self, table: str, obj: dict[str, Any], parents: dict[str, Any]) -> dict[str, Any]:
        """The scalar fields of ``obj`` plus its parents' ids, as a row of ``table`` (merged with a row of
        the same id: a field it lacks is filled)."""
        row = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
        for key, value in parents.items():
            row.setdefault(key, value)
        rows = self.rows.setdefault(table, {})
        known = rows.get(str(row.get("id")))
        if known is None:
            rows[str(row.get("id"))] = row
            return row
        for key, value in row.items():
            if known.get(key) is None:
                known[key] = value
        return known

    def organization(self, obj: dict[str, Any]) -> None:
        row = self.add("organization", obj, {})
        self._children(obj, "organization", row)
        for location in obj.get("locations") or ():
            self.location(location, {"organization_id": row.get("id")})
        for service in obj.get("services") or ():
            self.service(service, {"organization_id": row.get("id")})

    def location(self, obj: dict[str, Any], parents: dict[str, Any]) -> None:
        if id(obj) in self._seen:
            return
        self._seen.add(id(obj))
        self._children(obj, "location", self.add("location", obj, parents))

    def service(self, obj: dict[str, Any], parents: dict[str, Any]) -> None:
        row = self.add("service", obj, parents)
        self._children(obj, "service", row)
        for link in obj.get("service_at_locations") or ():
            location = link.get("location")
            if isinstance(location, dict):
                self.location(location, {"organization_id": row.get("organization_id")})
            ids = {
                "service_id": row.get("id"),
                **({"location_id": location.get("id")} if isinstance(location, dict) else {}),
            }
            self._children(link, "service_at_location", self.add("service_at_location", link, ids))

    def _children(self, obj: dict[str, Any], table: str, row: dict[str, Any], parents: dict[str, Any] = {}) -> None:  # noqa: B006 - read only
        own = {_OWN_KEY[table]: row.get("id"), **parents}
        for key, child_table in PLANS[table].items():
            for child in obj.get(key) or ():
                child_row = self.add(child_table, child, own)
                if child_table in ("phone", "contact"):
                    self._children(child, child_table, child_row, own)
        if table in ("phone", "contact"):
            return
        link = {"link_id": row.get("id"), "link_entity": table}
        for key, child_table in COMMON.items():
            for child in obj.get(key) or ():
                child_row = self.add(child_table, child, link)
                if child_table == "attribute":
                    self._term(child, child_row)

    def _term(self, attribute: dict[str, Any], row: dict[str, Any]) -> None:
        term = attribute.get("taxonomy_term")
        if isinstance(term, dict) and id(term) in self._seen:  # a shared term: its rows are written
            row.setdefault("taxonomy_term_id", term.get("id"))
        elif isinstance(term, dict):
            self._seen.add(id(term))
            detail = term.get("taxonomy_detail")
            if isinstance(detail, dict):
                self.add("taxonomy", detail, {})
            term_row = self.add(
                "taxonomy_term", term, {"taxonomy_id": detail.get("id")} if isinstance(detail, dict) else {}
            )
            row.setdefault("taxonomy_term_id", term_row.get("id"))


def tables(organizations: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table the organizations fill, sorted by id."""
    found = Tables()
    for obj in organizations:
        found.organization(obj)
    return {table: [rows[k] for k in sorted(rows)] for table, rows in sorted(found.rows.items())}

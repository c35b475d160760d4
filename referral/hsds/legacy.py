"""HSDS 1.x and 2.0 tabular packages, recognised and converted to HSDS 3.0 rows on the way in.

Recognised by the descriptor's ``version`` (1.x, 2.x) or by file names only those versions have
(``physical_addresses.csv``, ``services_at_location.csv``, ``regular_schedules.csv``…). Each legacy
file becomes rows of its 3.0 table with renamed columns (``url`` → ``website``, ``term`` → ``name``,
``service_area`` → ``name``…) and fixed values (a location is ``physical``, an address says whether it
is physical or postal); ``eligibility.csv`` becomes the service's ``eligibility_description``.
Everything changed is said in the source's notes (the import report), each dropped column and table
by name. Depends on the standard library and the tabular/source modules only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

from referral.hsds.report import Where
from referral.hsds.source import Record, Source, SourceError
from referral.hsds.tabular import COLUMNS, MAX_FIELD
from referral.matching.week import WEEKDAY_NAMES, WEEKDAYS

# legacy file -> (3.0 table, renamed columns, fixed values)
FILES: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "organizations.csv": ("organization", {"url": "website"}, {}),
    "programs.csv": ("program", {}, {}),
    "services.csv": ("service", {}, {}),
    "service_attributes.csv": (
        "attribute",
        {"service_id": "link_id"},
        {"link_entity": "service", "link_type": "service_taxonomy"},
    ),
    "service_taxonomy.csv": (
        "attribute",
        {"service_id": "link_id", "taxonomy_id": "taxonomy_term_id"},
        {"link_entity": "service", "link_type": "service_taxonomy"},
    ),
    "other_attributes.csv": ("attribute", {"link_type": "link_entity"}, {}),
    "services_at_location.csv": ("service_at_location", {}, {}),
    "locations.csv": ("location", {}, {"location_type": "physical"}),
    "phones.csv": ("phone", {}, {}),
    "contacts.csv": ("contact", {}, {}),
    "physical_addresses.csv": ("address", {}, {"address_type": "physical"}),
    "postal_addresses.csv": ("address", {}, {"address_type": "postal"}),
    "schedules.csv": ("schedule", {}, {}),
    "regular_schedules.csv": ("schedule", {"weekday": "byday"}, {"freq": "WEEKLY"}),
    "funding.csv": ("funding", {}, {}),
    "service_areas.csv": ("service_area", {"service_area": "name"}, {}),
    "required_documents.csv": ("required_document", {}, {}),
    "languages.csv": ("language", {"language": "name"}, {}),
    "accessibility_for_disabilities.csv": ("accessibility", {"accessibility": "description"}, {}),
    "taxonomy_terms.csv": ("taxonomy_term", {"term": "name"}, {}),
    "taxonomy.csv": ("taxonomy_term", {"vocabulary": "taxonomy"}, {}),
    "metadata.csv": ("metadata", {}, {}),
    "meta_table_descriptions.csv": ("meta_table_description", {}, {}),
}
NOT_CONVERTED = {
    "payments_accepted.csv": "HSDS 3.0 has no payments accepted",
    "holiday_schedules.csv": "holiday closures are not weekly opening hours",
}
ONLY_LEGACY = {
    "physical_addresses.csv",
    "postal_addresses.csv",
    "services_at_location.csv",
    "regular_schedules.csv",
    "service_attributes.csv",
    "service_taxonomy.csv",
    "other_attributes.csv",
    "taxonomy.csv",
    "accessibility_for_disabilities.csv",
    "payments_accepted.csv",
    "holiday_schedules.csv",
    "eligibility.csv",
}
DAYS = {name: code.upper() for name, code in zip(WEEKDAY_NAMES, WEEKDAYS, strict=True)}  # monday -> MO


def version_of(files: dict[str, Any], descriptor: bytes | None) -> str | None:
    """ "1.x" or "2.0" (as the descriptor says, else by file names) for a legacy package; None for 3.0."""
    try:
        declared = str(json.loads(descriptor or b"{}").get("version") or "")
    except (ValueError, AttributeError):
        declared = ""
    if declared[:2] in ("1.", "2."):
        return declared
    if set(files) & ONLY_LEGACY:
        return "1.x/2.0 (by its file names)"
    return None


class LegacySource(Source):
    """A 1.x/2.0 package read as HSDS 3.0 tables."""

    def __init__(self, name: str, files: dict[str, Callable[[], IO[bytes]]], version: str):
        self.name, self._files = name, files
        self.notes: list[tuple[Where, str]] = [
            (Where(name), f"an HSDS {version} tabular package: converted to HSDS 3.0 on the way in (each change below)")
        ]
        self._said: set[tuple[str, str]] = set()
        for path in sorted(files):
            if path in FILES:
                table, renamed, fixed = FILES[path]
                changes = [f"{a} → {b}" for a, b in renamed.items()] + [f"{k} = {v}" for k, v in fixed.items()]
                self.notes.append(
                    (Where(path), f"read as HSDS 3.0 {table}" + (f" ({'; '.join(changes)})" if changes else ""))
                )
            elif path == "eligibility.csv":
                self.notes.append((Where(path), "read into the services' eligibility_description"))
            else:
                why = NOT_CONVERTED.get(path, "not a file of HSDS 1.x, 2.0 or 3.0")
                self.notes.append((Where(path), f"not read: {why}"))

    def tables(self) -> list[str]:
        return sorted({FILES[p][0] for p in self._files if p in FILES})

    def rows(self, table: str) -> Iterator[Record]:
        extra = self._eligibility() if table == "service" else {}
        for path in sorted(p for p in self._files if p in FILES and FILES[p][0] == table):
            for line, row in self._read(path):
                converted = self._convert(path, row)
                if table == "service" and converted.get("id") in extra:
                    converted["eligibility_description"] = extra[converted["id"]]
                yield Record(table, Where(path, row=line), converted)

    def _read(self, path: str) -> Iterator[tuple[int, dict[str, str]]]:
        with self._files[path]() as stream:
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            csv.field_size_limit(MAX_FIELD)  # process-wide: a library may have raised it
            reader = csv.DictReader(text, strict=True)
            try:
                for row in reader:
                    yield reader.line_num, {k: v for k, v in row.items() if isinstance(k, str)}
            except UnicodeDecodeError as error:
                raise SourceError(Where(path), f"is not UTF-8 text (byte {error.start})") from None
            except csv.Error as error:
                raise SourceError(Where(path, row=reader.line_num), f"is not well-formed CSV ({error})") from None
            finally:
                text.detach()

    def _convert(self, path: str, row: dict[str, str]) -> dict[str, Any]:
        table, renamed, fixed = FILES[path]
        out: dict[str, Any] = dict(fixed)
        for key, value in row.items():
            if table == "address" and key in ("address_3", "address_4"):
                if value:
                    out["address_2"] = ", ".join(v for v in (out.get("address_2") or row.get("address_2"), value) if v)
                    self._say(path, key, "appended to address_2")
                continue
            name = renamed.get(key, key)
            if name in COLUMNS[table]:
                out.setdefault(name, value) if name == "address_2" else out.__setitem__(name, value)
            elif value not in (None, ""):
                self._say(path, key, "has no HSDS 3.0 column; not read")
        if path == "regular_schedules.csv":
            out["byday"] = _weekday(str(out.get("byday") or ""))
        if table == "language" and 2 <= len(str(out.get("name") or "")) <= 3:
            out["code"] = str(out["name"]).lower()
        return out

    def _say(self, path: str, column: str, what: str) -> None:
        if (path, column) not in self._said:
            self._said.add((path, column))
            self.notes.append((Where(path, field=column), what))

    def _eligibility(self) -> dict[str, str]:
        if "eligibility.csv" not in self._files:
            return {}
        found: dict[str, list[str]] = {}
        for _, row in self._read("eligibility.csv"):
            text = (row.get("eligibility") or "").strip()
            if row.get("service_id") and text:
                found.setdefault(row["service_id"], []).append(text)
        return {k: "; ".join(v) for k, v in found.items()}


def _weekday(value: str) -> str:
    """A 1.x weekday (a name, or 1-7 from Monday) as an RRULE byday code; "" when it is neither."""
    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return list(DAYS.values())[int(text) - 1]
    return next((code for day, code in DAYS.items() if day.startswith(text[:3]) and len(text) >= 2), "")

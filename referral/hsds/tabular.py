"""The HSDS 3.0 tabular data package: which CSV files exist, their columns, and their order.

The column lists are those ``schema/compiled/tabular.json`` defines for each file (its scalar
properties, in order); a test checks them against the official file, which the project never reads
at run time. Reading CSV checks encoding and columns; writing uses exactly these columns, and the
package's datapackage.json is the official descriptor shipped beside the schemas (``datapackage``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

# The official tabular package descriptor (examples/csv/datapackage.json of HSDS 3.0, CC BY-SA 4.0).
DESCRIPTOR = Path(__file__).resolve().parent.parent / "data" / "hsds" / "datapackage.json"
# (table, file, columns) in the order tabular.json gives ("datapackage_metadata.order").
RESOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "organization",
        "organizations.csv",
        (
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ),
    ),
    ("program", "programs.csv", ("id", "organization_id", "name", "alternate_name", "description")),
    (
        "service",
        "services.csv",
        (
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ),
    ),
    ("attribute", "attributes.csv", ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    ("service_at_location", "service_at_location.csv", ("id", "service_id", "location_id", "description")),
    (
        "location",
        "locations.csv",
        (
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
    ),
    (
        "phone",
        "phones.csv",
        (
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
    ),
    (
        "contact",
        "contacts.csv",
        (
            "id",
            "organization_id",
            "service_id",
            "service_at_location_id",
            "location_id",
            "name",
            "title",
            "department",
            "email",
        ),
    ),
    (
        "address",
        "addresses.csv",
        (
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
    ),
    (
        "schedule",
        "schedules.csv",
        (
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ),
    ),
    ("funding", "funding.csv", ("id", "organization_id", "service_id", "source")),
    ("service_area", "service_areas.csv", ("id", "service_id", "name", "description", "extent", "extent_type", "uri")),
    ("required_document", "required_documents.csv", ("id", "service_id", "document", "uri")),
    ("language", "languages.csv", ("id", "service_id", "location_id", "phone_id", "name", "code", "note")),
    ("accessibility", "accessibility.csv", ("id", "location_id", "description", "details", "url")),
    (
        "taxonomy_term",
        "taxonomy_terms.csv",
        ("id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"),
    ),
    (
        "metadata",
        "metadata.csv",
        (
            "id",
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
    ("meta_table_description", "meta_table_descriptions.csv", ("id", "name", "language", "character_set")),
    (
        "cost_option",
        "cost_options.csv",
        ("id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description"),
    ),
    (
        "organization_identifier",
        "organization_identifiers.csv",
        ("id", "organization_id", "identifier_scheme", "identifier_type", "identifier"),
    ),
    ("taxonomy", "taxonomies.csv", ("id", "name", "description", "uri", "version")),
)
COLUMNS: dict[str, tuple[str, ...]] = {table: columns for table, _, columns in RESOURCES}
FILES: dict[str, str] = {table: path for table, path, _ in RESOURCES}
TABLES: dict[str, str] = {path: table for table, path, _ in RESOURCES}


class CsvProblem(ValueError):
    """A CSV file cannot be read; ``row`` is its line number (1 = the header) or None."""

    def __init__(self, file: str, row: int | None, field: str, message: str):
        super().__init__(f"{file}{f' row {row}' if row else ''}: {field + ': ' if field else ''}{message}")
        self.file, self.row, self.field, self.message = file, row, field, message


MAX_FIELD = 131_072  # characters in one CSV field (the csv module's default), whatever another library set


def read_rows(file: str, stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of one HSDS CSV file; CsvProblem on bad bytes, columns or shape."""
    table = TABLES[file]
    csv.field_size_limit(MAX_FIELD)  # process-wide: a library (frictionless) may have raised it
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        _check_header(file, header, COLUMNS[table])
        for values in reader:
            if not any(values):
                continue
            if len(values) != len(header):
                raise CsvProblem(file, reader.line_num, "", f"has {len(values)} values for {len(header)} columns")
            yield reader.line_num, dict(zip(header, values))
    except UnicodeDecodeError as error:
        raise CsvProblem(file, None, "", f"is not UTF-8 text (byte {error.start}: {error.reason})") from None
    except csv.Error as error:
        raise CsvProblem(file, reader.line_num, "", f"is not well-formed CSV ({error})") from None
    finally:
        text.detach()  # the caller owns and closes the byte stream


def _check_header(file: str, header: list[str], known: tuple[str, ...]) -> None:
    unknown = [c for c in header if c not in known]
    if unknown:
        raise CsvProblem(
            file,
            1,
            unknown[0],
            f"unknown column(s) {', '.join(map(repr, unknown))}; HSDS 3.0 defines {', '.join(known)}",
        )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise CsvProblem(file, 1, twice[0], "column given twice")
    if "id" not in header:
        raise CsvProblem(file, 1, "id", "the id column is missing")


def write_rows(stream: IO[str], table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Write ``rows`` with exactly the table's columns (None as an empty cell)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS[table])
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS[table]])


def append_rows(stream: IO[str], table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Write ``rows`` (no header) with exactly the table's columns."""
    writer, columns = csv.writer(stream, lineterminator="\n"), COLUMNS[table]
    # the csv module writes None as an empty cell and other values as str() does; whole floats lose ".0"
    writer.writerows(
        [int(v) if v.__class__ is float and v.is_integer() else v for v in map(row.get, columns)] for row in rows
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def datapackage(tables: Iterable[str]) -> dict[str, Any]:
    """The datapackage.json descriptor for the given tables: the official HSDS 3.0 descriptor (its
    fields with types, formats and constraints, primary and foreign keys, licence), shipped as
    ``referral/data/hsds/datapackage.json``, with the resources of ``tables`` in its order."""
    official = _official()
    present = set(tables)
    return {
        **{k: v for k, v in official.items() if k != "resources"},
        "resources": [r for r in official["resources"] if r["name"] in present],
    }


@lru_cache(maxsize=1)
def _official() -> dict[str, Any]:
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8"))

"""What every pass of an HSDS import shares: one ``ImportState``, and the few helpers each pass uses.

The import is a pipeline (``importer.PASSES``): plain functions, one per pass, each taking the state.
The state holds the session, the settings, the report, the audit recorder, the gazetteer (read from
the database once per import: ``gazetteer.KnownPlaces``), what the first pass read (small tables by
parent id, taxonomy mappings, links, a scan of the locations) and the ids written so far. Passes
read and add to it; none reaches into another pass's module. Depends on the other ``hsds`` modules
below the passes (sources, fields, writer, audit, gazetteer…), never on a pass or on ``importer``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy.orm import Session

from referral import boundary
from referral.geocoding import Geocoder
from referral.hsds import extension, mapping, writer
from referral.hsds.audit import Recorder
from referral.hsds.crosswalk import TermMapping
from referral.hsds.fields import Fields
from referral.hsds.gazetteer import KnownPlaces, PlaceExtender
from referral.hsds.ids import as_uuid
from referral.hsds.report import ImportReport, Where
from referral.hsds.sources import JsonSource, Record, Source
from referral.models import Organization, Place, Service

# Fields each table maps (besides ids and parent ids); every other field present is "not mapped".
MAPPED = {
    "organization": {"name", "description", "email", "website"},
    "location": {"location_type", "name", "latitude", "longitude"},
    "service": {
        "name",
        "description",
        "status",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "last_modified",
        "fees_description",
        "fees",
        "eligibility_description",
        "application_process",
        "wait_time",
        "alert",
    },
    "service_at_location": set(),
    "address": {"address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"},
    "schedule": {"freq", "wkst", "byday", "opens_at", "closes_at"},
    "language": {"code", "name"},
    "phone": {"number", "type", "contact_id"},
    "accessibility": {"description", "details"},
    "cost_option": {"option", "amount", "currency", "amount_description"},
    "service_area": {"name", "uri", "extent", "extent_type"},
    "attribute": {"taxonomy_term_id", "link_entity", "link_type", "value"},
    "taxonomy_term": {"code", "name", "description", "taxonomy", "taxonomy_id", "parent_id", "language"},
    "taxonomy": {"name", "description", "uri", "version"},
    "contact": {"email", "name", "title", "department"},
    "required_document": {"document", "uri"},
}
PARENTS = (
    "id",
    "organization_id",
    "location_id",
    "service_id",
    "service_at_location_id",
    "link_id",
    "contact_id",
    "phone_id",
)


@dataclass(frozen=True)
class Settings:
    min_confidence: float = 80.0  # rapidfuzz 0-100 for a fuzzy taxonomy or service-area match
    place_max_km: float = 10.0  # a site's place: the finest gazetteer place within this distance
    batch_size: int = 5000  # rows per bulk UPSERT
    lenient: bool = False  # write every valid record; set the others aside (report.quarantined) with their problems
    reviewed: Mapping[str, str | None] = field(default_factory=dict)  # term id -> need: a person's decisions
    eligibility_floor: float = 95.0  # a fuzzy mapping onto a need that names a population needs this much


Link = tuple[Where, str, str, str]  # where, service_at_location id, service id, location id


@dataclass
class ImportState:
    """One import in progress: its inputs, what the first pass read, and what was written so far."""

    session: Session
    source: Source
    report: ImportReport
    settings: Settings
    places: KnownPlaces  # the gazetteer, read once; places the input brings are added as they come
    recorder: Recorder
    progress: Callable[[int], None] = lambda count: None
    geocoder_factory: Callable[[], Geocoder] | None = None  # None: the gazetteer above geocodes
    geocoder: Geocoder | None = None  # built on first need
    # read by the first pass (reading.py)
    children: dict[str, dict[str, list[dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    terms: dict[str, TermMapping] = field(default_factory=dict)
    term_links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # service id -> need terms
    restriction_links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # -> restricting
    term_info: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # term -> (language, text)
    links: list[Link] = field(default_factory=list)
    locations: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # id -> (type, organization)
    coordinates: dict[str, tuple[float, float]] = field(default_factory=dict)  # location id -> given (lat, lon)
    matching: dict[tuple[str, str], dict[str, Any]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # (entity, id) -> extension values
    extender: PlaceExtender | None = None  # set once the locations are scanned
    # written by the passes
    organizations: set[str] = field(default_factory=set)
    service_org: dict[str, str] = field(default_factory=dict)
    site_org: dict[str, str] = field(default_factory=dict)
    own_codes: dict[str, str] = field(default_factory=dict)  # fuzzily mapped term id -> its own ext.* need code
    statistics: writer.Statistics = field(default_factory=writer.Statistics)  # kept true as the tables grow

    def wrote(self, model: type, count: int) -> None:
        """``count`` rows of ``model`` written: its planner statistics refreshed when they have doubled."""
        self.statistics.wrote(self.session, cast(Any, model).__table__, count)

    def geocode(self, parts: list[str]) -> tuple[Any, str]:
        """The configured geocoder's answer for an address, and the geocoder's name."""
        if self.geocoder_factory is None:
            return self.places.geocoder.geocode(parts), self.places.geocoder.name
        if self.geocoder is None:
            self.geocoder = self.geocoder_factory()
        return self.geocoder.geocode(parts), self.geocoder.name


def rows(state: ImportState, table: str, scan: bool = False) -> Iterator[tuple[str, Fields]]:
    """(id, Fields) of each row of ``table`` with a usable id; ``scan``: a preliminary pass, not counted."""
    seen: set[str] = set()
    json = isinstance(state.source, JsonSource)
    set_aside = getattr(state.source, "set_aside", None) if state.settings.lenient else None
    for record in state.source.rows(table):
        if set_aside is not None and set_aside(record.where):
            if not scan:
                state.report.quarantined[table] += 1
            continue
        if scan:
            yield as_uuid(str(record.data.get("id")))[0], Fields(record, ImportReport(state.source.name))
            continue
        state.report.read[table] += 1
        fields = Fields(record, state.report)
        for path, message in boundary.problems(record.data):  # text no one may store (referral/boundary.py)
            fields.problem(path or "row", message)
        row_id = None if fields.failed else fields.id(table=table)
        if row_id is None:
            continue
        if row_id in seen and not json:
            fields.problem("id", f"duplicate {table} id {record.data.get('id')!r}")
            continue
        seen.add(row_id)
        _count_unmapped(state.report, record)
        yield row_id, fields


def _count_unmapped(report: ImportReport, record: Record) -> None:
    mapped = MAPPED.get(record.table)
    if mapped is None:
        report.not_mapped[f"{record.table} (the whole table)"] += 1
        return
    for key, value in record.data.items():
        if value not in (None, "") and key not in mapped and key not in PARENTS:
            report.not_mapped[f"{record.table}.{key}"] += 1


def flush(state: ImportState, model: type, batch: list[dict[str, Any]], force: bool = False) -> list[dict[str, Any]]:
    """Write ``batch`` (audited) once it is full, or now with ``force``; the batch left to fill."""
    if batch and (force or len(batch) >= state.settings.batch_size):
        state.recorder.rows(
            model, [r["id"] for r in batch], lambda: writer.upsert(state.session, cast(Any, model).__table__, batch)
        )
        if model is not Service:  # a service's event waits for its links (passes.write_services)
            state.recorder.flush()
        state.wrote(model, len(batch))
        state.progress(len(batch))
        return []
    return batch


def matching(state: ImportState, entity: str, row_id: str) -> dict[str, Any]:
    """The values our ``referral matching`` attributes give this row (extension.py); {} when none."""
    return extension.complete(entity, dict(state.matching.get((entity, row_id), {})))


def ensure_places(state: ImportState, chain: list[dict[str, Any]]) -> str | None:
    """The code of the last place of a chain the input carries (extension.py), adding the missing ones."""
    for row in extension.rows_of(chain, state.places.codes()):
        if state.session.get(Place, row["code"]) is None:
            state.session.add(Place(**row))
            state.session.flush()
            state.report.listed(
                "places_added",
                {
                    "code": row["code"],
                    "name": row["name"],
                    "latitude": row["latitude"],
                    "longitude": row["longitude"],
                    "why": "carried by the input (referral matching)",
                },
            )
        state.places.add(row["code"], row["name"], row["latitude"], row["longitude"])
    return chain[-1]["code"] if chain else None


def stored_org(state: ImportState, organization_id: str) -> bool:
    """Whether an organization is in the input or already in the directory."""
    if organization_id not in state.organizations and writer.existing(state.session, Organization, [organization_id]):
        state.organizations.add(organization_id)
    return organization_id in state.organizations


def languages(state: ImportState, owner: str) -> list[str]:
    """The language tags of a service's or a location's languages, in the order given."""
    tags: dict[str, None] = {}
    for row in state.children["language"].get(owner, []):
        tag = mapping.language_tag(row.get("code"), row.get("name"))
        if tag:
            tags[tag] = None
        else:
            state.report.not_mapped[f"language {row.get('code') or row.get('name')!r} (unknown tag)"] += 1
    return list(tags)


def first_phone(phones: list[dict[str, Any]]) -> str | None:
    """The first phone number given (quotes and spaces trimmed), as a model's ``phone``."""
    numbers = [str(p["number"]).strip().strip('"') for p in phones if p.get("number")]
    return numbers[0][:64] if numbers else None

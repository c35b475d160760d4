"""The HSDS import use case: read a Source, check it, map it, write it in one transaction.

Passes, so that a 100k-row package streams: the small tables first (taxonomy, attributes, addresses,
schedules, languages, phones, cost options, service areas, service_at_location, and a scan of the
locations), then organizations, services and locations in batches (bulk UPSERT), then the links.
Any problem means nothing is written (rollback); ``dry_run`` always rolls back. The directory
version is bumped once, in the same transaction. Takes a session; commits only at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral import boundary, changes
from referral.geocoding import Geocoder
from referral.hsds import extension, restrictions
from referral.hsds.audit import ImportAudit, Recorder
from referral.hsds.crosswalk import Crosswalk, Term, TermMapping
from referral.hsds.fields import Fields
from referral.hsds.ids import as_uuid
from referral.hsds.report import ImportReport, Where
from referral.hsds.sources import JsonSource, Record, Source, SourceError
from referral.reference_data import has_taxonomy

# Fields each table maps (besides ids and parent ids); every other field present is "not mapped".
MAPPED = {
    "organization": {"name", "description", "email", "website"},
    "location": {"location_type", "name", "latitude", "longitude"},
    "service": {"name", "description", "status", "minimum_age", "maximum_age", "assured_date", "last_modified",
                "fees_description", "fees", "eligibility_description", "application_process", "wait_time",
                "alert"},
    "service_at_location": set(),
    "address": {"address_1", "address_2", "city", "region", "state_province", "postal_code", "country",
                "address_type"},
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
PARENTS = ("id", "organization_id", "location_id", "service_id", "service_at_location_id", "link_id",
           "contact_id", "phone_id")
# Read first and kept (compactly) by parent id.
CHILD_TABLES = ("address", "accessibility", "language", "phone", "schedule", "cost_option", "service_area",
                "contact", "required_document")
UNMAPPED_TABLES = ("program", "funding", "metadata", "meta_table_description",
                   "organization_identifier")


@dataclass(frozen=True)
class Settings:
    min_confidence: float = 80.0  # rapidfuzz 0-100 for a fuzzy taxonomy or service-area match
    place_max_km: float = 10.0  # a site's place: the finest gazetteer place within this distance
    batch_size: int = 5000  # rows per bulk UPSERT
    lenient: bool = False  # write every valid record; set the others aside (report.quarantined) with their problems
    reviewed: Mapping[str, str | None] = field(default_factory=dict)  # term id -> need: a person's decisions
    eligibility_floor: float = 95.0  # a fuzzy mapping onto a need that names a population needs this much


def run(session: Session, source: Source, geocoder: Callable[[], Geocoder], settings: Settings = Settings(),
        dry_run: bool = False, progress: Callable[[int], None] | None = None,
        audit: ImportAudit | None = None) -> ImportReport:
    """Import ``source``; the report says what was written, mapped, skipped, or why nothing was.
    With ``audit``, every record changed is audited in the same transaction (hsds/audit.py)."""
    report = ImportReport(source.name, dry_run=dry_run)
    for where, message in source.notes:
        report.note(where, message)
    said = len(source.notes)
    for where, message in getattr(source, "duplicates", []) + getattr(source, "schema_problems", []):
        report.problem(where, message)
    if not has_taxonomy(session):
        report.problem(Where(source.name), "the database has no needs taxonomy, so nothing imported could be "
                       "matched: run `referral init-db` first (it loads the taxonomy)")
        session.rollback()
        return report
    fatal = False  # the input could not be read through, or the database refused it: nothing is kept
    try:
        from referral.hsds.passes import Passes

        Passes(session, source, report, settings, geocoder, progress or (lambda n: None), Recorder(session, audit)).run()
        session.flush()
    except SourceError as error:
        report.problem(error.where, error.message)
        fatal = True
    except IntegrityError as error:
        detail = str(getattr(error, "orig", error)).splitlines()[0]
        report.problem(Where(source.name), f"the database refused the import: {detail}")
        fatal = True
    for where, message in source.notes[said:]:  # said while reading (a legacy package's columns)
        report.note(where, message)
    report.lenient = settings.lenient and not fatal
    if (report.problems and not report.lenient) or dry_run:
        session.rollback()
        return report
    session.commit()  # one version for the whole import (referral.versioning)
    changes.refresh_statistics(session)  # ANALYZE: never plan the next snapshot on stale row counts
    report.written = True
    return report


class Reader:
    """The first pass: small tables by parent id, taxonomy mappings, links, and unmapped counts."""

    def __init__(self, session: Session, source: Source, report: ImportReport, settings: Settings):
        self.session, self.source, self.report, self.settings = session, source, report, settings
        self.children: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        self.terms: dict[str, TermMapping] = {}
        self.term_links: dict[str, list[str]] = defaultdict(list)  # service id -> taxonomy term ids (needs)
        self.restriction_links: dict[str, list[str]] = defaultdict(list)  # service id -> restricting term ids
        self.term_info: dict[str, tuple[str | None, str | None]] = {}  # term id -> (language, description)
        self.links: list[tuple[Where, str, str, str]] = []  # where, sal id, service id, location id
        self.locations: dict[str, tuple[str | None, str | None]] = {}  # id -> (type, organization id)
        self.coordinates: dict[str, tuple[float, float]] = {}  # location id -> given (lat, lon)
        self.matching: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)  # (entity, id) -> extension values

    def rows(self, table: str, scan: bool = False) -> Any:
        """(id, Fields) of each row with a usable id; ``scan``: a preliminary pass, not counted."""
        seen: set[str] = set()
        json = isinstance(self.source, JsonSource)
        set_aside = getattr(self.source, "set_aside", None) if self.settings.lenient else None
        for record in self.source.rows(table):
            if set_aside is not None and set_aside(record.where):
                if not scan:
                    self.report.quarantined[table] += 1
                continue
            if scan:
                data = record.data
                yield as_uuid(str(data.get("id")))[0], Fields(record, ImportReport(self.source.name))
                continue
            self.report.read[table] += 1
            fields = Fields(record, self.report)
            for path, message in boundary.problems(record.data):  # text no one may store (referral/boundary.py)
                fields.problem(path or "row", message)
            row_id = None if fields.failed else fields.id(table=table)
            if row_id is None:
                continue
            if row_id in seen and not json:
                fields.problem("id", f"duplicate {table} id {record.data.get('id')!r}")
                continue
            seen.add(row_id)
            self.count_unmapped(record)
            yield row_id, fields

    def count_unmapped(self, record: Record) -> None:
        mapped = MAPPED.get(record.table)
        if mapped is None:
            self.report.not_mapped[f"{record.table} (the whole table)"] += 1
            return
        for key, value in record.data.items():
            if value not in (None, "") and key not in mapped and key not in PARENTS:
                self.report.not_mapped[f"{record.table}.{key}"] += 1

    def read(self, crosswalk: Crosswalk) -> None:
        self._taxonomy(crosswalk)
        for table in CHILD_TABLES:
            for row_id, fields in self.rows(table):
                row = {k: v for k, v in fields.data.items() if k in MAPPED[table]}
                for parent in PARENTS[1:]:
                    if fields.data.get(parent) not in (None, ""):
                        self.children[table][as_uuid(str(fields.data[parent]))[0]].append({**row, "id": row_id})
                if table == "cost_option":
                    fields.number("amount")
        for table in UNMAPPED_TABLES:
            for _ in self.rows(table):
                pass
        self._links()
        for row_id, fields in self.rows("location", scan=True):
            lat, lon = _float(fields.data.get("latitude")), _float(fields.data.get("longitude"))
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
                self.coordinates[row_id] = (lat, lon)
            kind = fields.text("location_type")
            self.locations[row_id] = (kind.lower() if kind else None, fields.id("organization_id", required=False))

    def _taxonomy(self, crosswalk: Crosswalk) -> None:
        names = {row_id: fields.text("name") for row_id, fields in self.rows("taxonomy")}
        for row_id, fields in self.rows("taxonomy_term"):
            if row_id in extension.TERM_IDS:  # our own matching vocabulary (extension.py): never a need
                continue
            taxonomy_id = fields.id("taxonomy_id", required=False)
            name = fields.text("name") or fields.text("code") or ""
            term = Term(row_id, name, fields.text("code"),
                        fields.text("taxonomy") or names.get(taxonomy_id or ""), taxonomy_id, fields.text("language"))
            self.terms[row_id] = crosswalk.map(term)
            self.term_info[row_id] = (fields.text("language"), fields.text("description"))
        self._attributes()

    def list_mappings(self) -> None:
        """The report's taxonomy lists: each term (but those used as restrictions), its need or best candidate."""
        restricting = {t for links in self.restriction_links.values() for t in links}
        for mapping in sorted((m for t, m in self.terms.items() if t not in restricting),
                              key=lambda m: (m.term.taxonomy or "", m.term.name, m.term.id)):
            entry = {"term": mapping.term.name, "code": mapping.term.code, "taxonomy": mapping.term.taxonomy,
                     "id": mapping.term.id, "confidence": round(mapping.confidence, 1)}
            if mapping.method == "new term":
                self.report.listed("unmapped_terms", {**entry, "best": mapping.best, "added_as": mapping.need})
            elif mapping.need:
                self.report.listed("mappings", {**entry, "need": mapping.need, "method": mapping.method})
            else:
                self.report.listed("unmapped_terms", {**entry, "best": mapping.best})

    def _attributes(self) -> None:
        for row_id, fields in self.rows("attribute"):
            term_id = fields.id("taxonomy_term_id", required=False)
            link = fields.id("link_id", required=False)
            entity = (fields.text("link_entity") or "service").lower()
            link_type = (fields.text("link_type") or "").lower()
            if not term_id or not link:
                continue
            if term_id in extension.TERM_IDS:
                self._matching(term_id, link, fields)
            elif term_id not in self.terms:
                fields.note("taxonomy_term_id", "names no taxonomy term in the input; ignored")
            elif entity == "service" and (link_type in restrictions.RESTRICTING_LINKS or self.situation(term_id)):
                self.restriction_links[link].append(term_id)
            elif entity == "service":
                self.term_links[link].append(term_id)
            else:
                self.report.not_mapped[f"attribute on {entity} (taxonomy terms of services only)"] += 1

    def _matching(self, term_id: str, link: str, fields: Fields) -> None:
        """An attribute of our ``referral matching`` taxonomy: the value of one model field."""
        entity, field = extension.TERM_IDS[term_id]
        try:
            self.matching[(entity, link)][field] = extension.decode(entity, field, fields.data.get("value"))
        except ValueError as error:
            fields.note("value", f"referral matching {entity}.{field} {error}; ignored")

    def situation(self, term_id: str) -> bool:
        """Whether a term restricts whatever its link type: an Open Eligibility situation, or ours."""
        term = self.terms[term_id].term
        vocabulary = (term.taxonomy or "").lower()
        if term.taxonomy_id != restrictions.ELIGIBILITY_ID and not any(
                word in vocabulary for word in ("eligibility", "situation", "audience")):
            return False
        return bool(restrictions.of_term(term.id, term.name, term.code, phrases=False))

    def restriction(self, term_id: str) -> restrictions.Restriction:
        term = self.terms[term_id].term
        return restrictions.of_term(term.id, term.name, term.code)

    def _links(self) -> None:
        for row_id, fields in self.rows("service_at_location"):
            service_id = fields.id("service_id")
            location_id = fields.id("location_id")
            if service_id and location_id:
                self.links.append((fields.where, row_id, service_id, location_id))


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None

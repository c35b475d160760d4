"""The HSDS import use case: read a Source, check it, map it, write it in one transaction.

A pipeline of passes (``PASSES``), plain functions each given the one ``ImportState`` (``state``), so
that a 100k-row package streams: first the small tables, the taxonomy, the links and a scan of the
locations (``reading``), the input's own taxonomy terms, then organizations and services
(``passes``) and sites (``sites``) in batches (bulk UPSERT), the schools services serve, and the
links. Any problem means nothing is written (rollback); ``dry_run`` always rolls back. The commit bumps
the directory version once (referral.versioning). Takes a session; commits only at the end, then ANALYZE.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral import changes
from referral.geocoding import Geocoder
from referral.hsds import passes, reading, sites
from referral.hsds.audit import ImportAudit, Recorder
from referral.hsds.gazetteer import KnownPlaces
from referral.hsds.report import ImportReport, Where
from referral.hsds.sources import Source, SourceError
from referral.hsds.state import ImportState, Settings
from referral.reference_data import has_taxonomy

__all__ = ["PASSES", "Settings", "run"]

DEFAULTS = Settings()

# In this order: each pass reads what those before it left in the state.
PASSES: tuple[Callable[[ImportState], None], ...] = (
    reading.read_input,  # small tables, taxonomy and attributes, links, the location scan
    passes.write_foreign_terms,  # unmapped and guessed terms become ext.* needs
    reading.list_mappings,  # the report's taxonomy lists
    passes.write_organizations,
    passes.write_services,  # with their needs and areas
    sites.write_sites,
    passes.write_schools,  # serves_school references a site
    sites.write_links,  # service_at_location
)


def run(
    session: Session,
    source: Source,
    geocoder: Callable[[], Geocoder] | None = None,
    settings: Settings = DEFAULTS,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    audit: ImportAudit | None = None,
) -> ImportReport:
    """Import ``source``; the report says what was written, mapped, skipped, or why nothing was.
    ``geocoder`` builds the geocoder for locations without coordinates (on first need); None: the
    gazetteer the import already holds. With ``audit``, every record changed is audited in the same
    transaction (hsds/audit.py)."""
    report = ImportReport(source.name, dry_run=dry_run)
    for where, message in source.notes:
        report.note(where, message)
    said = len(source.notes)
    for where, message in getattr(source, "duplicates", []) + getattr(source, "schema_problems", []):
        report.problem(where, message)
    if not has_taxonomy(session):
        report.problem(
            Where(source.name),
            "the database has no needs taxonomy, so nothing imported could be "
            "matched: run `referral init-db` first (it loads the taxonomy)",
        )
        session.rollback()
        return report
    fatal = False  # the input could not be read through, or the database refused it: nothing is kept
    try:
        state = ImportState(
            session,
            source,
            report,
            settings,
            KnownPlaces.load(session),
            Recorder(session, audit),
            progress or (lambda count: None),
            geocoder,
        )
        for step in PASSES:
            step(state)
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

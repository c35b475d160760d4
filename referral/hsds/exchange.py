"""The HSDS use cases as the CLI and the jobs call them: settings from config, the geocoder, import
from a path (the CLI's, or an upload a job saved; opened once, ``open_input``, so that the progress
estimate and the import read one Source), export to JSON or a (zipped) tabular package,
kept per directory version. Reads config only when called, never at import time; takes the session
it is given.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral import geocoding
from referral.directory import directory_version
from referral.hsds import importer, package, sources
from referral.hsds.audit import ImportAudit
from referral.hsds.report import ImportReport, Where
from referral.models import DirectoryState, Service
from referral.policy import CLI


def settings(
    config: Mapping[str, Any], lenient: bool = False, reviewed: Mapping[str, str | None] | None = None
) -> importer.Settings:
    hsds = config.get("HSDS", {})
    return importer.Settings(
        min_confidence=float(hsds.get("taxonomy_min_confidence", 80)),
        place_max_km=float(hsds.get("place_max_km", 10)),
        batch_size=int(hsds.get("batch_size", 5000)),
        lenient=lenient,
        reviewed=dict(reviewed or {}),
        eligibility_floor=float(hsds.get("taxonomy_eligibility_min_confidence", 95)),
    )


def geocoder(config: Mapping[str, Any]) -> Callable[[], geocoding.Geocoder] | None:
    """A factory for the geocoder GEOCODER names, built only when a location needs one; None for the
    gazetteer, which the import already holds (read once: ``gazetteer.KnownPlaces``)."""
    settings = config.get("GEOCODER", {})
    if str(settings.get("kind", "gazetteer")).lower() == "gazetteer":
        return None
    return lambda: geocoding.from_config(settings, lambda: ())


def _max_unzipped(config: Mapping[str, Any]) -> int:
    return int(config.get("HSDS", {}).get("max_unzipped_bytes", sources.MAX_UNZIPPED))


def open_input(config: Mapping[str, Any], path: Path, name: str | None = None) -> sources.Source:
    """The Source of a JSON file, a zip or a package folder, opened (and a JSON input parsed and
    checked against the schemas) once: its ``estimate`` and the import both read this one."""
    return sources.open_path(path, _max_unzipped(config), name)


def import_path(
    session: Session,
    config: Mapping[str, Any],
    path: Path,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    lenient: bool = False,
    reviewed: Mapping[str, str | None] | None = None,
    name: str | None = None,
    audit: ImportAudit | None = None,
) -> ImportReport:
    """Import a JSON file, a zip or a package folder (``name``: what the report calls it). Audited as
    ``audit`` says (who, and the import's id), else as the CLI with a new id."""
    try:
        source = open_input(config, path, name)
    except sources.SourceError as error:
        return unreadable(name or path.name, error, dry_run)
    return import_source(session, config, source, dry_run, progress, lenient, reviewed, audit)


def import_source(
    session: Session,
    config: Mapping[str, Any],
    source: sources.Source,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    lenient: bool = False,
    reviewed: Mapping[str, str | None] | None = None,
    audit: ImportAudit | None = None,
) -> ImportReport:
    """Import a Source already opened (``open_input``), with the settings and geocoder of ``config``."""
    return importer.run(
        session,
        source,
        geocoder(config),
        settings(config, lenient, reviewed),
        dry_run,
        progress,
        audit or ImportAudit(CLI, str(uuid.uuid4())),
    )


def estimate(source: sources.Source) -> int:
    """Roughly how many rows an import of ``source`` writes (0 when it cannot tell): for progress."""
    try:
        return source.estimate()
    except (sources.SourceError, OSError):
        return 0


def refusal(report: ImportReport) -> dict[str, Any]:
    """The problem details of a refused import: 422, every problem (its first 50 as field errors)."""
    errors = [
        {
            "field": p.get("field") or "",
            "pointer": "",
            "detail": p["message"],
            **{k: v for k, v in p.items() if k in ("file", "row", "object")},
        }
        for p in report.problems[:50]
    ]
    return {
        "type": "/docs#problem-import-refused",
        "title": "Import refused",
        "status": 422,
        "detail": f"{len(report.problems)} problem(s); nothing was written.",
        "errors": errors,
    }


def unreadable(name: str, error: sources.SourceError, dry_run: bool) -> ImportReport:
    """The report of an input that could not be opened: its one problem, nothing written."""
    report = ImportReport(name, dry_run=dry_run)
    report.problem(error.where if error.where.file else Where(name), error.message)
    return report


def _language(config: Mapping[str, Any]) -> str:
    return config.get("HSDS", {}).get("export_language") or config.get("DEFAULT_LANGUAGE", "en")


def timezone(config: Mapping[str, Any]) -> str:
    """The zone whose current UTC offset exported times carry (and the /hsds API's): config TIMEZONE."""
    return config.get("TIMEZONE") or "UTC"


def export(session: Session, config: Mapping[str, Any], form: str, organization_id: str | None = None) -> bytes:
    """``json``: a list of organizations; ``csv``: the tabular package as a zip."""
    if form == "json":
        return package.to_json(session, organization_id, _language(config), timezone(config))
    return package.zipped(package.to_tables(session, organization_id, _language(config), timezone(config)))


def export_folder(
    session: Session,
    config: Mapping[str, Any],
    folder: Path,
    organization_id: str | None,
    progress: package.Progress | None = None,
) -> int:
    """Write the tabular package into ``folder``, streamed; returns the number of files. ``progress``
    gets (services written, services to write) as the export goes."""
    folder.mkdir(parents=True, exist_ok=True)
    names = package.write_tables(
        session,
        lambda name: (folder / name).open("w", encoding="utf-8", newline=""),
        organization_id,
        _language(config),
        progress,
        timezone(config),
    )
    return len(names)


def export_file(
    session: Session,
    config: Mapping[str, Any],
    path: Path,
    form: str,
    organization_id: str | None,
    progress: package.Progress | None = None,
) -> None:
    """Write the export to ``path`` (JSON, or a zipped package), streamed; written whole or not at all.
    ``progress`` gets (services written, services to write) as the export goes."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        if form == "json":
            with partial.open("w", encoding="utf-8") as stream:
                package.write_json(session, stream, organization_id, _language(config), progress, timezone(config))
        else:
            with tempfile.TemporaryDirectory(dir=path.parent) as folder:
                export_folder(session, config, Path(folder), organization_id, progress)
                with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                    for name in sorted(p.name for p in Path(folder).iterdir()):
                        info = zipfile.ZipInfo(name, date_time=package.ZIP_TIME)
                        info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                        with (Path(folder) / name).open("rb") as source, archive.open(info, "w") as target:
                            shutil.copyfileobj(source, target, 1 << 20)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def export_path(
    session: Session,
    config: Mapping[str, Any],
    folder: Path,
    form: str,
    organization_id: str | None,
    moment: datetime | None = None,
) -> Path:
    """Where the export of the directory's current version is (or will be) kept; built or not. The
    name carries TIMEZONE's UTC offset at ``moment`` (now), which the file's times carry: in a zone
    with summer time, a file made in winter is not served in summer."""
    state = session.get(DirectoryState, 1)
    # the version and when it changed: a database made anew (versions from 0 again) is never mistaken for the old
    version = f"{directory_version(session)}.{int(state.changed_at.timestamp() * 1e6) if state else 0}"
    now = package.clock(timezone(config), moment)
    offset = now.suffix.replace(":", "") if now else "0000"
    return folder / (
        f"hsds-v{version}.{offset}-{_key(config, form, organization_id)}.{'json' if form == 'json' else 'zip'}"
    )


def _key(config: Mapping[str, Any], form: str, organization_id: str | None) -> str:
    return hashlib.sha256(f"{organization_id or '*'}|{_language(config)}|{form}".encode()).hexdigest()[:12]


def build_export(
    session: Session,
    config: Mapping[str, Any],
    folder: Path,
    form: str,
    organization_id: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """The export file for the directory's current version, made once (``folder``: the instance's
    exports); files of older versions are removed. Slow on a large directory: a job's work."""
    folder.mkdir(parents=True, exist_ok=True)
    path = export_path(session, config, folder, form, organization_id)
    if not path.is_file():
        export_file(session, config, path, form, organization_id, progress)
    for old in folder.glob(f"hsds-v*-{_key(config, form, organization_id)}.*"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def count_services(session: Session, organization_id: str | None) -> int:
    """How many services an export writes (its progress total)."""
    query = select(func.count()).select_from(Service)
    if organization_id is not None:
        query = query.where(Service.organization_id == organization_id)
    return session.scalar(query) or 0

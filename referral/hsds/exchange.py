"""The HSDS use cases as the CLI and the API call them: settings from config, the geocoder, import
from a path or an upload, export to JSON or a (zipped) tabular package. Reads config only when
called, never at import time; takes the session it is given.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy.orm import Session

from referral import geocoding
from referral.hsds import importer, package, sources, writer
from referral.hsds.report import ImportReport, Where


def settings(config: Mapping[str, Any], lenient: bool = False,
             reviewed: Mapping[str, str | None] | None = None) -> importer.Settings:
    hsds = config.get("HSDS", {})
    return importer.Settings(min_confidence=float(hsds.get("taxonomy_min_confidence", 80)),
                             place_max_km=float(hsds.get("place_max_km", 10)),
                             batch_size=int(hsds.get("batch_size", 5000)), lenient=lenient,
                             reviewed=dict(reviewed or {}),
                             eligibility_floor=float(hsds.get("taxonomy_eligibility_min_confidence", 95)))


def geocoder(config: Mapping[str, Any], session: Session) -> Callable[[], geocoding.Geocoder]:
    """A factory: the geocoder is only built when a location needs one."""
    return lambda: geocoding.from_config(config.get("GEOCODER", {}), lambda: writer.places(session))


def _max_unzipped(config: Mapping[str, Any]) -> int:
    return int(config.get("HSDS", {}).get("max_unzipped_bytes", sources.MAX_UNZIPPED))


def import_path(session: Session, config: Mapping[str, Any], path: Path, dry_run: bool = False,
                progress: Callable[[int], None] | None = None, lenient: bool = False,
                reviewed: Mapping[str, str | None] | None = None) -> ImportReport:
    """Import a JSON file, a zip or a package folder."""
    try:
        source = sources.open_path(path, _max_unzipped(config))
    except sources.SourceError as error:
        return _unreadable(path.name, error, dry_run)
    return importer.run(session, source, geocoder(config, session), settings(config, lenient, reviewed), dry_run,
                        progress)


def import_upload(session: Session, config: Mapping[str, Any], name: str, data: bytes | None,
                  parsed: Any = None, dry_run: bool = False, lenient: bool = False) -> ImportReport:
    """Import an uploaded zip (``data``) or an already parsed JSON body (``parsed``)."""
    try:
        if parsed is not None:
            source: sources.Source = sources.JsonSource(name, parsed, check=True)
        else:
            source = sources.open_zip(name, io.BytesIO(data or b""), _max_unzipped(config))
    except sources.SourceError as error:
        return _unreadable(name, error, dry_run)
    return importer.run(session, source, geocoder(config, session), settings(config, lenient), dry_run)


def _unreadable(name: str, error: sources.SourceError, dry_run: bool) -> ImportReport:
    report = ImportReport(name, dry_run=dry_run)
    report.problem(error.where if error.where.file else Where(name), error.message)
    return report


def export(session: Session, config: Mapping[str, Any], form: str, organization_id: str | None = None) -> bytes:
    """``json``: a list of organizations; ``csv``: the tabular package as a zip."""
    language = config.get("HSDS", {}).get("export_language") or config.get("DEFAULT_LANGUAGE", "en")
    if form == "json":
        return package.to_json(session, organization_id, language)
    return package.zipped(package.to_tables(session, organization_id, language))


def export_folder(session: Session, config: Mapping[str, Any], folder: Path, organization_id: str | None) -> int:
    """Write the tabular package into ``folder``; returns the number of files."""
    language = config.get("HSDS", {}).get("export_language") or config.get("DEFAULT_LANGUAGE", "en")
    folder.mkdir(parents=True, exist_ok=True)
    files = package.to_tables(session, organization_id, language)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return len(files)

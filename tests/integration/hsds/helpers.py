"""Shared helpers of the HSDS tests: the official material (through REFERRAL_TEST_HSDS_DIR), the
hand-made fixture package, reference data without listings, an import, and row counts."""

from __future__ import annotations

import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from referral import geocoding, seeding
from referral.db import get_db
from referral.hsds import importer, sources, writer
from tests.builders import FIXTURES, MINI

HARBOUR = FIXTURES / "hsds" / "harbour-city"
SKIP_REASON = (
    "REFERRAL_TEST_HSDS_DIR is unset: it names the official HSDS 3.0 material (.ci/run sets it to ../shared/hsds)"
)


def official() -> Path:
    """The official HSDS folder, or skip the test saying why."""
    value = os.environ.get("REFERRAL_TEST_HSDS_DIR")
    if not value or not Path(value, "schema", "compiled").is_dir():
        pytest.skip(SKIP_REASON)
    return Path(value)


@cache
def _validator(folder: str, name: str) -> Any:
    import jsonschema

    schema = json.loads(Path(folder, "schema", "compiled", f"{name}.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(name: str, obj: Any) -> list[str]:
    """Messages of every way ``obj`` breaks the official compiled schema ``name``."""
    validator = _validator(str(official()), name)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(obj)]


def reference_only(
    app: Any, tmp_path: Path, places: Path = MINI / "places.json", needs: Path = MINI / "needs.json"
) -> None:
    """Load a needs taxonomy and a gazetteer, but no organizations."""
    region = tmp_path / "reference"
    region.mkdir(exist_ok=True)
    shutil.copy(places, region / "places.json")
    (region / "organizations.json").write_text('{"organizations": []}', encoding="utf-8")
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, needs, region)


def run_import(
    app: Any, source: sources.Source | Path, dry_run: bool = False, geocoder: Any = None, **settings: Any
) -> Any:
    with app.app_context(), get_db().session(write=True) as session:
        if isinstance(source, Path):
            source = sources.open_path(source)
        factory = (lambda: geocoder) if geocoder else (lambda: geocoding.GazetteerGeocoder(writer.places(session)))
        return importer.run(session, source, factory, importer.Settings(**settings), dry_run)


def counts(app: Any) -> dict[str, int]:
    from referral.models import DirectoryState, Organization, Service, ServiceAtLocation, ServiceNeed, Site

    with app.app_context(), get_db().session() as session:
        found = {
            m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Organization, Site, Service, ServiceAtLocation, ServiceNeed)
        }
        found["version"] = session.scalar(select(DirectoryState.version))
        return found


class FakeGeocoder:
    """Answers from a fixed table of place words; records the queries it was asked."""

    name = "fake"

    def __init__(self, known: dict[str, tuple[float, float]]):
        self.known, self.asked = known, []

    def geocode(self, parts: list[str]) -> geocoding.Geocoded:
        query = ", ".join(parts)
        self.asked.append(query)
        for word, (lat, lon) in self.known.items():
            if word in query:
                return geocoding.Geocoded(query, lat, lon, matched=word)
        return geocoding.Geocoded(query, reason="unknown")

"""Loading the safety layer's data: the risk lexicon (risk.json) and a region's region.json.

Called by ``seeding.load`` inside its transaction, after the taxonomy and places: each file
replaces what the database held for it (the lexicon as a whole, a region's resources by region
name), and is checked first so that a bad file names what is wrong and changes nothing. Either
file may be absent: a directory without a lexicon finds no risks, one without region data still
tells a worker to call local emergency services. See README "Safety layer" for the formats.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from referral.matching.safety import compile_pattern
from referral.matching.types import GRADES
from referral.models import NeedTerm, Place, RegionResource, RiskCategory
from referral.stable_ids import stable_id


class SafetyDataError(ValueError):
    """A risk or region file is wrong; the message names the file and the entry."""


def read(path: Path) -> dict[str, Any] | None:
    """The file's JSON object, or None when there is no such file."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SafetyDataError(f"{path}: not valid UTF-8 JSON ({error})") from error
    if not isinstance(data, dict):
        raise SafetyDataError(f"{path}: expected a JSON object")
    return data


def load_risks(session: Session, path: Path) -> int:
    """Replace the risk lexicon with ``path``'s categories; returns how many (0: no file)."""
    data = read(path)
    if data is None:
        return 0
    needs = set(session.scalars(select(NeedTerm.code)))
    categories = data.get("categories")
    if not isinstance(categories, list):
        raise SafetyDataError(f"{path}: expected a list 'categories'")
    for category in categories:
        _check_category(path, category, needs)
    session.execute(delete(RiskCategory))
    for position, c in enumerate(categories):
        session.add(
            RiskCategory(
                code=c["code"],
                need_code=c["need"],
                position=position,
                labels=c.get("labels", {}),
                phrases=c.get("phrases", {}),
                patterns=c.get("patterns", {}),
                exclusions=c.get("exclusions", {}),
            )
        )
    session.flush()
    return len(categories)


def _check_category(path: Path, category: Any, needs: set[str]) -> None:
    code = category.get("code") if isinstance(category, dict) else None
    where = f"{path}: category {code!r}"
    if not isinstance(code, str) or not code:
        raise SafetyDataError(f"{path}: every category needs a 'code'")
    if category.get("need") not in needs:
        raise SafetyDataError(f"{where}: need {category.get('need')!r} is not in the taxonomy")
    for field in ("patterns", "exclusions"):
        for language, patterns in category.get(field, {}).items():
            for pattern in patterns:
                try:
                    compile_pattern(pattern)
                except re.error as error:
                    raise SafetyDataError(f"{where}: {field}.{language} {pattern!r}: {error}") from error


def load_region(session: Session, folder: Path, region_id: str) -> int:
    """Replace the region's resources with ``folder``/region.json; returns how many (0: no file)."""
    path = folder / "region.json"
    data = read(path)
    if data is None:
        return 0
    rows = _rows(path, data, region_id)
    _check_references(session, path, rows)
    session.execute(delete(RegionResource).where(RegionResource.region == region_id))
    session.add_all(rows)
    session.flush()
    return len(rows)


def _rows(path: Path, data: dict[str, Any], region_id: str) -> list[RegionResource]:
    places = data.get("places", [])
    rows: list[RegionResource] = []
    for kind, section in (("hotline", "hotlines"), ("duty", "duties"), ("scale", "assessment")):
        for entry in data.get(section, []):
            try:
                rows.append(_row(kind, entry, places, region_id, len(rows)))
            except (KeyError, TypeError, ValueError) as error:
                raise SafetyDataError(
                    f"{path}: {section} {entry.get('key') if isinstance(entry, dict) else entry!r}: {error!r}"
                ) from error
    return rows


def _row(kind: str, entry: dict[str, Any], places: list[str], region_id: str, position: int) -> RegionResource:
    grades = entry.get("grades", {}) if kind == "scale" else {}
    if kind == "scale" and not set(grades) <= set(GRADES):
        raise ValueError(f"grades must be among {', '.join(GRADES)}")
    return RegionResource(
        id=stable_id("region_resource", f"{region_id}:{kind}:{entry['key']}"),
        region=region_id,
        kind=kind,
        key=entry["key"],
        position=position,
        names=entry.get("names", {}),
        number=str(entry["number"]) if kind == "hotline" else None,
        texts=entry.get("purposes" if kind == "hotline" else "texts", {}),
        always_open=bool(entry.get("always_open", False)) if kind == "hotline" else None,
        categories=list(entry.get("categories", [])),
        places=list(entry.get("places", places)),
        grades={g: [{"need": n["need"], "severity": int(n["severity"])} for n in grades[g]] for g in grades},
    )


def _check_references(session: Session, path: Path, rows: list[RegionResource]) -> None:
    """Places, need codes and severities a region file names must exist and make sense."""
    places = set(session.scalars(select(Place.code)))
    needs = set(session.scalars(select(NeedTerm.code)))
    for row in rows:
        for code in row.places:
            if code not in places:
                raise SafetyDataError(f"{path}: {row.kind} {row.key!r}: place {code!r} is not in the gazetteer")
        for grade, listed in row.grades.items():
            for need in listed:
                if need["need"] not in needs or not 0 <= need["severity"] <= 3:
                    raise SafetyDataError(
                        f"{path}: scale {row.key!r} grade {grade!r}: need {need['need']!r} "
                        f"must be in the taxonomy with severity 0-3"
                    )

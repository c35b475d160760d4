"""The needs taxonomy as versioned reference data: loaded (or upgraded) by ``referral init-db``.

The taxonomy is the packaged needs file (config ``SEED_TAXONOMY``) plus the Open Eligibility
branch (``referral/data/openeligibility``: its service terms that no need of ours stands for become
needs under ``oe.``). Its version is the sha256 of those files; ``ensure_taxonomy`` loads only when
the version differs from the one recorded in ``reference_data``, so running init-db again is cheap.
Terms are upserted by code; a key of a term the model has a column for is stored, any other key is
ignored (the file may gain fields before the model does). Terms that left the file are kept (a
service may still name them). Takes a session; commits only when it loaded something.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referral import seeding_safety
from referral.models import NeedTerm, ReferenceData, utcnow

TAXONOMY = "needs_taxonomy"
_FIXED = {"code", "parent_code", "position"}


class TaxonomyError(ValueError):
    """The taxonomy file is missing or wrong; the message names the file and the term."""


@dataclass(frozen=True)
class TaxonomyLoad:
    loaded: bool  # False: the recorded version was current, nothing written
    terms: int
    version: str


def has_taxonomy(session: Session) -> bool:
    """Whether any need term is loaded (an import needs them)."""
    return bool(session.scalar(select(func.count()).select_from(NeedTerm)))


def version_of(paths: Sequence[Path]) -> str:
    """The sha256 of the files, in order: the taxonomy's version."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_terms(path: Path) -> list[dict[str, Any]]:
    """The terms of a needs file ({"terms": [{"code", "labels", ...}]})."""
    if not path.is_file():
        raise TaxonomyError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TaxonomyError(f"{path}: not valid UTF-8 JSON ({error})") from error
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, list) or not all(
        isinstance(t, dict) and t.get("code") and isinstance(t.get("labels"), dict) for t in terms
    ):
        raise TaxonomyError(f"{path}: expected an object with a list 'terms' of objects with code and labels")
    return terms


def packaged_terms(needs_file: Path) -> tuple[list[dict[str, Any]], list[Path]]:
    """The needs file's terms plus the Open Eligibility branch, and the files they came from."""
    from referral.hsds import openeligibility

    terms = read_terms(needs_file)
    return terms + openeligibility.need_terms(terms), [needs_file, *openeligibility.data_files()]


def ensure_taxonomy(session: Session, needs_file: Path, force: bool = False) -> TaxonomyLoad:
    """Load the packaged taxonomy unless the recorded version is current; commits when it loads."""
    terms, files = packaged_terms(needs_file)
    risks = needs_file.with_name("risk.json")  # the safety layer's lexicon ships beside the taxonomy
    files = [*files, risks] if risks.is_file() else files
    version = version_of(files)
    state = session.get(ReferenceData, TAXONOMY)
    if state is not None and state.version == version and not force and has_taxonomy(session):
        return TaxonomyLoad(False, len(terms), version)
    upsert_terms(session, terms)
    _load_risks(session, risks)
    if state is None:
        session.add(ReferenceData(name=TAXONOMY, version=version, items=len(terms), loaded_at=utcnow()))
    else:
        state.version, state.items, state.loaded_at = version, len(terms), utcnow()
    session.commit()  # bumps the directory version (referral.versioning)
    return TaxonomyLoad(True, len(terms), version)


def _load_risks(session: Session, path: Path) -> None:
    """The risk lexicon beside the taxonomy (seeding_safety.py), refused with the taxonomy's error."""
    try:
        seeding_safety.load_risks(session, path)
    except seeding_safety.SafetyDataError as error:
        session.rollback()
        raise TaxonomyError(str(error)) from error


def upsert_terms(session: Session, terms: Iterable[dict[str, Any]], start: int = 0) -> int:
    """Insert or update terms by code (parents before children); returns the next position."""
    columns = set(NeedTerm.__table__.columns.keys()) - _FIXED
    position = start
    for position, term in enumerate(terms, start):
        code = str(term["code"])
        values = {k: v for k, v in term.items() if k in columns}
        values.setdefault("synonyms", {})
        values.setdefault("open_eligibility", None)
        existing = session.get(NeedTerm, code)
        if existing is None:
            session.add(NeedTerm(code=code, parent_code=parent_of(code), position=position, **values))
        else:
            existing.parent_code, existing.position = parent_of(code), position
            for key, value in values.items():
                if getattr(existing, key) != value:
                    setattr(existing, key, value)
        session.flush()  # parents precede children: each row is checked as it comes
    return position + 1


def parent_of(code: str) -> str | None:
    return code.rpartition(".")[0] or None

"""Each HSDS JSON object an import is given: what kind of object it is, and how it breaks the official
compiled schema of that kind, before anything is read from it.

The schemas are shipped in ``referral/data/hsds`` (HSDS 3.0 ``schema/compiled``, CC BY-SA 4.0, see
its LICENSE); the property names of every HSDS object (``properties.json``) tell the kinds apart, so a
``location.json`` is named a location and a ``taxonomy.json`` a taxonomy, never an organization.
Depends on jsonschema and the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "hsds"
IMPORTABLE = ("organization", "service", "service_at_location")  # preferred in this order on a tie
_ANY = {"id", "metadata", "attributes"}


@lru_cache(maxsize=1)
def _properties() -> dict[str, frozenset[str]]:
    data = json.loads((DATA / "properties.json").read_text(encoding="utf-8"))["properties"]
    return {kind: frozenset(names) for kind, names in data.items()}


def kind_of(obj: dict[str, Any]) -> str:
    """The HSDS object kind whose fields fit ``obj`` best (an importable kind wins a tie)."""
    keys = set(obj) - _ANY
    scores = []
    for kind, names in _properties().items():
        fit = len(keys & names) - 2 * len(keys - names)
        preference = -IMPORTABLE.index(kind) if kind in IMPORTABLE else -len(IMPORTABLE) - len(names) / 1000
        scores.append((fit, preference, kind))
    return max(scores)[2]


@cache
def _validator(kind: str) -> Any:
    import jsonschema

    schema = json.loads((DATA / f"{kind}.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def problems(kind: str, obj: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(JSON path below the object, field, message) of every way ``obj`` breaks the compiled schema."""
    for error in sorted(_validator(kind).iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        names = [p for p in error.absolute_path if isinstance(p, str)]
        field = (
            names[-1]
            if names
            else (
                error.validator_value[0]
                if error.validator == "required" and isinstance(error.validator_value, list)
                else ""
            )
        )
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            field = missing or field
        yield path, str(field), f"HSDS {kind} schema: {error.message[:300]}"

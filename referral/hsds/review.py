"""The crosswalk's guesses for a person to check: ``--review FILE`` writes every fuzzy, AIRS-prefix or risk
mapping, and every term left unmapped with its best candidate, as CSV; the person keeps, edits or
empties the ``need`` column; ``--mapping FILE`` reads it back, and each row is then a decision the
crosswalk takes before anything else (an empty ``need``: leave the term unmapped). Keyed by the
term's id (HSDS ids are stable across a publisher's exports). Standard library only.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

COLUMNS = ("term_id", "taxonomy", "term", "code", "method", "confidence", "proposed", "need")
GUESSES = ("fuzzy", "airs_prefix", "risk")  # risk: the safety floor's mapping, shown for a person to confirm


def rows(report: Any) -> list[dict[str, Any]]:
    """The rows a person should check: the guesses, then the terms left unmapped."""
    found = [
        {
            "term_id": m["id"],
            "taxonomy": m.get("taxonomy") or "",
            "term": m["term"],
            "code": m.get("code") or "",
            "method": m["method"],
            "confidence": m["confidence"],
            "proposed": m["need"],
            "need": m["need"],
        }
        for m in report.mappings
        if m["method"] in GUESSES
    ]
    found += [
        {
            "term_id": u["id"],
            "taxonomy": u.get("taxonomy") or "",
            "term": u["term"],
            "code": u.get("code") or "",
            "method": "none",
            "confidence": u["confidence"],
            "proposed": u.get("best") or "",
            "need": "",
        }
        for u in report.unmapped_terms
    ]
    return found


def write(report: Any, path: Path) -> int:
    """Write the review file; returns the number of rows."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    found = rows(report)
    writer.writerows(found)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return len(found)


class MappingFileError(ValueError):
    """The mapping file cannot be used; the message names the file and the row."""


def read(path: Path) -> dict[str, str | None]:
    """term id -> need code (None: leave unmapped), from a reviewed file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingFileError(f"{path}: cannot be read ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"term_id", "need"} <= set(reader.fieldnames):
        raise MappingFileError(f"{path}: needs the columns term_id and need (as --review writes them)")
    decisions: dict[str, str | None] = {}
    for row in reader:
        term = (row.get("term_id") or "").strip()
        if not term:
            raise MappingFileError(f"{path} row {reader.line_num}: no term_id")
        decisions[term] = (row.get("need") or "").strip() or None
    return decisions

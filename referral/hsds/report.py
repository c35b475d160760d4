"""The import report: counts, every taxonomy mapping with its confidence, every term left unmapped,
what the model could not hold, geocoding results, derived ids, and the problems that stopped it.

Each problem and each note names the file, the row (CSV line) or object (JSON path), and the field.
Plain data; it renders as JSON (the API) and as text (the CLI).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_LISTED = 200  # notes of one kind beyond this are counted, not listed: a 100k report stays readable


@dataclass(frozen=True)
class Where:
    """A place in the input: file, CSV line or JSON path, and field."""

    file: str
    row: int | None = None
    object: str | None = None
    field: str | None = None

    def at(self, field_name: str) -> Where:
        return Where(self.file, self.row, self.object, field_name)

    def describe(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.object:
            parts.append(self.object)
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (("file", self.file), ("row", self.row), ("object", self.object), ("field", self.field))
            if v is not None
        }


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    written: bool = False
    counts: Counter = field(default_factory=Counter)  # organizations, sites, services, …
    read: Counter = field(default_factory=Counter)  # HSDS rows read, by table
    problems: list[dict[str, Any]] = field(default_factory=list)
    not_mapped: Counter = field(default_factory=Counter)  # "service.alternate_name" -> rows
    notes: list[dict[str, Any]] = field(default_factory=list)  # skipped objects, assumptions
    mappings: list[dict[str, Any]] = field(default_factory=list)  # taxonomy term -> need
    unmapped_terms: list[dict[str, Any]] = field(default_factory=list)
    not_matchable: list[dict[str, Any]] = field(default_factory=list)  # services without needs
    new_terms: list[dict[str, Any]] = field(default_factory=list)  # foreign terms added as need terms
    inferences: list[dict[str, Any]] = field(default_factory=list)  # restrictions read from free text
    places_added: list[dict[str, Any]] = field(default_factory=list)  # gazetteer places the input brought
    geocoded: list[dict[str, Any]] = field(default_factory=list)
    geocoding_failed: list[dict[str, Any]] = field(default_factory=list)
    derived_ids: list[dict[str, Any]] = field(default_factory=list)
    lenient: bool = False  # written despite problems: the records with problems were set aside
    quarantined: Counter = field(default_factory=Counter)  # rows set aside whole (their object failed its schema)
    _overflow: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, where: Where, message: str) -> None:
        """Every problem is listed, never capped: each is a record someone must fix."""
        self.problems.append({**where.as_dict(), "message": message})

    def note(self, where: Where, message: str) -> None:
        self._add(self.notes, "notes", {**where.as_dict(), "message": message})

    def listed(self, kind: str, entry: dict[str, Any]) -> None:
        self._add(getattr(self, kind), kind, entry)

    def _add(self, target: list[dict[str, Any]], kind: str, entry: dict[str, Any]) -> None:
        if len(target) < MAX_LISTED:
            target.append(entry)
        else:
            self._overflow[kind] += 1

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, lists in a stable order."""
        return {
            "source": self.source,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "written": self.written,
            "counts": dict(sorted(self.counts.items())),
            "read": dict(sorted(self.read.items())),
            "problems": self.problems,
            "lenient": self.lenient,
            "quarantined": {
                "problems": len(self.problems) if self.lenient else 0,
                "rows": dict(sorted(self.quarantined.items())),
            },
            "taxonomy": {"mappings": self.mappings, "unmapped": self.unmapped_terms, "new_terms": self.new_terms},
            "not_matchable": self.not_matchable,
            "inferences": self.inferences,
            "places_added": self.places_added,
            "not_mapped": [{"field": k, "rows": v} for k, v in sorted(self.not_mapped.items())],
            "geocoding": {"geocoded": self.geocoded, "failed": self.geocoding_failed},
            "derived_ids": self.derived_ids,
            "notes": self.notes,
            "not_listed": dict(sorted(self._overflow.items())),
        }

    def as_text(self) -> str:
        """A readable summary for a terminal."""
        lines = [
            f"{'DRY RUN: ' if self.dry_run else ''}import of {self.source}: "
            + ("written" if self.written else "nothing written")
        ]
        lines.append("  imported: " + (", ".join(f"{v} {k}" for k, v in sorted(self.counts.items())) or "nothing"))
        lines.append("  read: " + ", ".join(f"{v} {k}" for k, v in sorted(self.read.items())))
        if self.not_matchable:
            lines.append(
                f"  WARNING: {len(self.not_matchable) + self._overflow['not_matchable']} service(s) match "
                "no need and will never be offered (listed below)"
            )
        title = (
            "quarantined: records with these problems (and the records that depend on them) were set aside, "
            "the rest was written"
            if self.lenient and self.written
            else "problems (nothing was written)"
        )
        lines += _section(title, [_where_text(p) for p in self.problems])
        if self.quarantined:
            lines.append(
                "  rows set aside with an object that failed its schema: "
                + ", ".join(f"{v} {k}" for k, v in sorted(self.quarantined.items()))
            )
        lines += _section(
            "taxonomy mappings",
            [
                f"{m['term']!r} ({m['taxonomy'] or 'no taxonomy'}) -> {m['need']} [{m['method']}, {m['confidence']}]"
                for m in self.mappings
            ],
        )
        lines += _section(
            "taxonomy terms left unmapped",
            [
                f"{u['term']!r} ({u['taxonomy'] or 'no taxonomy'})"
                + (f" best {u['best']} at {u['confidence']}" if u.get("best") else "")
                + (f"; added as {u['added_as']}" if u.get("added_as") else "")
                for u in self.unmapped_terms
            ],
        )
        lines += _section(
            "need terms added from the input's own taxonomies (matchable by code, search and text)",
            [f"{t['code']}: {t['term']!r}" for t in self.new_terms],
        )
        lines += _section(
            "restrictions read from eligibility_description",
            [f"{i['service']} {i['name']!r}: {i['inferred']}" for i in self.inferences],
        )
        lines += _section(
            "gazetteer places added from the input",
            [f"{p['code']} {p['name']!r} ({p['latitude']}, {p['longitude']}): {p['why']}" for p in self.places_added],
        )
        lines += _section(
            "services that match no need (imported, NOT MATCHABLE)",
            [f"{s['service']} {s['name']!r}" for s in self.not_matchable],
        )
        lines += _section(
            "geocoded", [f"{g['location']} {g['query']!r} -> {g['latitude']}, {g['longitude']}" for g in self.geocoded]
        )
        lines += _section(
            "geocoding failed", [f"{g['location']} {g['query']!r}: {g['reason']}" for g in self.geocoding_failed]
        )
        lines += _section(
            "not mapped (the model has no place for them)",
            [f"{k}: {v} row(s)" for k, v in sorted(self.not_mapped.items())],
        )
        lines += _section("notes", [_where_text(n) for n in self.notes])
        lines += _section(
            "ids derived from non-UUID ids", [f"{d['table']} {d['original']!r} -> {d['id']}" for d in self.derived_ids]
        )
        lines += [f"  ... and {v} more {k}" for k, v in sorted(self._overflow.items())]
        return "\n".join(lines)


def _where_text(entry: dict[str, Any]) -> str:
    where = Where(entry["file"], entry.get("row"), entry.get("object"), entry.get("field"))
    return f"{where.describe()}: {entry['message']}"


def _section(title: str, items: list[str]) -> list[str]:
    return [f"  {title}:", *(f"    - {item}" for item in items)] if items else []

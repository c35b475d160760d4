"""Reading one field of an HSDS row: types, ranges, lengths, dates, and ids.

A ``Fields`` wraps a row and the report; each getter returns a clean value or None and records a
problem (the import will write nothing) or a note (the value was adjusted) naming file, row or
object, and field. CSV cells are strings; JSON values must already have the right type.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from referral.hsds.ids import as_uuid
from referral.hsds.report import ImportReport, Where
from referral.hsds.sources import Record


class Fields:
    def __init__(self, record: Record, report: ImportReport):
        self.record, self.report, self.data = record, report, record.data
        self.where: Where = record.where
        self.failed = False

    def problem(self, field: str, message: str) -> None:
        self.failed = True
        self.report.problem(self.where.at(field), message)

    def note(self, field: str, message: str) -> None:
        self.report.note(self.where.at(field), message)

    def text(self, field: str, max_length: int | None = None, required: bool = False) -> str | None:
        value = self.data.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            self.problem(field, f"must be a string, not {type(value).__name__}")
            return None
        value = value.strip() if value else None
        if not value:
            if required:
                self.problem(field, "is required")
            return None
        if max_length and len(value) > max_length:
            self.note(field, f"cut to {max_length} characters (was {len(value)})")
            value = value[:max_length]
        return value

    def number(
        self, field: str, low: float | None = None, high: float | None = None, problem: bool = True
    ) -> float | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self._bad(field, f"must be a number, not {type(value).__name__}", problem)
            return None
        try:
            number = float(value)
        except ValueError:
            self._bad(field, f"must be a number, not {value!r}", problem)
            return None
        if number != number or (low is not None and number < low) or (high is not None and number > high):
            self._bad(field, f"{value!r} is outside {low}..{high}", problem)
            return None
        return number

    def _bad(self, field: str, message: str, problem: bool) -> None:
        (self.problem if problem else self.note)(field, message)

    def day(self, field: str) -> date | None:
        value = self.text(field)
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.problem(field, f"not a date (YYYY-MM-DD): {value!r}")
            return None

    def moment(self, field: str) -> datetime | None:
        value = self.text(field)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem(field, f"not a date-time (ISO 8601): {value!r}")
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    def choice(self, field: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.text(field)
        if value is None:
            if default is not None:
                self.note(field, f"missing; taken as {default!r}")
            return default
        if value.lower() not in allowed:
            self.problem(field, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return value.lower()

    def id(self, field: str = "id", table: str | None = None, required: bool = True) -> str | None:
        """The row's id (or a reference) as a UUID; a non-UUID one is derived and reported."""
        value = self.text(field, required=required)
        if value is None:
            return None
        canonical, derived = as_uuid(value)
        if derived and field == "id":
            self.report.listed(
                "derived_ids",
                {"table": table or self.record.table, "original": value, "id": canonical, **self.where.as_dict()},
            )
        return canonical

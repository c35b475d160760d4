"""The week, in one place: weekday codes as HSDS schedules and iCalendar (RRULE ``BYDAY``) write them,
lower-case, in Python's order (``date.weekday()``: 0 = Monday … 6 = Sunday, as ``types.Hours``
counts). Depends on nothing. Labels for people are wording: ``messages.LABELS["weekday"]``."""

from __future__ import annotations

WEEKDAYS: tuple[str, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")
WEEKDAY_NAMES: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NUMBER: dict[str, int] = {code: number for number, code in enumerate(WEEKDAYS)}

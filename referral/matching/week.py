"""The week, in one place: weekday codes as HSDS schedules and iCalendar (RRULE ``BYDAY``) write them,
lower-case, in Python's order (``date.weekday()``: 0 = Monday … 6 = Sunday, as ``types.Hours``
counts). Depends on nothing. Labels for people are wording: ``messages.LABELS["weekday"]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

WEEKDAYS: tuple[str, ...] = ("mo", "tu", "we", "th", "fr", "sa", "su")
WEEKDAY_NAMES: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_NUMBER: dict[str, int] = {code: number for number, code in enumerate(WEEKDAYS)}


def periods(hours: Sequence[Mapping[str, str]]) -> list[str]:
    """Consecutive days with the same hours as one range: "Monday–Friday 09:00-12:00, 13:30-17:00".
    ``hours`` are presented periods: ``weekday`` (a code), ``weekday_label``, ``opens``, ``closes``."""
    by_day: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    for period in hours:
        by_day.setdefault(period["weekday"], []).append(f"{period['opens']}-{period['closes']}")
        labels[period["weekday"]] = period["weekday_label"]
    runs: list[list[str]] = []
    for day in (d for d in WEEKDAYS if d in by_day):
        last = runs[-1][-1] if runs else None
        if last and by_day[last] == by_day[day] and WEEKDAY_NUMBER[day] == WEEKDAY_NUMBER[last] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return [
        (f"{labels[r[0]]}–{labels[r[-1]]}" if len(r) > 1 else labels[r[0]]) + " " + ", ".join(by_day[r[0]])
        for r in runs
    ]

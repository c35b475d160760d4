"""The shape every HSDS input takes once read: rows by table, each with where it came from.

Depends on the standard library and the report's ``Where`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from referral.hsds.report import Where


class SourceError(ValueError):
    """The input cannot be read at all; ``where`` says which file (and row or field)."""

    def __init__(self, where: Where, message: str):
        super().__init__(f"{where.describe()}: {message}")
        self.where, self.message = where, message


@dataclass(frozen=True)
class Record:
    table: str
    where: Where
    data: dict[str, Any]


class Source:
    """Rows by table; ``rows`` may be called for any table, in any order, and again (an import reads
    ``location`` twice: a scan, then the sites)."""

    name: str
    notes: list[tuple[Where, str]]

    def tables(self) -> list[str]:
        raise NotImplementedError

    def rows(self, table: str) -> Iterator[Record]:
        raise NotImplementedError

    def estimate(self, tables: tuple[str, ...] = ("organization", "location", "service")) -> int:
        """About how many rows ``tables`` hold (for a progress bar)."""
        return sum(sum(1 for _ in self.rows(t)) for t in tables if t in self.tables())

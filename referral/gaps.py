"""Gap figures for planners: how often matches found a need unmet, by place, need and month.

Privacy: a match adds 1 to a counter row keyed (place, need, month) and nothing else — no row per
request, no time finer than the month, no age, text, id or key — so the table cannot be joined back
to a child or a worker. Reading them suppresses every cell counted fewer than ``min_cell`` times
(config REFERRALS.gap_min_cell, default 5), so a rare need in a small place cannot single a
family out. Takes a session; ``count_unmet`` commits its own write. Must not depend on Flask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral.models import GapCount


def count_unmet(session: Session, place: str | None, needs: Iterable[str], month: str) -> None:
    """Add one to the (place, need, month) counter of each need a match reported unmet."""
    for need in sorted(set(needs)):
        key = {"place_code": place or "", "need_code": need, "month": month}
        bumped = session.execute(update(GapCount).filter_by(**key).values(count=GapCount.count + 1)).rowcount
        if not bumped:
            try:
                with session.begin_nested():
                    session.add(GapCount(**key, count=1))
            except IntegrityError:  # another worker created it first (PostgreSQL): add to theirs
                session.execute(update(GapCount).filter_by(**key).values(count=GapCount.count + 1))
    session.commit()


def report(session: Session, min_cell: int, since: str | None = None) -> list[dict[str, Any]]:
    """Every cell, by month, place and need; counts below ``min_cell`` suppressed (None)."""
    query = select(GapCount).order_by(GapCount.month, GapCount.place_code, GapCount.need_code)
    if since:
        query = query.where(GapCount.month >= since)
    return [
        {
            "place": row.place_code,
            "need": row.need_code,
            "month": row.month,
            "count": row.count if row.count >= min_cell else None,
            "suppressed": row.count < min_cell,
        }
        for row in session.scalars(query)
    ]


def as_csv(cells: list[dict[str, Any]]) -> str:
    """The cells as CSV (suppressed counts empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "place", "need", "count", "suppressed"])
    for cell in cells:
        writer.writerow(
            [
                cell["month"],
                cell["place"],
                cell["need"],
                "" if cell["count"] is None else cell["count"],
                str(cell["suppressed"]).lower(),
            ]
        )
    return out.getvalue()

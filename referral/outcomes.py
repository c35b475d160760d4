"""Each service's referral record over a window, for the match snapshot (learning from outcomes).

A referral counts in the window when its first decision (accepted or declined) falls in it; it
counts as accepted when it was ever accepted (a later failure or cancellation does not undo that
the service took it). Time to acceptance is from sending to accepting, in days; the median is shown.
Takes a session; reads only. Must not depend on Flask.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral.matching.types import Outcomes
from referral.models import Referral


def records(session: Session, window_days: int, now: datetime | None = None) -> dict[str, Outcomes]:
    """service id -> its record over the last ``window_days`` (services without decisions are absent)."""
    since = (now or datetime.now(UTC)) - timedelta(days=window_days)
    rows = session.execute(
        select(Referral.service_id, Referral.created_at, Referral.accepted_at)
        .where(Referral.decided_at >= since)
        .order_by(Referral.service_id)
    )
    decided: dict[str, int] = defaultdict(int)
    waits: dict[str, list[float]] = defaultdict(list)
    for service_id, created_at, accepted_at in rows:
        decided[service_id] += 1
        if accepted_at is not None:
            waits[service_id].append((accepted_at - created_at).total_seconds() / 86400.0)
    return {
        service_id: Outcomes(
            accepted=len(waits[service_id]),
            decided=count,
            median_days_to_accept=round(median(waits[service_id]), 1) if waits[service_id] else None,
            window_days=window_days,
        )
        for service_id, count in decided.items()
    }

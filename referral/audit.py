"""The audit trail: every change to the directory, keys and reports, with who, when, what, and
each changed field before and after. Append-only (the database refuses updates to it).

Takes a session and adds rows to the caller's transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from referral.models import AuditEvent, Service
from referral.policy import Principal

SKIPPED = frozenset({"version", "created_at", "updated_at"})


def state(obj: Any) -> dict[str, Any]:
    """A listing's fields as JSON-ready values (with a service's links), for before/after."""
    mapper = inspect(type(obj))
    values = {c.key: _plain(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in SKIPPED}
    if isinstance(obj, Service):
        values.update(needs=obj.needs, area_places=obj.area_places, sites=obj.site_ids)
    return values


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field -> [before, after] for the fields that differ."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    session: Session,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: str,
    changes: Mapping[str, list[Any]] | None = None,
) -> AuditEvent:
    """Add one event to the session's transaction."""
    event = AuditEvent(
        actor=actor.actor,
        account_id=actor.account_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=dict(changes or {}),
    )
    session.add(event)
    return event


def history(session: Session, object_type: str, object_id: str) -> list[AuditEvent]:
    """Every event about one object, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(AuditEvent.id)
        )
    )

"""The audit trail of an HSDS import: one event per record it created, changed or moved (an
organization, a service, a site), with each changed field before and after, the service's need,
area and site links included, and the import's id (its job id) on every event.

Each batch is read before and after it is written, in the import's own transaction, so the events
are written (or rolled back) with the change, and the figures are the database's own, whatever the
input's spelling. A batch at a time: a 100k import never holds the whole directory in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, insert, select, type_coerce
from sqlalchemy.orm import Session

from referral.audit import SKIPPED, _plain, diff
from referral.models import AuditEvent, Organization, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site
from referral.models.base import Base
from referral.policy import Principal

CHUNK = 500  # ids per IN (…): well under SQLite's variable limit
KINDS = {Organization: "organization", Service: "service", Site: "site"}
LINKS = {
    ServiceNeed: ("needs", "need_code"),
    ServiceArea: ("area_places", "place_code"),
    ServiceAtLocation: ("sites", "site_id"),
}


@dataclass(frozen=True)
class ImportAudit:
    """Who imports, and the import's id (the job's id; a new one for the CLI)."""

    principal: Principal
    import_id: str


class Recorder:
    """Reads a batch before and after it is written, and adds the events of what changed."""

    def __init__(self, session: Session, audit: ImportAudit | None):
        self.session, self.audit = session, audit
        self.pending: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}  # (kind, id) -> action, changes
        self.detached: dict[type, dict[str, list[str]]] = {}  # model -> service id -> links before ``detach``

    def rows(self, model: type[Base], ids: Sequence[str], write: Callable[[], None]) -> None:
        """Write one batch of ``model`` rows (``write``), noting each record it changed (see flush)."""
        if self.audit is None:
            write()
            return
        before = self._states(model, ids)
        write()
        after = self._states(model, ids)
        for key, state in after.items():
            old = before.get(key)
            changes = _decoded(diff(old or {}, state), model)
            if changes:
                action = "created" if old is None else "moved" if "organization_id" in changes else "updated"
                self.pending[(KINDS[model], key)] = (action, changes)

    def links(
        self, model: type[Base], service_ids: Sequence[str], write: Callable[[], None], action: str = "updated"
    ) -> None:
        """Replace the link rows of ``service_ids`` (``write``), noting each service whose links changed:
        in the service's own event when its batch wrote it too, else in an event of ``action``."""
        if self.audit is None:
            write()
            return
        before = self._links(model, service_ids)
        detached = self.detached.get(model, {})
        before.update({key: detached.pop(key) for key in service_ids if key in detached})
        write()
        after = self._links(model, service_ids)
        field = LINKS[model][0]
        for key in sorted(set(before) | set(after)):
            if before.get(key, []) != after.get(key, []):
                noted, changes = self.pending.get(("service", key), (action, {}))
                self.pending[("service", key)] = (noted, {**changes, field: [before.get(key, []), after.get(key, [])]})

    def detach(self, model: type[Base], service_ids: Sequence[str], write: Callable[[], None]) -> None:
        """Delete the link rows of ``service_ids`` ahead of their replacement (``write``): a service
        that moved to another organization loses its old sites before it is written. The links they
        had count as the "before" of the ``links`` call that replaces them."""
        if self.audit is not None:
            self.detached.setdefault(model, {}).update(self._links(model, service_ids))
        write()

    def flush(self) -> None:
        """Add the noted events to the import's transaction: one per record the batch changed."""
        events = [(action, kind, key, changes) for (kind, key), (action, changes) in sorted(self.pending.items())]
        self.pending.clear()
        self._add(events)

    def _states(self, model: type[Base], ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """id -> column values; JSON columns as their stored text (compared as text, decoded only
        when they changed: decoding every row of every batch twice would cost more than the import)."""
        table = model.__table__
        columns = [
            type_coerce(c, String).label(c.key) if isinstance(c.type, JSON) else c
            for c in table.c
            if c.key not in SKIPPED
        ]
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in self.session.execute(select(*columns).where(table.c.id.in_(chunk))).mappings():
                found[row["id"]] = {k: _plain(v) for k, v in row.items()}
        return found

    def _links(self, model: type[Base], service_ids: Sequence[str]) -> dict[str, list[str]]:
        table = model.__table__
        service_id, column = table.c.service_id, table.c[LINKS[model][1]]
        found: dict[str, list[str]] = {}
        for chunk in _chunks(sorted(set(service_ids))):
            for key, value in self.session.execute(select(service_id, column).where(service_id.in_(chunk))):
                found.setdefault(key, []).append(value)
        return {k: sorted(v) for k, v in found.items()}

    def _add(self, events: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        if not events or self.audit is None:
            return
        who = self.audit.principal
        self.session.execute(
            insert(AuditEvent),
            [
                {
                    "actor": who.actor,
                    "account_id": who.account_id,
                    "action": f"import.{action}",
                    "object_type": kind,
                    "object_id": key,
                    "changes": changes,
                    "import_id": self.audit.import_id,
                }
                for action, kind, key, changes in events
            ],
        )


def _decoded(changes: dict[str, list[Any]], model: type[Base]) -> dict[str, list[Any]]:
    """JSON columns read as text (SQLite; PostgreSQL's driver decodes them) back to their values."""
    table = model.__table__
    return {
        field: [json.loads(v) if isinstance(v, str) and isinstance(table.c[field].type, JSON) else v for v in pair]
        for field, pair in changes.items()
    }


def _chunks(ids: list[str]) -> Any:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]

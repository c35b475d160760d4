"""Bulk writes for the import: dialect-specific UPSERT (INSERT … ON CONFLICT DO UPDATE) of whole
batches, replacement of link rows, and the reference data an import reads (needs, places).

Rows are plain dicts; nothing here builds ORM objects one at a time. Columns HSDS does not carry
(an organization's kind, a service's capacity…) are written on insert only, so a re-import never
overwrites what an editor set here. An unchanged row is not touched (its version stays).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, Text, cast, delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from referral.geocoding import GazetteerPlace
from referral.hsds.crosswalk import Need
from referral.matching.types import RiskCategory as CoreRisk
from referral.models import NeedTerm, Organization, Place, RiskCategory

CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit
INSERT_ONLY = {
    "organizations": {"kind", "names", "descriptions", "status", "created_at"},
    "sites": {"kind", "names", "status", "created_at"},
    # "languages" is the editor's hard requirement (HSDS languages are delivered_languages); genders and
    # target groups come from HSDS eligibility attributes, so a re-import updates them
    "services": {
        "names",
        "descriptions",
        "languages",
        "capacity",
        "wait_days",
        "intensity",
        "area_radius_km",
        "created_at",
    },
}
NEVER_COMPARED = {"version", "created_at", "updated_at"}
ANALYZE_FROM = 5000  # rows an import writes into a table before it first refreshes that table's statistics


def upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` or update those whose id exists, in one executemany."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    if "version" not in table.c:
        session.execute(statement.on_conflict_do_nothing(), list(rows))
        return
    updated = [c for c in rows[0] if c not in INSERT_ONLY.get(table.name, ()) and c not in ("id", "version")]
    changes = {c: statement.excluded[c] for c in updated}
    changes["version"] = table.c.version + 1
    compared = [c for c in updated if c not in NEVER_COMPARED]
    differs = or_(*(_distinct(table.c[c], statement.excluded[c]) for c in compared))
    session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=changes, where=differs), list(rows))


def _distinct(column: Any, new: Any) -> Any:
    if isinstance(column.type, JSON):  # PostgreSQL's json has no equality: compare the text
        return cast(column, Text).is_distinct_from(cast(new, Text))
    return column.is_distinct_from(new)


def replace_links(session: Session, model: type, service_ids: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Delete the link rows of ``service_ids`` and insert ``rows`` (needs, areas, sites)."""
    for start in range(0, len(service_ids), CHUNK):
        chunk = service_ids[start : start + CHUNK]
        session.execute(delete(model).where(model.service_id.in_(chunk)))
    if rows:
        session.execute(insert(model), rows)


def existing(session: Session, model: type, ids: Iterable[str]) -> dict[str, str]:
    """id -> organization_id (or id for organizations) of the rows among ``ids`` already stored."""
    ids = sorted(set(ids))
    owner = model.id if model is Organization else model.organization_id
    found: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(session.execute(select(model.id, owner).where(model.id.in_(chunk))).all())
    return found


@dataclass
class Statistics:
    """Planner statistics kept true while an import writes (PostgreSQL; SQLite plans without them).

    The import is one transaction, so autovacuum never sees its rows: every lookup of a batch (``existing``,
    the link replacement's DELETE, the audit's reads) would be planned for the tables as they were when the
    import began, nearly empty. Once psycopg prepares such a statement, PostgreSQL keeps the generic plan
    it made then: a sequential scan of the table per batch, which grows with the table (seconds per call,
    hours for a 1M import). So a table is analysed whenever the rows this import wrote into it have
    doubled since it last was: ANALYZE counts the transaction's own rows and invalidates the plans
    cached on the table. At most ~log2(rows / ANALYZE_FROM) times per table, each a 30,000-row sample."""

    written: Counter[str] = field(default_factory=Counter)
    analysed: dict[str, int] = field(default_factory=dict)  # table -> rows written when last analysed

    def wrote(self, session: Session, table: Table, count: int) -> None:
        """``count`` rows written into ``table``; analyse it if they have doubled since it last was."""
        bind = session.get_bind()
        if bind.dialect.name != "postgresql" or not count:
            return
        self.written[table.name] += count
        if self.written[table.name] >= max(ANALYZE_FROM, 2 * self.analysed.get(table.name, 0)):
            session.connection().exec_driver_sql(f"ANALYZE {bind.dialect.identifier_preparer.format_table(table)}")
            self.analysed[table.name] = self.written[table.name]


def needs(session: Session) -> list[Need]:
    terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code))
    return [Need(t.code, t.labels, t.synonyms or {}, t.open_eligibility, t.position) for t in terms]


def risk_categories(session: Session) -> list[CoreRisk]:
    """The safety layer's risk lexicon as stored (none when none is loaded)."""
    rows = session.scalars(select(RiskCategory).order_by(RiskCategory.position, RiskCategory.code))
    return [
        CoreRisk(
            code=r.code,
            need=r.need_code,
            labels=dict(r.labels),
            phrases={k: tuple(v) for k, v in (r.phrases or {}).items()},
            patterns={k: tuple(v) for k, v in (r.patterns or {}).items()},
            exclusions={k: tuple(v) for k, v in (r.exclusions or {}).items()},
        )
        for r in rows
    ]


def places(session: Session) -> list[GazetteerPlace]:
    rows = session.scalars(select(Place).order_by(Place.code))
    return [GazetteerPlace(p.code, (p.name, *p.names.values()), p.latitude, p.longitude) for p in rows]


def now() -> datetime:
    return datetime.now(UTC)


def delete_ids(session: Session, model: type, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(model).where(model.id.in_(ids[start : start + CHUNK])))

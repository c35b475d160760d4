"""The safety layer's data: the risk lexicon and each region's emergency lines, duties and
screening scales. No commits, no Flask.

Both are plain reference data loaded by ``referral seed`` (risk.json beside the taxonomy, and a
region folder's region.json) and carried into the matching core's snapshot; an imported region
brings its own. ``RegionResource`` keeps the three kinds in one table: a ``hotline`` has a
``number`` and ``texts`` saying what it is for; a ``duty`` has ``texts`` stating it; a ``scale``
has ``grades`` (grade -> [{need, severity}]). ``categories`` are risk category codes (empty: every
risk); ``places`` are gazetteer codes where it applies (empty: everywhere).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from referral.models.base import Base
from referral.models.listings import enum_column

RESOURCE_KINDS = ("hotline", "duty", "scale")


def _json(factory: type) -> Any:
    return mapped_column(JSON, nullable=False, default=factory)


class RiskCategory(Base):
    """One kind of danger to a child, the need it makes actionable and the expressions revealing it."""

    __tablename__ = "risk_categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    need_code: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[dict[str, str]] = _json(dict)
    phrases: Mapped[dict[str, list[str]]] = _json(dict)
    patterns: Mapped[dict[str, list[str]]] = _json(dict)
    exclusions: Mapped[dict[str, list[str]]] = _json(dict)


class RegionResource(Base):
    """A region's emergency or crisis line, legal duty, or screening scale."""

    __tablename__ = "region_resources"
    __table_args__ = (
        UniqueConstraint("region", "kind", "key"),
        CheckConstraint("kind <> 'hotline' OR number IS NOT NULL", name="hotline_has_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(enum_column("region_resource_kind", RESOURCE_KINDS))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    names: Mapped[dict[str, str]] = _json(dict)
    number: Mapped[str | None] = mapped_column(String(32))
    texts: Mapped[dict[str, str]] = _json(dict)
    always_open: Mapped[bool | None] = mapped_column(Boolean)
    categories: Mapped[list[str]] = _json(list)
    places: Mapped[list[str]] = _json(list)
    grades: Mapped[dict[str, list[dict[str, Any]]]] = _json(dict)

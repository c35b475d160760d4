"""The directory's tables (SQLAlchemy 2.0 typed mappings). No commits, no Flask.

Mapping to Open Referral HSDS 3.0, written down once:

=====================  ===========================  ===============================================
here                   HSDS 3.0                     notes
=====================  ===========================  ===============================================
Organization           organization                 ``name``/``description`` as HSDS; ``names`` and
                                                    ``descriptions`` hold translations by language
                                                    (HSDS: ``alternate_name`` keeps one); ``kind``
                                                    has no HSDS field (HSDS attributes could carry it)
Site                   location                     ``latitude``/``longitude`` as HSDS; ``address``
                                                    is HSDS address ``address_1``; ``opening_hours``
                                                    maps to HSDS schedule (``byday``, ``opens_at``,
                                                    ``closes_at``); ``languages`` to HSDS language;
                                                    ``accessibility`` to HSDS accessibility
Service                service                      ``minimum_age``/``maximum_age``/``status`` as HSDS;
                                                    ``needs`` are HSDS taxonomy terms via attribute;
                                                    ``cost``/``cost_text`` map to cost_option;
                                                    ``area_places``/``area_radius_km`` to service_area;
                                                    ``verified_at`` is HSDS ``last_modified``'s
                                                    human-checked counterpart (assured_date)
                       (card fields)                ``application_process``, ``wait_time``,
                                                    ``alerts`` (HSDS ``alert``), ``contacts`` (HSDS
                                                    contact: ``title``, ``name``, ``phone``, ``email``),
                                                    ``phones`` (HSDS phone, with a ``purpose``),
                                                    ``required_documents`` (HSDS required_document),
                                                    ``delivered_languages`` (HSDS service language:
                                                    the languages it is delivered in, unlike
                                                    ``languages``, those a child must speak),
                                                    ``opening_hours`` (HSDS schedule on the service,
                                                    for services without sites, e.g. hotlines);
                                                    ``serves_school`` (no HSDS field) is the site of
                                                    the one school whose pupils it serves
(translations)         (none)                       ``translations`` on sites and services holds the
                                                    free texts in other languages:
                                                    ``{field: {language: text}}`` for
                                                    ``accessibility``, ``application_process``,
                                                    ``wait_time`` and ``cost_text``
ServiceAtLocation      service_at_location          same name and meaning
NeedTerm               taxonomy_term                ``code`` is ``code``; parent is ``parent_id``;
                                                    ``open_eligibility`` names the equivalent term
Place                  (none; service_area extent)  a gazetteer: code, kind, parent, centroid
=====================  ===========================  ===============================================

Ids are UUID strings (stable uuid5 for seeded rows). Every directory object has a ``version`` that
SQLAlchemy bumps on each update (``version_id_col``), the basis for ETags and If-Match.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from referral.models.base import Base

__all__ = [
    "ORGANIZATION_KINDS",
    "SITE_KINDS",
    "PLACE_KINDS",
    "LISTING_STATUSES",
    "COSTS",
    "CAPACITIES",
    "INTENSITIES",
    "PHONE_PURPOSES",
    "UTCDateTime",
    "enum_column",
    "new_id",
    "utcnow",
    "Place",
    "NeedTerm",
    "Organization",
    "Site",
    "Service",
    "ServiceNeed",
    "ServiceArea",
    "ServiceAtLocation",
    "DirectoryState",
    "ReferenceData",
]

ORGANIZATION_KINDS = (
    "ngo",
    "social_work_centre",
    "school",
    "hospital",
    "government",
    "community_centre",
    "rehabilitation_centre",
    "university",
    "other",
)
SITE_KINDS = (
    "office",
    "school_station",
    "practice_base",
    "community_centre",
    "rehabilitation_centre",
    "clinic",
    "service_station",
    "other",
)
PLACE_KINDS = ("city", "district", "town")
LISTING_STATUSES = ("active", "inactive", "suspended")
COSTS = ("free", "subsidized", "fee")
CAPACITIES = ("accepting", "waitlist", "full")
INTENSITIES = ("prevention", "support", "intensive")
PHONE_PURPOSES = ("main", "intake", "hotline", "emergency", "fax")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_column(name: str, values: tuple[str, ...]) -> Enum:
    """A portable enumeration: VARCHAR plus a CHECK constraint on every database."""
    return Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _json_default(factory: type) -> Any:
    return mapped_column(JSON, nullable=False, default=factory)


class Place(Base):
    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("places.code"), index=True)
    kind: Mapped[str] = mapped_column(enum_column("place_kind", PLACE_KINDS))
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, str]] = _json_default(dict)
    aliases: Mapped[list[str]] = _json_default(list)  # local, old and colloquial names, any language
    # HSDS address parts this place fixes for every address in it, inherited by the places inside it:
    # {"country": "CN" (ISO 3166-1 alpha-2), "state_province": "江苏省", "postal_code": "215400"}
    address: Mapped[dict[str, str]] = _json_default(dict)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)


class NeedTerm(Base):
    __tablename__ = "need_terms"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("need_terms.code"), index=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    synonyms: Mapped[dict[str, list[str]]] = _json_default(dict)
    # what the text reader knows of the term (matching/reading.py): language -> sentence / phrases
    description: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")
    lexicon: Mapped[dict[str, list[str]]] = mapped_column(JSON, nullable=False, default=dict, server_default="{}")
    audience: Mapped[str] = mapped_column(String(16), nullable=False, default="child", server_default="child")
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    open_eligibility: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class _Listing:
    """Columns every directory object shares."""

    name: Mapped[str] = mapped_column(String(300))
    names: Mapped[dict[str, str]] = _json_default(dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Organization(_Listing, Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    description: Mapped[str | None] = mapped_column(Text)
    descriptions: Mapped[dict[str, str]] = _json_default(dict)
    kind: Mapped[str] = mapped_column(enum_column("organization_kind", ORGANIZATION_KINDS))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(
        enum_column("organization_status", LISTING_STATUSES), default="active", index=True
    )

    sites: Mapped[list[Site]] = relationship(back_populates="organization")
    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Site(_Listing, Base):
    """A place where services are delivered (HSDS location)."""

    __tablename__ = "sites"
    __table_args__ = (
        UniqueConstraint("id", "organization_id"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(enum_column("site_kind", SITE_KINDS))
    address: Mapped[str | None] = mapped_column(String(500))
    place_code: Mapped[str | None] = mapped_column(ForeignKey("places.code"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str | None] = mapped_column(String(64))
    # [{"weekday": "mo", "opens": "08:30", "closes": "17:00"}, ...]
    opening_hours: Mapped[list[dict[str, str]]] = _json_default(list)
    languages: Mapped[list[str]] = _json_default(list)
    accessibility: Mapped[str | None] = mapped_column(Text)
    # [{"number": "0512-...", "purpose": "main"}, ...]; purpose is one of PHONE_PURPOSES
    phones: Mapped[list[dict[str, str]]] = _json_default(list)
    # {"accessibility": {"en": "..."}}: translations of the site's free texts
    translations: Mapped[dict[str, dict[str, str]]] = _json_default(dict)
    status: Mapped[str] = mapped_column(enum_column("site_status", LISTING_STATUSES), default="active", index=True)

    organization: Mapped[Organization] = relationship(back_populates="sites")


class Service(_Listing, Base):
    """What an organization offers, with its eligibility rules (HSDS service)."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("id", "organization_id"),
        CheckConstraint("minimum_age >= 0 AND minimum_age <= 120", name="minimum_age_range"),
        CheckConstraint("maximum_age >= 0 AND maximum_age <= 120", name="maximum_age_range"),
        CheckConstraint("minimum_age <= maximum_age", name="age_order"),
        CheckConstraint("wait_days >= 0", name="wait_days_positive"),
        CheckConstraint("wait_days IS NULL OR capacity = 'waitlist'", name="wait_only_on_waitlist"),
        CheckConstraint("area_radius_km > 0", name="area_radius_positive"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    descriptions: Mapped[dict[str, str]] = _json_default(dict)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    genders: Mapped[list[str]] = _json_default(list)  # empty: any
    target_groups: Mapped[list[str]] = _json_default(list)  # empty: open to all
    languages: Mapped[list[str]] = _json_default(list)  # required languages; empty: none
    eligibility_description: Mapped[str | None] = mapped_column(Text)  # HSDS, as published
    # HSDS service areas naming no gazetteer place yet: resolved by name (suffix-insensitive) when
    # the directory is read, so they take effect once the gazetteer has the place
    area_names: Mapped[list[str]] = _json_default(list)
    modes: Mapped[list[str]] = mapped_column(JSON)
    cost: Mapped[str] = mapped_column(enum_column("service_cost", COSTS), default="free")
    cost_text: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[str] = mapped_column(enum_column("service_capacity", CAPACITIES), default="accepting")
    wait_days: Mapped[int | None] = mapped_column(Integer)
    intensity: Mapped[str] = mapped_column(enum_column("service_intensity", INTENSITIES), default="support")
    area_radius_km: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(enum_column("service_status", LISTING_STATUSES), default="active", index=True)
    verified_at: Mapped[date | None] = mapped_column(Date)
    # what a worker needs to act on a result (see the mapping table above)
    application_process: Mapped[str | None] = mapped_column(Text)
    wait_time: Mapped[str | None] = mapped_column(String(500))
    # [{"document": "户口簿", "names": {"en": "household register"}}, ...]
    required_documents: Mapped[list[dict[str, Any]]] = _json_default(list)
    # [{"text": "...", "texts": {"en": "..."}}, ...]: temporary notices (closures, changes)
    alerts: Mapped[list[dict[str, Any]]] = _json_default(list)
    # [{"title": "intake social worker", "titles": {...}, "name": null, "phone": "...", "email": "..."}]
    contacts: Mapped[list[dict[str, Any]]] = _json_default(list)
    phones: Mapped[list[dict[str, str]]] = _json_default(list)  # as Site.phones
    opening_hours: Mapped[list[dict[str, str]]] = _json_default(list)  # as Site.opening_hours
    delivered_languages: Mapped[list[str]] = _json_default(list)  # delivered in; empty: not recorded
    serves_school: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    # {"application_process": {"en": "..."}, "wait_time": {...}, "cost_text": {...}}
    translations: Mapped[dict[str, dict[str, str]]] = _json_default(dict)

    organization: Mapped[Organization] = relationship(back_populates="services")
    need_links: Mapped[list[ServiceNeed]] = relationship(cascade="all, delete-orphan", order_by="ServiceNeed.need_code")
    area_links: Mapped[list[ServiceArea]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceArea.place_code"
    )
    site_links: Mapped[list[ServiceAtLocation]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceAtLocation.site_id"
    )

    @property
    def needs(self) -> list[str]:
        return sorted(link.need_code for link in self.need_links)

    @property
    def area_places(self) -> list[str]:
        return sorted(link.place_code for link in self.area_links)

    @property
    def site_ids(self) -> list[str]:
        return sorted(link.site_id for link in self.site_links)


class ServiceNeed(Base):
    """A need term a service meets."""

    __tablename__ = "service_needs"

    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    need_code: Mapped[str] = mapped_column(ForeignKey("need_terms.code"), primary_key=True, index=True)


class ServiceArea(Base):
    """A gazetteer place (with its sub-places) inside a service's area."""

    __tablename__ = "service_areas"

    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    place_code: Mapped[str] = mapped_column(ForeignKey("places.code"), primary_key=True, index=True)


class ServiceAtLocation(Base):
    """A service offered at a site (HSDS service_at_location).

    The composite foreign keys make the database itself refuse a link between a service and a site
    of different organizations.
    """

    __tablename__ = "service_at_location"
    __table_args__ = (
        UniqueConstraint("service_id", "site_id"),
        ForeignKeyConstraint(
            ["service_id", "organization_id"],
            ["services.id", "services.organization_id"],
            ondelete="CASCADE",
            name="fk_service_at_location_service_organization",
        ),
        ForeignKeyConstraint(
            ["site_id", "organization_id"],
            ["sites.id", "sites.organization_id"],
            name="fk_service_at_location_site_organization",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    organization_id: Mapped[str] = mapped_column(String(36))


class DirectoryState(Base):
    """One row whose version changes with every directory write: the cheap change check."""

    __tablename__ = "directory_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Session, "before_flush")
def _touch_changed_listings(session: Session, _context: Any, _instances: Any) -> None:
    """Any change to a listing — a link collection (needs, areas, sites) included — sets its
    ``updated_at``, so its row is UPDATEd and ``version_id_col`` bumps in the same flush. SQLAlchemy
    bumps the version only for column changes: without this, link-only edits kept the old ETag and
    slipped past If-Match. One hook, so no use case bumps versions by hand."""
    for obj in session.dirty:
        if isinstance(obj, _Listing) and session.is_modified(obj):
            obj.updated_at = utcnow()


class ReferenceData(Base):
    """Versioned reference data loaded by ``referral init-db`` (the needs taxonomy): name -> content hash."""

    __tablename__ = "reference_data"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))  # sha256 of the files it was loaded from
    items: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

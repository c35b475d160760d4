"""Reading the directory out of the database as the matching core's plain ``Directory`` snapshot.

Reads with plain SQL rows (no ORM objects) so that a large directory loads quickly, and inside one
transaction (REPEATABLE READ on PostgreSQL; SQLite's WAL read transaction is a snapshot already)
so the version it reports is the version of the data it read. Only active services of active
organizations, offered at active sites, are included: nothing else may ever be matched. The risk
lexicon and the regions' lines, duties and screening scales travel with it as plain data.

A service's rule fields are filled generically: every field ``core.Service`` declares an index column
(``types.column``) is read from the services column of the same name (or its ``source``), so a new
rule field needs no edit here; the names, the card and the links are read by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import fields
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral import outcomes
from referral.directory import directory_version
from referral.matching import types as core
from referral.matching.week import WEEKDAY_NUMBER
from referral.models import (
    NeedTerm,
    Organization,
    Place,
    RegionResource,
    RiskCategory,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceNeed,
    Site,
)


def load(session: Session, outcome_window_days: int = 90) -> core.Directory:
    """A consistent snapshot of the matchable directory, with each service's referral record over
    the last ``outcome_window_days`` (referral/outcomes.py)."""
    begin(session)
    return read(session, outcome_window_days)


def begin(session: Session) -> None:
    """Start the snapshot's transaction: REPEATABLE READ on PostgreSQL, so every read sees one version."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def read(session: Session, outcome_window_days: int = 90) -> core.Directory:
    """The snapshot, read inside a transaction ``begin`` started."""
    version = directory_version(session)
    return core.Directory(
        version=str(version),
        terms=tuple(_terms(session)),
        places=tuple(_places(session)),
        services=tuple(_services(session, None, outcome_window_days)),
        risks=tuple(_risks(session)),
        region=_region(session),
    )


def _risks(session: Session) -> list[core.RiskCategory]:
    rows = session.execute(select(RiskCategory).order_by(RiskCategory.position, RiskCategory.code)).scalars()
    return [
        core.RiskCategory(
            code=r.code,
            need=r.need_code,
            labels=dict(r.labels),
            phrases=_tuples(r.phrases),
            patterns=_tuples(r.patterns),
            exclusions=_tuples(r.exclusions),
        )
        for r in rows
    ]


def _tuples(by_language: dict[str, list[str]] | None) -> dict[str, tuple[str, ...]]:
    return {language: tuple(items) for language, items in (by_language or {}).items()}


def _region(session: Session) -> core.Region:
    """Every region's lines, duties and scales, in region then file order."""
    rows = session.execute(select(RegionResource).order_by(RegionResource.region, RegionResource.position)).scalars()
    hotlines, duties, scales = [], [], []
    for r in rows:
        categories, places = frozenset(r.categories), frozenset(r.places)
        if r.kind == "hotline":
            hotlines.append(
                core.Hotline(
                    r.key, dict(r.names), r.number or "", dict(r.texts), bool(r.always_open), categories, places
                )
            )
        elif r.kind == "duty":
            duties.append(core.Duty(r.key, dict(r.names), dict(r.texts), categories, places))
        else:
            grades = {g: tuple((n["need"], int(n["severity"])) for n in listed) for g, listed in r.grades.items()}
            scales.append(core.AssessmentScale(r.key, dict(r.names), grades))
    return core.Region(tuple(hotlines), tuple(duties), tuple(scales))


def _terms(session: Session) -> list[core.NeedTerm]:
    return load_terms(session.execute(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code)).scalars())


def load_terms(rows: Iterable[NeedTerm]) -> list[core.NeedTerm]:
    """Need-term rows as the core's terms (the reader's lexicon and descriptions included)."""
    return [
        core.NeedTerm(
            code=t.code,
            parent=t.parent_code,
            labels=dict(t.labels),
            synonyms={lang: tuple(words) for lang, words in (t.synonyms or {}).items()},
            description=dict(t.description or {}),
            lexicon={lang: tuple(words) for lang, words in (t.lexicon or {}).items()},
            audience=t.audience or "child",
            priority=t.priority or 0,
        )
        for t in rows
    ]


def _places(session: Session) -> list[core.Place]:
    rows = session.execute(select(Place).order_by(Place.code)).scalars()
    return [
        core.Place(
            code=p.code,
            parent=p.parent_code,
            kind=p.kind,
            name=p.name,
            names=dict(p.names),
            lat=p.latitude,
            lon=p.longitude,
            aliases=tuple(p.aliases or ()),
        )
        for p in rows
    ]


def _sites(session: Session, only=None) -> dict[str, core.Site]:
    query = select(
        Site.id,
        Site.name,
        Site.names,
        Site.address,
        Site.latitude,
        Site.longitude,
        Site.place_code,
        Site.opening_hours,
        Site.phone,
        Site.phones,
        Site.accessibility,
        Site.translations,
    ).where(Site.status == "active")
    rows = session.execute(query if only is None else query.where(Site.id.in_(only)))
    return {r.id: _site(r) for r in rows}


_SHARED: dict = {}  # equal immutable values (sets of modes, opening hours...) read once, shared by every row
SHARED_MAX = 200_000


def _one(value):
    """The one shared copy of ``value``: 100k services repeat a few hundred distinct sets and hours."""
    if len(_SHARED) >= SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


def _site(r) -> core.Site:
    hours = _one(hours_of(r.opening_hours))
    return core.Site(
        id=r.id,
        name=r.name,
        names=r.names or {},
        address=r.address,
        lat=r.latitude,
        lon=r.longitude,
        place=r.place_code,
        open_days=_one(frozenset(h.weekday for h in hours)),
        hours=hours,
        phone=r.phone,
        phones=_one(phones_of(r.phones, r.phone)),
        accessibility=text_of(r.accessibility, r.translations, "accessibility"),
    )


def hours_of(rows) -> tuple[core.Hours, ...]:
    return tuple(core.Hours(WEEKDAY_NUMBER[h["weekday"]], h["opens"], h["closes"]) for h in rows or [])


def phones_of(rows, main: str | None = None) -> tuple[core.Phone, ...]:
    """The listed phones; a legacy single ``phone`` not among them comes first as the main line."""
    phones = tuple(core.Phone(p["number"], p.get("purpose") or "main") for p in rows or [])
    if main and all(p.number != main for p in phones):
        phones = (core.Phone(main, "main"), *phones)
    return phones


def text_of(text: str | None, translations, name: str) -> core.Text | None:
    return core.Text(text, dict((translations or {}).get(name) or {})) if text else None


def _links(session: Session, column_a, column_b, only: list[str] | None = None) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    query = select(column_a, column_b).order_by(column_a, column_b)
    for a, b in session.execute(query if only is None else query.where(column_a.in_(only))):
        grouped[a].append(b)
    return grouped


def _services(session: Session, only: list[str] | None = None, outcome_window_days: int = 90) -> list[core.Service]:
    """The matchable services (all, or those of ``only`` that are), by id, with their referral records."""
    records = outcomes.records(session, outcome_window_days)
    at = _links(session, ServiceAtLocation.service_id, ServiceAtLocation.site_id, only)
    # the changed services' sites by their ids, not by a subquery: SQLite plans "status = ? AND id IN
    # (SELECT ...)" as a walk of every active site (its status index), ~0.1 s an edit at 1M sites
    sites = _sites(session, None if only is None else sorted({site for linked in at.values() for site in linked}))
    needs = _links(session, ServiceNeed.service_id, ServiceNeed.need_code, only)
    areas = _links(session, ServiceArea.service_id, ServiceArea.place_code, only)
    _named_areas(session, areas, only)
    rows = session.execute(services_query() if only is None else services_query().where(Service.id.in_(only)))
    schools = _school_names(session)
    return [_service(row, needs, areas, at, sites, schools, records.get(row.id)) for row in rows]


def services_query():
    """The matchable services with their organization's names (the snapshot's biggest query)."""
    columns = [Service.__table__.c[name] for name in service_columns()]
    return (
        select(
            *columns,
            Organization.name.label("org_name"),
            Organization.names.label("org_names"),
            Organization.phone.label("org_phone"),
        )
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.status == "active", Organization.status == "active")
        .order_by(Service.id)
    )


CHUNK = 500  # ids per IN list


def changed_services(session: Session, changed: set[str], outcome_window_days: int = 90) -> list[core.Service]:
    """The services of ``changed`` that are still matchable, as ``load`` would read them (the others
    left the directory): what an index applies as a delta (matching.delta). Call inside the
    transaction ``begin`` started, the one the new version was read in."""
    ids = sorted(changed)
    return [
        s
        for start in range(0, len(ids), CHUNK)
        for s in _services(session, ids[start : start + CHUNK], outcome_window_days)
    ]


def _named_areas(session: Session, areas: dict[str, list[str]], only: list[str] | None = None) -> None:
    """Add the places that services' area names (imported, unknown then) now name: the one gazetteer
    place with that name, compared without case or administrative suffix (hsds.gazetteer.place_key)."""
    query = select(Service.id, Service.area_names)
    named = [
        (i, names)
        for i, names in session.execute(query if only is None else query.where(Service.id.in_(only)))
        if names
    ]
    if not named:
        return
    from referral.hsds.gazetteer import place_key

    keys: dict[str, set[str]] = defaultdict(set)
    for code, name, labels in session.execute(select(Place.code, Place.name, Place.names)):
        for label in (name, *(labels or {}).values()):
            keys[place_key(label)].add(code)
    for service_id, names in named:
        found = [next(iter(keys[k])) for k in map(place_key, names) if len(keys.get(k, ())) == 1]
        areas[service_id] = sorted(set(areas.get(service_id, ())) | set(found))


@cache
def declared_columns(cls: type = core.Service) -> tuple[tuple[str, str, str], ...]:
    """(core field, model column, kind) of each field the core declares an index column (types.column):
    the snapshot fills these generically, reading the model column of the same name unless ``source``
    names another."""
    return tuple(
        (f.name, f.metadata["column"].source or f.name, f.metadata["column"].kind)
        for f in fields(cls)
        if "column" in f.metadata
    )


# the columns the snapshot reads beside the declared ones (names, the card, the school)
OTHER_COLUMNS = (
    "id",
    "organization_id",
    "name",
    "names",
    "cost_text",
    "description",
    "descriptions",
    "application_process",
    "wait_time",
    "required_documents",
    "alerts",
    "contacts",
    "phones",
    "opening_hours",
    "delivered_languages",
    "serves_school",
    "translations",
)


def service_columns() -> tuple[str, ...]:
    """Every services column the snapshot reads: the others, then the declared ones."""
    return (*OTHER_COLUMNS, *(source for _, source, _ in declared_columns(core.Service)))


def _declared(s) -> dict:
    """The declared fields of one service row: sets as shared frozensets, other values as stored."""
    return {
        name: _one(frozenset(getattr(s, source) or ())) if kind == "mask" else getattr(s, source)
        for name, source, kind in declared_columns(core.Service)
    }


def _service(s, needs, areas, at, sites, schools, record=None) -> core.Service:
    return core.Service(
        id=s.id,
        organization_id=s.organization_id,
        organization_name=s.org_name,
        organization_names=s.org_names or {},
        name=s.name,
        names=s.names or {},
        needs=_one(tuple(needs.get(s.id, ()))),
        cost_text=s.cost_text,
        area_places=_one(frozenset(areas.get(s.id, ()))),
        sites=tuple(sites[i] for i in at.get(s.id, ()) if i in sites),
        organization_phone=s.org_phone,
        outcomes=record,
        **_declared(s),
        **_card(s, schools),
    )


def _card(s, schools: dict[str, tuple[frozenset[str], core.Text]]) -> dict:
    """The card fields of one service row (see models.listings for their JSON shapes)."""
    translations = s.translations or {}
    return dict(
        description=core.Text(s.description, dict(s.descriptions or {})) if s.description else None,
        cost_texts=dict(translations.get("cost_text") or {}),
        application_process=text_of(s.application_process, translations, "application_process"),
        wait_time=text_of(s.wait_time, translations, "wait_time"),
        required_documents=tuple(
            core.Text(d["document"], dict(d.get("names") or {})) for d in s.required_documents or []
        ),
        alerts=tuple(core.Text(a["text"], dict(a.get("texts") or {})) for a in s.alerts or []),
        contacts=tuple(_contact(c) for c in s.contacts or []),
        phones=_one(phones_of(s.phones)),
        hours=_one(hours_of(s.opening_hours)),
        delivered_languages=_one(frozenset(s.delivered_languages or ())),
        serves_school=s.serves_school,
        school_names=schools.get(s.serves_school, (frozenset(), None))[0],
        school=schools.get(s.serves_school, (frozenset(), None))[1],
    )


def _contact(c: dict) -> core.Contact:
    return core.Contact(
        title=core.Text(c["title"], dict(c.get("titles") or {})),
        name=c.get("name"),
        phone=c.get("phone"),
        email=c.get("email"),
    )


def _school_names(session: Session) -> dict[str, tuple[frozenset[str], core.Text]]:
    """Every name (any language) of each site some service serves as a school, and its organization's."""
    rows = session.execute(
        select(
            Site.id, Site.name, Site.names, Organization.name.label("org_name"), Organization.names.label("org_names")
        )
        .join(Organization, Organization.id == Site.organization_id)
        .where(Site.id.in_(select(Service.serves_school).where(Service.serves_school.is_not(None))))
    )
    return {
        r.id: (
            frozenset({r.name, r.org_name, *(r.names or {}).values(), *(r.org_names or {}).values()}),
            core.Text(r.name, dict(r.names or {})),
        )
        for r in rows
    }

"""The card of a result: what a worker acts on (phones, hours and whether open now, how to refer,
what to bring, whom to ask, waiting time, alerts, freshness, where it is and whom it serves).

This module owns reading those facts off a service and its chosen site in the query's language, and
the opening-hours arithmetic. It never reads the clock: "open now" is computed against
``MatchQuery.now`` (a timezone-aware local time the caller passes), and is None without it.
Depends on the standard library and sibling modules only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from referral.matching.gazetteer import Gazetteer
from referral.matching.messages import language_label
from referral.matching.types import Card, CardContact, Hours, MatchQuery, Phone, Service, Site, Text

MIDNIGHT, END_OF_DAY = "00:00", "24:00"


def make_card(
    service: Service,
    site: Site | None,
    query: MatchQuery,
    gazetteer: Gazetteer,
    today: date,
    stale_after_days: int,
    facts: Mapping[str, object] | None = None,
) -> Card:
    """The card of ``service`` offered at ``site`` (None: remotely); ``facts``: its ``card_facts``
    in the query's language, when already known."""
    if facts is None:
        facts = card_facts(service, site, query.language, gazetteer)
    hours = service.hours or (site.hours if site else ())
    return Card(
        **facts,  # type: ignore[arg-type]  # card_facts' keys are Card's fields
        open_now=open_at(hours, query.now),
        open_today=open_on_day(hours, query.now),
        stale=is_stale(service, today, stale_after_days),
        local=is_local(gazetteer, site, query.location.place),
    )


def card_facts(service: Service, site: Site | None, language: str, gazetteer: Gazetteer) -> dict[str, object]:
    """The fields of a card that depend only on the service, its site, the language and the places
    (not on the child, the day or the time): the same for every match that shows them."""
    lang = language
    hours = service.hours or (site.hours if site else ())
    languages = tuple(sorted(service.delivered_languages))
    # each list read only when it has items: most listings leave most of them empty, and a generator
    # over nothing still costs its setting up (a card's facts are worked out for every result shown)
    return dict(
        phones=_phones(service, site),
        hours=hours,
        always_open=always_open(hours) if hours else False,
        description=_in(service.description, lang),
        accessibility=_in(site.accessibility, lang) if site else None,
        delivered_languages=languages,
        delivered_in=tuple(language_label(lang, code) for code in languages) if languages else (),
        application_process=_in(service.application_process, lang),
        required_documents=_all_in(service.required_documents, lang),
        contacts=tuple(CardContact(c.title.in_language(lang), c.name, c.phone, c.email) for c in service.contacts)
        if service.contacts
        else (),
        wait_time=_in(service.wait_time, lang),
        alerts=_all_in(service.alerts, lang),
        cost_text=(service.cost_texts.get(lang) or service.cost_text) if service.cost_text else None,
        verified_at=service.verified_at,
        remote=site is None,
        serves_area=tuple(_place_name(gazetteer, code, lang) for code in sorted(service.area_places))
        if service.area_places
        else (),
        serves_radius_km=service.area_radius_km,
        school=_school(service, lang),
    )


def _in(text: Text | None, language: str) -> str | None:
    return text.in_language(language) if text else None


def _all_in(texts: Sequence[Text], language: str) -> tuple[str, ...]:
    return tuple(t.in_language(language) for t in texts) if texts else ()


def _phones(service: Service, site: Site | None) -> tuple[Phone, ...]:
    """The service's own lines, then the site's, each number once."""
    seen: dict[str, Phone] = {}
    for phone in (*service.phones, *(site.phones if site else ())):
        seen.setdefault(phone.number, phone)
    return tuple(seen.values())


def always_open(hours: Sequence[Hours]) -> bool:
    """Open from midnight to midnight on all seven days."""
    return {h.weekday for h in hours if h.opens == MIDNIGHT and h.closes == END_OF_DAY} == set(range(7))


def open_at(hours: Sequence[Hours], now: datetime | None) -> bool | None:
    """Whether some period covers ``now`` (its own local time); None without a time or hours."""
    if now is None or not hours:
        return None
    clock = f"{now.hour:02d}:{now.minute:02d}"  # strftime("%H:%M"), without its ~2 µs per card
    return any(h.weekday == now.weekday() and h.opens <= clock < h.closes for h in hours)


def open_on_day(hours: Sequence[Hours], now: datetime | None) -> bool | None:
    """Whether it opens at all on ``now``'s day; None without a time or hours."""
    if now is None or not hours:
        return None
    return any(h.weekday == now.weekday() for h in hours)


def is_stale(service: Service, today: date, stale_after_days: int) -> bool:
    """Never verified, or not for over ``stale_after_days``."""
    return service.verified_at is None or (today - service.verified_at).days > stale_after_days


def home_area(gazetteer: Gazetteer, place: str | None) -> str | None:
    """The second level from the top of a place's lineage (a city's district or county-level city)."""
    lineage = gazetteer.lineage(place)
    return lineage[-2] if len(lineage) >= 2 else (lineage[-1] if lineage else None)


def is_local(gazetteer: Gazetteer, site: Site | None, child_place: str | None) -> bool | None:
    """Whether the site lies in the child's home area; None when either is unknown."""
    here, there = home_area(gazetteer, child_place), home_area(gazetteer, site.place if site else None)
    return None if here is None or there is None else here == there


def _place_name(gazetteer: Gazetteer, code: str, language: str) -> str:
    place = gazetteer.places.get(code)
    return (place.names.get(language) or place.name) if place else code


def _school(service: Service, language: str) -> str | None:
    return service.school.in_language(language) if service.school else None

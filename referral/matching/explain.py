"""Reasons, caveats and unmet-need details: the sentences shown with a match, in its language.

This module owns which facts are worth saying about a result; the wording lives in messages.py.
It must not change eligibility or scores. Depends on the standard library and sibling modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from referral.matching.groups import known_groups
from referral.matching.messages import group_label, join, language_label, say
from referral.matching.settings import MatchSettings
from referral.matching.types import Card, MatchQuery, Service, Site, UnderstoodNeed

if TYPE_CHECKING:  # the rules' own caveats are called, never imported at run time
    from referral.matching.eligibility import Rule

RELATION = {2: "meets.exact", 1: "meets.narrower", 0: "meets.broader"}  # by index.EXACT, NARROWER, BROADER


def _number(value: float) -> str:
    """Ages and days without a trailing ".0"."""
    return f"{value:g}"


def name_in(names: Mapping[str, str] | None, name: str, language: str) -> str:
    """A listing's name in ``language``, else its own name."""
    return (names or {}).get(language) or name


def reasons(
    query: MatchQuery,
    service: Service,
    site: Site | None,
    km: float | None,
    met: Sequence[tuple[UnderstoodNeed, int]],
    card: Card | None = None,
    urgent: Sequence[str] = (),
    settings: MatchSettings = MatchSettings(),
    unknown: Sequence[Rule] = (),
) -> tuple[str, ...]:
    """Why this service and why here: needs met (by relation), where, capacity, the ordering rules
    that placed it (urgent needs, its school, ``unknown``: the rules restricting it on a fact the
    child's record leaves unknown, eligibility.unknown), the eligibility facts that apply, and its
    referral record."""
    lang = query.language
    said = [say(lang, RELATION[relation], label=need.label) for need, relation in met]
    if site is not None:
        said.append(say(lang, "distance", km=f"{km:.1f}", site=name_in(site.names, site.name, lang)))
    else:
        said.append(_remote(lang, service, card))
    said.append(_capacity(lang, service))
    said.extend(
        _ordering(query, service, card, {n.code for n, _ in met} & set(urgent), bool(urgent), settings, bool(unknown))
    )
    said.extend(_eligibility(query, service))
    said.extend(_outcomes(lang, service))
    return tuple(said)


def _outcomes(lang: str, service: Service) -> list[str]:
    """Its referral record, when it has one (the score's outcome part)."""
    record = service.outcomes
    if record is None or record.decided == 0:
        return []
    values = dict(accepted=record.accepted, decided=record.decided, days=record.window_days)
    if record.median_days_to_accept is None:
        return [say(lang, "outcomes.accepted", **values)]
    return [say(lang, "outcomes.accepted_days", median=_number(round(record.median_days_to_accept, 1)), **values)]


def _remote(lang: str, service: Service, card: Card | None) -> str:
    """Remote, with the area it serves."""
    if card is not None and card.serves_area:
        return say(lang, "remote.area", area=join(lang, list(card.serves_area)))
    if service.area_radius_km is not None:
        return say(lang, "remote.radius", km=_number(service.area_radius_km))
    return say(lang, "remote")


def _ordering(
    query: MatchQuery,
    service: Service,
    card: Card | None,
    urgent_met: set[str],
    urgent: bool,
    settings: MatchSettings,
    unknown: bool = False,
) -> list[str]:
    """The rules above the score that placed this result (scoring.tiers), in words."""
    lang, said = query.language, []
    if urgent and settings.urgent_ready_first:
        if not urgent_met:
            said.append(say(lang, "urgent.not_meeting"))
        elif service.capacity == "waitlist":
            days = service.wait_days
            said.append(
                say(lang, "urgent.waitlist", days=days) if days is not None else say(lang, "urgent.waitlist_unknown")
            )
        elif card is not None and card.stale:
            said.append(say(lang, "urgent.stale", days=settings.stale_after_days))
        else:
            said.append(say(lang, "urgent.ready"))
    if card is not None and card.school and query.child.school:
        said.append(say(lang, "school.child", school=card.school))
    if settings.unknown_eligibility_last and unknown:
        said.append(say(lang, "eligibility.unknown_last"))
    return said


def _capacity(lang: str, service: Service) -> str:
    if service.capacity != "waitlist":
        return say(lang, "capacity.accepting")
    if service.wait_days is None:
        return say(lang, "capacity.waitlist_unknown")
    return say(lang, "capacity.waitlist", days=service.wait_days)


def _eligibility(query: MatchQuery, service: Service) -> list[str]:
    lang, low, high = query.language, service.minimum_age, service.maximum_age
    said = []
    if low is not None and high is not None:
        said.append(say(lang, "ages.range", low=_number(low), high=_number(high)))
    elif low is not None:
        said.append(say(lang, "ages.min", low=_number(low)))
    elif high is not None:
        said.append(say(lang, "ages.max", high=_number(high)))
    for group in sorted(service.groups & known_groups(query.child)):
        said.append(say(lang, "group", group=group_label(lang, group)))
    if service.cost == "free":
        said.append(say(lang, "free"))
    return said


def caveats(
    query: MatchQuery,
    service: Service,
    site: Site | None,
    today: date,
    stale_after_days: int,
    card: Card | None = None,
    school_known: bool = False,
    unknown: Sequence[Rule] = (),
) -> tuple[str, ...]:
    """What the social worker should know before referring (``unknown``: as for ``reasons``)."""
    lang = query.language
    said = [say(lang, "caveat.alert", text=text) for text in (card.alerts if card else ())]
    if card is not None and card.school and not school_known:
        said.append(say(lang, "caveat.school_unknown", school=card.school))
    if service.capacity == "waitlist":
        said.append(say(lang, "caveat.waitlist"))
    if service.cost in ("fee", "subsidized"):
        cost_text = card.cost_text if card is not None else service.cost_text
        if cost_text:
            said.append(say(lang, f"caveat.{service.cost}_text", text=cost_text.rstrip(".。")))
        else:
            said.append(say(lang, f"caveat.{service.cost}"))
    if service.verified_at is None:
        said.append(say(lang, "caveat.never_verified"))
    elif (today - service.verified_at).days > stale_after_days:
        said.append(say(lang, "caveat.stale", days=stale_after_days))
    if site is None:
        said.append(say(lang, "caveat.remote_only"))
        if query.constraints.open_on is not None:
            said.append(say(lang, "caveat.open_on_remote"))
    elif card is not None and card.local is False:
        said.append(say(lang, "caveat.other_area"))
    said.extend(rule.eligible_if(lang, service) for rule in unknown if rule.eligible_if is not None)
    if service.languages and query.child.languages:
        names = [language_label(lang, code) for code in sorted(service.languages)]
        said.append(say(lang, "caveat.languages", languages=join(lang, names)))
    said.extend(_delivered(query, service))
    return tuple(said)


def _delivered(query: MatchQuery, service: Service) -> list[str]:
    """The languages a service is delivered in (HSDS): a caveat, never a rule."""
    delivered = [language_label(query.language, code) for code in sorted(service.delivered_languages)]
    if not delivered or service.languages:
        return []
    if query.child.languages and not (service.delivered_languages & query.child.languages):
        return [say(query.language, "caveat.delivered_not_spoken", languages=join(query.language, delivered))]
    if not query.child.languages:
        return [say(query.language, "caveat.languages", languages=join(query.language, delivered))]
    return []


def unmet_detail(language: str, reason: str, label: str, **values: object) -> str:
    """The sentence explaining why a need is unmet."""
    return say(language, f"unmet.{reason}", label=label, **values)

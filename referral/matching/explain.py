"""Reasons, caveats and unmet-need details: the sentences shown with a match, in its language.

This module owns which facts are worth saying about a result; the wording lives in messages.py.
It must not change eligibility or scores. Depends on the standard library and sibling modules.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from referral.matching.groups import known_groups, unknown_rules
from referral.matching.messages import gender_rule, group_label, join, requirement, say
from referral.matching.types import MatchQuery, Service, Site, UnderstoodNeed

RELATION = {1.0: "meets.exact", 0.85: "meets.narrower", 0.6: "meets.broader"}


def _number(value: float) -> str:
    """Ages and days without a trailing ".0"."""
    return f"{value:g}"


def name_in(names: dict | None, name: str, language: str) -> str:
    """A listing's name in ``language``, else its own name."""
    return (names or {}).get(language) or name


def reasons(
    query: MatchQuery, service: Service, site: Site | None, km: float | None,
    met: Sequence[tuple[UnderstoodNeed, float]],
) -> tuple[str, ...]:
    """Why this service: needs met, where, capacity, and the eligibility facts that apply."""
    lang = query.language
    said = [say(lang, RELATION[quality], label=need.label) for need, quality in met]
    if site is not None:
        said.append(say(lang, "distance", km=f"{km:.1f}", site=name_in(site.names, site.name, lang)))
    else:
        said.append(say(lang, "remote"))
    said.append(_capacity(lang, service))
    said.extend(_eligibility(query, service))
    return tuple(said)


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


def caveats(query: MatchQuery, service: Service, site: Site | None, today: date, stale_after_days: int) -> tuple[str, ...]:
    """What the social worker should know before referring."""
    lang = query.language
    said = []
    if service.capacity == "waitlist":
        said.append(say(lang, "caveat.waitlist"))
    if service.cost in ("fee", "subsidized"):
        if service.cost_text:
            said.append(say(lang, f"caveat.{service.cost}_text", text=service.cost_text.rstrip(".。")))
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
    said.extend(eligible_if(query, service))
    if service.languages and query.child.languages:
        said.append(say(lang, "caveat.languages", languages=join(lang, sorted(service.languages))))
    said.extend(_delivered(query, service))
    return tuple(said)


def eligible_if(query: MatchQuery, service: Service) -> list[str]:
    """"Eligible if …" for each restriction the child's record leaves unknown (unknown is not ineligible)."""
    lang, said = query.language, []
    open_rules = unknown_rules(query.child, service.genders, service.groups, service.languages)
    if "gender" in open_rules:
        said.append(say(lang, "caveat.eligible_if", rule=gender_rule(lang, sorted(service.genders))))
    if "groups" in open_rules:
        rule = say(lang, "or").join(requirement(lang, g) for g in sorted(service.groups))
        said.append(say(lang, "caveat.eligible_if", rule=rule))
    if "languages" in open_rules:
        said.append(say(lang, "caveat.requires_languages", languages=join(lang, sorted(service.languages))))
    return said


def _delivered(query: MatchQuery, service: Service) -> list[str]:
    """The languages a service is delivered in (HSDS): a caveat, never a rule."""
    delivered = sorted(service.delivered_languages)
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

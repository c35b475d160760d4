"""The match presenter: the core's outcome as the JSON body ``POST /v1/match`` answers, the find
pages render and ``referral match`` prints — names, labels, reasons and the card in the asked
language.

Pure formatting of what the core returned: no Flask, no database, nothing of the request kept. The
matching core stays free of presentation; the API, the pages and the CLI all call ``present``.
"""

from __future__ import annotations

from typing import Any

from referral.matching import places
from referral.matching import types as core
from referral.matching.explain import name_in
from referral.matching.index import DirectoryIndex
from referral.matching.messages import group_label, label, say
from referral.matching.urgent import phone_to_call
from referral.matching.week import WEEKDAYS


def present(
    index: DirectoryIndex, outcome: core.MatchOutcome, language: str, problems: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The response body for ``outcome`` with names in ``language`` (and the parts of the request a
    child at risk was answered without)."""
    located = outcome.location.lat == outcome.location.lat  # NaN: the place is not known
    return {
        "urgent": _urgent(outcome.urgent, language) if outcome.urgent else None,
        "problems": problems or [],
        "location": _location(index, outcome.location, language) if located else None,
        "language": language,
        "needs": [_need(index, n, language) for n in outcome.needs],
        "results": [_result(r, language) for r in outcome.results],
        "unmet_needs": [_unmet(u, language, index) for u in outcome.unmet_needs],
        "bundle": vars_of(outcome.bundle),
        "directory_version": outcome.directory_version,
        "inferred_groups": [_inferred(group, code, index, language) for group, code in outcome.inferred_groups],
    }


def _inferred(group: str, code: str, index: DirectoryIndex, language: str) -> dict[str, Any]:
    """A target group the engine inferred from a need (the worker gave no groups)."""
    label = index.taxonomy.label(code, language) if code in index.taxonomy else code
    return {
        "group": group,
        "label": group_label(language, group),
        "from_need": code,
        "detail": say(language, "group.inferred", group=group_label(language, group), label=label),
    }


def _need(index: DirectoryIndex, need: core.UnderstoodNeed, language: str) -> dict[str, Any]:
    """A need as understood; suggestions (for a text not understood) as code and label."""
    return {**vars_of(need), "suggestions": _suggestions(index, need.suggestions, language)}


def _suggestions(index: DirectoryIndex, codes: tuple[str, ...], language: str) -> list[dict[str, str]]:
    return [{"code": code, "label": index.taxonomy.label(code, language)} for code in codes]


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _location(index: DirectoryIndex, location: core.Location, language: str) -> dict[str, Any]:
    gaz = index.gazetteer
    place = gaz.places.get(location.place) if location.place else None
    parent = gaz.places.get(place.parent) if place and place.parent else None
    named = (
        {
            "code": place.code,
            "name": name_in(place.names, place.name, language),
            "parent": name_in(parent.names, parent.name, language) if parent else None,
        }
        if place
        else None
    )
    evidence = location.evidence
    site = gaz.names.sites.site(evidence.site) if evidence and evidence.site else None
    return {
        "lat": location.lat,
        "lon": location.lon,
        "place": named,
        "matched_by": evidence.matched_by if evidence else None,
        "confidence": evidence.confidence if evidence else None,
        "matched": evidence.matched if evidence else None,
        "site": {"id": site.id, "name": name_in(site.names, site.name, language)} if site else None,
        "caveat": places.caveat(index, location, language),
    }


def _service(service: core.Service, language: str) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": name_in(service.names, service.name, language),
        "modes": sorted(service.modes),
        "cost": service.cost,
        "cost_text": (service.cost_texts.get(language) or service.cost_text) if service.cost_text else None,
        "capacity": service.capacity,
        "wait_days": service.wait_days,
        "intensity": service.intensity,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "verified_at": service.verified_at.isoformat() if service.verified_at else None,
        "labels": _labels(service, language),
    }


def _labels(service: core.Service, language: str) -> dict[str, Any]:
    """Every code of the service shown to a person, as words in ``language``."""
    return {
        "modes": [label(language, "mode", m) for m in sorted(service.modes)],
        "cost": label(language, "cost", service.cost),
        "capacity": label(language, "capacity", service.capacity),
        "intensity": label(language, "intensity", service.intensity),
        "target_groups": [group_label(language, g) for g in sorted(service.groups)],
    }


def _card(card: core.Card | None, language: str) -> dict[str, Any] | None:
    """The card: phones with their purpose, hours and whether open, how to refer, what to bring."""
    if card is None:
        return None
    body = vars_of(card)
    body["phones"] = [
        {"number": p.number, "purpose": p.purpose, "purpose_label": label(language, "phone", p.purpose)}
        for p in card.phones
    ]
    body["hours"] = [
        {
            "weekday": WEEKDAYS[h.weekday],
            "weekday_label": label(language, "weekday", str(h.weekday)),
            "opens": h.opens,
            "closes": h.closes,
        }
        for h in card.hours
    ]
    body["contacts"] = [vars_of(c) for c in card.contacts]
    body["verified_at"] = card.verified_at.isoformat() if card.verified_at else None
    for name in ("delivered_languages", "delivered_in", "required_documents", "alerts", "serves_area"):
        body[name] = list(body[name])
    return body


def _organization(service: core.Service, language: str) -> dict[str, Any]:
    name = name_in(service.organization_names, service.organization_name, language)
    return {"id": service.organization_id, "name": name}


def _site(site: core.Site | None, language: str) -> dict[str, Any] | None:
    if site is None:
        return None
    return {
        "id": site.id,
        "name": name_in(site.names, site.name, language),
        "address": site.address,
        "lat": site.lat,
        "lon": site.lon,
    }


def _result(result: core.Result, language: str) -> dict[str, Any]:
    return {
        "rank": result.rank,
        "score": result.score,
        "service": _service(result.service, language),
        "organization": _organization(result.service, language),
        "site": _site(result.site, language),
        "distance_km": result.distance_km,
        "needs_met": list(result.needs_met),
        "score_parts": dict(result.score_parts),
        "reasons": list(result.reasons),
        "caveats": list(result.caveats),
        "card": _card(result.card, language),
    }


def _unmet(unmet: core.UnmetNeed, language: str, index: DirectoryIndex) -> dict[str, Any]:
    nearest = None
    if unmet.nearest is not None:
        nearest = {
            "service": _service(unmet.nearest.service, language),
            "organization": _organization(unmet.nearest.service, language),
            "site": _site(unmet.nearest.site, language),
            "distance_km": unmet.nearest.distance_km,
        }
    return {
        "code": unmet.code,
        "label": unmet.label,
        "severity": unmet.severity,
        "reason": unmet.reason,
        "detail": unmet.detail,
        "nearest": nearest,
        "input": unmet.input,
        "suggestions": _suggestions(index, unmet.suggestions, language),
    }


def _urgent(urgent: core.Urgent, language: str) -> dict[str, Any]:
    """The urgent section: risks found, advice, lines to call, duties, services that can act now."""

    def said(texts: Any, fallback: str = "") -> str:
        return name_in(texts, next(iter(texts.values()), fallback) if texts else fallback, language)

    return {
        "risks": [{"code": r.code, "label": said(r.labels, r.code), "need": r.need} for r in urgent.risks],
        "advice": urgent.advice,
        "hotlines": [
            {
                "key": h.key,
                "name": said(h.names, h.number),
                "number": h.number,
                "purpose": said(h.purposes),
                "always_open": h.always_open,
            }
            for h in urgent.hotlines
        ],
        "duties": [{"key": d.key, "name": said(d.names, d.key), "text": said(d.texts)} for d in urgent.duties],
        "services": [_urgent_service(s, language) for s in urgent.services],
    }


def _urgent_service(option: core.UrgentService, language: str) -> dict[str, Any]:
    phone = phone_to_call(option)
    return {
        "service": _service(option.service, language),
        "organization": _organization(option.service, language),
        "site": _site(option.site, language),
        "distance_km": option.distance_km,
        "phone": phone,
        "needs_met": list(option.needs_met),
    }

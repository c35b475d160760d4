"""Blueprint for ``POST /v1/match``, and the presenter that turns the core's outcome into JSON.

Privacy: the request is parsed, matched and forgotten; nothing of it is logged or stored, except
that each need reported unmet adds one to an anonymous (place, need, month) counter (referral/gaps.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, request

from referral import gaps, matchmaking
from referral.api import match_rescue
from referral.api.errors import Problem, field_error
from referral.api.match_schemas import MatchRequest, MatchResponse
from referral.api.routing import ApiBlueprint
from referral.matching import places
from referral.matching import types as core
from referral.matching.explain import name_in
from referral.matching.index import DirectoryIndex
from referral.matching.messages import CATALOGUE, group_label, label, say
from referral.matching.urgent import phone_to_call
from referral.matching.week import WEEKDAYS

bp = ApiBlueprint("match", __name__, tag="match", url_prefix="/v1")


def init_app(app: Flask) -> None:
    """One index cache per app (per worker process)."""
    database = app.extensions["referral.db"]
    start = matchmaking.run_in_background if app.config.get("INDEX_BUILD_IN_BACKGROUND", True) else matchmaking.run_inline
    app.extensions["referral.index"] = matchmaking.IndexCache(database, app.config["INDEX_CHECK_SECONDS"], start=start,
        outcome_window_days=int(app.config["MATCH"].get("outcome_window_days", 90)))


def _answer_anyway(problem: Problem) -> Any:
    """The 422 ``problem`` unless the request reveals a risk to the child: then a 200 with what of it
    could be used, the unusable parts named in ``problems`` (api/match_rescue.py)."""
    raw, language = request.get_json(silent=True), choose_language(current_app.config["DEFAULT_LANGUAGE"])
    cache = current_app.extensions["referral.index"]
    if not isinstance(raw, dict) or not match_rescue.at_risk(cache.current(), raw, language):
        raise problem
    wrong = [e["field"] for e in problem.errors or []]
    data = match_rescue.repair(raw, wrong)
    index, outcome, more = matchmaking.run_anyway(cache, data, language, current_app.config)
    said = [{"field": e["field"], "detail": e["detail"]} for e in problem.errors or []]
    body = present(index, outcome, language, said + [{"field": f, "detail": m} for f, m in more])
    return body, {"Content-Language": language, "Cache-Control": "no-store"}


@bp.operation("POST", "/match", "Ranked, explained referral options for a child",
              body=MatchRequest, response=MatchResponse, access="match", errors=(400, 401, 403, 413, 415, 422), presented=True,
              read_only=True, rescue=_answer_anyway)
def match(body: dict[str, Any]) -> Any:
    """Send what an assessment found and where the child lives (and the child's school, if known);
    get back the services that fit best, each with reasons and caveats and the card a worker acts
    on (phones with their purpose, opening hours and whether open now, how to refer, what to bring,
    whom to ask, response time, alerts, freshness, the area a remote service serves), the needs
    nothing nearby can meet (with the nearest option beyond the distance), and a bundle of results
    that covers the actionable needs. Labels and reasons follow Accept-Language. When a need text or the notes reveal a risk
    to the child (self-harm, abuse, domestic violence, neglect, running away, acute psychiatric
    symptoms), its need becomes severity 3 and actionable, and ``urgent`` lists the region's
    emergency lines, any duty to report, and the services that can act now. ``assessment`` takes
    the screening's own grades (none, low, medium, high per scale of the region). A child at risk is
    never a 422: when a request that reveals a risk has a part that cannot be used (malformed, or a
    place or need code not found), that part is dropped and named in ``problems``, and the rest is
    answered — urgent section first."""
    language = choose_language(current_app.config["DEFAULT_LANGUAGE"])
    try:
        index, outcome = matchmaking.run(current_app.extensions["referral.index"], body, language,
                                         current_app.config)
    except core.MatchInputError as error:
        return _answer_anyway(_invalid(error))
    body = present(index, outcome, language)
    if any(u.code for u in outcome.unmet_needs):  # a text nothing could be read from has no need to count
        return _counting_gaps(body, language, outcome)
    return body, {"Content-Language": language, "Cache-Control": "no-store"}


def _counting_gaps(body: dict[str, Any], language: str, outcome: core.MatchOutcome) -> Response:
    """The answer, then (after it is sent, so the match never waits for the write lock) one added to
    the anonymous (place, need, month) counters of the needs it reports unmet: referral/gaps.py."""
    response = jsonify(body)
    response.headers.update({"Content-Language": language, "Cache-Control": "no-store"})
    database, month = current_app.extensions["referral.db"], matchmaking.month_now(current_app.config)
    place, needs = outcome.location.place if outcome.location else None, [u.code for u in outcome.unmet_needs if u.code]

    def count() -> None:
        try:
            with database.session(write=True) as session:
                gaps.count_unmet(session, place, needs, month)
        except Exception:  # noqa: BLE001 - a lost count never fails a match; nothing of the child is logged
            logging.getLogger(__name__).warning("gap counters not updated")

    response.call_on_close(count)
    return response


def choose_language(default: str) -> str:
    """The best of the languages the directory and the message catalogue speak."""
    return request.accept_languages.best_match(tuple(CATALOGUE), default=default) or default


def _invalid(error: core.MatchInputError) -> Problem:
    extra: dict[str, Any] = {"suggestions": list(error.suggestions)} if error.suggestions else {}
    if error.candidates:
        extra["candidates"] = [dict(c) for c in error.candidates]
    return Problem(422, "Invalid request", f"{error.field}: {error.message}", type_="validation-error",
                   errors=[field_error(error.field, error.message, **extra)])


def present(index: DirectoryIndex, outcome: core.MatchOutcome, language: str,
            problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
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
    return {"group": group, "label": group_label(language, group), "from_need": code,
            "detail": say(language, "group.inferred", group=group_label(language, group), label=label)}


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
    named = {"code": place.code, "name": name_in(place.names, place.name, language),
             "parent": name_in(parent.names, parent.name, language) if parent else None} if place else None
    evidence = location.evidence
    site = gaz.names.sites.site(evidence.site) if evidence and evidence.site else None
    return {
        "lat": location.lat, "lon": location.lon, "place": named,
        "matched_by": evidence.matched_by if evidence else None,
        "confidence": evidence.confidence if evidence else None,
        "matched": evidence.matched if evidence else None,
        "site": {"id": site.id, "name": name_in(site.names, site.name, language)} if site else None,
        "caveat": places.caveat(index, location, language),
    }


def _service(service: core.Service, language: str) -> dict[str, Any]:
    return {
        "id": service.id, "name": name_in(service.names, service.name, language),
        "modes": sorted(service.modes), "cost": service.cost,
        "cost_text": (service.cost_texts.get(language) or service.cost_text) if service.cost_text else None,
        "capacity": service.capacity, "wait_days": service.wait_days, "intensity": service.intensity,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "verified_at": service.verified_at.isoformat() if service.verified_at else None,
        "labels": _labels(service, language),
    }


def _labels(service: core.Service, language: str) -> dict[str, Any]:
    """Every code of the service shown to a person, as words in ``language``."""
    return {
        "modes": [label(language, "mode", m) for m in sorted(service.modes)],
        "cost": label(language, "cost", service.cost), "capacity": label(language, "capacity", service.capacity),
        "intensity": label(language, "intensity", service.intensity),
        "target_groups": [group_label(language, g) for g in sorted(service.groups)],
    }


def _card(card: core.Card | None, language: str) -> dict[str, Any] | None:
    """The card: phones with their purpose, hours and whether open, how to refer, what to bring."""
    if card is None:
        return None
    body = vars_of(card)
    body["phones"] = [{"number": p.number, "purpose": p.purpose, "purpose_label": label(language, "phone", p.purpose)}
                      for p in card.phones]
    body["hours"] = [{"weekday": WEEKDAYS[h.weekday], "weekday_label": label(language, "weekday", str(h.weekday)),
                      "opens": h.opens, "closes": h.closes} for h in card.hours]
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
    return {"id": site.id, "name": name_in(site.names, site.name, language), "address": site.address,
            "lat": site.lat, "lon": site.lon}


def _result(result: core.Result, language: str) -> dict[str, Any]:
    return {
        "rank": result.rank, "score": result.score, "service": _service(result.service, language),
        "organization": _organization(result.service, language), "site": _site(result.site, language),
        "distance_km": result.distance_km, "needs_met": list(result.needs_met),
        "score_parts": dict(result.score_parts), "reasons": list(result.reasons),
        "caveats": list(result.caveats), "card": _card(result.card, language),
    }


def _unmet(unmet: core.UnmetNeed, language: str, index: DirectoryIndex) -> dict[str, Any]:
    nearest = None
    if unmet.nearest is not None:
        nearest = {"service": _service(unmet.nearest.service, language),
                   "organization": _organization(unmet.nearest.service, language),
                   "site": _site(unmet.nearest.site, language), "distance_km": unmet.nearest.distance_km}
    return {"code": unmet.code, "label": unmet.label, "severity": unmet.severity, "reason": unmet.reason,
            "detail": unmet.detail, "nearest": nearest, "input": unmet.input,
            "suggestions": _suggestions(index, unmet.suggestions, language)}


def _urgent(urgent: core.Urgent, language: str) -> dict[str, Any]:
    """The urgent section: risks found, advice, lines to call, duties, services that can act now."""
    def said(texts: Any, fallback: str = "") -> str:
        return name_in(texts, next(iter(texts.values()), fallback) if texts else fallback, language)

    return {
        "risks": [{"code": r.code, "label": said(r.labels, r.code), "need": r.need} for r in urgent.risks],
        "advice": urgent.advice,
        "hotlines": [{"key": h.key, "name": said(h.names, h.number), "number": h.number,
                      "purpose": said(h.purposes), "always_open": h.always_open} for h in urgent.hotlines],
        "duties": [{"key": d.key, "name": said(d.names, d.key), "text": said(d.texts)} for d in urgent.duties],
        "services": [_urgent_service(s, language) for s in urgent.services],
    }


def _urgent_service(option: core.UrgentService, language: str) -> dict[str, Any]:
    phone = phone_to_call(option)
    return {"service": _service(option.service, language), "organization": _organization(option.service, language),
            "site": _site(option.site, language), "distance_km": option.distance_km, "phone": phone,
            "needs_met": list(option.needs_met)}

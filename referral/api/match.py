"""Blueprint for ``POST /v1/match``, and the presenter that turns the core's outcome into JSON.

Privacy: the request is parsed, matched and forgotten; nothing of it is logged or stored.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from referral import matchmaking
from referral.api.errors import Problem, field_error
from referral.api.match_schemas import MatchRequest, MatchResponse
from referral.api.routing import ApiBlueprint
from referral.matching import types as core
from referral.matching.explain import name_in
from referral.matching.index import DirectoryIndex
from referral.matching.messages import CATALOGUE

bp = ApiBlueprint("match", __name__, tag="match", url_prefix="/v1")


def init_app(app: Flask) -> None:
    """One index cache per app (per worker process)."""
    database = app.extensions["referral.db"]
    app.extensions["referral.index"] = matchmaking.IndexCache(database, app.config["INDEX_CHECK_SECONDS"])


@bp.operation("POST", "/match", "Ranked, explained referral options for a child",
              body=MatchRequest, response=MatchResponse, access="match", errors=(400, 401, 403, 413, 415, 422), presented=True)
def match(body: dict[str, Any]) -> Any:
    """Send what an assessment found and where the child lives; get back the services that fit
    best, each with reasons and caveats, the needs nothing nearby can meet (with the nearest
    option beyond the distance), and the smallest bundle of results that covers the actionable
    needs. Labels and reasons follow Accept-Language."""
    language = choose_language(current_app.config["DEFAULT_LANGUAGE"])
    try:
        index, outcome = matchmaking.run(current_app.extensions["referral.index"], body, language,
                                         current_app.config)
    except core.MatchInputError as error:
        raise _invalid(error) from None
    return present(index, outcome, language), {"Content-Language": language, "Cache-Control": "no-store"}


def choose_language(default: str) -> str:
    """The best of the languages the directory and the message catalogue speak."""
    return request.accept_languages.best_match(tuple(CATALOGUE), default=default) or default


def _invalid(error: core.MatchInputError) -> Problem:
    extra = {"suggestions": list(error.suggestions)} if error.suggestions else {}
    return Problem(422, "Invalid request", f"{error.field}: {error.message}", type_="validation-error",
                   errors=[field_error(error.field, error.message, **extra)])


def present(index: DirectoryIndex, outcome: core.MatchOutcome, language: str) -> dict[str, Any]:
    """The response body for ``outcome`` with names in ``language``."""
    return {
        "location": _location(index, outcome.location, language),
        "language": language,
        "needs": [_need(index, n, language) for n in outcome.needs],
        "results": [_result(r, language) for r in outcome.results],
        "unmet_needs": [_unmet(u, language, index) for u in outcome.unmet_needs],
        "bundle": vars_of(outcome.bundle),
        "directory_version": outcome.directory_version,
    }


def _need(index: DirectoryIndex, need: core.UnderstoodNeed, language: str) -> dict[str, Any]:
    """A need as understood; suggestions (for a text not understood) as code and label."""
    return {**vars_of(need), "suggestions": _suggestions(index, need.suggestions, language)}


def _suggestions(index: DirectoryIndex, codes: tuple[str, ...], language: str) -> list[dict[str, str]]:
    return [{"code": code, "label": index.taxonomy.label(code, language)} for code in codes]


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def _location(index: DirectoryIndex, location: core.Location, language: str) -> dict[str, Any]:
    place = index.gazetteer.places.get(location.place) if location.place else None
    named = {"code": place.code, "name": name_in(place.names, place.name, language)} if place else None
    return {"lat": location.lat, "lon": location.lon, "place": named}


def _service(service: core.Service, language: str) -> dict[str, Any]:
    return {
        "id": service.id, "name": name_in(service.names, service.name, language),
        "modes": sorted(service.modes), "cost": service.cost, "cost_text": service.cost_text,
        "capacity": service.capacity, "wait_days": service.wait_days, "intensity": service.intensity,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "verified_at": service.verified_at.isoformat() if service.verified_at else None,
    }


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
        "caveats": list(result.caveats),
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

"""Blueprint for the reference data (needs taxonomy, gazetteer) and the health check."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from referral import __version__, catalogue, directory
from referral.api.routing import ApiBlueprint
from referral.api.schemas import HealthSchema, NeedTermList, PlaceList, SearchArgs
from referral.db import get_session
from referral.models import Service

bp = ApiBlueprint("reference", __name__, tag="reference", url_prefix="/v1")


@bp.operation("GET", "/needs", "The needs taxonomy, or a fuzzy search of it",
              query=SearchArgs, response=NeedTermList, errors=(422,))
def needs(args: dict[str, Any]) -> Any:
    """Without ``q``: the whole tree. With ``q``: the terms it means (read like a need's text, then
    labels or synonyms spelled like it), best first, each with its ``score`` (0-100) and the words
    it ``matched``."""
    session = get_session()
    if "q" in args:
        return {"items": catalogue.search_needs(session, args["q"], args["limit"])}
    return {"items": catalogue.need_tree(session)}


@bp.operation("GET", "/places", "The gazetteer, or a fuzzy search of it",
              query=SearchArgs, response=PlaceList, errors=(422,))
def places(args: dict[str, Any]) -> Any:
    """Without ``q``: every place as a tree (city → district → town). With ``q``: places whose
    code or names (any language) match, best first."""
    session = get_session()
    if "q" in args:
        return {"items": catalogue.search_places(session, args["q"], args["limit"])}
    return {"items": catalogue.place_tree(session)}


@bp.operation("GET", "/health", "Is the service up, its database reachable, its directory loaded?",
              response=HealthSchema, errors=(503,))
def health() -> Any:
    """200 when the database answers; 503 otherwise. ``directory.loaded`` says whether any active
    service is listed."""
    try:
        session = get_session()
        version = directory.directory_version(session)
        active = session.scalar(select(func.count()).select_from(Service).where(Service.status == "active"))
    except SQLAlchemyError:
        current_app.logger.error("health check: database unreachable")
        body = {"status": "unavailable", "database": "unreachable", "directory": {}, "version": __version__}
        response = jsonify(HealthSchema().dump(body))
        response.status_code = 503
        return response
    return {
        "status": "ok", "database": "ok", "version": __version__,
        "directory": {"loaded": bool(active), "active_services": active, "version": version},
    }

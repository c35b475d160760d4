"""Blueprint for the reference data (needs taxonomy, gazetteer) and the health checks: ``/health``
(database reachable, directory loaded; from the worker's index), ``/health/live`` (the process answers; never queries) and
``/health/ready`` (a write works, tried in a transaction that is rolled back)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from referral import __version__, catalogue
from referral.api.match import choose_language
from referral.api.routing import ApiBlueprint
from referral.db import get_db, get_session
from referral.models import DirectoryState
from referral.schemas.directory import HealthSchema, NeedTermList, PlaceList, SearchArgs

bp = ApiBlueprint("reference", __name__, tag="reference", url_prefix="/v1")


@bp.operation(
    "GET",
    "/needs",
    "The needs taxonomy, or a fuzzy search of it",
    query=SearchArgs,
    response=NeedTermList,
    errors=(422,),
)
def needs(args: dict[str, Any]) -> Any:
    """Without ``q``: the whole tree. With ``q``: the terms it means (read like a need's text, then
    labels or synonyms spelled like it), best first, each with its ``score`` (0-100) and the words
    it ``matched``."""
    session = get_session()
    if "q" in args:
        return {"items": catalogue.search_needs(session, args["q"], args["limit"])}
    return {"items": catalogue.need_tree(session)}


@bp.operation(
    "GET",
    "/places",
    "The gazetteer, or a search of it as the match resolves places",
    query=SearchArgs,
    response=PlaceList,
    errors=(422,),
)
def places(args: dict[str, Any]) -> Any:
    """Without ``q``: every place as a tree (city → district → town). With ``q``: what
    ``location.place`` would resolve to first (when it resolves), then the other candidates best
    first, each with ``matched_by`` (code, name, alias, pinyin, site, address, fuzzy), ``confidence``
    (0-1) and the ``sites`` whose name or address matched. Names follow Accept-Language."""
    if "q" in args:
        index = current_app.extensions["referral.index"].current()
        language = choose_language(current_app.config["DEFAULT_LANGUAGE"])
        return {"items": catalogue.search_places(index, args["q"], args["limit"], language)}
    return {"items": catalogue.place_tree(get_session())}


@bp.operation(
    "GET",
    "/health",
    "Is the service up, its database reachable, its directory loaded?",
    response=HealthSchema,
    errors=(503,),
)
def health() -> Any:
    """200 when the database answers; 503 otherwise. Answers from the worker's index: ``directory``
    is the version it serves and ``active_services`` the services a match may offer; the database is
    asked only for the directory version, at most every INDEX_CHECK_SECONDS (matchmaking.IndexCache)."""
    try:
        index = current_app.extensions["referral.index"].current()
    except SQLAlchemyError:
        current_app.logger.error("health check: database unreachable")
        body = {"status": "unavailable", "database": "unreachable", "directory": {}, "version": __version__}
        response = jsonify(HealthSchema().dump(body))
        response.status_code = 503
        return response
    active = len(index.services)
    return {
        "status": "ok",
        "database": "ok",
        "version": __version__,
        "directory": {"loaded": bool(active), "active_services": active, "version": int(index.version)},
    }


@bp.operation(
    "GET",
    "/health/live",
    "Liveness: the process answers (never touches the database, nor the rate limits' store)",
    response=HealthSchema,
    limited=False,
)
def live() -> Any:
    return {"status": "ok", "version": __version__}


@bp.operation(
    "GET",
    "/health/ready",
    "Readiness: the database takes a write (tried, then rolled back)",
    response=HealthSchema,
    errors=(503,),
)
def ready() -> Any:
    """200 when a write to the database works; 503 when it is unreachable, read-only or full. A
    write lock held by someone else (an import) counts as ready: writes wait for it, they work."""
    outcome = _try_a_write()
    if outcome in ("ok", "busy"):
        return {"status": "ok", "database": "ok" if outcome == "ok" else "busy", "version": __version__}
    current_app.logger.error("readiness check: writes fail (%s)", outcome)
    response = jsonify(HealthSchema().dump({"status": "unavailable", "database": outcome, "version": __version__}))
    response.status_code = 503
    return response


def _try_a_write() -> str:
    database = get_db()
    sqlite = database.engine.dialect.name == "sqlite"
    try:
        with database.engine.connect() as connection:
            if sqlite:  # a quick answer: do not queue behind a long writer for the usual 30 s
                connection.exec_driver_sql("PRAGMA busy_timeout=1000")
                connection.commit()
            try:
                if not sqlite:  # PostgreSQL: a row lock held by an import, likewise
                    connection.exec_driver_sql("SET LOCAL lock_timeout = '1000ms'")
                connection.execute(update(DirectoryState).values(version=DirectoryState.version))
            finally:
                connection.rollback()
                if sqlite:
                    connection.exec_driver_sql("PRAGMA busy_timeout=30000")
                    connection.commit()
    except OperationalError as error:
        return "busy" if _waited_for_a_lock(error) else "writes fail"
    except SQLAlchemyError:
        return "writes fail"
    return "ok"


def _waited_for_a_lock(error: OperationalError) -> bool:
    """SQLite's busy timeout or PostgreSQL's lock_timeout (SQLSTATE 55P03): someone else is writing."""
    return getattr(error.orig, "sqlstate", None) == "55P03" or "database is locked" in str(error.orig).lower()

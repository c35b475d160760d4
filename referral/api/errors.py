"""One error shape everywhere: RFC 9457 problem details (``application/problem+json``).

Owns turning every failure — HTTP errors, schema validation, integrity errors, unexpected
exceptions — into a problem response. Never returns HTML, a stack trace or a request body.
Titles and details are in the language Accept-Language asks for (api/i18n.py); types never change.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from referral import wording
from referral.api.i18n import N_, _, language
from referral.errors import Conflict, Invalid, InvalidMany, NotFound, StaleVersion
from referral.matching.types import MatchInputError
from referral.policy import Forbidden
from referral.schemas import flatten_messages

PROBLEM_MIMETYPE = "application/problem+json"
# Problem types are relative references to their explanation on the docs page.
TYPE_BASE = "/docs#problem-"
# Seconds a client should wait when the database is lost: a PostgreSQL restart or failover takes a few.
UNAVAILABLE_RETRY_AFTER = 5
# SQLSTATEs of a database that is there but refuses the work for now, raised as neither OperationalError
# nor a lost connection: 25006, a write on a read-only server (a hot standby, or one made read-only
# while its disk fills or a failover runs) — a 503 to retry, not a 500.
REFUSED_FOR_NOW = frozenset({"25006"})
log = logging.getLogger(__name__)
# What werkzeug says of the HTTP errors the API may answer without raising a Problem of its own (an
# unknown URL or method, a body too large …), listed for the catalogue: _http translates them.
HTTP_WORDS = (
    N_("Bad Request"),
    N_("Unauthorized"),
    N_("Method Not Allowed"),
    N_("Gone"),
    N_("Request Entity Too Large"),
    N_("Unsupported Media Type"),
    N_("Unprocessable Entity"),
    N_("Precondition Required"),
    N_("Too Many Requests"),
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling "
        "and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_("The server does not support the media type transmitted in the request."),
)


def field_message(message: str) -> str:
    """A schema's message in the request's language (wording.field_message)."""
    return wording.field_message(language(), message)


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type_: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.type = type_
        self.errors = errors
        self.headers = dict(headers or {})
        self.extensions = extensions


def invalid(field: str, message: str, **extra: Any) -> Problem:
    """A 422 about one field (a dotted path with [i] for list items)."""
    return Problem(
        422,
        _("Invalid request"),
        f"{field}: {_(message)}",
        type_="validation-error",
        errors=[field_error(field, _(message), **extra)],
    )


def field_error(field: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "pointer": _pointer(field), "detail": message, **extra}


def _pointer(field: str) -> str:
    """needs[0].code -> /needs/0/code (RFC 6901 JSON pointer into the request body)."""
    if not field:
        return ""
    parts = field.replace("[", ".").replace("]", "").split(".")
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts if p != "")


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.type if problem.type else "about:blank",
        "title": problem.title,
        "status": problem.status,
    }
    if problem.detail:
        body["detail"] = problem.detail
    if problem.errors:
        body["errors"] = problem.errors
    body.update(problem.extensions)
    response = Response(json.dumps(body), status=problem.status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(problem.headers)
    response.vary.add("Accept-Language")  # the title and detail are in the language it asks for
    return response


def from_validation(error: ValidationError, location: str = "") -> Problem:
    pairs = list(flatten_messages(error.messages, location))
    errors = [field_error(field, field_message(message)) for field, message in pairs]
    detail = "; ".join(f"{f or 'body'}: {field_message(m)}" for f, m in pairs[:5])
    return Problem(422, _("Invalid request"), detail, type_="validation-error", errors=errors)


def _not_found(error: NotFound) -> Response:
    detail = _("No {kind} with id {key}.", kind=error.kind, key=repr(error.key))
    return problem_response(Problem(404, _("Not Found"), detail, type_="not-found"))


def _invalid_error(problem: Invalid) -> dict[str, Any]:
    extra = {"suggestions": list(problem.suggestions)} if problem.suggestions else {}
    return field_error(problem.field, _(problem.template, **problem.values), **extra)


def _invalid(error: Invalid | InvalidMany) -> Response:
    problems = error.problems if isinstance(error, InvalidMany) else [error]
    return problem_response(
        Problem(
            422,
            _("Invalid request"),
            "; ".join(f"{p.field}: {_(p.template, **p.values)}" for p in problems),
            type_="validation-error",
            errors=[_invalid_error(p) for p in problems],
        )
    )


def from_match_input(error: MatchInputError) -> Problem:
    """The 422 of a place, need or scale the matching core could not find, with its suggestions and
    the places it could mean (a match that reveals a risk to the child is answered anyway instead)."""
    extra: dict[str, Any] = {"suggestions": list(error.suggestions)} if error.suggestions else {}
    if error.candidates:
        extra["candidates"] = [dict(c) for c in error.candidates]
    message = _(error.template, **error.values)
    return Problem(
        422,
        _("Invalid request"),
        f"{error.field}: {message}",
        type_="validation-error",
        errors=[field_error(error.field, message, **extra)],
    )


def _forbidden(error: Forbidden) -> Response:
    message = _(error.template, **error.values)
    errors = [field_error(error.field, message)] if error.field else None
    return problem_response(Problem(403, _("Forbidden"), message, type_="forbidden", errors=errors))


def _stale_version(error: StaleVersion) -> Response:
    return problem_response(
        Problem(
            412,
            _("Precondition Failed"),
            _(
                "The {kind} changed since you read it; it is now at version {current}.",
                kind=error.kind,
                current=error.current,
            ),
            type_="stale-version",
            headers={"ETag": f'"{error.current}"'},
            current_version=error.current,
        )
    )


def _conflict(error: Conflict) -> Response:
    return problem_response(Problem(409, _("Conflict"), _(error.template, **error.values), type_="conflict"))


def _http(error: HTTPException) -> Response:
    headers = {}
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(
        Problem(error.code or 500, _(error.name), error.description and _(error.description), headers=headers)
    )


def _integrity(_error: IntegrityError) -> Response:
    # The database refused the write (a constraint); the statement is not echoed: it may hold data.
    return problem_response(
        Problem(
            409,
            _("Conflict"),
            _(
                "The change conflicts with the directory's rules "
                "(a duplicate, a reference to something missing, or a value out of range)."
            ),
            type_="conflict",
        )
    )


def _stale(_error: StaleDataError) -> Response:
    return problem_response(
        Problem(
            412,
            _("Precondition Failed"),
            _("The record changed since it was read; fetch it again."),
            type_="stale-version",
        )
    )


def _unavailable(error: DBAPIError | PoolTimeout) -> Response:
    """The database went away or refused to work (lost connection, locked, read-only, disk full), or
    every pooled connection stayed busy past the pool's timeout. The pool drops a broken connection
    and pre-pings the next one: no restart needed."""
    log.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    return problem_response(
        Problem(
            503,
            _("Service Unavailable"),
            _("The database is unavailable; try again shortly."),
            type_="database-unavailable",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
        )
    )


def _keep_retry_after_on_503(response: Response) -> Response:
    """A 503 problem says when to try again. Registered before the rate limiter, so it runs after it:
    Flask-Limiter rewrites Retry-After on every answer to its own window, limits.py then drops it
    from all but a 429 — here the 503's own value is put back."""
    if response.status_code == 503 and response.mimetype == PROBLEM_MIMETYPE:
        response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def _data(_error: DataError) -> Response:
    # A value the database cannot hold that the schemas let through (the statement is not echoed).
    return problem_response(
        Problem(
            422,
            _("Invalid request"),
            _("A value is out of the range the database can store."),
            type_="validation-error",
        )
    )


def _database(error: DBAPIError) -> Response:
    if error.connection_invalidated or getattr(error.orig, "sqlstate", None) in REFUSED_FOR_NOW:
        return _unavailable(error)
    return _unexpected(error)


def _unexpected(error: Exception) -> Response:
    log.exception("unhandled %s", type(error).__name__)
    return problem_response(Problem(500, _("Internal Server Error"), _("An unexpected error occurred.")))


def init_app(app: Flask) -> None:
    app.after_request(_keep_retry_after_on_503)
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(ValidationError, lambda e: problem_response(from_validation(e)))
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(Invalid, _invalid)
    app.register_error_handler(InvalidMany, _invalid)
    app.register_error_handler(MatchInputError, lambda e: problem_response(from_match_input(e)))
    app.register_error_handler(Forbidden, _forbidden)
    app.register_error_handler(StaleVersion, _stale_version)
    app.register_error_handler(Conflict, _conflict)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(IntegrityError, _integrity)
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(InterfaceError, _unavailable)
    app.register_error_handler(PoolTimeout, _unavailable)
    app.register_error_handler(DataError, _data)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(Exception, _unexpected)

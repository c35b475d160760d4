"""Friendly error pages in the person's language for the pages; the API keeps problem+json.

Within the web blueprint one handler turns every failure into a page. Outside it (a URL no route
matches, a limit reached before routing), HTTP errors on API paths (``/v1``, ``/hsds``,
``/openapi.json``) still go to the API's problem+json handler; any other path gets a page. A 500 is
logged by its type and place only: never its message, which could carry a child's words.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from referral.errors import NotFound
from referral.policy import Forbidden
from referral.web.base import Refused, bp  # Refused: the pages import it from here too

log = logging.getLogger(__name__)
API_PATHS = ("/v1/", "/hsds/", "/hsds", "/openapi.json")


def init_app(app: Flask) -> None:
    api_http = app.error_handler_spec[None][None][HTTPException]  # the API's problem+json handler

    def http_error(error: HTTPException):
        if request.path.startswith(API_PATHS) or request.path == "/v1":
            return api_http(error)
        return error_page(error.code or 500)

    app.register_error_handler(HTTPException, http_error)


def error_page(status: int):
    """The friendly page for ``status``, in the person's language."""
    return render_template("web/error.html", status=status), status, {"Cache-Control": "no-store"}


@bp.errorhandler(Exception)
def _any(error: Exception):
    if isinstance(error, Refused):
        return error_page(error.status)
    if isinstance(error, HTTPException):
        return error_page(error.code or 500)
    if isinstance(error, Forbidden):
        return error_page(403)
    if isinstance(error, NotFound):
        return error_page(404)
    if isinstance(error, (OperationalError, InterfaceError)):
        log.error("page failed: database unavailable (%s)", type(error.orig).__name__)
        return error_page(503)
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    log.error(
        "page failed: %s at %s:%s",
        type(error).__name__,
        where.filename if where else "?",
        where.lineno if where else "?",
    )
    return error_page(500)

"""The access log, privacy first: method, path (never the query string), status, duration and the
key's public prefix. Never a body, a header value or a query argument: a match request carries a
child's data, and nothing of it may reach a log.
"""

from __future__ import annotations

import logging
import sys
import time

from flask import Flask, Response, g, request

access_log = logging.getLogger("referral.access")


def init_app(app: Flask) -> None:
    """Register first, so the clock starts before any other check can answer."""
    _configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start)
    app.after_request(_log)


def _configure_logging(level: str) -> None:
    """One stderr handler on the "referral" logger, whatever server runs the app (added once)."""
    logger = logging.getLogger("referral")
    logger.setLevel(level)
    if not any(getattr(h, "referral", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.referral = True  # type: ignore[attr-defined]  # marks our own handler, so a second init_app adds none
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)


def _start() -> None:
    g.started = time.perf_counter()


def _log(response: Response) -> Response:
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    principal = g.get("principal")
    actor = principal.actor if principal is not None else "-"
    access_log.info("%s %s %s %.1fms %s", request.method, request.path, response.status_code, elapsed_ms, actor)
    return response

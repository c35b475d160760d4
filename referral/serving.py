"""gunicorn settings module for ``referral serve`` (``--config python:referral.serving``): each
worker builds its match index and freezes it out of the garbage collector before it takes traffic,
so no request ever waits for a first build (13-18 s at 100k services when it was lazy).

It also owns the answers gunicorn gives itself, before the app sees a request (a request line or a
header over its limits, a request that is not HTTP, an error that escapes a worker): they are
problem+json like every other error, never gunicorn's HTML page, and they never repeat the request.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from gunicorn import util

log = logging.getLogger("referral.serving")

# gunicorn's own limits, named here so the README's figures are this file's (gunicorn's defaults).
limit_request_line = 4094  # bytes of "GET /path?query HTTP/1.1": longer is 414
limit_request_fields = 100  # header fields: more is 431
limit_request_field_size = 8190  # bytes of one header field: longer is 431

# gunicorn's control socket sits at one path per user (~/.gunicorn/gunicorn.ctl): two servers on one
# machine would take each other's. `referral serve` is stopped and reloaded by signals instead.
control_socket_disable = True

DETAILS = {
    400: "The request is not valid HTTP/1.1.",
    414: f"The request line (method, path and query) is longer than {limit_request_line} bytes.",
    431: f"More than {limit_request_fields} header fields, or one longer than {limit_request_field_size} bytes.",
    500: "An unexpected error occurred.",
}


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: runs in each worker after it loaded the app (``referral.app:create_app()``), before it accepts connections."""
    started = time.perf_counter()
    index = worker.wsgi.extensions["referral.index"].warm()
    log.info(
        "worker %s: match index of %d services (version %s) built in %.1f s",
        worker.pid,
        len(index.services),
        index.version,
        time.perf_counter() - started,
    )


def problem_answer(status: int, reason: str) -> bytes:
    """gunicorn's own error as a complete HTTP/1.1 problem+json response; gunicorn's message is not
    repeated (it quotes the request line or a header, which may hold a search or a key)."""
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status, "detail": DETAILS.get(status, reason + ".")}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: Any, status_int: int, reason: str, _mesg: str) -> None:
    """Stands in for ``gunicorn.util.write_error`` (same signature): the one place gunicorn writes
    its own error answers (``Worker.handle_error``, after it chose the status and logged)."""
    util.write_nonblock(sock, problem_answer(status_int, reason))


# gunicorn loads this module in its master before it forks the workers: they inherit the replacement.
util.write_error = write_problem

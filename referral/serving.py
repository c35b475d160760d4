"""gunicorn settings module for ``referral serve`` (``--config python:referral.serving``): each
worker builds its match index and freezes it out of the garbage collector before it takes traffic,
so no request ever waits for a first build (13-18 s at 100k services when it was lazy).

Its worker class, ``BalancedWorker``, is gunicorn's threaded worker with one change: a worker holding
more connections than another live worker leaves a new connection to that one. Every worker waits on
the same listening socket, and the one awake first took every connection: two keep-alive clients
(an app's connection pool, a proxy's upstream connections) then shared one process and its GIL while
the other core idled, so two concurrent matches took twice as long as one.

It also owns the answers gunicorn gives itself, before the app sees a request (a request line or a
header over its limits, a request that is not HTTP, an error that escapes a worker): they are
problem+json like every other error, never gunicorn's HTML page, and they never repeat the request.
"""

from __future__ import annotations

import ctypes
import json
import logging
import time
from multiprocessing.sharedctypes import RawArray
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

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


# Connections held by each worker, one slot per live worker (FREE: no worker), in memory the master
# shares with the workers it forks; a worker writes only its own slot, the master frees it on exit.
FREE = -1
SLOTS = 64  # workers beyond this many (never, with `referral serve`'s at most 4) accept as plain gthread
CONNECTIONS = RawArray(ctypes.c_int, [FREE] * SLOTS)
PAUSE_S = 0.002  # how long a worker with more connections stops listening, to let another accept
MAX_DEFER_S = 0.1  # a connection no other worker took in this long is accepted anyway (one stalled or full)


def should_defer(mine: int, others: list[int], full: int) -> bool:
    """Whether a worker holding ``mine`` connections leaves a new one to another: some other worker
    (``others``: their counts, FREE for no worker) holds fewer and is not at its limit ``full``."""
    return any(FREE < other < min(mine, full) for other in others)


class BalancedWorker(ThreadWorker):
    """gunicorn's gthread worker that leaves a new connection to a worker holding fewer (see above).

    A worker that would defer stops listening for ``PAUSE_S``, then listens again: by then a worker
    with fewer connections has usually accepted. A connection still waiting ``MAX_DEFER_S`` after the
    first deferral is accepted anyway, so a stalled or full worker never leaves one unanswered."""

    slot: int | None = None  # set by pre_fork in the master

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paused_until = 0.0
        self._deferring_since: float | None = None

    def accept(self, listener: Any) -> None:
        if self.slot is not None and self._defer():
            return
        self._deferring_since = None
        super().accept(listener)
        self._publish()

    def _defer(self) -> bool:
        others = [CONNECTIONS[i] for i in range(SLOTS) if i != self.slot]
        if not should_defer(self.nr_conns, others, self.worker_connections):
            return False
        now = time.monotonic()
        if self._deferring_since is None or now - self._paused_until > 2 * PAUSE_S:  # a new connection
            self._deferring_since = now
        if now - self._deferring_since >= MAX_DEFER_S:
            return False
        self.set_accept_enabled(False)
        self._paused_until = now + PAUSE_S
        return True

    def set_accept_enabled(self, enabled: bool) -> None:
        if enabled and time.monotonic() < self._paused_until:
            return  # still leaving new connections to another worker
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        self._publish()
        paused = self._paused_until - time.monotonic()
        super().wait_for_and_dispatch_events(min(timeout, paused) if paused > 0 else timeout)  # wake to listen again

    def _publish(self) -> None:
        if self.slot is not None:
            CONNECTIONS[self.slot] = self.nr_conns


def pre_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in the master before it forks ``worker``: a free slot of CONNECTIONS for it."""
    taken = {getattr(w, "slot", None) for w in server.WORKERS.values()}
    worker.slot = next((i for i in range(SLOTS) if i not in taken), None)
    if worker.slot is not None:
        CONNECTIONS[worker.slot] = 0


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, in the master after a worker exited: its slot is free again."""
    if getattr(worker, "slot", None) is not None:
        CONNECTIONS[worker.slot] = FREE


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

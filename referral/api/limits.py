"""Rate limits: per client address across all routes together, and per key once the caller is known;
every route but those declared not limited (the liveness probe: routing.Operation.limited).

Counters live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI, fixed windows): ``memory://`` in
one process (tests, a single worker); an SQLite file shared by the worker processes of one machine
(limit_store.py; ``referral serve`` with several workers uses it when the setting is ``memory://``);
or Redis (installed with the project, e.g. ``REFERRAL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0``),
which is what several instances need to enforce one limit together. Each counts exactly. A breach
is a 429 problem with Retry-After; no other answer carries Retry-After but a 503 (the database
lost: errors.py puts its own back).
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

from referral.api import limit_store  # noqa: F401 - registers the referral+sqlite:// storage
from referral.api.errors import Problem
from referral.api.i18n import _
from referral.api.routing import current_operation


class _Throttled:
    """A logger's warnings, the same one at most once a ``seconds`` (a store down fails every request)."""

    def __init__(self, name: str, seconds: float = 60.0):
        self.log, self.seconds, self._last = logging.getLogger(name), seconds, -float("inf")

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last >= self.seconds:
            self._last = now
            self.log.warning(message, *args)


_STORE_ERRORS = _Throttled("referral.limits")


def init_app(app: Flask) -> Limiter:
    """Install the per-address limit; keep the limiter for the per-key check."""
    app.after_request(_retry_after_only_on_429)  # registered first, so it runs after the limiter's
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    in_memory = uri.startswith("memory://")
    limiter = Limiter(
        get_remote_address,
        app=app,
        application_limits=[app.config["RATELIMIT_PER_ADDRESS"]],
        storage_uri=SweptMemoryStorage.STORAGE_SCHEME[0] + uri.removeprefix("memory") if in_memory else uri,
        headers_enabled=True,
        enabled=app.config["RATELIMIT_ENABLED"],
        key_prefix="referral",
        # A store that fails (Redis unreachable) never fails a request: each worker counts the same
        # limits in memory meanwhile, retries the store with a growing backoff and goes back to it
        # once it answers; an error left over (the headers) is logged and the request answered.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.request_filter(_not_limited)
    app.extensions["referral.limiter"] = limiter
    app.extensions["referral.key_limits"] = parse_many(app.config["RATELIMIT_PER_KEY"])
    return limiter


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, minus a thread per request: the stock one starts a 10 ms
    ``threading.Timer`` to sweep expired entries whenever the last one has finished — at a few
    requests a second, one new thread per request (about a tenth of a worker's time, measured). Here
    the sweep runs in the request itself at most once a second; counters are exact either way
    (``get`` drops an expired counter before reading it, moving windows bisect by time)."""

    STORAGE_SCHEME = ["sweptmemory"]  # limits registers storages by scheme; memory:// maps here
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one the base class started
        self._swept_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept_at >= self.SWEEP_SECONDS:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]  # the base's private sweep, name-mangled


def _not_limited() -> bool:
    """Whether this request's operation is declared not limited (the liveness probe: routing.Operation)."""
    operation = current_operation()
    return operation is not None and not operation.limited


def _retry_after_only_on_429(response: Response) -> Response:
    """Flask-Limiter adds Retry-After to every answer; it means "wait" only on a 429."""
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def _spent(limiter: Limiter, key_id: str) -> RateLimitItem | None:
    """Count one request against each of the key's limits; the first one spent, or None."""
    for item in current_app.extensions["referral.key_limits"]:
        if not limiter.limiter.hit(item, "key", key_id):
            return item
    return None


def check_key(key_id: str) -> None:
    """Count one request against a key's own limit; 429 when it is spent."""
    limiter: Limiter = current_app.extensions["referral.limiter"]
    if not limiter.enabled:
        return
    try:
        item = _spent(limiter, key_id)
        if item is None:
            return
        reset_at, _remaining = limiter.limiter.get_window_stats(item, "key", key_id)
    except Exception as error:  # the store failed after this request's address was counted: fail open
        _STORE_ERRORS.warning("per-key limit not counted, the rate-limit store failed: %r", error)
        return
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise Problem(
        429,
        _("Too Many Requests"),
        _("This key is limited to {item}.", item=item),
        type_="rate-limited",
        headers={"Retry-After": str(retry_after)},
    )

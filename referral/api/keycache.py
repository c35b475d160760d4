"""A short in-process cache of key checks: the principal a presented key stood for, for at most
KEY_CACHE_SECONDS (1 s by default, never more than 5).

A key check is a database round trip (about half of a trivial request); cached, a busy client pays
it once a second. Revocations, expiries and disabled accounts reach every worker within that time;
this worker forgets everything at once after any write it answers (``forget_after_writes``), so an
admin's own revocation works on the very next request. Only valid keys are cached; entries are keyed
by the key's SHA-256, never the key itself. Depends on Flask (``g``-free) and referral.policy only.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from flask import Flask, Response, request

from referral.db import WRITE_METHODS
from referral.policy import Principal

MAX_ENTRIES = 10_000  # a full cache is emptied, not evicted one by one: rare, and cheap to refill


class KeyCache:
    """Principals of recently checked keys, each trusted for ``ttl`` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self._ttl, self._clock = ttl, clock
        self._entries: dict[bytes, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        """The cached principal of ``token``, or None when unknown or older than the TTL."""
        entry = self._entries.get(_digest(token))
        if entry is None or self._clock() - entry[0] >= self._ttl:
            return None
        return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self.clear()
        self._entries[_digest(token)] = (self._clock(), principal)

    def clear(self) -> None:
        self._entries = {}  # one assignment: a reader in another thread sees the old or the new dict


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def init_app(app: Flask) -> KeyCache:
    """Install the worker's key cache, emptied after every write this worker answers."""
    cache = KeyCache(float(app.config.get("KEY_CACHE_SECONDS", 1.0)))
    app.extensions["referral.keys"] = cache

    @app.after_request
    def forget_after_writes(response: Response) -> Response:
        view = app.view_functions.get(request.endpoint or "")
        if request.method in WRITE_METHODS and not getattr(view, "referral_read_only", False):
            cache.clear()  # a match is a POST but writes nothing (declared read_only): it keeps the cache
        return response

    return cache

"""gunicorn settings module for ``referral serve`` (``--config python:referral.serving``): each
worker builds its match index and freezes it out of the garbage collector before it takes traffic,
so no request ever waits for a first build (13-18 s at 100k services when it was lazy)."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger("referral.serving")


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: runs in each worker after it loaded the app (``referral.app:create_app()``), before it accepts connections."""
    started = time.perf_counter()
    index = worker.wsgi.extensions["referral.index"].warm()
    log.info("worker %s: match index of %d services (version %s) built in %.1f s",
                worker.pid, len(index.services), index.version, time.perf_counter() - started)

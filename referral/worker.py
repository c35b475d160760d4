"""The background worker (``referral worker``): delivers the webhook outbox and purges closed
referrals' personal fields, in a loop, and runs queued jobs (HSDS imports and exports) in a thread
of its own, until told to stop (Ctrl-C or SIGTERM).

Owns the loops and their timing; the work itself is referral.delivery, referral.referrals.purge
and referral.jobrun.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from flask import Flask

from referral import delivery, jobrun, jobs, referrals
from referral.policy import Principal

WORKER = Principal(actor="worker", role="admin")  # the audit actor of the purge
log = logging.getLogger(__name__)


def run_once(app: Flask, transport: delivery.Transport) -> tuple[int, int]:
    """One round: deliver every due event, then purge what is due. (delivered, purged)."""
    database, sealer = app.extensions["referral.db"], app.extensions["referral.sealer"]
    sent = delivery.deliver_due(database, sealer, transport, delivery.Policy.from_config(app.config))
    return sent, purge(app)


def purge(app: Flask) -> int:
    with app.extensions["referral.db"].session(write=True) as session:
        return referrals.purge(session, WORKER, int(app.config["REFERRALS"]["retention_days"]))


def loop(
    app: Flask, transport: delivery.Transport, stop: threading.Event, clock: Callable[[], float] = time.monotonic
) -> None:
    """Deliver every ``worker_poll_seconds``, purge every ``worker_purge_seconds``, until ``stop`` is set."""
    settings = app.config["REFERRALS"]
    database, sealer = app.extensions["referral.db"], app.extensions["referral.sealer"]
    policy, purged_at = delivery.Policy.from_config(app.config), float("-inf")
    while not stop.is_set():
        try:
            delivery.deliver_due(database, sealer, transport, policy)
            if clock() - purged_at >= float(settings["worker_purge_seconds"]):
                count, purged_at = purge(app), clock()
                if count:
                    log.info("purged the personal fields of %d closed referrals", count)
        except Exception:
            log.exception("worker round failed; retrying")
        stop.wait(float(settings["worker_poll_seconds"]))


def job_loop(app: Flask, stop: threading.Event) -> None:
    """Reap jobs whose worker died, then run queued jobs one at a time, until ``stop`` is set. A
    job that is running when ``stop`` is set finishes first (SIGTERM waits for it)."""
    settings = jobs.Settings.from_config(app.config)
    while not stop.is_set():
        ran = False
        try:
            with app.extensions["referral.db"].session(write=True) as session:
                for job_id in jobs.reap(session, app.instance_path, settings):
                    log.warning("job %s lost its worker; queued again or failed", job_id)
            ran = jobrun.run_next(app)
        except Exception:
            log.exception("job round failed; retrying")
        if not ran:
            stop.wait(settings.poll_seconds)


def start_jobs(app: Flask, stop: threading.Event) -> threading.Thread:
    """The job loop in a thread beside the delivery loop: a long import never delays a webhook."""
    thread = threading.Thread(target=job_loop, args=(app, stop), name="referral-jobs")
    thread.start()
    return thread


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (and SIGINT) end the loop after the current round."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())

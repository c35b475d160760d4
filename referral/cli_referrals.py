"""The ``referral worker``, ``referral purge`` and ``referral new-encryption-key`` commands."""

from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from referral import delivery, jobrun, sealing, worker


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="One round (deliver what is due, purge what is due, run the queued jobs), then exit."
)
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver webhook events from the outbox (with retries), purge closed referrals, and run queued
    HSDS imports and exports, until Ctrl-C."""
    app = current_app._get_current_object()
    transport = delivery.UrllibTransport(app.config["REFERRALS"]["webhook_allow_private"])
    if once:
        sent, purged = worker.run_once(app, transport)
        click.echo(f"delivered {sent} events, purged {purged} referrals, ran {jobrun.run_all(app)} jobs")
        return
    stop = threading.Event()
    worker.stop_on_signals(stop)
    click.echo(
        "referral worker: delivering webhooks, purging closed referrals, running imports and exports (Ctrl-C stops)",
        err=True,
    )
    jobs_thread = worker.start_jobs(app, stop)
    worker.loop(app, transport, stop)
    jobs_thread.join()
    click.echo("referral worker stopped", err=True)


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Erase the personal fields of referrals closed more than REFERRALS.retention_days ago."""
    click.echo(f"purged {worker.purge(current_app._get_current_object())} referrals")


@click.command("new-encryption-key")
def new_encryption_key() -> None:
    """Print a new key for ENCRYPTION_KEY (keep it secret; keep old keys in the list to rotate)."""
    click.echo(sealing.new_key())

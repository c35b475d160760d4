"""The ``referral`` command (the console script): every command of ``commands``, plus ``serve``
(gunicorn on ``referral.app:create_app()``) and Flask's ``routes`` and ``shell``.

The web app is built only for a command that needs it (``serve``, ``worker``, ``purge``,
``routes``, ``shell``: Flask's ``with_appcontext`` asks ``Console`` for it); the others get the
configuration and the database from the data layer (``cli_context``) and never import the app, the
API or the pages. Commands print plain text.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo, get_load_dotenv, load_dotenv, routes_command, shell_command

from referral import accounts
from referral.cli_context import Data
from referral.commands import commands
from referral.db import get_db


def _create_app() -> Flask:
    """The web app, for the commands that need it (imported here: the others never load it)."""
    from referral.app import create_app

    return create_app()


class Console(ScriptInfo):
    """The console's context object: the database from config (``command_data``, built on first use),
    and the web app only when a command asks Flask for it (``load_app``)."""

    def __init__(self) -> None:
        super().__init__(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False)

    @cached_property
    def command_data(self) -> Data:
        data = Data.from_config()
        click.get_current_context().call_on_close(data.database.engine.dispose)
        return data


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """referral: a directory of child and family services, and referral matching."""
    if ctx.obj is None:
        if get_load_dotenv():  # as FlaskGroup did: REFERRAL_* settings from .env, when python-dotenv is installed
            load_dotenv()
        ctx.obj = Console()


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Processes (default: one per CPU core, at most 4). Each holds its own match index.",
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per process: each serves one request at a time.",
)
def serve(port: int, host: str, workers: int | None, threads: int) -> None:
    """Serve the API with gunicorn (create or migrate the database first: referral init-db)."""
    workers = workers or default_workers()
    app = _create_app()
    _say_how_to_make_the_first_admin(app)
    app.extensions["referral.db"].engine.dispose()  # gunicorn's workers open their own connections
    os.execv(sys.executable, gunicorn_argv(host, port, workers, threads, shared_limit_store(app, workers)))


def default_workers() -> int:
    """One process per core this process may run on, at most 4: a match is CPU-bound Python, so one
    process uses one core whatever its threads (measured on 2 cores: 2 processes x 8 threads answer
    about 1.5x the matches of 1 x 16, and keep p95 at 2 clients within 2x of 1); more than 4 would
    multiply the memory of the per-process index for little gain."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


def shared_limit_store(app: Flask, workers: int) -> str | None:
    """Where several workers count rate limits together: an SQLite file in the instance folder,
    when the limits are on and counted in memory (each process apart, so N workers would allow N
    times each limit); None when one worker counts them, or a shared store (Redis) is set."""
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    if workers <= 1 or not uri.startswith("memory://") or not app.config["RATELIMIT_ENABLED"]:
        return None
    return f"referral+sqlite:///{Path(app.instance_path) / 'ratelimits.sqlite3'}"


def gunicorn_argv(host: str, port: int, workers: int, threads: int, limit_store: str | None = None) -> list[str]:
    """gunicorn with threaded workers (gthread, each leaving new connections to a worker holding fewer:
    referral.serving.BalancedWorker): a slow or idle client holds one thread, never the whole process,
    and idle keep-alive connections wait in the main thread's poller, not in a worker thread. --timeout
    (s) restarts a worker whose main loop hangs; --graceful-timeout lets running requests finish on
    reload or stop; --keep-alive closes idle connections after 5 s. No
    gunicorn access log: the app logs requests without query strings. referral.serving builds each
    worker's match index before it takes traffic. ``limit_store`` (shared_limit_store) reaches every
    worker as its RATELIMIT_STORAGE_URI, so they count rate limits together (api/limit_store.py)."""
    shared = ["--env", f"REFERRAL_RATELIMIT_STORAGE_URI={limit_store}"] if limit_store else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        *shared,
        "--worker-class",
        "referral.serving.BalancedWorker",
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--graceful-timeout",
        "30",
        "--keep-alive",
        "5",
        "--config",
        "python:referral.serving",
        "referral.app:create_app()",
    ]  # the factory in the package: an installed wheel serves too


def _say_how_to_make_the_first_admin(app: Flask) -> None:
    with app.app_context(), get_db().session() as session:
        admin = bool(app.config.get("ADMIN_KEY")) or accounts.has_active_admin(session)
    if admin:
        return
    click.echo(
        "No admin account yet. Make the first admin key (shown once) with:\n"
        '    .venv/bin/referral create-key --role admin --name "your name"\n'
        "then send it as Authorization: Bearer <key>.",
        err=True,
    )


for _command in [*commands(), serve, routes_command, shell_command]:
    main.add_command(_command)

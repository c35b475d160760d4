"""The ``referral`` command: init-db, seed, serve (and Flask's own routes/shell).

Commands run inside the app context, use the app's database, and print plain text.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from referral import accounts, migrate, reference_data, seeding
from referral.config import project_path
from referral.db import get_db
from referral.errors import DomainError
from referral.models.accounts import ROLES
from referral.policy import CLI


def _create_app() -> Flask:  # FlaskGroup's factory
    from referral.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """referral: a directory of child and family services, and referral matching."""


@click.command("init-db")
@click.option("--taxonomy", type=click.Path(dir_okay=False, path_type=Path),
              help="Needs taxonomy file (default: SEED_TAXONOMY from config).")
@with_appcontext
def init_db(taxonomy: Path | None) -> None:
    """Create or migrate the schema, then load or upgrade the needs taxonomy (only when its files changed)."""
    engine = get_db().engine
    before = migrate.current(engine)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    click.echo(f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    taxonomy = taxonomy or project_path(current_app.config["SEED_TAXONOMY"])
    with get_db().session(write=True) as session:
        try:
            loaded = reference_data.ensure_taxonomy(session, taxonomy)
        except reference_data.TaxonomyError as error:
            raise click.ClickException(str(error)) from error
    state = "loaded" if loaded.loaded else "already current"
    click.echo(f"needs taxonomy {state}: {loaded.terms} terms, version {loaded.version[:12]}")


@click.command("seed")
@click.argument("region", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing when the directory already has organizations.")
@with_appcontext
def seed(region: Path | None, if_empty: bool) -> None:
    """Load a region folder (places.json, organizations.json, region.json). Idempotent. The taxonomy comes from init-db."""
    region = region or project_path(current_app.config["SEED_REGION"])
    with get_db().session(write=True) as session:
        if if_empty and not seeding.is_empty(session):
            click.echo("directory already loaded; not seeding again")
            return
        if not reference_data.has_taxonomy(session):
            raise click.ClickException("the database has no needs taxonomy: run `referral init-db` first")
        try:
            report = seeding.load_region(session, region)
        except seeding.SeedError as error:
            raise click.ClickException(str(error)) from error
    click.echo(
        f"loaded {report.places} places, {report.organizations} organizations, "
        f"{report.sites} sites, {report.services} services, {report.region_resources} region resources from {region}"
    )


@click.command("serve")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Processes (default: one per CPU core, at most 4). Each holds its own match index.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Threads per process: each serves one request at a time.")
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
    """gunicorn with threaded workers (gthread): a slow or idle client holds one thread, never the
    whole process, and idle keep-alive connections wait in the main thread's poller, not in a
    worker thread. --timeout (s) restarts a worker whose main loop hangs; --graceful-timeout lets
    running requests finish on reload or stop; --keep-alive closes idle connections after 5 s. No
    gunicorn access log: the app logs requests without query strings. referral.serving builds each
    worker's match index before it takes traffic. ``limit_store`` (shared_limit_store) reaches every
    worker as its RATELIMIT_STORAGE_URI, so they count rate limits together (api/limit_store.py)."""
    shared = ["--env", f"REFERRAL_RATELIMIT_STORAGE_URI={limit_store}"] if limit_store else []
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers), *shared,
            "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
            "--graceful-timeout", "30", "--keep-alive", "5", "--config", "python:referral.serving",
            "referral.app:create_app()"]  # the factory in the package: an installed wheel serves too


def _say_how_to_make_the_first_admin(app: Flask) -> None:
    with app.app_context(), get_db().session() as session:
        admin = bool(app.config.get("ADMIN_KEY")) or accounts.has_active_admin(session)
    if admin:
        return
    click.echo("No admin account yet. Make the first admin key (shown once) with:\n"
               "    .venv/bin/referral create-key --role admin --name \"your name\"\n"
               "then send it as Authorization: Bearer <key>.", err=True)


@click.command("create-key")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "organization_id", help="The organization an org_editor edits.")
@click.option("--name", help="Who the key is for (default: the role).")
@click.option("--account", "account_id", help="Add a key to this existing account instead.")
@click.option("--expires-in", "expires_in", type=click.IntRange(1, 3650), help="Days until it expires.")
@with_appcontext
def create_key(role: str, organization_id: str | None, name: str | None, account_id: str | None,
               expires_in: int | None) -> None:
    """Create an account (or use --account) and print a new key for it. The key is shown once."""
    with get_db().session(write=True) as session:
        try:
            if account_id is None:
                account = accounts.create_account(session, CLI, {"name": name or role, "role": role,
                                                                 "organization_id": organization_id})
                account_id = account.id
            key, plain = accounts.issue_key(session, CLI, account_id, expires_in)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"account {account_id}  role {role}  key id {key.id}"
               + (f"  expires {key.expires_at:%Y-%m-%d}" if key.expires_at else ""))
    click.echo(plain)


@click.command("revoke-key")
@click.argument("key")
@with_appcontext
def revoke_key(key: str) -> None:
    """Revoke a key by its id or its prefix (the 8 characters after rk_)."""
    with get_db().session(write=True) as session:
        try:
            revoked = accounts.revoke_key(session, CLI, key)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"revoked key {revoked.id} (rk_{revoked.prefix}_…)")


def commands() -> list[click.Command]:
    from referral.cli_hsds import export_hsds, import_hsds
    from referral.cli_match import match_command
    from referral.cli_referrals import new_encryption_key, purge_command, worker_command

    return [init_db, seed, serve, match_command, create_key, revoke_key, import_hsds, export_hsds,
            worker_command, purge_command, new_encryption_key]

"""The commands of the database itself: ``init-db``, ``seed``, ``create-key``, ``revoke-key``.

Each gets the configuration and the database from the data layer (``cli_context.pass_data``),
never the web app, and prints plain text.
"""

from __future__ import annotations

from pathlib import Path

import click

from referral import accounts, migrate, reference_data, seeding
from referral.cli_context import Data, pass_data
from referral.config import project_path
from referral.errors import DomainError
from referral.models.accounts import ROLES
from referral.policy import CLI


@click.command("init-db")
@click.option(
    "--taxonomy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Needs taxonomy file (default: SEED_TAXONOMY from config).",
)
@pass_data
def init_db(data: Data, taxonomy: Path | None) -> None:
    """Create or migrate the schema, then load or upgrade the needs taxonomy (only when its files changed)."""
    engine = data.database.engine
    before = migrate.current(engine)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    click.echo(f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))
    taxonomy = taxonomy or project_path(data.config["SEED_TAXONOMY"])
    with data.database.session(write=True) as session:
        try:
            loaded = reference_data.ensure_taxonomy(session, taxonomy)
        except reference_data.TaxonomyError as error:
            raise click.ClickException(str(error)) from error
    state = "loaded" if loaded.loaded else "already current"
    click.echo(f"needs taxonomy {state}: {loaded.terms} terms, version {loaded.version[:12]}")


@click.command("seed")
@click.argument("region", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--if-empty", is_flag=True, help="Do nothing when the directory already has organizations.")
@pass_data
def seed(data: Data, region: Path | None, if_empty: bool) -> None:
    """Load a region folder (places.json, organizations.json, region.json). Idempotent. The taxonomy
    comes from init-db."""
    region = region or project_path(data.config["SEED_REGION"])
    with data.database.session(write=True) as session:
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


@click.command("create-key")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org", "organization_id", help="The organization an org_editor edits.")
@click.option("--name", help="Who the key is for (default: the role).")
@click.option("--account", "account_id", help="Add a key to this existing account instead.")
@click.option("--expires-in", "expires_in", type=click.IntRange(1, 3650), help="Days until it expires.")
@pass_data
def create_key(
    data: Data, role: str, organization_id: str | None, name: str | None, account_id: str | None, expires_in: int | None
) -> None:
    """Create an account (or use --account) and print a new key for it. The key is shown once."""
    with data.database.session(write=True) as session:
        try:
            if account_id is None:
                account = accounts.create_account(
                    session, CLI, {"name": name or role, "role": role, "organization_id": organization_id}
                )
                account_id = account.id
            key, plain = accounts.issue_key(session, CLI, account_id, expires_in)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
    click.echo(
        f"account {account_id}  role {role}  key id {key.id}"
        + (f"  expires {key.expires_at:%Y-%m-%d}" if key.expires_at else "")
    )
    click.echo(plain)


@click.command("revoke-key")
@click.argument("key")
@pass_data
def revoke_key(data: Data, key: str) -> None:
    """Revoke a key by its id or its prefix (the 8 characters after rk_)."""
    with data.database.session(write=True) as session:
        try:
            revoked = accounts.revoke_key(session, CLI, key)
        except DomainError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"revoked key {revoked.id} (rk_{revoked.prefix}_…)")

"""``referral import-hsds`` and ``referral export-hsds``: Open Referral HSDS 3.0 in and out.

Both run in the app context with the app's database. Import prints the report (text, or JSON with
``--json``) and exits 1 when the input was refused (nothing is written then), or 3 when it was
written but some services map to no need (they can never be offered; the report lists them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from referral.db import get_db
from referral.hsds import exchange, sources

PROGRESS_FROM = 2000
NOT_MATCHABLE = 3  # exit status: written, but some services map to no need (listed in the report)  # rows: smaller inputs import faster than a bar could draw


@click.command("import-hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def import_hsds(path: Path, dry_run: bool, as_json: bool) -> None:
    """Import HSDS 3.0 JSON, or a tabular data package (a folder or a zip with datapackage.json)."""
    config = current_app.config
    with get_db().session(write=True) as session:
        total = _estimate(path, config)
        if total >= PROGRESS_FROM and not as_json:
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                report = exchange.import_path(session, config, path, dry_run, progress=bar.update)
        else:
            report = exchange.import_path(session, config, path, dry_run)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.as_text())
    if not report.ok:
        raise SystemExit(1)
    if report.not_matchable and not dry_run:
        click.echo(f"error: {len(report.not_matchable)} imported service(s) match no need and will never be "
                   "offered; give them taxonomy terms and import again", err=True)
        raise SystemExit(NOT_MATCHABLE)


def _estimate(path: Path, config: object) -> int:
    try:
        return sources.open_path(path).estimate()
    except (sources.SourceError, OSError):
        return 0


@click.command("export-hsds")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "form", type=click.Choice(["json", "csv"]), default="json", show_default=True,
              help="json: a list of full organizations; csv: a tabular data package (a folder, or a "
                   "zip when PATH ends in .zip).")
@click.option("--organization", "organization_id", help="Export only this organization (its id).")
@with_appcontext
def export_hsds(path: Path, form: str, organization_id: str | None) -> None:
    """Export the directory as HSDS 3.0; the same directory always gives the same bytes."""
    from referral.errors import NotFound

    config = current_app.config
    with get_db().session() as session:
        try:
            if form == "csv" and path.suffix != ".zip":
                count = exchange.export_folder(session, config, path, organization_id)
                click.echo(f"wrote {count} files to {path}")
                return
            data = exchange.export(session, config, form, organization_id)
        except NotFound as error:
            raise click.ClickException(str(error)) from error
    path.write_bytes(data)
    click.echo(f"wrote {len(data)} bytes to {path}")

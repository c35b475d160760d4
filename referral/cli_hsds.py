"""``referral import-hsds`` and ``referral export-hsds``: Open Referral HSDS 3.0 in and out.

Both get the configuration and the database from the data layer (``cli_context``, never the web
app) and run inline (the CLI is the one place an import or an export runs outside ``referral
worker``), with a progress bar. The input is opened once: its estimate and the import read it.
Import prints the report (text, or JSON with ``--json``) and exits 1 when the input was refused
(nothing is written then), 4 when ``--lenient`` set records aside, or 3 when it was written but some
services map to no need (they can never be offered; the report lists them).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click
from sqlalchemy import func, select

from referral.cli_context import Data, pass_data
from referral.errors import NotFound
from referral.hsds import exchange, review
from referral.hsds.audit import ImportAudit
from referral.hsds.report import ImportReport
from referral.hsds.sources import Source, SourceError
from referral.models import Service
from referral.policy import CLI

PROGRESS_FROM = 2000  # rows: smaller inputs import faster than a bar could draw
QUARANTINED = 4  # exit status of --lenient: written, but some records were set aside (listed in the report)
NOT_MATCHABLE = 3  # exit status: written, but some services map to no need (listed in the report)


@click.command("import-hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--lenient",
    is_flag=True,
    help="Write every valid record; set aside (quarantine) the others, each "
    "problem listed, and the records that depend on them. Exit 4 when some were set aside.",
)
@click.option(
    "--review",
    "review_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every guessed taxonomy mapping (fuzzy, AIRS prefix) and every unmapped term to this "
    "CSV file, for a person to confirm, change or empty the need column.",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A reviewed file (see --review): its need column decides those terms' mappings.",
)
@pass_data
def import_hsds(
    data: Data,
    path: Path,
    dry_run: bool,
    as_json: bool,
    lenient: bool,
    review_file: Path | None,
    mapping_file: Path | None,
) -> None:
    """Import HSDS 3.0 JSON, or a tabular data package (a folder or a zip with datapackage.json)."""
    try:
        reviewed = review.read(mapping_file) if mapping_file else {}
    except review.MappingFileError as error:
        raise click.ClickException(str(error)) from error
    audit = ImportAudit(CLI, str(uuid.uuid4()))  # every record changed is audited with this id
    try:
        source = exchange.open_input(data.config, path)
    except SourceError as error:
        report = exchange.unreadable(path.name, error, dry_run)
    else:
        report = _import(data, source, dry_run, as_json, lenient, reviewed, audit)
    if report.written and not as_json:
        click.echo(f"audited as import {audit.import_id}", err=True)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.as_text())
    if review_file is not None:
        click.echo(f"{review.write(report, review_file)} mapping(s) to review written to {review_file}", err=True)
    if not report.ok and not (report.lenient and (report.written or dry_run)):
        raise SystemExit(1)
    if not report.ok:  # lenient, and records were set aside: the more serious news
        raise SystemExit(QUARANTINED)
    if report.not_matchable and not dry_run:
        click.echo(
            f"error: {len(report.not_matchable)} imported service(s) match no need and will never be "
            "offered; give them taxonomy terms and import again",
            err=True,
        )
        raise SystemExit(NOT_MATCHABLE)


def _import(
    data: Data,
    source: Source,
    dry_run: bool,
    as_json: bool,
    lenient: bool,
    reviewed: dict[str, str | None],
    audit: ImportAudit,
) -> ImportReport:
    """The import, with a progress bar on stderr when the input is large and the report is text."""
    total = exchange.estimate(source) if not as_json else 0
    with data.database.session(write=True) as session:
        if total < PROGRESS_FROM:
            return exchange.import_source(
                session, data.config, source, dry_run, lenient=lenient, reviewed=reviewed, audit=audit
            )
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            return exchange.import_source(
                session,
                data.config,
                source,
                dry_run,
                progress=bar.update,
                lenient=lenient,
                reviewed=reviewed,
                audit=audit,
            )


@click.command("export-hsds")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "form",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: a list of full organizations; csv: a tabular data package (a folder, or a zip when PATH ends in .zip).",
)
@click.option("--organization", "organization_id", help="Export only this organization (its id).")
@pass_data
def export_hsds(data: Data, path: Path, form: str, organization_id: str | None) -> None:
    """Export the directory as HSDS 3.0; the same directory always gives the same bytes."""
    config = data.config
    with data.database.session() as session:
        total = session.scalar(select(func.count()).select_from(Service)) or 0
        try:
            with click.progressbar(length=total, label="exporting services", file=sys.stderr) as bar:

                def show(done: int, _total: int) -> None:
                    bar.update(done - bar.pos)

                if form == "csv" and path.suffix != ".zip":
                    count = exchange.export_folder(session, config, path, organization_id, progress=show)
                else:
                    exchange.export_file(session, config, path, form, organization_id, progress=show)
        except NotFound as error:
            raise click.ClickException(str(error)) from error
    if form == "csv" and path.suffix != ".zip":
        click.echo(f"wrote {count} files to {path}")
    else:
        click.echo(f"wrote {path.stat().st_size} bytes to {path}")

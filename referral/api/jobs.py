"""Background jobs over HTTP: ``GET /v1/jobs/{id}`` (status, progress, the report or the export's
link) and ``GET /v1/jobs/{id}/download`` (an export's file). Imports and exports answer 202 with
``Location: /v1/jobs/{id}``; ``referral worker`` runs the job (referral.jobrun).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app
from marshmallow import Schema, fields

from referral import jobs
from referral.api.access import current_principal
from referral.api.errors import Problem
from referral.api.i18n import _
from referral.api.routing import ApiBlueprint
from referral.db import get_session
from referral.models import Job

bp = ApiBlueprint("jobs", __name__, tag="jobs")


class JobProgress(Schema):
    done = fields.Integer(metadata={"description": "rows (import) or services (export) done so far"})
    total = fields.Integer(allow_none=True, metadata={"description": "an estimate; null when unknown"})


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["import", "export"]})
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Nested(JobProgress)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    params = fields.Dict(metadata={"description": "import: dry_run, lenient, name; export: format, organization"})
    result = fields.Dict(
        allow_none=True,
        metadata={"description": "when done: the import report, or the export's file with its download link"},
    )
    error = fields.Dict(
        allow_none=True,
        metadata={"description": "when failed: problem details (RFC 9457); a refused import's carries every problem"},
    )


def present(job: Job) -> dict[str, Any]:
    """A job as the API shows it, with its live progress while it runs."""
    done, total = jobs.progress(current_app.instance_path, job)
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": {"done": done, "total": total},
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "params": {k: v for k, v in job.params.items() if k != "file"},
        "result": job.result,
        "error": job.error,
    }


def accepted(job: Job) -> tuple[dict[str, Any], dict[str, str]]:
    """The 202 answer that queued ``job``: its state, and where to follow it."""
    return present(job), {"Location": f"/v1/jobs/{job.id}"}


@bp.operation(
    "GET",
    "/v1/jobs/<id>",
    "A background job: status, progress, and its result when done",
    response=JobSchema,
    access="key",
    errors=(401, 404),
)
def job(id: str) -> Any:
    """Visible to the key that queued it and to admins (an export to any key). Poll until status is
    done (result: the import report, or the export's download link) or failed (error: problem details)."""
    return present(jobs.visible(get_session(), current_principal(), id))


@bp.operation(
    "GET", "/v1/jobs/<id>/download", "The file an export job built", access="key", errors=(401, 404, 409, 410)
)
def download(id: str) -> Any:
    """409 while the job is not done; 410 once a newer directory version replaced the file (ask
    /v1/hsds/export again)."""
    found = jobs.visible(get_session(), current_principal(), id)
    if found.kind != "export" or found.status != "done" or not found.result:
        raise Problem(
            409,
            _("Not ready"),
            _("The job is {status}; its file is ready when it is done.", status=found.status),
            type_="conflict",
        )
    path = Path(current_app.instance_path) / "exports" / found.result["file"]
    if not path.is_file():
        raise Problem(
            410,
            _("Gone"),
            _("The directory changed and this export was replaced; ask /v1/hsds/export again."),
            type_="not-found",
        )
    return stream_file(path, found.result["format"])


def stream_file(path: Path, form: str) -> Response:
    """An export file, streamed in 64 KiB pieces."""
    headers = {"Content-Length": str(path.stat().st_size)}
    if form != "json":
        headers["Content-Disposition"] = 'attachment; filename="hsds-package.zip"'
    return Response(
        _chunks(path), mimetype="application/json" if form == "json" else "application/zip", headers=headers
    )


def _chunks(path: Path) -> Any:
    """The file in 64 KiB pieces (opened when the answer starts; a newer version may replace it after)."""
    with path.open("rb") as stream:
        while piece := stream.read(1 << 16):
            yield piece

"""Running a claimed job in ``referral worker``: an HSDS import from its saved upload, or an export
built into the instance's exports folder, with progress and a heartbeat, then done or failed.

Owns the dispatch by kind and the heartbeat thread; the work itself is referral.hsds.exchange, the
job rows referral.jobs. A failure of any kind ends as a failed job with problem details, never as
a traceback the caller sees.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from flask import Flask

from referral import jobs
from referral.errors import NotFound
from referral.hsds import exchange
from referral.hsds.sources import SourceError
from referral.models import Job
from referral.policy import Principal

log = logging.getLogger(__name__)


class Progress:
    """Counts what a job has done and writes it, with a heartbeat, to the job's progress file."""

    def __init__(self, instance_path: str, job_id: str, every: float):
        self.instance_path, self.job_id, self.every = instance_path, job_id, every
        self.done, self.total = 0, cast(int | None, None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job_id[:8]}", daemon=True)

    def __enter__(self) -> Progress:
        self.write()
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def add(self, count: int) -> None:
        self.done += count

    def report(self, done: int, total: int) -> None:
        """An export's progress: services written so far, of ``total`` (hsds.package.Progress)."""
        self.done, self.total = done, total

    def write(self) -> None:
        jobs.write_progress(self.instance_path, self.job_id, self.done, self.total)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.write()
            except OSError:  # a full disk must not end the job; the reaper may, if it lasts
                log.warning("could not write the progress of job %s", self.job_id)


def run_next(app: Flask) -> bool:
    """Claim and run the oldest queued job; False when none was queued."""
    database = app.extensions["referral.db"]
    with database.session(write=True) as session:
        job = jobs.claim(session)
    if job is None:
        return False
    settings = jobs.Settings.from_config(app.config)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    with Progress(app.instance_path, job.id, settings.heartbeat_seconds) as progress:
        try:
            result, error = RUNNERS[job.kind](app, job, progress)
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            error = jobs.problem(
                500,
                "Job failed",
                "The job stopped on an unexpected error; nothing it was "
                "writing was kept. The server log has the details.",
                "job-failed",
            )
    with database.session(write=True) as session:
        jobs.finish(session, job.id, result, error, progress.done, progress.total)
    jobs.forget(app.instance_path, job)
    return True


def run_all(app: Flask) -> int:
    """Run queued jobs until none is left (tests, ``referral worker --once``); how many ran."""
    count = 0
    while run_next(app):
        count += 1
    return count


def _import(app: Flask, job: Job, progress: Progress) -> tuple[dict[str, Any], dict[str, Any] | None]:
    path = jobs.folder(app.instance_path) / (job.payload or "")
    params, config = job.params, app.config
    dry_run, name = bool(params.get("dry_run")), params.get("name")
    principal = Principal(actor=job.created_by, role="admin", account_id=job.account_id)
    try:
        source = exchange.open_input(config, path, name)  # once: the estimate and the import read it
    except SourceError as error:
        report = exchange.unreadable(name or path.name, error, dry_run)
    else:
        progress.total = exchange.estimate(source) or None
        with app.extensions["referral.db"].session(write=True) as session:
            report = exchange.import_source(
                session,
                config,
                source,
                dry_run,
                progress.add,
                bool(params.get("lenient")),
                audit=exchange.ImportAudit(principal, job.id),
            )
    body = report.as_dict()
    if report.ok or report.lenient:
        return body, None
    return body, exchange.refusal(report)


def _export(app: Flask, job: Job, progress: Progress) -> tuple[dict[str, Any], dict[str, Any] | None]:
    form, organization = job.params["format"], job.params.get("organization")
    exports = Path(app.instance_path) / "exports"
    with app.extensions["referral.db"].session() as session:
        progress.total = exchange.count_services(session, organization)
        try:
            path = exchange.build_export(session, app.config, exports, form, organization, progress.report)
        except NotFound as missing:
            return {}, jobs.problem(404, "Not Found", str(missing), "not-found")
    return {
        "format": form,
        "organization": organization,
        "file": path.name,
        "size": path.stat().st_size,
        "download": f"/v1/jobs/{job.id}/download",
    }, None


RUNNERS: dict[str, Callable[[Flask, Job, Progress], tuple[dict[str, Any], dict[str, Any] | None]]] = {
    "import": _import,
    "export": _export,
}

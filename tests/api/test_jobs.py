"""Imports and exports run as background jobs: queued by a request (202 + Location), claimed once by
a worker, followed at /v1/jobs/{id} by their creator or an admin, and reaped when their worker dies."""

from __future__ import annotations

import io
import time
import zipfile

from sqlalchemy import select

from referral import jobs
from referral.db import get_db
from referral.jobrun import run_all
from referral.models import Job
from referral.policy import CLI
from tests.builders import seed_mini
from tests.integration.hsds.helpers import HARBOUR, reference_only

BODY = [
    {
        "id": "org-1",
        "name": "Hillside Family Hub",
        "description": "",
        "services": [{"id": "svc-1", "name": "Parent Line", "status": "active"}],
    }
]


def _zip(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def _services(client) -> int:
    return client.get("/hsds/services").get_json()["total_items"]


def test_an_import_is_queued_and_nothing_is_written_until_the_worker_runs_it(app, client, admin_headers, tmp_path):
    reference_only(app, tmp_path)
    files = set(jobs.folder(app.instance_path).iterdir())
    queued = client.post("/v1/admin/imports", data=_zip(HARBOUR), headers=admin_headers, content_type="application/zip")
    assert queued.status_code == 202 and queued.headers["Location"] == f"/v1/jobs/{queued.get_json()['id']}"
    assert (queued.get_json()["status"], queued.get_json()["kind"]) == ("queued", "import")
    assert _services(client) == 0
    assert run_all(app) == 1
    job = client.get(queued.headers["Location"], headers=admin_headers).get_json()
    assert job["status"] == "done" and job["result"]["counts"]["services"] == 4 and job["error"] is None
    assert job["progress"]["done"] >= 4 and job["finished_at"] is not None
    assert _services(client) == 4
    assert set(jobs.folder(app.instance_path).iterdir()) == files  # the upload and the progress file are gone


def test_a_job_is_shown_only_to_its_creator_and_to_admins(app, client, admin_headers, make_key, tmp_path):
    reference_only(app, tmp_path)
    other_admin, worker = make_key("admin"), make_key("social_worker")
    location = client.post("/v1/admin/imports", json=BODY, headers=admin_headers).headers["Location"]
    assert client.get(location).status_code == 401
    assert client.get(location, headers=worker).status_code == 404
    assert client.get(location, headers=other_admin).status_code == 200
    assert client.get("/v1/jobs/no-such-job", headers=admin_headers).status_code == 404


def test_an_import_queued_from_an_editor_key_is_refused(client, make_key):
    editor = make_key("social_worker")
    assert client.post("/v1/admin/imports", json=BODY, headers=editor).status_code == 403


def test_two_workers_never_claim_the_same_job(app):
    with app.app_context(), get_db().session(write=True) as session:
        queued = jobs.enqueue(session, CLI, "export", {"format": "json"})
    with app.app_context(), get_db().session(write=True) as first, get_db().session(write=True) as second:
        won = jobs.claim(first)
        assert won is not None and won.id == queued.id and won.status == "running" and won.attempts == 1
        assert jobs.claim(second) is None


def test_a_job_whose_worker_died_is_queued_again_then_failed(app):
    settings = jobs.Settings(timeout_seconds=60, max_attempts=2)
    with app.app_context(), get_db().session(write=True) as session:
        queued = jobs.enqueue(session, CLI, "export", {"format": "json"})
        jobs.claim(session)
        assert jobs.reap(session, app.instance_path, settings) == []  # still fresh
        assert jobs.reap(session, app.instance_path, settings, now=time.time() + 61) == [queued.id]
        assert session.get(Job, queued.id, populate_existing=True).status == "queued"
        jobs.claim(session)
        jobs.reap(session, app.instance_path, settings, now=time.time() + 61)
        failed = session.get(Job, queued.id, populate_existing=True)
    assert (failed.status, failed.attempts, failed.error["title"]) == ("failed", 2, "Job abandoned")
    assert failed.error["status"] == 500 and failed.error["type"].endswith("job-abandoned")


def test_a_running_job_shows_its_live_progress(app, client, admin_headers):
    with app.app_context(), get_db().session(write=True) as session:
        queued = jobs.enqueue(session, CLI, "export", {"format": "json"})
        jobs.claim(session)
    jobs.write_progress(app.instance_path, queued.id, 40, 100)
    shown = client.get(f"/v1/jobs/{queued.id}", headers=admin_headers).get_json()
    assert (shown["status"], shown["progress"]) == ("running", {"done": 40, "total": 100})


def test_an_export_is_queued_once_and_shared_while_it_is_made(app, client, worker_headers, make_key):
    seed_mini(app)
    first = client.get("/v1/hsds/export?format=csv", headers=worker_headers)
    second = client.get("/v1/hsds/export?format=csv", headers=make_key("case_app"))
    assert first.status_code == second.status_code == 202
    assert first.headers["Location"] == second.headers["Location"]  # one job for one version
    assert client.get(first.headers["Location"] + "/download", headers=worker_headers).status_code == 409
    run_all(app)
    job = client.get(first.headers["Location"], headers=worker_headers).get_json()
    assert job["result"]["download"] == first.headers["Location"] + "/download" and job["result"]["size"] > 0
    assert client.get(job["result"]["download"], headers=worker_headers).mimetype == "application/zip"


def test_an_export_replaced_by_a_newer_version_is_gone(app, client, worker_headers):
    from referral.versioning import bump

    seed_mini(app)
    location = client.get("/v1/hsds/export", headers=worker_headers).headers["Location"]
    run_all(app)
    with app.app_context(), get_db().session(write=True) as session:
        bump(session)  # a new version with nothing changed
        session.commit()
    client.get("/v1/hsds/export", headers=worker_headers)
    run_all(app)
    gone = client.get(location + "/download", headers=worker_headers)
    assert gone.status_code == 410 and gone.mimetype == "application/problem+json"


def test_the_worker_command_runs_queued_jobs_once(app, runner, client, admin_headers, tmp_path):
    reference_only(app, tmp_path)
    client.post("/v1/admin/imports", json=BODY, headers=admin_headers)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "ran 1 jobs" in result.output
    with app.app_context(), get_db().session() as session:
        assert session.scalars(select(Job.status)).all() == ["done"]


def test_the_openapi_document_declares_the_202_and_its_location(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    queued = paths["/v1/admin/imports"]["post"]["responses"]["202"]
    assert "Location" in queued["headers"] and "200" not in paths["/v1/admin/imports"]["post"]["responses"]
    export = paths["/v1/hsds/export"]["get"]["responses"]
    assert "Location" in export["202"]["headers"] and "200" in export
    assert "/v1/jobs/{id}" in paths and "/v1/jobs/{id}/download" in paths


def test_the_events_of_an_api_import_carry_its_job_id_and_its_key(app, client, make_key, tmp_path):
    from referral.models import AuditEvent

    reference_only(app, tmp_path)
    admin = make_key("admin")
    job_id = client.post("/v1/admin/imports", json=BODY, headers=admin).get_json()["id"]
    run_all(app)
    with app.app_context(), get_db().session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.import_id == job_id)).all()
    assert sorted((e.action, e.object_type) for e in events) == [
        ("import.created", "organization"),
        ("import.created", "service"),
    ]
    assert {e.actor for e in events} == {f"key:{admin['Authorization'].split('_')[1]}"}


def test_a_job_that_breaks_ends_failed_with_problem_details_not_a_traceback(app, client, admin_headers):
    with app.app_context(), get_db().session(write=True) as session:
        broken = jobs.enqueue(session, CLI, "export", {})  # no format: the runner raises
    run_all(app)
    shown = client.get(f"/v1/jobs/{broken.id}", headers=admin_headers).get_json()
    assert shown["status"] == "failed" and shown["error"]["title"] == "Job failed"
    assert "Traceback" not in str(shown) and "KeyError" not in str(shown)


def test_the_worker_thread_runs_a_queued_job_and_stops_when_told(app, client, admin_headers, tmp_path):
    import threading

    from referral import worker

    reference_only(app, tmp_path)
    location = client.post("/v1/admin/imports", json=BODY, headers=admin_headers).headers["Location"]
    stop = threading.Event()
    thread = worker.start_jobs(app, stop)
    try:
        for _ in range(200):
            if client.get(location, headers=admin_headers).get_json()["status"] == "done":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and client.get(location, headers=admin_headers).get_json()["status"] == "done"

"""The admin import page queues the import as a job and follows it: a page that reloads itself
while the job waits or runs, then shows the report."""

from __future__ import annotations

import io
import zipfile

from referral.jobrun import run_all
from tests.integration.hsds.helpers import HARBOUR


def _package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(HARBOUR.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def test_an_admin_import_is_queued_followed_and_reported(pages) -> None:
    pages.sign_in("admin")
    sent = pages.post(
        "/admin/import",
        {"file": (io.BytesIO(_package()), "harbour.zip"), "dry_run": "on"},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert sent.status_code == 302 and sent.location.startswith("/admin/import/")
    waiting = pages.client.get(sent.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in waiting and "Waiting for the worker" in waiting
    run_all(pages.app)
    done = pages.client.get(sent.location, headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done and "试运行：导入可以成功" in done and "harbour.zip" in done


def test_another_persons_import_page_is_not_found(pages) -> None:
    pages.sign_in("admin")
    assert pages.client.get("/admin/import/no-such-job").status_code == 404

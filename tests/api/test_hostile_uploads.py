"""Hostile import files — zip bombs (honest and lying about their size), nested archives, escaping
paths, encrypted members, bad bytes, huge CSV fields, oversized bodies — end as a clean problem: a
413 problem+json at once, or a failed job whose problem names the file; never a traceback. Each
file is a few kilobytes and is refused in well under a second."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest

from referral.app import create_app
from referral.hsds import sources
from referral.jobrun import run_all
from tests.conftest import ADMIN_KEY
from tests.integration.hsds.helpers import reference_only

DESCRIPTOR = json.dumps({"resources": [{"name": "organization", "path": "organizations.csv"}]}).encode()
HEADER = (
    b"id,name,alternate_name,description,email,website,tax_status,tax_id,year_incorporated,legal_status,"
    b"logo,uri,parent_organization_id\n"
)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    """10 MB of one byte in a 10 kB zip: a ratio of about 1,000 (a real bomb nests this)."""
    return _zip({"datapackage.json": DESCRIPTOR, "organizations.csv": HEADER + b"0" * 10_000_000})


def _liar() -> bytes:
    """A member whose headers say it unpacks to 100 bytes while it unpacks to 5 MB."""
    data = bytearray(
        _zip(
            {
                "datapackage.json": DESCRIPTOR,
                "organizations.csv": HEADER + b"1,a" + b"," * 11 + b"\n" + b" " * 5_000_000,
            }
        )
    )
    real = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("organizations.csv").file_size
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # central directory, local header
        at = data.find(signature)
        while at != -1:
            if struct.unpack_from("<I", data, at + offset)[0] == real:
                struct.pack_into("<I", data, at + offset, 100)
            at = data.find(signature, at + 4)
    return bytes(data)


def _encrypted() -> bytes:
    """The encryption flag set on a member (as a password-protected zip has it)."""
    data = bytearray(_zip({"datapackage.json": DESCRIPTOR, "organizations.csv": HEADER}))
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = data.find(signature)
        while at != -1:
            struct.pack_into("<H", data, at + offset, struct.unpack_from("<H", data, at + offset)[0] | 1)
            at = data.find(signature, at + 4)
    return bytes(data)


HOSTILE = {
    # name: (the upload, words of the problem)
    "a zip bomb": (_bomb, "times its packed size (a zip bomb?)"),
    "a zip that lies about its sizes": (_liar, "cannot be unpacked"),
    "a zip inside the zip": (
        lambda: _zip({"datapackage.json": DESCRIPTOR, "inner.zip": _bomb()}),
        "nested archives are not read",
    ),
    "a path that climbs out": (
        lambda: _zip({"datapackage.json": DESCRIPTOR, "../../etc/cron.d/x.csv": b"id\n"}),
        "a path outside the package",
    ),
    "an absolute path": (
        lambda: _zip({"datapackage.json": DESCRIPTOR, "/etc/passwd": b"x"}),
        "a path outside the package",
    ),
    "an encrypted member": (_encrypted, "is encrypted"),
    "thousands of members": (
        lambda: _zip({"datapackage.json": DESCRIPTOR, **{f"f{i}.csv": b"" for i in range(2000)}}),
        "holds 2001 files",
    ),
    "CSV that is not UTF-8": (
        lambda: _zip(
            {
                "datapackage.json": DESCRIPTOR,
                "organizations.csv": HEADER + "1,Caf\xe9".encode("latin-1") + b"," * 11 + b"\n",
            }
        ),
        "is not UTF-8 text",
    ),
    "a CSV field of 1 MB": (
        lambda: _zip(
            {
                "datapackage.json": DESCRIPTOR,
                "organizations.csv": HEADER + b'1,"' + b"x" * 1_000_000 + b'"' + b"," * 11 + b"\n",
            }
        ),
        "field larger than field limit",
    ),
    "a descriptor that is not JSON": (
        lambda: _zip({"datapackage.json": b"\xff\xfe{", "organizations.csv": HEADER}),
        "not valid UTF-8 JSON",
    ),
    "not a zip at all": (lambda: b"PK\x03\x04 \xff garbage " * 100, "is not a readable zip file"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_file_is_refused_by_the_reader_with_a_clean_message(case):
    make, words = HOSTILE[case]
    with pytest.raises(sources.SourceError) as caught:
        source = sources.open_zip("up.zip", io.BytesIO(make()))
        for table in source.tables():
            for _ in source.rows(table):
                pass
    assert words in caught.value.message


# Through the API a file that is not a zip is read as JSON: refused as such.
API_WORDS = {"not a zip at all": "is not UTF-8 text"}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_upload_ends_as_a_failed_job_with_problem_details(app, client, admin_headers, case, tmp_path):
    reference_only(app, tmp_path)
    make, words = HOSTILE[case][0], API_WORDS.get(case, HOSTILE[case][1])
    queued = client.post("/v1/admin/imports", data=make(), headers=admin_headers, content_type="application/zip")
    assert queued.status_code == 202, queued.get_json()
    run_all(app)
    job = client.get(queued.headers["Location"], headers=admin_headers).get_json()
    assert job["status"] == "failed" and job["error"]["status"] == 422
    assert any(words in p["message"] for p in job["result"]["problems"]), job["result"]["problems"]


def test_an_upload_over_the_limit_is_a_413_problem_and_nothing_is_queued(database_url):
    small = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "ADMIN_KEY": ADMIN_KEY,
            "INDEX_CHECK_SECONDS": 0,
            "INDEX_BUILD_IN_BACKGROUND": False,
            "HSDS": {"max_upload_bytes": 10_000},
        }
    )
    answer = small.test_client().post(
        "/v1/admin/imports",
        data=_bomb() + b"\0" * 10_000,
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        content_type="application/zip",
    )
    assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
    assert run_all(small) == 0
    small.extensions["referral.db"].engine.dispose()

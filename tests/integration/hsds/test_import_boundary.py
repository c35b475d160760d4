"""Imports refuse text no one may store (NUL, control characters, lone surrogates), naming the file,
row and field, and write nothing — the same check as the API's (referral/boundary.py)."""

from __future__ import annotations

import shutil

import pytest

from tests.integration.hsds.helpers import HARBOUR, counts, reference_only, run_import


@pytest.mark.parametrize(
    "bad, message",
    [
        ("\x00", "must not contain a NUL character"),
        ("\x1b", "must not contain the control character U+001B"),
    ],
)
def test_a_package_with_forbidden_text_is_refused_naming_where_and_writes_nothing(app, tmp_path, bad, message):
    reference_only(app, tmp_path)
    package = tmp_path / "hostile"
    shutil.copytree(HARBOUR, package)
    services = (package / "services.csv").read_text(encoding="utf-8")
    (package / "services.csv").write_text(
        services.replace("Child and Teen Counselling", f"Child{bad}Counselling"), encoding="utf-8"
    )
    before = counts(app)
    report = run_import(app, package)
    assert not report.ok and not report.written
    problem = next(p for p in report.problems if p["message"] == message)
    assert (problem["file"], problem["field"]) == ("services.csv", "name") and problem["row"] >= 2
    assert counts(app) == before


def test_an_api_import_with_a_lone_surrogate_is_a_422_before_reading(app, client, admin_headers, tmp_path):
    reference_only(app, tmp_path)
    before = counts(app)
    body = '[{"id": "o1", "name": "Harbour \\ud800 Trust", "services": []}]'
    answer = client.post("/v1/admin/imports", data=body, content_type="application/json", headers=admin_headers)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"][0]["field"] == "[0].name"
    assert counts(app) == before


def test_a_json_file_nested_too_deep_is_refused_before_it_is_parsed(tmp_path):
    from referral.hsds import sources

    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(sources.SourceError, match="nested deeper than 32 levels"):
        sources.open_path(deep)

"""An honest import: each JSON object's kind is detected and checked against the official compiled
schema (shipped in the package) before anything is written; --lenient writes the valid records and sets
the others aside with every problem listed, following references; all-or-nothing stays the default."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from referral.hsds import validate
from tests.integration.hsds.helpers import FakeGeocoder, counts, official, reference_only, run_import

ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
BROKEN_ORG = "0b1c2d3e-0000-4000-8000-000000000001"
ORPHAN = "0b1c2d3e-0000-4000-8000-000000000002"


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("example", "kind"),
    [("location.json", "location"), ("taxonomy.json", "taxonomy"), ("taxonomy_term.json", "taxonomy_term")],
)
def test_an_object_of_another_kind_is_named_and_nothing_is_written(app, tmp_path, example, kind) -> None:
    reference_only(app, tmp_path)
    report = run_import(app, official() / "examples" / example)
    assert not report.written and counts(app)["organizations"] == 0
    assert report.problems == [
        {
            "file": example,
            "object": "$[0]",
            "message": f"is an HSDS {kind}, not an organization, service or service_at_location: "
            "it was not read (import it inside the organization or service it "
            "belongs to)",
        }
    ]


def test_the_shipped_schemas_tell_the_official_examples_apart() -> None:
    found = {}
    for name in (
        "organization_full",
        "service_full",
        "service_at_location_full",
        "location",
        "taxonomy",
        "taxonomy_term",
    ):
        found[name] = validate.kind_of(json.loads((official() / "examples" / f"{name}.json").read_text("utf-8")))
    assert found == {
        "organization_full": "organization",
        "service_full": "service",
        "service_at_location_full": "service_at_location",
        "location": "location",
        "taxonomy": "taxonomy",
        "taxonomy_term": "taxonomy_term",
    }


def _broken_input() -> list[dict[str, Any]]:
    good = json.loads((official() / "examples" / "organization_full.json").read_text("utf-8"))
    broken = {"id": BROKEN_ORG, "name": 42}  # no description, a name that is not text
    orphan = {
        "id": ORPHAN,
        "name": "Youth drop-in",
        "status": "active",
        "organization_id": BROKEN_ORG,
        "attributes": copy.deepcopy(good["services"][0]["attributes"]),
    }
    return [good, broken, orphan]


def test_a_default_import_with_broken_records_writes_nothing_and_lists_every_problem(app, tmp_path) -> None:
    reference_only(app, tmp_path)
    report = run_import(app, _write(tmp_path, _broken_input()), geocoder=FakeGeocoder({"MyCity": (51.5, -0.12)}))
    assert not report.written and counts(app)["organizations"] == 0
    schema = [(p["object"], p.get("field")) for p in report.problems if p["message"].startswith("HSDS ")]
    assert schema == [("$[1]", "description"), ("$[1].name", "name")]


def test_a_lenient_import_writes_the_valid_records_and_sets_aside_the_rest_with_their_dependants(app, tmp_path) -> None:
    reference_only(app, tmp_path)
    report = run_import(
        app, _write(tmp_path, _broken_input()), geocoder=FakeGeocoder({"MyCity": (51.5, -0.12)}), lenient=True
    )
    assert report.written and report.lenient
    assert (counts(app)["organizations"], counts(app)["services"]) == (1, 1)
    assert report.quarantined == {"organization": 1}
    messages = {(p["object"], p.get("field")): p["message"] for p in report.problems}
    assert messages[("$[1]", "description")] == "HSDS organization schema: 'description' is a required property"
    assert messages[("$[2]", "organization_id")].startswith(f"no organization with id '{BROKEN_ORG}'")
    assert report.as_dict()["quarantined"] == {"problems": 3, "rows": {"organization": 1}}


def test_the_cli_imports_leniently_and_says_so_in_its_exit_status(app, runner, tmp_path) -> None:
    reference_only(app, tmp_path)
    data = _broken_input()
    data[0]["locations"][0]["latitude"], data[0]["locations"][0]["longitude"] = 51.5, -0.12
    path = _write(tmp_path, data)
    refused = runner.invoke(args=["import-hsds", str(path)])
    assert refused.exit_code == 1 and counts(app)["organizations"] == 0
    result = runner.invoke(args=["import-hsds", str(path), "--lenient"])
    assert result.exit_code == 4, result.output
    assert "quarantined: records with these problems" in result.output and counts(app)["organizations"] == 1


def test_no_problem_list_is_cut_short(app, tmp_path) -> None:
    reference_only(app, tmp_path)
    many = [{"id": f"0b1c2d3e-0000-4000-8000-{i:012d}", "name": "x"} for i in range(250)]
    report = run_import(app, _write(tmp_path, many), lenient=True)
    assert len([p for p in report.problems if p.get("field") == "description"]) == 250

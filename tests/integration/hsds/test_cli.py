"""``referral import-hsds`` and ``referral export-hsds``."""

from __future__ import annotations

import json

from tests.builders import seed_mini
from tests.integration.hsds.helpers import HARBOUR, counts, reference_only


def test_import_prints_the_report_and_a_dry_run_writes_nothing(app, runner, tmp_path) -> None:  # noqa: ANN001
    reference_only(app, tmp_path)
    dry = runner.invoke(args=["import-hsds", str(HARBOUR), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("DRY RUN") and counts(app)["organizations"] == 0
    done = runner.invoke(args=["import-hsds", str(HARBOUR), "--json"])
    assert done.exit_code == 0 and json.loads(done.output)["counts"]["services"] == 4


def test_a_refused_import_exits_1_and_names_the_problem(app, runner, tmp_path) -> None:  # noqa: ANN001
    reference_only(app, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "s1", "name": "Orphan", "status": "active", "organization_id": "x"}]', encoding="utf-8")
    result = runner.invoke(args=["import-hsds", str(bad)])
    assert result.exit_code == 1 and "bad.json, $[0], field organization_id" in result.output


def test_export_writes_json_a_folder_or_a_zip(app, runner, tmp_path) -> None:  # noqa: ANN001
    seed_mini(app)
    assert runner.invoke(args=["export-hsds", str(tmp_path / "d.json")]).exit_code == 0
    assert len(json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))) == 2
    assert runner.invoke(args=["export-hsds", str(tmp_path / "pkg"), "--format", "csv"]).exit_code == 0
    assert (tmp_path / "pkg" / "datapackage.json").is_file()
    assert runner.invoke(args=["export-hsds", str(tmp_path / "p.zip"), "--format", "csv"]).exit_code == 0
    missing = runner.invoke(args=["export-hsds", str(tmp_path / "x.json"), "--organization", "nope"])
    assert missing.exit_code != 0 and "No organization" in missing.output

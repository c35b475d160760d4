"""``referral import-hsds`` and ``referral export-hsds``."""

from __future__ import annotations

import json

from tests.builders import seed_mini
from tests.integration.hsds.helpers import HARBOUR, counts, reference_only


def test_import_prints_the_report_and_a_dry_run_writes_nothing(app, runner, tmp_path) -> None:
    reference_only(app, tmp_path)
    dry = runner.invoke(args=["import-hsds", str(HARBOUR), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("DRY RUN") and counts(app)["organizations"] == 0
    done = runner.invoke(args=["import-hsds", str(HARBOUR), "--json"])
    assert done.exit_code == 0 and json.loads(done.output)["counts"]["services"] == 4


def test_a_refused_import_exits_1_and_names_the_problem(app, runner, tmp_path) -> None:
    reference_only(app, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "s1", "name": "Orphan", "status": "active", "organization_id": "x"}]', encoding="utf-8")
    result = runner.invoke(args=["import-hsds", str(bad)])
    assert result.exit_code == 1 and "bad.json, $[0], field organization_id" in result.output


def test_export_writes_json_a_folder_or_a_zip(app, runner, tmp_path) -> None:
    seed_mini(app)
    assert runner.invoke(args=["export-hsds", str(tmp_path / "d.json")]).exit_code == 0
    assert len(json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))) == 2
    assert runner.invoke(args=["export-hsds", str(tmp_path / "pkg"), "--format", "csv"]).exit_code == 0
    assert (tmp_path / "pkg" / "datapackage.json").is_file()
    assert runner.invoke(args=["export-hsds", str(tmp_path / "p.zip"), "--format", "csv"]).exit_code == 0
    missing = runner.invoke(args=["export-hsds", str(tmp_path / "x.json"), "--organization", "nope"])
    assert missing.exit_code != 0 and "No organization" in missing.output


def test_review_writes_every_guess_and_a_reviewed_mapping_file_decides_the_next_import(app, runner, tmp_path) -> None:
    import csv as _csv

    from tests.integration.hsds.helpers import HARBOUR, reference_only

    reference_only(app, tmp_path)
    review = tmp_path / "review.csv"
    first = runner.invoke(args=["import-hsds", str(HARBOUR), "--dry-run", "--review", str(review)])
    assert first.exit_code == 0, first.output
    with review.open(encoding="utf-8") as handle:
        rows = {r["term"]: r for r in _csv.DictReader(handle)}
    assert rows["Talking therapies for young people"]["need"] == "mental_health.counseling"
    assert rows["Talking therapies for young people"]["method"] == "fuzzy"
    suicide = rows["Suicide prevention and crisis support"]
    assert (suicide["method"], suicide["need"]) == ("none", "")
    suicide["need"] = "mental_health.crisis"  # a person decides
    with review.open("w", encoding="utf-8", newline="") as handle:
        writer = _csv.DictWriter(handle, fieldnames=list(suicide))
        writer.writeheader()
        writer.writerows(rows.values())
    second = runner.invoke(args=["import-hsds", str(HARBOUR), "--mapping", str(review), "--json"])
    assert second.exit_code == 0, second.output
    import json as _json

    mapped = {m["term"]: (m["need"], m["method"]) for m in _json.loads(second.output)["taxonomy"]["mappings"]}
    assert mapped["Suicide prevention and crisis support"] == ("mental_health.crisis", "reviewed")
    assert mapped["Talking therapies for young people"] == ("mental_health.counseling", "reviewed")

"""Seeding loads the risk lexicon and a region's lines, duties and scales into the database, the
snapshot carries them to the core, and a wrong file changes nothing and says what is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from referral import seeding, snapshot
from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.models import RegionResource, RiskCategory

SEEDS = PROJECT_ROOT / "seeds"
DEMO = SEEDS / "regions" / "suzhou-zhenjiang"


def load(app, taxonomy: Path = SEEDS / "needs.json", region: Path = DEMO, risks: Path | None = None):  # noqa: ANN001, ANN201
    with app.app_context(), get_db().session(write=True) as session:
        return seeding.load(session, taxonomy, region, risks)


def counts(app) -> tuple[int, int]:  # noqa: ANN001
    with app.app_context(), get_db().session() as session:
        return (session.scalar(select(func.count()).select_from(RiskCategory)),
                session.scalar(select(func.count()).select_from(RegionResource)))


def test_seeding_the_demo_loads_the_lexicon_and_the_region_resources_once(app):
    report = load(app)
    assert (report.risk_categories, report.region_resources) == (7, 10)
    load(app)  # again: replaced, never duplicated
    assert counts(app) == (7, 10)


def test_the_snapshot_carries_the_lexicon_and_the_region_to_the_core(app):
    load(app)
    with app.app_context(), get_db().session() as session:
        directory = snapshot.load(session)
    assert [c.code for c in directory.risks] == ["self_harm", "physical_abuse", "sexual_abuse", "domestic_violence",
                                                 "neglect", "runaway", "acute_psychiatric"]
    assert "不想活了" in directory.risks[0].phrases["zh"]
    assert [h.number for h in directory.region.hotlines] == ["110", "120", "12355", "12345", "12356", "12338"]
    assert directory.region.hotlines[0].places == frozenset({"320500", "321100"})
    assert directory.region.duties[0].names["zh"] == "强制报告义务"
    assert directory.region.scales[0].grades["high"] == (("protection.guardianship_risk", 3), ("protection.case_management", 2))
    assert any(s.organization_phone for s in directory.services)


def _region_copy(tmp_path: Path, change) -> Path:  # noqa: ANN001
    folder = tmp_path / "region"
    shutil.copytree(DEMO, folder)
    data = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    change(data)
    (folder / "region.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def _risks_copy(tmp_path: Path, change) -> Path:  # noqa: ANN001
    data = json.loads((SEEDS / "risk.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "risks_change, region_change, message",
    [
        (lambda d: d["categories"][0].update(need="mental_health.nothing"), None,
         "category 'self_harm': need 'mental_health.nothing' is not in the taxonomy"),
        (lambda d: d["categories"][1]["patterns"]["zh"].append("(被打"), None, "category 'physical_abuse': patterns.zh '(被打'"),
        (None, lambda d: d["hotlines"][0].update(places=["999999"]), "hotline 'cn-110': place '999999' is not in the gazetteer"),
        (None, lambda d: d["assessment"][0]["grades"]["high"].append({"need": "protection.nothing", "severity": 3}),
         "scale 'guardianship' grade 'high': need 'protection.nothing' must be in the taxonomy"),
        (None, lambda d: d["assessment"][0]["grades"].update(severe=[]), "grades must be among none, low, medium, high"),
    ],
)
def test_a_wrong_safety_file_loads_nothing_and_says_what_is_wrong(app, tmp_path, risks_change, region_change, message):
    risks = _risks_copy(tmp_path, risks_change) if risks_change else None
    region = _region_copy(tmp_path, region_change) if region_change else DEMO
    with pytest.raises(seeding.SeedError, match=message.replace("(", r"\(")):
        load(app, region=region, risks=risks)
    assert counts(app) == (0, 0)


def test_a_region_without_a_region_file_or_a_taxonomy_without_a_lexicon_loads_without_them(app):
    report = load(app, taxonomy=PROJECT_ROOT / "tests" / "fixtures" / "mini" / "needs.json",
                  region=PROJECT_ROOT / "tests" / "fixtures" / "mini")
    assert (report.risk_categories, report.region_resources) == (0, 0)

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
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.places import resolve_place
from referral.matching.types import Child, Location, MatchQuery, NeedInput
from referral.models import RegionResource, RiskCategory

SEEDS = PROJECT_ROOT / "seeds"
DEMO = SEEDS / "regions" / "suzhou-zhenjiang"


def load(app, taxonomy: Path = SEEDS / "needs.json", region: Path = DEMO, risks: Path | None = None):
    with app.app_context(), get_db().session(write=True) as session:
        return seeding.load(session, taxonomy, region, risks)


def counts(app) -> tuple[int, int]:
    with app.app_context(), get_db().session() as session:
        return (
            session.scalar(select(func.count()).select_from(RiskCategory)),
            session.scalar(select(func.count()).select_from(RegionResource)),
        )


def test_seeding_the_demo_loads_the_lexicon_and_the_region_resources_once(app):
    report = load(app)
    assert (report.risk_categories, report.region_resources) == (7, 10)
    load(app)  # again: replaced, never duplicated
    assert counts(app) == (7, 10)


def test_the_snapshot_carries_the_lexicon_and_the_region_to_the_core(app):
    load(app)
    with app.app_context(), get_db().session() as session:
        directory = snapshot.load(session)
    assert [c.code for c in directory.risks] == [
        "self_harm",
        "physical_abuse",
        "sexual_abuse",
        "domestic_violence",
        "neglect",
        "runaway",
        "acute_psychiatric",
    ]
    assert "不想活了" in directory.risks[0].phrases["zh"]
    assert [h.number for h in directory.region.hotlines] == ["110", "120", "12355", "12345", "12356", "12338"]
    assert directory.region.hotlines[0].places == frozenset({"320500", "321100"})
    assert directory.region.duties[0].names["zh"] == "强制报告义务"
    assert directory.region.scales[0].grades["high"] == (
        ("protection.guardianship_risk", 3),
        ("protection.case_management", 2),
    )
    assert any(s.organization_phone for s in directory.services)


def _region_copy(tmp_path: Path, change) -> Path:
    folder = tmp_path / "region"
    shutil.copytree(DEMO, folder)
    data = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    change(data)
    (folder / "region.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def _risks_copy(tmp_path: Path, change) -> Path:
    data = json.loads((SEEDS / "risk.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "risks_change, region_change, message",
    [
        (
            lambda d: d["categories"][0].update(need="mental_health.nothing"),
            None,
            "category 'self_harm': need 'mental_health.nothing' is not in the taxonomy",
        ),
        (
            lambda d: d["categories"][1]["patterns"]["zh"].append("(被打"),
            None,
            "category 'physical_abuse': patterns.zh '(被打'",
        ),
        (
            None,
            lambda d: d["hotlines"][0].update(places=["999999"]),
            "hotline 'cn-110': place '999999' is not in the gazetteer",
        ),
        (
            None,
            lambda d: d["assessment"][0]["grades"]["high"].append({"need": "protection.nothing", "severity": 3}),
            "scale 'guardianship' grade 'high': need 'protection.nothing' must be in the taxonomy",
        ),
        (
            None,
            lambda d: d["assessment"][0]["grades"].update(severe=[]),
            "grades must be among none, low, medium, high",
        ),
    ],
)
def test_a_wrong_safety_file_loads_nothing_and_says_what_is_wrong(app, tmp_path, risks_change, region_change, message):
    risks = _risks_copy(tmp_path, risks_change) if risks_change else None
    region = _region_copy(tmp_path, region_change) if region_change else DEMO
    with pytest.raises(seeding.SeedError, match=message.replace("(", r"\(")):
        load(app, region=region, risks=risks)
    assert counts(app) == (0, 0)


def test_a_region_without_a_region_file_or_a_taxonomy_without_a_lexicon_loads_without_them(app):
    report = load(
        app,
        taxonomy=PROJECT_ROOT / "tests" / "fixtures" / "mini" / "needs.json",
        region=PROJECT_ROOT / "tests" / "fixtures" / "mini",
    )
    assert (report.risk_categories, report.region_resources) == (0, 0)


def seed_index(app):
    load(app)
    with app.app_context(), get_db().session() as session:
        return build_index(snapshot.load(session))


def child_in(index, place: str, notes: str) -> MatchQuery:
    where = resolve_place(index, place)
    return MatchQuery(
        Location(where.lat, where.lon, where.code),
        Child(age=10),
        (NeedInput(code="education.learning_support"),),
        notes=notes,
        language="zh",
    )


def test_on_the_seed_directory_a_wish_to_die_in_the_notes_puts_a_crisis_service_first_among_urgent_ones(app):
    index = seed_index(app)
    outcome = match(index, child_in(index, "城厢镇", "孩子在日记里写想结束生命"))
    assert (outcome.needs[0].code, outcome.needs[0].severity, outcome.needs[0].risk) == (
        "mental_health.crisis",
        3,
        "self_harm",
    )
    first = outcome.urgent.services[0]
    assert first.needs_met == ("mental_health.crisis",) and first.service.capacity == "accepting"
    assert "mental_health.crisis" in outcome.results[0].needs_met


def test_on_the_seed_directory_sexual_abuse_with_no_service_in_reach_is_an_unmet_line(app):
    index = seed_index(app)
    outcome = match(index, child_in(index, "句容市", "孩子被继父性侵"))
    assert (outcome.needs[0].code, outcome.needs[0].severity) == ("protection.abuse", 3)
    assert [(u.code, u.reason) for u in outcome.unmet_needs][0] == ("protection.abuse", "too_far")
    assert outcome.urgent.services == () and [h.number for h in outcome.urgent.hotlines][:2] == ["110", "120"]
    assert outcome.urgent.duties[0].key == "cn-mandatory-reporting"

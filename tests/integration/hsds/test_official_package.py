"""The exported CSV package is the official HSDS 3.0 tabular package: it carries the official
descriptor and validates against it with frictionless; addresses carry what the gazetteer knows,
times the directory's UTC offset; progress is reported as (done, total)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from referral import seeding
from referral.db import get_db
from referral.hsds import exchange
from tests.integration.hsds.helpers import official

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
TAICANG_SITE = "太仓市城厢镇县府街28号2楼"  # a site in 太仓市 (county-level city of 苏州市, Jiangsu)


def _export_folder(app: Any, folder: Path, progress: Any = None) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")
    with app.app_context(), get_db().session() as session:
        exchange.export_folder(session, app.config, folder, None, progress)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_seeded_package_validates_against_the_official_descriptor_with_frictionless(app, tmp_path) -> None:
    import frictionless

    descriptor = json.loads((official() / "examples" / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    _export_folder(app, tmp_path)
    report = frictionless.Package(descriptor, basepath=str(tmp_path)).validate()
    assert [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors][:20] == []
    assert len(report.tasks) == 21  # every table, foreign keys checked across them
    ours = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert ours == descriptor  # fields, constraints, foreign keys and licence: the official descriptor


def test_addresses_carry_city_province_postcode_and_country_from_the_gazetteer(app, tmp_path) -> None:
    _export_folder(app, tmp_path)
    addresses = _rows(tmp_path, "addresses.csv")
    assert len(addresses) == 163
    taicang = next(a for a in addresses if a["address_1"] == TAICANG_SITE)
    assert (taicang["city"], taicang["state_province"], taicang["postal_code"], taicang["country"]) == (
        "苏州市",
        "江苏省",
        "215400",
        "CN",
    )
    assert [a for a in addresses if not (a["city"] and a["state_province"] and a["postal_code"] and a["country"])] == []


def test_times_carry_the_directorys_utc_offset_and_schedules_their_timezone(app, tmp_path) -> None:
    _export_folder(app, tmp_path)
    offset = datetime.now(ZoneInfo(app.config["TIMEZONE"])).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    suffix = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    schedules = _rows(tmp_path, "schedules.csv")
    assert schedules and all(s["opens_at"].endswith(suffix) and s["closes_at"].endswith(suffix) for s in schedules)
    assert {float(s["timezone"]) for s in schedules} == {minutes / 60}
    assert all(len(s["opens_at"]) == len("08:30:00") + len(suffix) for s in schedules)


def test_progress_is_reported_as_services_done_of_services_to_do(app, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    _export_folder(app, tmp_path, lambda done, total: seen.append((done, total)))
    assert seen[-1] == (348, 348)
    assert all(total == 348 for _, total in seen) and [d for d, _ in seen] == sorted(d for d, _ in seen)

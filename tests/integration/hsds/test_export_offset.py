"""The kept export is named with the UTC offset its times carry: in a zone with summer time, a file
made in winter is not served in summer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from referral.db import get_db
from referral.hsds import exchange

WINTER, SUMMER = datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)


def _path(app, zone: str, moment: datetime) -> Path:
    with app.app_context(), get_db().session() as session:
        return exchange.export_path(session, {**app.config, "TIMEZONE": zone}, Path("/exports"), "json", None, moment)


def test_a_zone_with_summer_time_keeps_its_winter_and_summer_exports_apart(app) -> None:
    winter, summer = _path(app, "Europe/Berlin", WINTER), _path(app, "Europe/Berlin", SUMMER)
    assert ".+0100-" in winter.name and ".+0200-" in summer.name
    assert winter.name.replace(".+0100-", ".+0200-") == summer.name
    assert _path(app, "Europe/Berlin", WINTER) == winter


def test_a_zone_without_summer_time_keeps_one_export_all_year(app) -> None:
    assert _path(app, "Asia/Shanghai", WINTER) == _path(app, "Asia/Shanghai", SUMMER)
    assert ".+0800-" in _path(app, "Asia/Shanghai", WINTER).name
    assert ".+0000-" in _path(app, "UTC", SUMMER).name

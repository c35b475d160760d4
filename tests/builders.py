"""Builders for request payloads and seed data: sensible defaults, ``**overrides`` for the point
of each test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"


def organization(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "河城儿童服务中心",
        "names": {"en": "River City Children's Centre"},
        "kind": "social_work_centre",
        **overrides,
    }


def site(organization_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "name": "东港站点",
        "kind": "office",
        "place": "T1",
        "latitude": 31.311,
        "longitude": 120.719,
        "opening_hours": [{"weekday": "tu", "opens": "09:00", "closes": "12:00"}],
        **overrides,
    }


def service(organization_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "organization_id": organization_id,
        "name": "青少年心理咨询",
        "needs": ["mental_health.counseling"],
        "modes": ["in_person"],
        "minimum_age": 10,
        "maximum_age": 18,
        **overrides,
    }


def seed_mini(app: Any) -> None:
    """Load the small fixture region (7 terms, 5 places, 2 organizations, 4 services)."""
    from referral import seeding
    from referral.db import get_db

    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, MINI / "needs.json", MINI)


def fresh(client: Any, url: str, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus If-Match with the record's current ETag."""
    return {**headers, "If-Match": client.get(url).headers["ETag"]}


def change(client: Any, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
    """PATCH/DELETE/restore a record as a careful client does: read its ETag first."""
    record_url = url.removesuffix("/restore")
    return client.open(url, method=method, headers=fresh(client, record_url, headers), **kwargs)

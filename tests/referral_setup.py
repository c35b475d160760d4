"""Builders for the referral tests: the mini directory, the people who refer and receive, a referral."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from referral.seeding import stable_id
from tests.builders import seed_mini

COUNSELLING = stable_id("service", "east-counselling")  # East Care Centre, accepting, at east-care-office
OFFICE = stable_id("site", "east-care-office")
EAST = stable_id("organization", "east-care")
WEST = stable_id("organization", "west-family")
PHONE = "13912345678"


@dataclass
class People:
    worker: dict[str, str]  # the referrer (a social worker)
    other_worker: dict[str, str]
    editor: dict[str, str]  # East Care Centre's editor: the receiver
    other_editor: dict[str, str]  # West Family Services' editor
    admin: dict[str, str]
    case_app: dict[str, str]


def people(app: Any, make_key: Any, admin_headers: dict[str, str]) -> People:
    seed_mini(app)
    return People(
        worker=make_key("social_worker"),
        other_worker=make_key("social_worker"),
        editor=make_key("org_editor", EAST),
        other_editor=make_key("org_editor", WEST),
        admin=admin_headers,
        case_app=make_key("case_app"),
    )


def referral_body(**overrides: Any) -> dict[str, Any]:
    return {
        "service_id": COUNSELLING,
        "site_id": OFFICE,
        "needs": [{"code": "mental_health.counseling", "severity": 2}],
        "message": "孩子最近情绪低落，请尽快联系。",
        "child_ref": "case-2026-0042",
        "urgency": "soon",
        "family_contact": {"name": "母亲", "relation": "mother", "phone": PHONE},
        "consent": {"given_by": "parent", "given_at": "2026-12-01T10:00:00+08:00", "purpose": "to arrange counselling"},
        **overrides,
    }


def send(client: Any, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/referrals", json=referral_body(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def move(client: Any, referral_id: str, headers: dict[str, str], status: str, **body: Any) -> Any:
    """POST a status change with the referral's current ETag, read as ``headers``."""
    etag = client.get(f"/v1/referrals/{referral_id}", headers=headers).headers.get("ETag", '"0"')
    return client.post(
        f"/v1/referrals/{referral_id}/status", json={"status": status, **body}, headers={**headers, "If-Match": etag}
    )

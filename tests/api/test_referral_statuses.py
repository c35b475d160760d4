"""The referral status machine (after FHIR Task), as a table: every move from every status, by every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from referral.db import get_db
from referral.models import AuditEvent, Referral
from referral.models.referrals import REFERRAL_STATUSES
from referral.referral_rules import CANCELLABLE, FORWARD
from tests.referral_setup import move, people, send

ROLES = ("referrer", "receiver", "admin", "other_editor", "other_worker")


def expected(role: str, current: str, new: str) -> int:
    """The answer the table promises: 200, 403 (may see it, may not move it), 404 (may not see it), 409."""
    if role in ("other_editor", "other_worker"):
        return 404  # a referral's existence is private to its parties
    if new == "cancelled":
        return 403 if role != "referrer" else (200 if current in CANCELLABLE else 409)
    if role != "receiver":
        return 403
    return 200 if new in FORWARD.get(current, ()) else 409


def _set_status(app, referral_id: str, status: str) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        session.execute(
            update(Referral)
            .where(Referral.id == referral_id)
            .values(status=status, decline_reason="other" if status == "declined" else None, version=1)
        )
        session.commit()


@pytest.mark.parametrize("current", REFERRAL_STATUSES)
def test_every_move_from_a_status_is_allowed_or_refused_by_role_as_the_table_says(
    app, client, make_key, admin_headers, current
):
    cast = people(app, make_key, admin_headers)
    headers = {
        "referrer": cast.worker,
        "receiver": cast.editor,
        "admin": cast.admin,
        "other_editor": cast.other_editor,
        "other_worker": cast.other_worker,
    }
    sent = send(client, cast.worker)
    answers, promised = {}, {}
    for new in REFERRAL_STATUSES[1:]:
        for role in ROLES:
            _set_status(app, sent["id"], current)
            body = {"reason": "no_capacity"} if new == "declined" else {}
            response = client.post(
                f"/v1/referrals/{sent['id']}/status",
                json={"status": new, **body},
                headers={**headers[role], "If-Match": '"1"'},
            )
            answers[new, role], promised[new, role] = response.status_code, expected(role, current, new)
            if response.status_code != 200:
                assert response.mimetype == "application/problem+json"
    assert answers == promised


def test_an_illegal_move_is_a_409_problem_and_changes_nothing(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    response = move(client, sent["id"], cast.editor, "completed")
    assert (response.status_code, response.get_json()["type"]) == (409, "/docs#problem-conflict")
    assert response.get_json()["detail"] == "A requested referral cannot become completed."
    assert client.get(f"/v1/referrals/{sent['id']}", headers=cast.worker).get_json()["status"] == "requested"


def test_a_decline_needs_a_reason_from_the_list_and_only_a_decline_has_one(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    assert move(client, sent["id"], cast.editor, "declined").get_json()["errors"][0]["field"] == "reason"
    assert move(client, sent["id"], cast.editor, "declined", reason="too_busy").status_code == 422
    assert move(client, sent["id"], cast.editor, "accepted", reason="other").status_code == 422
    declined = move(client, sent["id"], cast.editor, "declined", reason="outside_area").get_json()
    assert (declined["status"], declined["decline_reason"], declined["closed_at"] is not None) == (
        "declined",
        "outside_area",
        True,
    )


def test_moves_follow_the_if_match_rules(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    url = f"/v1/referrals/{sent['id']}/status"
    assert client.post(url, json={"status": "received"}, headers=cast.editor).status_code == 428
    assert client.post(url, json={"status": "received"}, headers={**cast.editor, "If-Match": "*"}).status_code == 428
    first = client.post(url, json={"status": "received"}, headers={**cast.editor, "If-Match": '"1"'})
    assert (first.status_code, first.headers["ETag"]) == (200, '"2"')
    stale = client.post(url, json={"status": "accepted"}, headers={**cast.editor, "If-Match": '"1"'})
    assert (stale.status_code, stale.get_json()["current_version"]) == (412, 2)


def test_every_move_is_in_the_audit_trail_with_who_made_it(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    for status in ("received", "accepted", "in_progress", "completed"):
        assert move(client, sent["id"], cast.editor, status).status_code == 200
    with app.app_context(), get_db().session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == sent["id"]).order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.changes.get("status")) for e in events] == [
        ("create", [None, "requested"]),
        ("status", ["requested", "received"]),
        ("status", ["received", "accepted"]),
        ("status", ["accepted", "in_progress"]),
        ("status", ["in_progress", "completed"]),
    ]
    assert len({e.actor for e in events[1:]}) == 1 and events[0].actor != events[1].actor

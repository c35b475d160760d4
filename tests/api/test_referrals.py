"""Referrals: sent from a match result by a worker or case app, read by their parties, listed in inboxes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral.db import get_db
from referral.models import AuditEvent, Referral, Service
from tests.referral_setup import COUNSELLING, EAST, OFFICE, PHONE, move, people, referral_body, send


@pytest.fixture
def cast(app, make_key, admin_headers):
    return people(app, make_key, admin_headers)


def test_a_social_worker_refers_a_child_and_reads_it_back_with_its_personal_fields(client, cast):
    response = client.post("/v1/referrals", json=referral_body(), headers=cast.worker)
    body = response.get_json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v1/referrals/{body['id']}" and response.headers["ETag"] == '"1"'
    assert (body["status"], body["organization_id"], body["service_id"], body["site_id"]) == (
        "requested",
        EAST,
        COUNSELLING,
        OFFICE,
    )
    assert body["family_contact"] == {"name": "母亲", "relation": "mother", "phone": PHONE}
    assert body["consent"] == {
        "given_by": "parent",
        "given_at": "2026-12-01T10:00:00+08:00",
        "purpose": "to arrange counselling",
    }
    assert (body["child_ref"], body["urgency"], body["purged"]) == ("case-2026-0042", "soon", False)
    assert client.get(f"/v1/referrals/{body['id']}", headers=cast.editor).get_json()["message"] == body["message"]


def test_personal_fields_are_stored_encrypted_never_as_plain_text(app, client, cast):
    sent = send(client, cast.worker)
    with app.app_context(), get_db().session() as session:
        row = session.get(Referral, sent["id"])
        sealed = [row.message_sealed, row.child_ref_sealed, row.family_contact_sealed, row.consent_sealed]
    assert all(s and s.startswith("gAAAAA") for s in sealed)  # Fernet tokens
    assert not any(PHONE in s or "case-2026-0042" in s or "母亲" in s for s in sealed)


@pytest.mark.parametrize(
    "child_ref, why",
    [
        ("张小明", "a name in Chinese characters"),
        ("Zhang Xiaoming", "a name with a space"),
        ("zhangxiaoming", "a name without a digit"),
        ("320502201003151234", "an 18-digit identity number"),
        ("32050220100315123X", "an 18-digit identity number with its check letter"),
        ("case-320502100315123", "a 15-digit identity number inside a reference"),
        ("mum@example.org1", "an e-mail address"),
    ],
)
def test_a_child_reference_that_could_name_the_child_is_refused_without_echoing_it(client, cast, child_ref, why):
    response = client.post("/v1/referrals", json=referral_body(child_ref=child_ref), headers=cast.worker)
    assert response.status_code == 422, why
    assert response.get_json()["errors"][0]["field"] == "child_ref"
    assert child_ref not in response.get_data(as_text=True)


def test_a_family_contact_without_attested_consent_is_refused(client, cast):
    response = client.post("/v1/referrals", json=referral_body(consent=None), headers=cast.worker)
    assert response.status_code == 422
    response = client.post(
        "/v1/referrals", json={k: v for k, v in referral_body().items() if k != "consent"}, headers=cast.worker
    )
    assert (response.status_code, response.get_json()["errors"][0]["field"]) == (422, "consent")


def test_a_referral_without_family_contact_keeps_no_consent(client, cast):
    body = {k: v for k, v in referral_body().items() if k != "family_contact"}
    response = client.post("/v1/referrals", json=body, headers=cast.case_app)
    sent = response.get_json()
    assert response.status_code == 201
    assert (sent["family_contact"], sent["consent"], sent["has_family_contact"]) == (None, None, False)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"service_id": "no-such-service"}, "service_id"),
        ({"site_id": "no-such-site"}, "site_id"),
        ({"needs": [{"code": "no.such_need", "severity": 1}]}, "needs[0].code"),
    ],
)
def test_a_referral_to_something_that_does_not_exist_names_the_field(client, cast, overrides, field):
    response = client.post("/v1/referrals", json=referral_body(**overrides), headers=cast.worker)
    assert (response.status_code, response.get_json()["errors"][0]["field"]) == (422, field)


def test_editors_and_admins_do_not_send_referrals(client, cast):
    assert client.post("/v1/referrals", json=referral_body(), headers=cast.editor).status_code == 403
    assert client.post("/v1/referrals", json=referral_body(), headers=cast.admin).status_code == 403
    assert client.post("/v1/referrals", json=referral_body()).status_code == 401


def test_a_referral_is_private_to_its_referrer_its_receiver_and_admins(client, cast):
    sent = send(client, cast.worker)
    url = f"/v1/referrals/{sent['id']}"
    assert [client.get(url, headers=h).status_code for h in (cast.worker, cast.editor, cast.admin)] == [200, 200, 200]
    assert [client.get(url, headers=h).status_code for h in (cast.other_worker, cast.other_editor, cast.case_app)] == [
        404,
        404,
        404,
    ]


def test_inboxes_show_the_referrer_its_own_and_the_organization_those_sent_to_it(client, cast):
    mine = send(client, cast.worker)
    theirs = send(client, cast.other_worker, child_ref="case-2")
    ids = lambda h, q="": [r["id"] for r in client.get("/v1/referrals" + q, headers=h).get_json()["items"]]  # noqa: E731
    assert ids(cast.worker) == [mine["id"]]
    assert ids(cast.other_worker) == [theirs["id"]]
    assert ids(cast.editor) == [theirs["id"], mine["id"]]  # newest change first
    assert ids(cast.other_editor) == []
    assert sorted(ids(cast.admin)) == sorted([mine["id"], theirs["id"]])
    assert move(client, mine["id"], cast.editor, "accepted").status_code == 200
    assert ids(cast.editor) == [mine["id"], theirs["id"]]
    assert ids(cast.editor, "?status=accepted") == [mine["id"]]
    page = client.get("/v1/referrals?per_page=1&page=2", headers=cast.editor).get_json()
    assert (page["total"], page["page"], page["per_page"], [r["id"] for r in page["items"]]) == (
        2,
        2,
        1,
        [theirs["id"]],
    )


def test_the_inbox_filters_by_updated_since(client, cast):
    first = send(client, cast.worker)
    later = client.get(f"/v1/referrals/{first['id']}", headers=cast.worker).get_json()["updated_at"]
    second = send(client, cast.worker, child_ref="case-3")
    since = client.get("/v1/referrals", query_string={"updated_since": second["updated_at"]}, headers=cast.worker)
    assert [r["id"] for r in since.get_json()["items"]] == [second["id"]]
    assert client.get("/v1/referrals?updated_since=yesterday", headers=cast.worker).status_code == 422
    assert later == first["updated_at"]


def test_the_receiver_marks_the_service_full_from_its_inbox_in_one_step(app, client, cast):
    sent = send(client, cast.worker)
    assert client.post(f"/v1/referrals/{sent['id']}/service-full", headers=cast.other_editor).status_code == 404
    response = client.post(f"/v1/referrals/{sent['id']}/service-full", headers=cast.editor)
    assert (response.status_code, response.get_json()["capacity"]) == (200, "full")
    with app.app_context(), get_db().session() as session:
        assert session.get(Service, COUNSELLING).capacity == "full"
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == COUNSELLING)).all()
    assert actions == ["update"]


def test_a_referrals_history_keeps_the_facts_and_no_personal_field(client, cast):
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.editor, "declined", reason="no_capacity")
    history = client.get(f"/v1/referrals/{sent['id']}/history", headers=cast.worker).get_json()["items"]
    assert [e["action"] for e in history] == ["create", "status"]
    assert history[1]["changes"]["status"] == ["requested", "declined"]
    assert history[1]["changes"]["decline_reason"] == [None, "no_capacity"]
    text = str(history)
    assert PHONE not in text and "case-2026-0042" not in text and "情绪低落" not in text

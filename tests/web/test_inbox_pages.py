"""The referral inbox page: the receiving organization's editors move a referral along the loop, the
sender sees it and may cancel it, others never see it; a move made on an old page changes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from referral import accounts, referrals
from referral.db import get_db
from referral.models import Referral, Service
from referral.policy import CLI
from tests.web.test_pages import _own_service, text


def _send(app, message: str = "家长希望周末联系") -> Referral:
    """A referral from the demo social worker to a service of the edited organization."""
    service = _own_service(app)
    with app.app_context(), get_db().session(write=True) as session:
        worker = accounts.authenticate(session, app.keys["social_worker"])
        return referrals.create(
            session,
            worker,
            app.extensions["referral.sealer"],
            {
                "service_id": service.id,
                "needs": [{"code": "development.autism", "severity": 2}],
                "child_ref": "case-2026-0042",
                "message": message,
                "urgency": "soon",
            },
        )


def _status(app, referral_id: str) -> str:
    with app.app_context(), get_db().session() as session:
        return session.get(Referral, referral_id).status


def _move(pages, referral: Referral, status: str, version: int | None = None, **extra):
    return pages.post(
        f"/referrals/{referral.id}/status",
        {"status": status, "version": str(version or referral.version), **extra},
        headers={"Accept-Language": "en"},
    )


def test_the_receiving_editor_sees_the_referral_with_what_the_loop_shows_and_nothing_is_cached(pages) -> None:
    referral = _send(pages.app)
    pages.sign_in("org_editor")
    response = pages.client.get("/referrals", headers={"Accept-Language": "en"})
    page = text(response)
    assert response.headers["Cache-Control"] == "no-store"
    card = page[page.index(f'id="referral-{referral.id}"') :]
    assert "case-2026-0042" in card and "家长希望周末联系" in card and "sent, not yet seen" in card
    assert [b for b in re.findall(r"<button[^>]*>([^<]+)<", card)][:5] == [
        "Mark received",
        "Accept",
        "Decline",
        "Mark could not be completed",
        "Mark the service full",
    ]


def test_an_editor_accepts_then_completes_and_the_sender_sees_it_but_cannot_move_it_forward(pages) -> None:
    referral = _send(pages.app)
    pages.sign_in("org_editor")
    accepted = _move(pages, referral, "accepted")
    assert accepted.location == f"/referrals#referral-{referral.id}"
    assert _status(pages.app, referral.id) == "accepted"
    _move(pages, referral, "completed", version=referral.version + 1)
    assert _status(pages.app, referral.id) == "completed"
    pages.sign_in("social_worker")
    page = text(pages.client.get("/referrals", headers={"Accept-Language": "en"}))
    card = page[page.index(f'id="referral-{referral.id}"') :].split("</article>")[0]
    assert "completed" in card and "<button" not in card
    assert pages.post(f"/referrals/{referral.id}/status", {"status": "failed", "version": "3"}).status_code == 403


def test_a_decline_needs_a_reason_and_records_it(pages) -> None:
    referral = _send(pages.app)
    pages.sign_in("org_editor")
    _move(pages, referral, "declined")
    assert "a decline needs a reason" in text(pages.client.get("/referrals", headers={"Accept-Language": "en"}))
    assert _status(pages.app, referral.id) == "requested"
    _move(pages, referral, "declined", reason="outside_area")
    with pages.app.app_context(), get_db().session() as session:
        stored = session.get(Referral, referral.id)
        assert (stored.status, stored.decline_reason) == ("declined", "outside_area")


def test_a_move_from_an_old_page_changes_nothing_and_says_so(pages) -> None:
    referral = _send(pages.app)
    pages.sign_in("org_editor")
    _move(pages, referral, "received")
    _move(pages, referral, "accepted")  # the version the first page showed
    assert _status(pages.app, referral.id) == "received"
    assert "This referral changed while you were looking at it" in text(
        pages.client.get("/referrals", headers={"Accept-Language": "en"})
    )


def test_the_sender_cancels_and_another_organizations_editor_never_sees_the_referral(pages) -> None:
    referral = _send(pages.app, message="只给接收机构看")
    with pages.app.app_context(), get_db().session(write=True) as session:
        other = session.scalars(
            select(Service.organization_id).where(Service.organization_id != pages.app.edited_org)
        ).first()
        account = accounts.create_account(
            session, CLI, {"name": "other editor", "role": "org_editor", "organization_id": other}
        )
        other_key = accounts.issue_key(session, CLI, account.id)[1]
    pages.client.post("/sign-in", data={"key": other_key, "csrf_token": pages.token()})
    assert "只给接收机构看" not in text(pages.client.get("/referrals"))
    assert _move(pages, referral, "accepted").status_code == 404
    pages.sign_in("social_worker")
    _move(pages, referral, "cancelled")
    assert _status(pages.app, referral.id) == "cancelled"


def test_the_receiving_editor_marks_the_service_full_from_the_inbox(pages) -> None:
    referral = _send(pages.app)
    pages.sign_in("org_editor")
    response = pages.post(f"/referrals/{referral.id}/service-full", {})
    assert response.status_code == 302
    with pages.app.app_context(), get_db().session() as session:
        assert session.get(Service, referral.service_id).capacity == "full"

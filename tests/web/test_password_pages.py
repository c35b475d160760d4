"""Password sign-in: an admin sets an account's login and password (stored as a scrypt hash only),
the person signs in with them, and a new password or a disabled account ends the old sessions."""

from __future__ import annotations

from sqlalchemy import select

from referral import accounts, passwords
from referral.db import Base, get_db
from referral.models import Account, AuditEvent
from referral.policy import CLI
from tests.web.test_pages import _session_text, text

PASSWORD = "晚上九点 blue-kettle 42"


def _editor_account(app) -> Account:
    with app.app_context(), get_db().session() as session:
        return session.scalars(select(Account).where(Account.name == "web org_editor")).one()


def _set(pages, account_id: str, login: str, password: str):
    pages.sign_in("admin")
    return pages.post(
        f"/admin/accounts/{account_id}/password",
        {"login": login, "password": password},
        headers={"Accept-Language": "en"},
    )


def _sign_in(pages, login: str, password: str):
    pages.client.post("/sign-out", data={"csrf_token": pages.token()})
    return pages.client.post(
        "/sign-in",
        data={"login": login, "password": password, "csrf_token": pages.token()},
        headers={"Accept-Language": "en"},
    )


def test_an_admin_sets_a_password_that_is_stored_only_as_a_scrypt_hash(pages) -> None:
    account = _editor_account(pages.app)
    response = _set(pages, account.id, "Li.Editor", PASSWORD)
    assert response.status_code == 302
    assert "can now sign in as li.editor" in text(pages.client.get("/admin/accounts"))
    with pages.app.app_context(), get_db().session() as session:
        stored = session.get(Account, account.id)
        assert stored.login == "li.editor" and stored.password_hash.startswith("scrypt:")
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert PASSWORD not in str(tuple(row)), table.name
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "password_set", AuditEvent.object_id == account.id)
            .order_by(AuditEvent.id.desc())
        ).first()
        assert list(event.changes) == ["login"] and event.changes["login"][1] == "li.editor"  # no hash, no password


def test_the_person_signs_in_with_login_and_password_and_gets_their_roles_pages(pages) -> None:
    account = _editor_account(pages.app)
    _set(pages, account.id, "li.editor", PASSWORD)
    response = _sign_in(pages, "Li.Editor ", PASSWORD)
    assert (response.status_code, response.location) == (302, "/")
    assert PASSWORD not in _session_text(pages.app, response.headers["Set-Cookie"])
    assert [pages.client.get(p).status_code for p in ("/org", "/admin/accounts")] == [200, 403]


def test_a_wrong_password_or_an_unknown_login_is_refused_on_the_sign_in_page(pages) -> None:
    _set(pages, _editor_account(pages.app).id, "li.editor", PASSWORD)
    for login, password in (("li.editor", PASSWORD + "x"), ("nobody", PASSWORD)):
        refused = _sign_in(pages, login, password)
        assert refused.status_code == 401
        assert 'id="password-error">This login and password do not match an active account.<' in text(refused)
    assert pages.client.get("/org").location.startswith("/sign-in")


def test_a_new_password_or_a_disabled_account_ends_the_sessions_made_with_the_old_one(pages) -> None:
    account = _editor_account(pages.app)
    _set(pages, account.id, "li.editor", PASSWORD)
    _sign_in(pages, "li.editor", PASSWORD)
    assert pages.client.get("/org").status_code == 200
    with pages.app.app_context(), get_db().session(write=True) as session:
        passwords.set_password(session, CLI, account.id, "li.editor", "another long password 7")
    assert pages.client.get("/org").location.startswith("/sign-in")
    _sign_in(pages, "li.editor", "another long password 7")
    assert pages.client.get("/org").status_code == 200
    with pages.app.app_context(), get_db().session(write=True) as session:
        accounts.set_account_status(session, CLI, account.id, "disabled")
    try:
        assert pages.client.get("/org").location.startswith("/sign-in")
        assert _sign_in(pages, "li.editor", "another long password 7").status_code == 401
    finally:
        with pages.app.app_context(), get_db().session(write=True) as session:
            accounts.set_account_status(session, CLI, account.id, "active")


def test_a_short_password_or_a_login_taken_by_another_account_sets_nothing(pages) -> None:
    account = _editor_account(pages.app)
    short = _set(pages, account.id, "wang.editor", "short")
    assert short.status_code == 302
    assert "a password is 12 to 200 characters long" in text(
        pages.client.get("/admin/accounts", headers={"Accept-Language": "en"})
    )
    with pages.app.app_context(), get_db().session() as session:
        other = session.scalars(select(Account).where(Account.name == "web social_worker")).one()
    _set(pages, other.id, "sw.taken", PASSWORD)
    _set(pages, account.id, "sw.taken", PASSWORD)
    assert "another account has this login" in text(
        pages.client.get("/admin/accounts", headers={"Accept-Language": "en"})
    )
    with pages.app.app_context(), get_db().session() as session:
        assert session.get(Account, account.id).login != "sw.taken"
        assert session.get(Account, account.id).login != "wang.editor"


def test_only_an_admin_sets_passwords(pages) -> None:
    pages.sign_in("org_editor")
    account = _editor_account(pages.app)
    assert (
        pages.post(f"/admin/accounts/{account.id}/password", {"login": "me.too", "password": PASSWORD}).status_code
        == 403
    )


def test_signing_in_is_limited_to_a_few_tries_a_minute_per_address(tmp_path) -> None:
    from tests.web.conftest import Pages, demo_app

    pages = Pages(demo_app(tmp_path, RATELIMIT_ENABLED=True))
    token = pages.token()
    codes = [
        pages.client.post(
            "/sign-in",
            data={"login": "nobody", "password": "wrong password!", "csrf_token": token},
            headers={"Accept-Language": "en"},
        ).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 10 + [429]
    refused = pages.client.post(
        "/sign-in", data={"key": "rk_00000000_x", "csrf_token": token}, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 429 and "Too many requests" in text(refused)  # keys count too: a friendly page
    assert pages.client.get("/sign-in").status_code == 200  # reading the page is not a try

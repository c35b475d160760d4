"""The web pages through Flask's test client: sign-in and its cookie, CSRF on the pages only, roles,
finding help without keeping anything of the child, the family sheet's language, editing with
errors beside the fields, admin keys, and error pages in the person's language."""

from __future__ import annotations

import html
import logging
import re
from http.cookies import SimpleCookie

from sqlalchemy import select

from referral import accounts
from referral.db import Base, get_db
from referral.models import ApiKey, Service
from referral.policy import CLI

FIND = {
    "location.place": "城厢镇",
    "child.age": "9",
    "need:development.autism": "3",
    "needs_text.0": "家庭教育指导",
    "needs_text.0.severity": "2",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def test_signing_in_with_a_key_sets_an_httponly_lax_secure_cookie_that_holds_no_key(pages) -> None:
    response = pages.client.post("/sign-in", data={"key": pages.app.keys["social_worker"], "csrf_token": pages.token()})
    assert (response.status_code, response.location) == (302, "/")
    cookie = response.headers["Set-Cookie"]
    assert {"HttpOnly", "Secure", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}
    assert pages.app.keys["social_worker"].split("_", 2)[2] not in cookie  # the secret never leaves the server again
    assert "为儿童查找帮助" in text(pages.client.get("/", headers={"Accept-Language": "zh"}))


def test_a_wrong_key_is_refused_on_the_sign_in_page(pages) -> None:
    response = pages.client.post(
        "/sign-in", data={"key": "rk_00000000_nope", "csrf_token": pages.token()}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 401
    assert "This key is invalid, expired or revoked." in text(response)


def test_a_form_without_its_csrf_token_is_refused_while_the_json_api_needs_none(pages) -> None:
    pages.sign_in("social_worker")
    refused = pages.client.post("/find", data=FIND, headers={"Accept-Language": "en"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "The form could not be accepted" in text(refused)
    api = pages.client.post(
        "/v1/match",
        json={"location": {"place": "城厢镇"}, "child": {"age": 9}, "needs": [{"code": "development.autism"}]},
        headers={"Authorization": f"Bearer {pages.app.keys['social_worker']}"},
    )
    assert api.status_code == 200


def test_a_revoked_key_signs_its_session_out_at_once(pages) -> None:
    with pages.app.app_context(), get_db().session(write=True) as session:
        account = accounts.create_account(session, CLI, {"name": "short-lived", "role": "social_worker"})
        key, plain = accounts.issue_key(session, CLI, account.id)
    pages.client.post("/sign-in", data={"key": plain, "csrf_token": pages.token()})
    assert pages.client.get("/find").status_code == 200
    with pages.app.app_context(), get_db().session(write=True) as session:
        accounts.revoke_key(session, CLI, key.id)
    assert pages.client.get("/find").location.startswith("/sign-in")


def test_each_role_reaches_only_its_own_pages(pages) -> None:
    assert pages.client.get("/find").location == "/sign-in?next=/find"
    pages.sign_in("org_editor")
    assert [pages.client.get(p).status_code for p in ("/find", "/admin/accounts", "/org")] == [403, 403, 200]
    pages.sign_in("social_worker")
    assert [pages.client.get(p).status_code for p in ("/find", "/admin/import", "/org")] == [200, 403, 403]


def test_finding_help_stores_and_logs_nothing_of_the_child(pages, caplog) -> None:
    pages.sign_in("social_worker")
    sentinel = "SENTINEL-7e2a"
    with caplog.at_level(logging.DEBUG):
        response = pages.post(
            "/find", {**FIND, "notes": f"孩子有自闭症，{sentinel}", "needs_text.0": f"家庭教育指导 {sentinel}"}
        )
        refused = pages.post("/find", {**FIND, "location.place": sentinel})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert refused.status_code == 422 and refused.headers["Cache-Control"] == "no-store"
    assert sentinel not in caplog.text
    for cookie in response.headers.getlist("Set-Cookie") + refused.headers.getlist("Set-Cookie"):
        assert sentinel not in _session_text(pages.app, cookie)
    with pages.app.app_context(), get_db().session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert sentinel not in str(tuple(row)), table.name


def test_the_answer_shows_ranked_cards_with_what_a_worker_acts_on(pages) -> None:
    pages.sign_in("social_worker")
    page = text(pages.post("/find", FIND, headers={"Accept-Language": "zh"}))
    assert page.index("识别出的需求") < page.index('id="result-1"') < page.index('id="result-2"')
    assert re.search(r'<figure class="picture">\s*<svg', page)
    for label in ("电话", "时间", "转介方式", "推荐理由"):
        assert f"<dt>{label}</dt>" in page or f"<h4>{label}</h4>" in page


def test_a_risk_in_the_notes_puts_the_urgent_section_first(pages) -> None:
    pages.sign_in("social_worker")
    page = text(pages.post("/find", {**FIND, "notes": "孩子说不想活了"}, headers={"Accept-Language": "zh"}))
    assert 'class="urgent"' in page
    assert page.index('class="urgent"') < page.index("识别出的需求") < page.index('id="result-1"')
    assert 'href="tel:12356"' in page or 'href="tel:110"' in page


def test_a_wrong_field_is_named_beside_it_and_the_form_keeps_the_values(pages) -> None:
    pages.sign_in("social_worker")
    response = pages.post("/find", {**FIND, "child.age": "30"}, headers={"Accept-Language": "en"})
    page = text(response)
    assert response.status_code == 422
    assert re.search(
        r'name="child.age"[^>]*value="30"[^>]*aria-invalid="true" aria-describedby="child-age-error"', page
    )
    assert re.search(r'<p class="error" id="child-age-error">[^<]+</p>', page)
    assert 'value="城厢镇"' in page


def test_the_family_sheet_is_in_the_language_chosen_for_it(pages) -> None:
    pages.sign_in("social_worker")
    answer = text(pages.post("/find", FIND, headers={"Accept-Language": "zh"}))
    hidden = html.unescape(re.search(r'name="request" value="([^"]*)"', answer).group(1))
    service = re.search(r'name="service" value="([^"]*)"', answer).group(1)
    english = pages.post("/find/sheet", {"request": hidden, "service": service, "language": "en"})
    chinese = pages.post("/find/sheet", {"request": hidden, "service": service, "language": "zh"})
    assert english.headers["Cache-Control"] == "no-store"
    assert "<h1>Referral sheet</h1>" in text(english) and "<h2>What to bring</h2>" in text(english)
    assert "<h1>转介单</h1>" in text(chinese) and "<h2>联系谁</h2>" in text(chinese)
    assert pages.post("/find/sheet", {"request": "{", "service": service, "language": "zh"}).status_code == 400


def test_an_edit_with_a_wrong_time_shows_the_error_beside_that_field_and_writes_nothing(pages) -> None:
    pages.sign_in("org_editor")
    service = _own_service(pages.app)
    form = _form_values(text(pages.client.get(f"/services/{service.id}/edit")))
    form.update(
        {"opening_hours[0].weekday": "mo", "opening_hours[0].opens": "09:00", "opening_hours[0].closes": "08:00"}
    )
    response = pages.post(f"/services/{service.id}/edit", form, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert re.search(r'id="opening_hours-0-closes-error">must be later than opens<', text(response))
    with pages.app.app_context(), get_db().session() as session:
        assert session.get(Service, service.id).version == service.version


def test_a_saved_edit_appears_in_the_listing_history(pages) -> None:
    pages.sign_in("org_editor")
    service = _own_service(pages.app)
    form = _form_values(text(pages.client.get(f"/services/{service.id}/edit")))
    saved = pages.post(f"/services/{service.id}/edit", {**form, "wait_time": "两个工作日内回电"})
    assert saved.location == f"/services/{service.id}/history"
    history = text(pages.client.get(saved.location))
    assert "wait_time" in history and "两个工作日内回电" in history


def test_an_editor_may_not_edit_another_organizations_service(pages) -> None:
    pages.sign_in("org_editor")
    with pages.app.app_context(), get_db().session() as session:
        other = session.scalars(select(Service).where(Service.organization_id != pages.app.edited_org)).first()
    assert pages.client.get(f"/services/{other.id}/edit").status_code == 403


def test_an_admin_issues_a_key_shown_once_and_revokes_it(pages) -> None:
    pages.sign_in("admin")
    created = pages.post("/admin/accounts", {"name": "Ms Li", "role": "social_worker"})
    assert created.status_code == 302
    with pages.app.app_context(), get_db().session() as session:
        account = next(a for a in accounts.list_accounts(session) if a.name == "Ms Li")
    shown = pages.post(f"/admin/accounts/{account.id}/keys", {})
    key = re.search(r'id="new-key">(rk_[^<]+)<', text(shown)).group(1)
    assert shown.headers["Cache-Control"] == "no-store"
    assert key not in text(pages.client.get("/admin/accounts"))
    with pages.app.app_context(), get_db().session() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.account_id == account.id)).one()
    pages.post(f"/admin/keys/{row.id}/revoke", {})
    with pages.app.app_context(), get_db().session() as session:
        assert accounts.authenticate(session, key) is None


def test_error_pages_speak_the_persons_language_while_the_api_keeps_problem_json(pages) -> None:
    page = pages.client.get("/no-such-page", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert (page.status_code, page.mimetype) == (404, "text/html")
    assert "页面不存在" in text(page) and '<html lang="zh">' in text(page)
    for path in ("/v1/no-such", "/hsds/no-such"):
        assert pages.client.get(path).mimetype == "application/problem+json", path
    assert pages.client.delete("/find").mimetype == "text/html"


def test_the_language_chosen_on_the_page_wins_over_accept_language(pages) -> None:
    pages.client.post("/language", data={"language": "en", "next": "/sign-in", "csrf_token": pages.token()})
    assert "<h1>Sign in</h1>" in text(pages.client.get("/sign-in", headers={"Accept-Language": "zh"}))


def _own_service(app) -> Service:
    with app.app_context(), get_db().session() as session:
        return session.scalars(
            select(Service).where(Service.organization_id == app.edited_org).order_by(Service.name)
        ).first()


def _form_values(page: str) -> dict[str, str | list[str]]:
    """The named inputs of the edit form as the browser would send them (text fields, ticked boxes,
    selects and text areas)."""
    values: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name is None or value is None:
            continue
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                values.setdefault(name.group(1), []).append(html.unescape(value.group(1)))  # type: ignore[union-attr]
        else:
            values[name.group(1)] = html.unescape(value.group(1))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options) or re.search(
            r'<option value="([^"]*)"', options
        )
        values[name] = chosen.group(1)
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(body)
    values.pop("csrf_token", None)
    return values


def _session_text(app, set_cookie: str) -> str:
    """What a session cookie holds, decoded (it is signed, not encrypted)."""
    cookie = SimpleCookie(set_cookie)
    value = cookie["referral_session"].value if "referral_session" in cookie else ""
    serializer = app.session_interface.get_signing_serializer(app)
    return str(serializer.loads(value)) if value else ""


def test_a_social_worker_reports_a_wrong_listing_from_the_answer_and_its_editors_see_it(pages) -> None:
    pages.sign_in("social_worker")
    service = _own_service(pages.app)
    sent = pages.post(f"/services/{service.id}/report", {"reason": "电话打不通"}, headers={"Accept-Language": "zh"})
    assert sent.status_code == 200 and "报告已提交" in text(sent)
    pages.sign_in("org_editor")
    assert "电话打不通" in text(pages.client.get("/org"))


def test_the_answer_speaks_english_when_the_person_reads_english(pages) -> None:
    pages.sign_in("social_worker")
    page = text(pages.post("/find", FIND, headers={"Accept-Language": "en"}))
    for words in (
        "<h1>Help for the child</h1>",
        "Needs as understood",
        "<dt>Phone</dt>",
        "<h4>Why it is offered</h4>",
        "Referral sheet for the family",
    ):
        assert words in page, words
    assert "Autism" in page or "autism" in page  # the needs' labels come from the taxonomy in English


def test_the_configs_bootstrap_admin_key_signs_in_as_an_admin(tmp_path) -> None:
    from tests.web.conftest import Pages, demo_app

    pages = Pages(demo_app(tmp_path, ADMIN_KEY="web-bootstrap-admin-key-0123"))
    response = pages.client.post("/sign-in", data={"key": "web-bootstrap-admin-key-0123", "csrf_token": pages.token()})
    assert response.status_code == 302
    assert pages.client.get("/admin/accounts").status_code == 200


def test_a_need_the_reader_cannot_understand_is_answered_not_refused(pages) -> None:
    pages.sign_in("social_worker")
    response = pages.post(
        "/find",
        {"location.place": "城厢镇", "child.age": "9", "needs_text.0": "长颈鹿飞船"},
        headers={"Accept-Language": "zh"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "未能识别的需要" in page[page.index('id="unmet-title"') :]


def test_a_use_cases_refusal_is_shown_in_the_persons_language(pages) -> None:
    """The app's catalogue (referral/wording.py) words the pages' refusals as it words the API's."""
    pages.sign_in("admin")
    form = {"name": "Ms Li", "role": "org_editor"}  # an editor bound to no organization
    refused = pages.post("/admin/accounts", form, headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 422 and "org_editor 必须属于一个已存在的机构" in text(refused)
    english = pages.post("/admin/accounts", form, headers={"Accept-Language": "en"})
    assert english.status_code == 422 and "an org_editor needs an existing organization" in text(english)

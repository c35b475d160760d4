"""Editing sites and the organization, adding a site and working the referral inbox in a real browser
(Debian's chromium): with the keyboard alone where it matters, at a phone's width, with axe-core
finding no serious or critical violation, in Chinese and then in English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral import accounts, referrals
from referral.db import get_db
from referral.models import Account, Referral, Service, Site
from tests.web.test_browser import by, choose, click, fits_a_phone, serious_violations, shot, sign_in

pytestmark = pytest.mark.browser


def test_an_editor_changes_a_sites_accessibility_with_the_keyboard_alone(server, browser) -> None:
    from selenium.webdriver.common.keys import Keys

    base, app = server
    with app.app_context(), get_db().session() as session:
        site = session.scalars(select(Site).where(Site.organization_id == app.edited_org).order_by(Site.name)).first()
    sign_in(browser, base, app.keys["org_editor"])
    browser.get(f"{base}/sites/{site.id}/edit")
    assert browser.find_element(*by("h1")).text == f"编辑: {site.name}"
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    shot(browser, "site-edit")
    field = browser.find_element(*by("#accessibility"))
    field.clear()
    field.send_keys("无障碍坡道，一楼接待，有安静房间")
    browser.find_element(*by("#name")).send_keys(Keys.ENTER)  # Enter in a text field submits the form
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda b: b.find_elements(*by(".notice")))
    assert "已保存" in browser.find_element(*by(".notice")).text
    with app.app_context(), get_db().session() as session:
        assert session.get(Site, site.id).accessibility == "无障碍坡道，一楼接待，有安静房间"


def test_the_organization_and_new_site_forms_pass_axe_and_a_new_site_is_listed(server, browser) -> None:
    base, app = server
    sign_in(browser, base, app.keys["org_editor"])
    browser.get(f"{base}/org/{app.edited_org}/edit")
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    browser.get(f"{base}/org/{app.edited_org}/sites/new")
    assert serious_violations(browser) == []
    for css, value in (
        ("#name", "浏河家庭教育服务点"),
        ("#address", "太仓市浏河镇新港路1号"),
        ("#latitude", "31.5"),
        ("#longitude", "121.28"),
    ):
        browser.find_element(*by(css)).send_keys(value)
    choose(browser, "#kind", "service_station")
    choose(browser, "#place", "320585102")
    click(browser, "main form button.primary")
    assert "浏河家庭教育服务点" in browser.find_element(*by("#sites-title + p + .table-wrap")).text
    browser.get(f"{base}/services/{_service(app).id}/edit")  # the service form with its eligibility
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    shot(browser, "service-edit")


def test_an_editor_accepts_a_referral_in_the_inbox_then_reads_it_in_english(server, browser) -> None:
    base, app = server
    referral = _send(app)
    sign_in(browser, base, app.keys["org_editor"])
    browser.get(base + "/referrals")
    assert browser.find_element(*by("h1")).text == "收到的转介"
    card = browser.find_element(*by(f"#referral-{referral.id}"))
    assert "case-2026-0099" in card.text and "已发送，尚未查看" in card.text
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    shot(browser, "inbox")
    click(browser, f"#referral-{referral.id} form input[value=accepted] ~ div button")
    assert "转介已标记为：已接受" in browser.find_element(*by(".notice")).text
    with app.app_context(), get_db().session() as session:
        assert session.get(Referral, referral.id).status == "accepted"
    choose(browser, "#language-switch", "en")
    click(browser, ".tools form button")
    assert browser.find_element(*by("h1")).text == "Referrals received"
    assert "accepted" in browser.find_element(*by(f"#referral-{referral.id} .status")).text
    choose(browser, "#language-switch", "zh")
    click(browser, ".tools form button")


def _service(app) -> Service:
    with app.app_context(), get_db().session() as session:
        return session.scalars(
            select(Service).where(Service.organization_id == app.edited_org).order_by(Service.name)
        ).first()


def _send(app) -> Referral:
    service = _service(app)
    with app.app_context(), get_db().session(write=True) as session:
        worker = accounts.authenticate(session, app.keys["social_worker"])
        return referrals.create(
            session,
            worker,
            app.extensions["referral.sealer"],
            {
                "service_id": service.id,
                "needs": [{"code": "development.autism", "severity": 2}],
                "child_ref": "case-2026-0099",
                "urgency": "routine",
            },
        )


def test_an_admin_sets_a_password_and_the_person_signs_in_with_it(server, browser) -> None:
    base, app = server
    with app.app_context(), get_db().session() as session:
        account = session.scalars(select(Account).where(Account.name == "web social_worker")).one()
    sign_in(browser, base, app.keys["admin"])
    browser.get(base + "/admin/accounts")
    row = browser.find_element(*by(f"form[action='/admin/accounts/{account.id}/password']"))
    browser.execute_script("arguments[0].closest('details').open = true", row)
    row.find_element(*by("input[name=login]")).send_keys("zhang.sw")
    row.find_element(*by("input[name=password]")).send_keys("长长的密码 tea-cup 2026")
    click(browser, "button", within=row)
    assert "zhang.sw" in browser.find_element(*by(".notice")).text
    browser.delete_all_cookies()
    browser.get(base + "/sign-in")
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    browser.find_element(*by("#login")).send_keys("zhang.sw")
    browser.find_element(*by("#password")).send_keys("长长的密码 tea-cup 2026")
    click(browser, "form[aria-labelledby=by-password-title] button")
    browser.get(base + "/find")
    assert browser.find_element(*by("h1")).text == "为儿童查找帮助"

"""The pages in a real browser (Debian's chromium through Selenium): sign in, find help, print the
family's sheet, edit with a conflict, resolve a report, import with a dry run, switch language —
with axe-core finding no serious or critical violation, and screenshots in test-artifacts/."""

from __future__ import annotations

import base64
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from referral import directory, freshness
from referral.db import get_db
from referral.jobrun import run_all
from referral.models import Service
from referral.policy import CLI
from tests.web.conftest import ARTIFACTS, PROJECT_ROOT

pytestmark = pytest.mark.browser
HARBOUR_CITY = PROJECT_ROOT / "tests" / "fixtures" / "hsds" / "harbour-city"


def by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def sign_in(browser, base: str, key: str) -> None:
    browser.delete_all_cookies()
    browser.get(base + "/sign-in")
    browser.find_element(*by("#key")).send_keys(key)
    click(browser, "main form button[type=submit]")


def click(browser, css: str, within=None) -> None:
    """Click what submits a form or follows a link, and wait for the next page."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.find_element(*by("html"))
    (within or browser).find_element(*by(css)).click()

    def left(_driver) -> bool:
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(browser, 20).until(left)


def choose(browser, css: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(*by(css))).select_by_value(value)


def shot(browser, name: str, width: int = 1280) -> Path:
    """A full-page screenshot at ``width`` CSS pixels (390: a phone), and its first screen."""
    browser.set_window_size(width, 900 if width > 600 else 844)
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTIFACTS / f"{name}-{width}-first-screen.png"))
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, min(max(height, 600), 6000))
    browser.execute_script("window.scrollTo(0, 0)")
    path = ARTIFACTS / f"{name}-{width}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 1000)
    return path


def fits_a_phone(browser) -> bool:
    """At a phone's width (390 CSS px) the page needs no sideways scrolling."""
    browser.set_window_size(390, 844)
    fits = browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.set_window_size(1280, 1000)
    return fits


def serious_violations(browser) -> list[str]:
    from axe_selenium_python import Axe

    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} × e.g. {v['nodes'][0]['target']})"
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_a_social_worker_finds_help_and_prints_the_family_sheet_in_chinese(server, browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    base, app = server
    sign_in(browser, base, app.keys["social_worker"])
    browser.get(base + "/find")
    assert browser.find_element(*by("h1")).text == "为儿童查找帮助"
    assert serious_violations(browser) == []
    assert fits_a_phone(browser)
    shot(browser, "find")
    browser.find_element(*by("#place")).send_keys("城厢镇")
    suggested = WebDriverWait(browser, 20).until(  # suggestions as you type, from GET /v1/places?q=
        lambda b: [o.get_attribute("value") for o in b.find_elements(*by("#place-suggestions option"))]
    )
    assert suggested[0] == "城厢镇"
    browser.find_element(*by("#age")).send_keys("9")
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    choose(browser, "#need-development\\.autism", "3")
    browser.find_element(*by("#text-0")).send_keys("家庭教育指导")
    click(browser, "form.find button[type=submit]")

    assert browser.find_element(*by("h1")).text == "可为儿童提供的帮助"
    cards = browser.find_elements(*by("article.card h3"))
    assert len(cards) >= 3
    assert browser.find_elements(*by("figure.picture svg circle.child"))
    assert serious_violations(browser) == []
    shot(browser, "answer")
    shot(browser, "answer", width=390)
    assert fits_a_phone(browser)

    first_window = browser.current_window_handle
    browser.find_element(*by("#result-1 .sheet-form button")).click()
    WebDriverWait(browser, 20).until(lambda b: len(b.window_handles) == 2)
    browser.switch_to.window([w for w in browser.window_handles if w != first_window][0])
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(*by(".sheet h1")))
    assert browser.find_element(*by(".sheet h1")).text == "转介单"
    assert [h.text for h in browser.find_elements(*by(".sheet h2"))][:3] == ["内容", "地点", "时间"]
    assert serious_violations(browser) == []
    shot(browser, "sheet")
    pdf = base64.b64decode(browser.print_page())
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the sheet prints on one page
    browser.close()
    browser.switch_to.window(first_window)


def test_the_language_switch_turns_every_page_to_english(server, browser) -> None:
    from selenium.webdriver.common.keys import Keys

    base, app = server
    sign_in(browser, base, app.keys["social_worker"])
    browser.find_element(*by("body")).send_keys(Keys.TAB)  # the keyboard's first stop skips to the content
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    choose(browser, "#language-switch", "en")
    click(browser, ".tools form button")
    browser.get(base + "/find")
    assert browser.find_element(*by("h1")).text == "Find help for a child"
    assert browser.find_element(*by("html")).get_attribute("lang") == "en"
    choose(browser, "#language-switch", "zh")
    click(browser, ".tools form button")
    assert browser.find_element(*by("h1")).text == "为儿童查找帮助"


def test_an_editor_meets_a_concurrent_edit_then_confirms_and_sees_both_in_the_history(server, browser) -> None:
    base, app = server
    sign_in(browser, base, app.keys["org_editor"])
    browser.get(base + "/org")
    assert serious_violations(browser) == []
    shot(browser, "organization")
    shot(browser, "organization", width=390)
    assert fits_a_phone(browser)
    services = _services(app)
    edited, confirmed = services[0], services[1]
    browser.get(f"{base}/services/{edited.id}/edit")
    assert serious_violations(browser) == []
    shot(browser, "edit")
    for field, value in (("#oh-0-opens", "08:30"), ("#oh-0-closes", "18:30")):
        browser.find_element(*by(field)).clear()
        browser.find_element(*by(field)).send_keys(value)
    _someone_else_changes(app, edited.id)
    click(browser, "main form button.primary")
    assert "其他人保存了这项服务" in browser.find_element(*by(".conflict")).text
    assert (
        "响应时间说明: 接到转介后5个工作日内联系家庭。 → 三个工作日内回复"
        in browser.find_element(*by(".conflict")).text
    )
    assert browser.find_element(*by("#wait_time")).get_attribute("value") == "三个工作日内回复"  # theirs stays
    shot(browser, "conflict")
    assert browser.find_element(*by("#oh-0-closes")).get_attribute("value") == "18:30"  # the editor's edit is kept
    click(browser, "main form button.primary")  # saved on top of the new version
    assert "18:30" in browser.find_element(*by("main table")).text

    browser.get(base + "/org")
    click(browser, f"form[action='/services/{confirmed.id}/confirm'] button")
    assert "已于今天确认信息无误" in browser.find_element(*by(".notice")).text
    with app.app_context(), get_db().session() as session:
        assert session.get(Service, confirmed.id).verified_at is not None
    browser.get(f"{base}/services/{confirmed.id}/history")
    assert "confirm" in browser.find_element(*by("main table")).text


def test_an_editor_resolves_a_report_of_wrong_information(server, browser) -> None:
    base, app = server
    service = _services(app)[2]
    with app.app_context(), get_db().session(write=True) as session:
        freshness.report(session, CLI, service.id, "电话号码已停用")
    sign_in(browser, base, app.keys["org_editor"])
    browser.get(base + "/org")
    assert "电话号码已停用" in browser.find_element(*by("main")).text
    form = browser.find_element(*by("form[action^='/reports/']"))
    form.find_element(*by("input[name=resolution]")).send_keys("已更新电话")
    click(browser, "button", within=form)
    assert "报告已处理" in browser.find_element(*by(".notice")).text
    with app.app_context(), get_db().session() as session:
        [filed] = freshness.reports_for(session, CLI, service.id)
    assert (filed.status, filed.resolution) == ("resolved", "已更新电话")


def test_an_admin_checks_an_hsds_package_with_a_dry_run_and_nothing_is_written(server, browser, tmp_path) -> None:
    base, app = server
    package = tmp_path / "harbour-city.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for path in sorted(HARBOUR_CITY.iterdir()):
            archive.write(path, path.name)
    before = _count(app)
    sign_in(browser, base, app.keys["admin"])
    browser.get(base + "/admin/import")
    assert serious_violations(browser) == []
    browser.find_element(*by("#file")).send_keys(str(package))
    click(browser, "main form button.primary")
    assert "/admin/import/" in browser.current_url  # queued: the page follows the job
    run_all(app)  # the worker's part (make serve runs `referral worker` beside the server)
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda b: b.find_elements(*by("#report")))  # the page reloads itself
    report = browser.find_element(*by("#report")).text
    assert "试运行：导入可以成功" in report
    assert _count(app) == before
    shot(browser, "import")
    for path in ("/admin/accounts", "/admin/organizations", "/admin/stale"):
        browser.get(base + path)
        assert serious_violations(browser) == [], path
    shot(browser, "accounts")


def _services(app) -> list[Service]:
    with app.app_context(), get_db().session() as session:
        return list(
            session.scalars(select(Service).where(Service.organization_id == app.edited_org).order_by(Service.name))
        )


def _someone_else_changes(app, service_id: str) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        current = session.get(Service, service_id)
        directory.update_listing(session, CLI, Service, service_id, {"wait_time": "三个工作日内回复"}, current.version)


def _count(app) -> int:
    with app.app_context(), get_db().session() as session:
        return len(session.scalars(select(Service.id)).all())

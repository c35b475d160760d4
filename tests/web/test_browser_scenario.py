"""The issue's "done when", tried as a new user would in a real browser (Debian's chromium): a social
worker signs in with a key, describes a 9-year-old in 城厢镇 with autism and a request for
family-education guidance, sees ranked cards and prints the family's sheet in Chinese; an
organization's editor changes a service's hours, confirms another listing and sees both in the
history; then everything switches to English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral.db import get_db
from referral.models import Service
from tests.web.test_browser import by, choose, click, serious_violations, sign_in

pytestmark = pytest.mark.browser


def test_a_worker_finds_and_prints_help_then_an_editor_keeps_listings_true_then_all_in_english(server, browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    base, app = server
    sign_in(browser, base, app.keys["social_worker"])
    click(browser, "nav a[href='/find']")
    browser.find_element(*by("#place")).send_keys("城厢镇")
    browser.find_element(*by("#age")).send_keys("9")
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    choose(browser, "#need-development\\.autism", "2")
    browser.find_element(*by("#text-0")).send_keys("家庭教育指导")
    click(browser, "form.find button[type=submit]")
    ranks = [c.get_attribute("id") for c in browser.find_elements(*by("article.card[id^=result-]"))]
    assert ranks[:3] == ["result-1", "result-2", "result-3"]
    home = browser.current_window_handle
    browser.find_element(*by("#result-1 .sheet-form button")).click()
    WebDriverWait(browser, 20).until(lambda b: len(b.window_handles) == 2)
    browser.switch_to.window([w for w in browser.window_handles if w != home][0])
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(*by(".sheet h1")))
    assert browser.find_element(*by(".sheet h1")).text == "转介单"
    assert browser.find_element(*by("html")).get_attribute("lang") == "zh"
    browser.close()
    browser.switch_to.window(home)

    edited, confirmed = _two_services(app)
    sign_in(browser, base, app.keys["org_editor"])
    click(browser, "nav a[href='/org']")
    click(browser, f"a[href='/services/{edited.id}/edit']")
    for css, value in (("#oh-0-opens", "09:00"), ("#oh-0-closes", "16:00")):
        browser.find_element(*by(css)).clear()
        browser.find_element(*by(css)).send_keys(value)
    click(browser, "main form button.primary")
    assert "16:00" in browser.find_element(*by("main table")).text  # the edited service's history
    browser.get(base + "/org")
    click(browser, f"form[action='/services/{confirmed.id}/confirm'] button")
    click(browser, f"a[href='/services/{confirmed.id}/history']")
    assert "confirm" in browser.find_element(*by("main table")).text
    browser.get(f"{base}/services/{edited.id}/history")
    assert "opening_hours" in browser.find_element(*by("main table")).text

    choose(browser, "#language-switch", "en")
    click(browser, ".tools form button")
    assert browser.find_element(*by("h1")).text.startswith("History: ")
    browser.get(base + "/org")
    assert [a.text for a in browser.find_elements(*by("nav[aria-label=Main] a"))] == ["My listings", "Referrals"]
    assert browser.find_element(*by("#services-title")).text == "Services"
    assert serious_violations(browser) == []
    choose(browser, "#language-switch", "zh")
    click(browser, ".tools form button")


def _two_services(app) -> list[Service]:
    with app.app_context(), get_db().session() as session:
        return list(
            session.scalars(
                select(Service).where(Service.organization_id == app.edited_org).order_by(Service.name)
            ).all()[:2]
        )

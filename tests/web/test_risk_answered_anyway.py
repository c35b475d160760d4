"""The find-help page never sends a child at risk back to the form: the answer comes with the urgent
section first and the parts of the form it could not use named above it (referral/match_rescue.py)."""

from __future__ import annotations

import html
import re

from tests.web.test_pages import FIND, text


def test_a_risk_with_a_wrong_age_is_answered_with_the_age_named_as_unused(pages) -> None:
    pages.sign_in("social_worker")
    response = pages.post(
        "/find", {**FIND, "child.age": "30", "notes": "孩子说不想活了"}, headers={"Accept-Language": "zh"}
    )
    page = text(response)
    assert response.status_code == 200
    assert page.index('class="problems"') < page.index('class="urgent"') < page.index("识别出的需求")
    assert "<code>child.age</code>" in page and "以下内容未能使用，已先行给出结果" in page
    assert 'href="tel:110"' in page
    hidden = html.unescape(re.search(r'name="request" value="([^"]*)"', page).group(1))
    service = re.search(r'name="service" value="([^"]*)"', page).group(1)
    sheet = pages.post("/find/sheet", {"request": hidden, "service": service, "language": "zh"})
    assert sheet.status_code == 200 and "<h1>转介单</h1>" in text(sheet)


def test_a_risk_with_a_place_nobody_can_find_gets_the_lines(pages) -> None:
    pages.sign_in("social_worker")
    response = pages.post(
        "/find",
        {**FIND, "location.place": "不存在的地方", "notes": "爸爸经常打她，身上有伤"},
        headers={"Accept-Language": "en"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "<code>location.place</code>" in page and 'href="tel:110"' in page and "Near" not in page


def test_the_same_wrong_form_without_a_risk_goes_back_to_the_form(pages) -> None:
    pages.sign_in("social_worker")
    response = pages.post("/find", {**FIND, "child.age": "30"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and 'class="problems"' not in text(response)

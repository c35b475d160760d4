"""Problem documents speak the language Accept-Language asks for (English by default); only the
title and detail change: the type, the status and the field names never do."""

from __future__ import annotations

import pytest

from referral.api.errors import field_message
from tests import builders
from tests.api.test_match_safety import seed_demo
from tests.builders import fresh, seed_mini
from tests.referral_setup import COUNSELLING, EAST, move, people, referral_body, send

MISSING = "/v1/services/00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("accept", "title", "detail"),
    [
        # no header, or English asked: the texts as they have always been
        (None, "Not Found", "No service with id '00000000-0000-0000-0000-000000000000'."),
        ("en", "Not Found", "No service with id '00000000-0000-0000-0000-000000000000'."),
        # a region of Chinese finds the Chinese catalogue
        ("zh-CN", "未找到", "没有 id 为 '00000000-0000-0000-0000-000000000000' 的 service。"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "未找到", "没有 id 为 '00000000-0000-0000-0000-000000000000' 的 service。"),
        # quality values decide, not the order
        ("en;q=0.5, zh;q=0.9", "未找到", "没有 id 为 '00000000-0000-0000-0000-000000000000' 的 service。"),
        ("zh;q=0.1, en", "Not Found", "No service with id '00000000-0000-0000-0000-000000000000'."),
        # a language without a catalogue: English
        ("fr-FR", "Not Found", "No service with id '00000000-0000-0000-0000-000000000000'."),
    ],
)
def test_a_404_is_in_the_language_asked_for(client, accept, title, detail):
    answer = client.get(MISSING, headers={"Accept-Language": accept} if accept else {})
    body = answer.get_json(force=True)
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
    assert body == {"type": "/docs#problem-not-found", "title": title, "status": 404, "detail": detail}
    assert "Accept-Language" in answer.headers["Vary"]


def test_a_422_in_chinese_keeps_its_type_and_field_names_and_translates_marshmallow_s_words(client, admin_headers):
    organization = builders.organization()
    del organization["name"]
    answer = client.post("/v1/organizations", json=organization, headers={**admin_headers, "Accept-Language": "zh-CN"})
    body = answer.get_json(force=True)
    assert answer.status_code == 422
    assert (body["type"], body["title"]) == ("/docs#problem-validation-error", "请求无效")
    assert body["errors"] == [{"field": "name", "pointer": "/name", "detail": "缺少必填字段的数据。"}]
    assert body["detail"] == "name: 缺少必填字段的数据。"


def test_the_same_422_in_english_is_unchanged(client, admin_headers):
    organization = builders.organization()
    del organization["name"]
    body = client.post("/v1/organizations", json=organization, headers=admin_headers).get_json(force=True)
    assert (body["title"], body["detail"]) == ("Invalid request", "name: Missing data for required field.")
    assert body["errors"] == [{"field": "name", "pointer": "/name", "detail": "Missing data for required field."}]


def test_a_schema_s_own_message_is_translated_too(client):
    answer = client.get("/v1/services?need=Not-A-Code", headers={"Accept-Language": "zh"})
    body = answer.get_json(force=True)
    assert answer.status_code == 422
    assert body["errors"] == [
        {"field": "need", "pointer": "/need", "detail": "不是由小写字母、数字、_ 和 . 组成的代码"}
    ]
    english = client.get("/v1/services?need=Not-A-Code").get_json(force=True)
    assert english["detail"] == "need: not a code of lower-case letters, digits, _ and ."


@pytest.mark.parametrize(
    ("path", "method", "headers", "status", "title", "detail"),
    [
        # no key where one is needed
        ("/v1/admin/accounts", "get", {}, 401, "未认证", "此操作需要密钥：Authorization: Bearer <key>。"),
        # a URL the API does not have: werkzeug's own words, translated
        (
            "/v1/nothing-here",
            "get",
            {},
            404,
            "未找到",
            "服务器上找不到所请求的网址。如果网址是手动输入的，请检查拼写后重试。",
        ),
        # a body that is not JSON
        (
            "/v1/organizations",
            "post",
            {"Content-Type": "text/plain"},
            415,
            "不支持的媒体类型",
            "请以 JSON 发送请求体，并设置 Content-Type: application/json。",
        ),
    ],
)
def test_other_problems_speak_chinese_too(client, admin_headers, path, method, headers, status, title, detail):
    if status != 401:
        headers = {**admin_headers, **headers}
    answer = getattr(client, method)(
        path, data="x" if method == "post" else None, headers={**headers, "Accept-Language": "zh"}
    )
    body = answer.get_json(force=True)
    assert (answer.status_code, body["title"], body["detail"]) == (status, title, detail)


# The use cases' own refusals (referral/errors.py): a template and its values, said in the language asked for.

NOWHERE = "00000000-0000-0000-0000-00000000000f"


@pytest.mark.parametrize(
    ("accept", "detail"),
    [
        (None, f"organization_id: no organization with id '{NOWHERE}'"),
        ("zh-CN", f"organization_id: 没有 id 为 '{NOWHERE}' 的机构"),
    ],
)
def test_a_use_case_s_422_fills_its_values_into_the_language_asked_for(client, admin_headers, accept, detail):
    headers = {**admin_headers, "Accept-Language": accept} if accept else admin_headers
    answer = client.post("/v1/services", json=builders.service(NOWHERE), headers=headers)
    body = answer.get_json(force=True)
    assert (answer.status_code, body["type"], body["detail"]) == (422, "/docs#problem-validation-error", detail)
    assert body["errors"] == [
        {"field": "organization_id", "pointer": "/organization_id", "detail": detail.split(": ", 1)[1]}
    ]


def test_a_decline_without_a_reason_and_an_illegal_move_speak_chinese(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    chinese = {**cast.editor, "Accept-Language": "zh-CN"}
    declined = move(client, sent["id"], chinese, "declined").get_json()
    assert (declined["title"], declined["detail"]) == ("请求无效", "reason: 拒绝必须说明理由")
    assert declined["errors"] == [{"field": "reason", "pointer": "/reason", "detail": "拒绝必须说明理由"}]
    conflict = move(client, sent["id"], chinese, "completed")
    assert conflict.status_code == 409
    assert conflict.get_json() == {
        "type": "/docs#problem-conflict",
        "title": "冲突",
        "status": 409,
        "detail": "状态为 requested 的转介不能变为 completed。",
    }
    assert move(client, sent["id"], cast.editor, "declined").get_json()["detail"] == "reason: a decline needs a reason"


def test_a_forbidden_change_with_values_speaks_chinese(app, client, make_key, admin_headers):
    seed_mini(app)
    editor = make_key("org_editor", EAST)
    url = f"/v1/services/{COUNSELLING}"
    answer = client.patch(
        url, json={"status": "suspended"}, headers={**fresh(client, url, editor), "Accept-Language": "zh"}
    )
    body = answer.get_json(force=True)
    assert (answer.status_code, body["detail"]) == (403, "只有管理员可以暂停条目。")
    assert body["errors"] == [{"field": "status", "pointer": "/status", "detail": "只有管理员可以暂停条目。"}]


def _match(client, headers, accept, **overrides):
    body = {"location": {"place": "T1"}, "child": {"age": 9}, "needs": [{"code": "development.autism"}], **overrides}
    answer = client.post("/v1/match", json=body, headers={**headers, **({"Accept-Language": accept} if accept else {})})
    assert answer.status_code == 422
    return answer.get_json(force=True)


@pytest.mark.parametrize(
    ("overrides", "field", "english", "chinese"),
    [
        # the matching core's MatchInputError
        (
            {"needs": [{"code": "no.such.code"}]},
            "needs[0].code",
            "unknown need code 'no.such.code'",
            "未知的需求代码 'no.such.code'",
        ),
        # marshmallow's range, length and one-of messages, their values captured and filled in again
        (
            {"needs": [{"code": "development.autism", "severity": 9}]},
            "needs[0].severity",
            "Must be greater than or equal to 0 and less than or equal to 3.",
            "必须大于或等于 0 且小于或等于 3。",
        ),
        (
            {"child": {"age": 9, "school": ""}},
            "child.school",
            "Length must be between 1 and 200.",
            "长度必须在 1 到 200 之间。",
        ),
        (
            {"notes": "x" * 2001},
            "notes",
            "Longer than maximum length 2000.",
            "超过最大长度 2000。",
        ),
        (
            {"constraints": {"modes": ["by_pigeon"]}},
            "constraints.modes[0]",
            "Must be one of: in_person, home_visit, school_based, remote.",
            "必须是以下之一：in_person, home_visit, school_based, remote。",
        ),
        # the schemas' own messages, fixed or with values
        ({"location": {"lat": 31.3}}, "location.lon", "give both lat and lon", "请同时给出 lat 和 lon"),
        (
            {"assessment": {"behavioural": "extreme"}},
            "assessment.behavioural",
            "must be one of none, low, medium, high",
            "必须是以下之一：none, low, medium, high",
        ),
    ],
)
def test_a_match_s_422_is_in_chinese_with_its_values_and_unchanged_in_english(
    app, client, worker_headers, overrides, field, english, chinese
):
    seed_mini(app)
    for accept, detail in ((None, english), ("en", english), ("zh-CN", chinese)):
        body = _match(client, worker_headers, accept, **overrides)
        assert body["detail"] == f"{field}: {detail}"
        assert [(e["field"], e["detail"]) for e in body["errors"]] == [(field, detail)]


def test_an_english_text_no_template_knows_is_passed_through(app):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert field_message("Must be one of: a, b.") == "必须是以下之一：a, b。"
        assert field_message("Must be shorter than the moon.") == "Must be shorter than the moon."
        assert field_message("Missing data for required field.") == "缺少必填字段的数据。"


def test_a_child_at_risk_is_still_answered_and_the_dropped_parts_named_in_chinese(app, client, worker_headers):
    seed_demo(app)
    body = {
        "location": {"place": "平江街道"},
        "child": {"age": 9},
        "needs": [{"code": "no.such.code"}, {"code": "education.learning_support", "severity": 9}],
        "notes": "爸爸经常打她，身上有伤",
    }
    answer = client.post("/v1/match", json=body, headers={**worker_headers, "Accept-Language": "zh-CN"})
    assert answer.status_code == 200
    assert answer.get_json()["problems"] == [
        {"field": "needs[1].severity", "detail": "必须大于或等于 0 且小于或等于 3。"},
        {"field": "needs[0].code", "detail": "未知的需求代码 'no.such.code'"},
    ]


@pytest.mark.parametrize(
    ("accept", "detail"),
    [
        (None, "The address 10.0.0.5 is loopback, private, link-local or reserved; use a public address."),
        ("zh", "地址 10.0.0.5 是回环、私有、链路本地或保留地址；请使用公网地址。"),
    ],
)
def test_a_webhook_s_refused_address_is_named_in_the_language_asked_for(
    app, client, make_key, admin_headers, accept, detail
):
    worker = people(app, make_key, admin_headers).worker
    headers = {**worker, "Accept-Language": accept} if accept else worker
    body = client.post("/v1/webhooks", json={"url": "http://10.0.0.5/hook"}, headers=headers).get_json()
    assert (body["status"], body["detail"]) == (422, f"url: {detail}")


def test_a_time_that_is_not_one_is_named_in_chinese(app, client, make_key, admin_headers):
    worker = people(app, make_key, admin_headers).worker
    body = referral_body(consent={"given_by": "parent", "given_at": "yesterday", "purpose": "to arrange counselling"})
    answer = client.post("/v1/referrals", json=body, headers={**worker, "Accept-Language": "zh"})
    assert answer.get_json()["errors"] == [
        {"field": "consent.given_at", "pointer": "/consent/given_at", "detail": "不是有效的日期时间。"}
    ]


def test_an_admin_only_action_is_refused_in_one_whole_sentence_in_either_language(app, client, make_key):
    seed_mini(app)
    editor = make_key("org_editor", EAST)
    url = f"/v1/organizations/{EAST}"
    said = {
        accept: client.delete(url, headers={**fresh(client, url, editor), "Accept-Language": accept})
        for accept in ("zh", "en")
    }
    assert {k: (r.status_code, r.get_json()["detail"]) for k, r in said.items()} == {
        "zh": (403, "只有管理员可以停用机构。"),
        "en": (403, "Only an admin may deactivate organizations."),
    }

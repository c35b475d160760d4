"""Problem documents speak the language Accept-Language asks for (English by default); only the
title and detail change: the type, the status and the field names never do."""

from __future__ import annotations

import pytest

from tests import builders

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

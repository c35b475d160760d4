"""JSON responses through orjson (referral/api/jsonout.py) are byte for byte what Flask's own provider
writes: every value a view returns, the small floats orjson formats differently, and what it refuses."""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from referral.api.jsonout import OrjsonProvider

APPS: list[Flask] = []  # a provider holds its app by a weak reference


def _provider(kind: type[DefaultJSONProvider]) -> DefaultJSONProvider:
    app = Flask(__name__)
    APPS.append(app)
    provider = kind(app)
    provider.ensure_ascii = False  # as referral.app sets them
    provider.sort_keys = False
    return provider


FLASKS, OURS = _provider(DefaultJSONProvider), _provider(OrjsonProvider)


def assert_same(value: Any) -> None:
    ours, flasks = OURS.response(value), FLASKS.response(value)
    assert ours.get_data() == flasks.get_data()
    assert ours.headers["Content-Type"] == flasks.headers["Content-Type"]
    assert ours.headers["Content-Length"] == flasks.headers["Content-Length"]


@dataclasses.dataclass
class Point:
    lat: float
    lon: float


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1.5, None, True, False], "c": {}},  # key order kept, not sorted
        {"name": "平江街道 Pingjiang", "emoji": "\U0001f600"},  # non-ASCII written as is
        {"km": 12.3, "score": 57.123456789, "zero": -0.0, "big": 1e16, "huge": 1.7976931348623157e308},
        {"tiny": 1e-05, "tinier": 1.5e-07, "edge": 0.0001},  # orjson: 0.00001, 1.5e-7: written by json
        [1e-06, -2.5e-05, 100.00001],
        1e-05,
        # a false alarm: the same bytes, written by json
        {"id": "ca43b4cb-aae6-4c39-8d4e-0defb8d8fe3e", "text": "0.00001 and 1e-7, inside a string"},
        {"int": 2**64},  # over 64 bits: orjson refuses
        {1: "a non-string key", None: "n"},  # orjson refuses
        {"day": date(2026, 12, 3), "at": datetime(2026, 12, 3, 5, 30, tzinfo=UTC)},  # Flask's http_date
        {"point": Point(31.3, 120.6), "id": uuid.UUID(int=7), "amount": decimal.Decimal("1.10")},
        [1, "two", (3, 4)],
        "a string",
        None,
    ],
)
def test_a_response_is_the_bytes_flask_would_write(value: Any) -> None:
    assert_same(value)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_written_as_flask_would(value: Any) -> None:
    assert_same(value)


def test_debug_or_sorted_output_is_left_to_flask() -> None:
    provider = _provider(OrjsonProvider)
    provider.sort_keys = True
    assert provider.response({"b": 1, "a": 2}).get_data() == b'{"a":2,"b":1}\n'
    provider.sort_keys, provider.compact = False, False
    assert provider.response({"b": 1}).get_data() == b'{\n  "b": 1\n}\n'


def test_orjson_writes_an_ordinary_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("written by the standard library")

    monkeypatch.setattr(DefaultJSONProvider, "response", refuse)
    body = {"results": [{"rank": 1, "score": 71.25, "distance_km": 2.4, "name": "平江", "verified_at": None}]}
    assert OURS.response(body).get_data() == (
        b'{"results":[{"rank":1,"score":71.25,"distance_km":2.4,"name":"\xe5\xb9\xb3\xe6\xb1\x9f","verified_at":null}]}\n'
    )

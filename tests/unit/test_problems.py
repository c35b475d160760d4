"""Turning marshmallow's nested messages into field paths and JSON pointers."""

from referral.api.errors import _pointer, flatten_messages


def test_nested_messages_become_dotted_paths_with_list_indexes():
    messages = {
        "needs": {0: {"code": ["Unknown."]}, 2: {"severity": ["Too big."]}},
        "child": {"age": ["Missing."]},
        "_schema": ["Whole body wrong."],
    }
    assert list(flatten_messages(messages)) == [
        ("needs[0].code", "Unknown."),
        ("needs[2].severity", "Too big."),
        ("child.age", "Missing."),
        ("", "Whole body wrong."),
    ]


def test_field_paths_become_rfc6901_pointers():
    assert _pointer("needs[0].code") == "/needs/0/code"
    assert _pointer("names.zh/hans") == "/names/zh~1hans"
    assert _pointer("") == ""

"""marshmallow schemas shared by the API, the pages and the CLI: the directory's listings
(``schemas.directory``) and the match request and response (``schemas.match``), with the one way a
schema's nested error messages become (field path, message) pairs.

Schemas check syntax only (types, ranges, enumerations, cross-field rules); whether a referenced
organization, place or need exists is the use cases' business. Nothing here imports Flask, the API
or the pages: each of them (and ``referral match``) loads requests through the same schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def N_(message: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """Marks a schema's fixed message for the API's catalogue (tools/translations.py extracts this
    package with referral/api); the API translates it where it is shown, in the request's language."""
    return message


def flatten_messages(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """marshmallow's nested error dict -> (dotted field path, message) pairs."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                yield from flatten_messages(value, prefix)
                continue
            path = f"{prefix}[{key}]" if isinstance(key, int) else (f"{prefix}.{key}" if prefix else str(key))
            yield from flatten_messages(value, path)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            yield from flatten_messages(item, prefix)
    else:
        yield prefix, str(messages)

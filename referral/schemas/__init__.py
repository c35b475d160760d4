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

from referral.errors import N_  # the one marker for the app's catalogue (referral/wording.py)

ONE_OF_GRADES = N_("must be one of {grades}")  # a screening grade's refusal (schemas.match)


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

"""Text at the boundary: what no input may carry, checked once before anything is parsed further or
stored — by the API (request bodies, query strings, path ids) and by imports.

Refused everywhere: lone surrogates (not Unicode: they cannot be encoded, so a stored one breaks
every later answer that shows it), NUL, the C0 and C1 control characters other than tab, line feed
and carriage return, and the noncharacters U+FFFE and U+FFFF; JSON nested deeper than MAX_DEPTH.
Messages name where the problem is, never the text itself (it may be a child's).

Pure: no Flask, no database. ``problems(data)`` walks any parsed JSON value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# Deep enough for every document this API takes (an HSDS service nests about 6 levels).
MAX_DEPTH = 32
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be stored, or None when it may."""
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return "is not valid Unicode (it holds a lone surrogate)"
    if char == "\x00":
        return "must not contain a NUL character"
    return f"must not contain the control character U+{ord(char):04X}"


def problems(data: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(field path, message) for every string or key in ``data`` that may not be stored, and for
    nesting deeper than MAX_DEPTH. Paths are dotted, with [i] for list items."""
    if depth > MAX_DEPTH:
        yield path, f"is nested deeper than {MAX_DEPTH} levels"
        return
    if isinstance(data, str):
        message = text_problem(data)
        if message:
            yield path, message
    elif isinstance(data, dict):
        for key, value in data.items():
            key_problem = text_problem(key) if isinstance(key, str) else None
            if key_problem:
                yield path, f"has a key that {key_problem}"
                continue
            yield from problems(value, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from problems(item, f"{path}[{i}]", depth + 1)


def json_too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``raw`` opens more than ``limit`` nested arrays or objects — checked
    on the bytes, before a parser recurses into them. Brackets inside strings do not count."""
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b'""', raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False

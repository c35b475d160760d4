"""Domain errors raised by the use cases; the API turns them into problem+json (api/errors.py), and
the matching core's own ``MatchInputError`` (matching/types.py: the core imports nothing of the app)
beside them, as the same 422.

Each message is an English template (``str.format`` fields) marked with :func:`N_` for the API's
gettext catalogue, kept with its values: ``message`` (and ``str()``) is the English text, and the API
translates ``template`` and fills it with ``values`` in the request's language (api/errors.py).

This module must not import Flask or the database.
"""

from __future__ import annotations


def N_(message: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """Marks a template for the API's catalogue (``make translations``); it is translated where shown."""
    return message


class DomainError(Exception):
    """Base of the errors a use case raises about the caller's request."""


class NotFound(DomainError):
    def __init__(self, kind: str, key: str):
        super().__init__(f"No {kind} with id {key!r}.")
        self.kind, self.key = kind, key


class Invalid(DomainError):
    """A value is well-formed but wrong in meaning (an unknown code, another org's site…)."""

    def __init__(self, field: str, message: str, suggestions: tuple[str, ...] = (), **values: object):
        self.field, self.template, self.values, self.suggestions = field, message, values, suggestions
        self.message = message.format(**values) if values else message
        super().__init__(f"{field}: {self.message}")


class InvalidMany(DomainError):
    """Several Invalid at once, so a caller learns every problem in one round trip."""

    def __init__(self, problems: list[Invalid]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class StaleVersion(DomainError):
    """The caller's If-Match names an older version than the record has now."""

    def __init__(self, kind: str, current: int):
        super().__init__(f"The {kind} changed since you read it; it is now at version {current}.")
        self.kind, self.current = kind, current


class Conflict(DomainError):
    """The change is well-formed but would break a rule of the whole (the last admin disabled…)."""

    def __init__(self, message: str, **values: object):
        self.template, self.values = message, values
        self.message = message.format(**values) if values else message
        super().__init__(self.message)

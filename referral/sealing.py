"""Encryption at rest for personal fields (a referral's message, child reference, family contact
and consent) and webhook secrets: Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
under the configured key(s). A list of keys rotates: the first encrypts, every one decrypts.

Owns sealing and opening text; must not depend on Flask or the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SealingError(ValueError):
    """A key that is not a Fernet key, or a token no configured key opens."""


def keys_of(value: Any) -> list[str]:
    """The configured key(s) as a list, each checked to be a Fernet key."""
    keys = [value] if isinstance(value, str) else list(value or [])
    if not keys or not all(isinstance(k, str) and k for k in keys):
        raise SealingError("give a Fernet key (32 bytes, url-safe base64) or a list of them")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SealingError("not a Fernet key (32 bytes, url-safe base64)") from None
    return keys


def new_key() -> str:
    """A fresh random key for ENCRYPTION_KEY."""
    return Fernet.generate_key().decode()


class Sealer:
    """Seals and opens text and JSON values with the configured keys."""

    def __init__(self, keys: Sequence[str] | str):
        self._fernet = MultiFernet([Fernet(k) for k in keys_of(keys)])

    def seal(self, text: str | None) -> str | None:
        return None if text is None else self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SealingError("no configured key opens this value (was the key changed without rotation?)") from None

    def seal_json(self, value: Any) -> str | None:
        return None if value is None else self.seal(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def open_json(self, token: str | None) -> Any:
        text = self.open(token)
        return None if text is None else json.loads(text)

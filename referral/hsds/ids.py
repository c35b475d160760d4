"""HSDS identifiers: kept when they are UUIDs, otherwise turned into a stable uuid5.

Objects we export without an id of our own (a site's schedule, a service's cost option…) get a
uuid5 derived from their owner's id and a key, so that every export of the same data is identical.
"""

from __future__ import annotations

import hashlib
import uuid

# Fixed forever: ids derived from third-party ids and exported child ids must never change.
NAMESPACE = uuid.UUID("0e3c8a5e-5b7d-5c53-8f7e-2b1f6d9a4c21")


def as_uuid(value: str) -> tuple[str, bool]:
    """``value`` as a canonical lower-case UUID string, and whether it had to be derived."""
    try:
        return str(uuid.UUID(value)), False
    except (ValueError, AttributeError, TypeError):
        return str(uuid.uuid5(NAMESPACE, f"hsds:{value}")), True


def derived(owner: str, kind: str, key: str = "") -> str:
    """A stable id for a child object of ``owner`` that has no id of its own here: exactly
    ``uuid.uuid5(NAMESPACE, "owner/kind/key")``, without building UUID objects (an export derives
    millions of them)."""
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + f"{owner}/{kind}/{key}".encode(), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_NAMESPACE_BYTES = NAMESPACE.bytes

"""Stable ids of seeded rows: a uuid5 of the row's kind and key in one fixed namespace, so that
seeding again (``seeding``, ``seeding_safety``) updates rows in place. Depends on nothing else here.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6b1f4c52-3c1e-5a43-9d0e-7f2a8c0d5e11")  # fixed: seeded ids never change


def stable_id(kind: str, key: str) -> str:
    """The id of the seeded row of ``kind`` with ``key``."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))

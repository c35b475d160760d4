"""HTTP optimistic concurrency: ETags from record versions, If-Match required on changes."""

from __future__ import annotations

from typing import Any

from flask import request

from referral.api.errors import Problem
from referral.api.i18n import _


def etag(obj: Any) -> dict[str, str]:
    """The ETag header for a record: its version, quoted (a strong validator)."""
    return {"ETag": f'"{obj.version}"'}


def expected_version() -> int:
    """The version the caller's If-Match names. 428 when absent or ``*`` (which would overwrite
    whatever is there), 412 when it names no single version."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        raise Problem(
            428,
            _("Precondition Required"),
            _("Send If-Match with the ETag from your last read (not *), so no one's edit is overwritten."),
            type_="precondition-required",
        )
    # An empty or malformed header parses to no tag or a None one: it names no version.
    tags = [t for t in request.if_match.as_set() if t and t.isdigit()]
    if len(tags) != 1:
        raise Problem(
            412, _("Precondition Failed"), _("If-Match must name exactly one ETag from a read."), type_="stale-version"
        )
    return int(tags[0])

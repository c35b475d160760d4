"""Access control in one place: a before-request check driven by each operation's declared access.

Until per-organization keys exist, every write needs the admin key from config
(``Authorization: Bearer <ADMIN_KEY>``); reads and the declared public operations are open.
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app, request

from referral.api.errors import Problem


def init_app(app: Flask) -> None:
    app.before_request(_check_access)


def _check_access() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    operation = getattr(view, "referral_operation", None)
    if operation is None or operation.access == "public":
        return
    if not _bearer_matches(current_app.config["ADMIN_KEY"]):
        raise Problem(
            401, "Unauthorized", "This operation needs an admin key: Authorization: Bearer <key>.",
            type_="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="referral"'},
        )


def _bearer_matches(expected: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token or not expected:
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())

"""Access control in one place: every request is authenticated here, and every operation's
declared access level (public, key, match, editor, admin) is checked here, before the view runs.
Ownership (an editor's own organization) is checked by the use cases through ``referral.policy``.

A missing or invalid key is 401 with ``WWW-Authenticate``; a valid key without the right role 403.
A presented key is always checked, even on public routes: a wrong key is never silently ignored.
The config's ADMIN_KEY, when set, is a bootstrap admin key (audit actor "config-admin").
"""

from __future__ import annotations

import hmac

from flask import Flask, current_app, g, request

from referral import accounts
from referral.api import keycache
from referral.api.errors import Problem
from referral.api.i18n import _
from referral.api.limits import check_key
from referral.api.routing import current_operation
from referral.db import WRITE_METHODS, get_session
from referral.policy import CONFIG_ADMIN, Principal, allows, require_writer

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="referral"'}


def init_app(app: Flask) -> None:
    keycache.init_app(app)
    app.before_request(_check_access)


def current_principal() -> Principal:
    """The authenticated caller of this request (the view's access level guarantees one)."""
    return g.principal


def _check_access() -> None:
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no key; flask-cors answers it (referral/api/cors.py)
    g.principal = _authenticate()
    operation = current_operation()
    if g.principal is not None and g.principal.key_id is not None and (operation is None or operation.limited):
        check_key(g.principal.key_id)
    if operation is None or allows(g.principal, operation.access):
        if g.principal is not None and operation is not None and request.method in WRITE_METHODS:
            require_writer(g.principal)
        return
    if g.principal is None:
        raise Problem(
            401,
            _("Unauthorized"),
            _("This operation needs a key: Authorization: Bearer <key>."),
            type_="unauthorized",
            headers=CHALLENGE,
        )
    raise Problem(403, _("Forbidden"), _("A {role} key may not do this.", role=g.principal.role), type_="forbidden")


def _authenticate() -> Principal | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _space, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Problem(
            401,
            _("Unauthorized"),
            _("Send the key as Authorization: Bearer <key>."),
            type_="unauthorized",
            headers=CHALLENGE,
        )
    bootstrap = current_app.config.get("ADMIN_KEY") or ""
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return CONFIG_ADMIN
    cache = current_app.extensions["referral.keys"]  # keycache.py: a valid key is re-checked after 1 s
    principal = cache.get(token)
    if principal is not None:
        return principal
    principal = accounts.authenticate(get_session(), token)
    if principal is None:
        raise Problem(
            401,
            _("Unauthorized"),
            _("The key is invalid, expired or revoked."),
            type_="unauthorized",
            headers=CHALLENGE,
        )
    cache.put(token, principal)
    return principal

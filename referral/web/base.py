"""The ``web`` blueprint and what every page shares: who is signed in, the access levels of the API
(``policy.allows``), CSRF on every form, and rendering with ``Cache-Control`` set.

The signed-in principal is read from the session's key id through ``accounts.principal_for_key``
(or, for a password sign-in, its account id and password mark through
``passwords.principal_for_account``) on every request, so a revoked key, a disabled account or a
changed password is signed out at once.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from referral import accounts, passwords
from referral.db import get_session
from referral.policy import CONFIG_ADMIN, Principal, allows, require_writer

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")
csrf = CSRFProtect()
SESSION_HOURS = 12  # a signed-in session lasts a working day


@bp.before_request
def _load_principal() -> None:
    """CSRF on every form of the pages; the signed-in person for the page and the access log."""
    if request.endpoint == "web.static":
        return  # a stylesheet needs no one signed in
    if request.method == "POST" and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    g.web_principal = signed_in()
    if g.web_principal is not None:
        g.principal = g.web_principal  # the access log names the key's public prefix, as for the API


def signed_in() -> Principal | None:
    """The principal whose key this session holds, while the key is valid and the session young."""
    started = session.get("signed_in_at")
    if started is None or time.time() - started > SESSION_HOURS * 3600:
        return None
    if session.get("config_admin"):
        return CONFIG_ADMIN if hmac.compare_digest(session["config_admin"], config_admin_mark()) else None
    if session.get("account_id") and session.get("password_mark"):
        return passwords.principal_for_account(get_session(), session["account_id"], session["password_mark"])
    key_id = session.get("key_id")
    return accounts.principal_for_key(get_session(), key_id) if key_id else None


def config_admin_mark() -> str:
    """A digest of the config's ADMIN_KEY: a session made with it ends when the key changes."""
    admin_key = current_app.config.get("ADMIN_KEY") or ""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), admin_key.encode(), "sha256").hexdigest()


def principal() -> Principal:
    """The signed-in person (the page's access level guarantees one)."""
    return g.web_principal


class Refused(Exception):
    """Raise in a page to answer with the error page of ``status`` (web/errors.py renders it)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def page(access: str, writes: bool = False, read_only: bool = False) -> Callable:
    """A page for ``access`` (public, key, match, editor, admin as in the API). Not signed in: the
    sign-in page; signed in without the role: 403. ``writes``: an editor of an inactive
    organization may not; ``read_only``: a POST that only reads (a match) gets a read session."""

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def view(**kwargs: Any) -> Any:
            who = g.web_principal
            if access != "public" and who is None:
                return redirect(
                    url_for("web.sign_in", next=request.full_path.rstrip("?") if request.method == "GET" else None)
                )
            if not allows(who, access):
                raise Refused(403)
            if writes and request.method == "POST":
                require_writer(who)
            return fn(**kwargs)

        view.referral_read_only = read_only  # type: ignore[attr-defined]  # db.get_session reads it
        return view

    return decorator


def render(template: str, status: int = 200, private: bool = False, **context: Any) -> Any:
    """A page; ``private`` ones (a child's answer, a new key) are never stored by any cache."""
    response = current_app.make_response((render_template(template, **context), status))
    response.headers["Cache-Control"] = "no-store" if private else "private, no-cache"
    return response

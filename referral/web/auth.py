"""Signing in with a key made by ``referral create-key`` (checked by ``accounts.authenticate``, or the
config's bootstrap ADMIN_KEY) or with a login and password an admin set (``passwords.authenticate``),
signing out, and the home page that lists what the role may do."""

from __future__ import annotations

import hmac
import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from referral import accounts, passwords
from referral.db import get_session
from referral.errors import Invalid
from referral.web.base import bp, config_admin_mark, page, principal, render

SIGN_IN_ATTEMPTS = "10 per minute"  # per client address: enough for typing slips, too few to guess


@bp.get("/")
@page("public")
def home():
    """What the signed-in person may do; the sign-in form for everyone else."""
    if g.web_principal is None:
        return redirect(url_for("web.sign_in"))
    return render("web/home.html")


@bp.route("/sign-in", methods=["GET", "POST"])
@page("public", read_only=True)
def sign_in():
    """The key is checked once; the session keeps its id only (the key itself is never stored)."""
    if request.method == "GET":
        return render("web/sign_in.html", next=_safe(request.args.get("next")))
    language = session.get("language")
    by_password = "login" in request.form
    found = _check_password(request.form) if by_password else _check(request.form.get("key", "").strip())
    if found is None:
        error = (
            _("This login and password do not match an active account.")
            if by_password
            else _("This key is invalid, expired or revoked.")
        )
        return render(
            "web/sign_in.html",
            status=401,
            error=error,
            by_password=by_password,
            login=(request.form.get("login") or "")[:64],
            next=_safe(request.form.get("next")),
        )
    session.clear()  # a new session for the new person (no fixation of an old one)
    session.update(found, signed_in_at=time.time())
    if language:
        session["language"] = language
    return redirect(_safe(request.form.get("next")) or url_for("web.home"))


def _check(token: str) -> dict | None:
    """What the session keeps for a valid key: its id, or the mark of the config's admin key."""
    bootstrap = current_app.config.get("ADMIN_KEY") or ""
    if bootstrap and hmac.compare_digest(token.encode(), bootstrap.encode()):
        return {"config_admin": config_admin_mark()}
    principal = accounts.authenticate(get_session(), token) if token else None
    return {"key_id": principal.key_id} if principal is not None else None


def _check_password(form) -> dict | None:
    """What the session keeps for a right login and password: the account's id and the password's mark."""
    login, password = (form.get("login") or "")[:64], form.get("password") or ""
    found = passwords.authenticate(get_session(), login, password) if login and password else None
    if found is None:
        return None
    principal, mark = found
    return {"account_id": principal.account_id, "password_mark": mark}


@bp.post("/sign-out")
@page("public", read_only=True)
def sign_out():
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    return redirect(url_for("web.sign_in"))


def _safe(target: str | None) -> str | None:
    """Only a path on this site (never another host) is a place to go back to."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target.rstrip("?")
    return None


@bp.post("/admin/accounts/<account_id>/password")
@page("admin", writes=True)
def set_password(account_id: str):
    """An admin sets an account's login and password (hashed by ``passwords``; never shown again)."""
    try:
        account = passwords.set_password(
            get_session(), principal(), account_id, request.form.get("login") or "", request.form.get("password") or ""
        )
    except Invalid as error:
        get_session().rollback()
        flash(_refusal(error.message))
    else:
        flash(
            _(
                "%(name)s can now sign in as %(login)s with the password you set.",
                name=account.name,
                login=account.login,
            )
        )
    return redirect(url_for("web.accounts"))


def _refusal(message: str) -> str:
    """The use case's refusal in the person's language."""
    return {
        passwords.LOGIN_FORMAT: _("Password not set: a login is 3 to 64 lower-case letters, digits, '.', '_' or '-'."),
        passwords.LOGIN_TAKEN: _("Password not set: another account has this login."),
        passwords.PASSWORD_LENGTH: _("Password not set: a password is 12 to 200 characters long."),
    }.get(message, _("Password not set: %(reason)s", reason=message))

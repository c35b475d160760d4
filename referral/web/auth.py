"""Signing in with a key made by ``referral create-key`` (checked by ``accounts.authenticate``, or the
config's bootstrap ADMIN_KEY), signing out, and the home page that lists what the role may do."""

from __future__ import annotations

import hmac
import time

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from referral import accounts
from referral.db import get_session
from referral.web.base import bp, config_admin_mark, page, render


@bp.get("/")
@page("public")
def home():  # noqa: ANN201
    """What the signed-in person may do; the sign-in form for everyone else."""
    if g.web_principal is None:
        return redirect(url_for("web.sign_in"))
    return render("web/home.html")


@bp.route("/sign-in", methods=["GET", "POST"])
@page("public", read_only=True)
def sign_in():  # noqa: ANN201
    """The key is checked once; the session keeps its id only (the key itself is never stored)."""
    if request.method == "GET":
        return render("web/sign_in.html", next=_safe(request.args.get("next")))
    token = request.form.get("key", "").strip()
    language = session.get("language")
    found = _check(token)
    if found is None:
        return render("web/sign_in.html", status=401, error=_("This key is invalid, expired or revoked."),
                      next=_safe(request.form.get("next")))
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


@bp.post("/sign-out")
@page("public", read_only=True)
def sign_out():  # noqa: ANN201
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

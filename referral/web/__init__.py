"""The web pages: server-rendered (Jinja), in every language with a catalogue (Flask-Babel), over the
same use cases as the API — ``matchmaking``, ``directory``, ``freshness``, ``referrals``,
``accounts``, the HSDS import — with no business rules of their own.

A person signs in with a key (``referral create-key``); the session cookie keeps only the key's id,
checked again on every page (a revoked key stops at once). Every form carries a CSRF token
(Flask-WTF, checked for the ``web`` blueprint only: the JSON API takes keys, not cookies). Nothing
about a child is stored or logged: the find-help form posts, the page renders with
``Cache-Control: no-store``. Must not be imported by the API or the matching core.
"""

from __future__ import annotations

from flask import Flask

from referral.web import admin, auth, editors, errors, find, i18n, inbox, sites  # noqa: F401 - they register their routes
from referral.web.base import bp, csrf


def init_app(app: Flask) -> None:
    """Cookie settings, CSRF, languages, HTML error pages, then the pages themselves."""
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("ENV") != "development"  # https outside development
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "referral_session"
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in the web blueprint only (base.py)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    csrf.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(bp)
    limiter = app.extensions.get("referral.limiter")
    if limiter is not None:  # guessing keys or passwords: a few tries a minute per address, on top of the app's limit
        limited = limiter.limit(auth.SIGN_IN_ATTEMPTS, methods=["POST"])
        app.view_functions["web.sign_in"] = limited(app.view_functions["web.sign_in"])

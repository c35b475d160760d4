"""Languages of the pages: the person's choice (kept in the session cookie), then Accept-Language,
then DEFAULT_LANGUAGE. The languages are those with a catalogue under ``translations/`` plus the
source language (English); the matching core's own words come from ``matching.messages``.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, redirect, request, session, url_for
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

from referral import wording
from referral.matching.messages import label
from referral.matching.week import periods  # the grouping of opening hours the terminal shows too
from referral.web.base import bp, page

TRANSLATIONS = Path(__file__).parent / "translations"
SOURCE_LANGUAGE = "en"
NAMES = {"en": "English", "zh": "中文"}  # each language's name in itself, for the switch


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = SOURCE_LANGUAGE
    Babel(app, locale_selector=chosen_language)
    app.jinja_env.filters["periods"] = periods  # consecutive days with the same hours as one range
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.globals.update(
        languages=languages,
        language_name=lambda code: NAMES.get(code, code),
        weekday_name=lambda i: label(_core_language(), "weekday", str(i)),
        phone_purpose=lambda code: label(_core_language(), "phone", code),
        role_name=role_name,
        get_locale=get_locale,
        status_name=status_name,
        code_label=lambda kind, code: label(_core_language(), kind, code),
    )


def _core_language() -> str:
    return str(get_locale() or SOURCE_LANGUAGE)


def told(error: Exception) -> str:
    """A use case's refusal in the page's language (the app's catalogue, referral/wording.py)."""
    return wording.told(_core_language(), error)


def field_said(message: str) -> str:
    """A schema's message about a field in the page's language (as the API says it in that language)."""
    return wording.field_message(_core_language(), message)


def shown(value: object) -> str:
    """A field's value in a history or conflict list: lists joined, rows as their values, none as —."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return "; ".join(shown(item) for item in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, "", {}, []))
    return str(value)


def status_name(status: str) -> str:
    """A listing's status in the page's language."""
    return {"active": _("active"), "inactive": _("inactive"), "suspended": _("suspended")}.get(status, status)


def role_name(role: str) -> str:
    """A role in the page's language."""
    return {
        "admin": _("administrator"),
        "org_editor": _("organization editor"),
        "social_worker": _("social worker"),
        "case_app": _("case application"),
    }.get(role, role)


def languages() -> tuple[str, ...]:
    """The languages the pages speak: the source language and each one with a catalogue."""
    found = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file())
    return (SOURCE_LANGUAGE, *found)


def chosen_language() -> str:
    """The session's choice, else the best of Accept-Language, else DEFAULT_LANGUAGE."""
    default = current_app.config.get("DEFAULT_LANGUAGE", SOURCE_LANGUAGE)
    choice = session.get("language")
    if choice in languages():
        return choice
    return request.accept_languages.best_match(languages(), default=default) or default


@bp.post("/language")
@page("public", read_only=True)
def switch_language():
    """Keep the person's language in the session; back to the page they were on."""
    choice = request.form.get("language", "")
    if choice in languages():
        session["language"] = choice
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("web.home"))

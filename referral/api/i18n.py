"""The API's own words in the caller's language: problem titles and details come from gettext
catalogues (``translations/<language>/LC_MESSAGES/api.po``, compiled to ``api.mo``), in the language
``Accept-Language`` asks for (quality values respected, ``zh-CN`` finds ``zh``), else English, the
source language of every msgid. ``make translations`` extracts the msgids (``_`` and ``N_`` calls in the
whole package but the pages, whose words are Flask-Babel's), updates each .po and compiles the .mo.

Only the wording changes with the language: a problem's ``type``, ``status`` and field names never do.
Reads the catalogue through referral/wording.py (the standard library's ``gettext``, not Flask-Babel,
whose locale is the pages': their session choice does not apply to API calls).
"""

from __future__ import annotations

from flask import has_request_context, request

from referral.errors import N_  # noqa: F401 - the app's one marker, re-exported for the API's modules
from referral.wording import SOURCE_LANGUAGE, languages, translate


def language() -> str:
    """The best of the request's Accept-Language among :func:`languages`; English outside a request."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    return request.accept_languages.best_match(languages(), default=SOURCE_LANGUAGE) or SOURCE_LANGUAGE


def _(message: str, **values: object) -> str:
    """``message`` in the request's language (as written where the catalogue lacks it), then filled
    with ``values`` (``str.format`` fields)."""
    return translate(language(), message, **values)

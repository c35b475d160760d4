"""The app's own messages in a given language: problem titles and details, and the refusals the use
cases raise (domain errors and the core's MatchInputError keep an English template and its values).

One gettext catalogue holds them, ``referral/api/translations/<language>/LC_MESSAGES/api.po`` (compiled
to ``api.mo``; ``make translations`` extracts it from the whole package but the pages), read with the
standard library. The API chooses the language from ``Accept-Language`` (api/i18n.py), the pages from
the person's choice (web/i18n.py); both read the words here. Imports nothing of Flask or the app.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

from referral.errors import N_
from referral.schemas import ONE_OF_GRADES

TRANSLATIONS = Path(__file__).parent / "api" / "translations"
DOMAIN = "api"
SOURCE_LANGUAGE = "en"


@cache
def languages() -> tuple[str, ...]:
    """English, then each language with a compiled catalogue."""
    found = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())
    return (SOURCE_LANGUAGE, *found)


@cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language`` (English, the msgids' own language, when there is none)."""
    return gettext.translation(DOMAIN, TRANSLATIONS, languages=[language], fallback=True)


def translate(language: str, message: str, **values: object) -> str:
    """``message`` in ``language`` (as written where the catalogue lacks it), filled with ``values``."""
    text = translation(language).gettext(message)
    return text.format(**values) if values else text


def told(language: str, error: Exception) -> str:
    """What a refusal says, in ``language``: its template translated and filled with its values, or
    its message as written when it keeps no template."""
    template = getattr(error, "template", None)
    if isinstance(template, str):
        return translate(language, template, **getattr(error, "values", {}))
    return translate(language, str(getattr(error, "message", error)))


# marshmallow's own messages for a field (those without a value in them), translated where shown.
MARSHMALLOW_WORDS = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Special numeric values (nan or infinity) are not permitted."),
)

# marshmallow's messages that carry values (and our own "must be one of {grades}"): marshmallow gives
# them formatted in English, so field_message recognizes each by its template (a regex of it) and
# translates the template, filled with the values it captured.
TEMPLATES = (
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    ONE_OF_GRADES,
)


def _pattern(template: str) -> re.Pattern[str]:
    """The regex of a template's English: each ``{name}`` field captures its value."""
    parts = re.split(r"\{(\w+)\}", template)  # text, field, text, field, …, text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)))


# The longest first: "Must be greater than {min}." would take "0 and less than 3" for its value.
PATTERNS = tuple((template, _pattern(template)) for template in sorted(TEMPLATES, key=len, reverse=True))


def field_message(language: str, message: str) -> str:
    """A schema's message in ``language``: a fixed one from the catalogue, else one of
    :data:`TEMPLATES` with the values marshmallow filled in, else as written."""
    for template, pattern in PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return translate(language, template, **found.groupdict())
    return translate(language, message)

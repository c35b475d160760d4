"""The core's words in other languages: gettext catalogues (``translations/<language>/LC_MESSAGES/core.mo``).

English is the source language: its sentences and labels are written in ``messages.py``, in tables keyed
by name, and each is the msgid of its translations, with the path of keys that reaches it as the message
context (``meets.exact``; ``label.weekday.0`` for ``LABELS["en"]["weekday"]["0"]``), so two equal English
texts may be translated apart. ``messages.py`` builds its other languages' tables from these catalogues
when it is imported; ``make translations`` extracts the .pot (with :func:`extract_tables`, a Babel
extractor that reads the tables without importing them), updates each .po and compiles the .mo.

Uses the standard library's ``gettext`` only (the core imports no web framework), and is given the
language as a parameter: it never guesses one.
"""

from __future__ import annotations

import ast
import gettext
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "core"
SOURCE_LANGUAGE = "en"
# The tables of messages.py that hold words shown to people, and the context prefix of each: their
# English entries ("en") are extracted; the other languages come from the catalogues.
TABLES = {"CATALOGUE": "", "LABELS": "label", "GENDER_RULES": "gender", "_SEPARATOR": "separator"}


def N_(message: str) -> str:  # gettext's name for "mark for extraction, translate later"
    """Marks a message of :class:`~referral.matching.types.MatchInputError` (an English ``str.format``
    template): it is extracted into the API's catalogue, which says it in the caller's language."""
    return message


def languages() -> tuple[str, ...]:
    """The languages with a compiled catalogue, besides English (sorted)."""
    return tuple(sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()))


@cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``; English (every text as written) where there is none."""
    return gettext.translation(DOMAIN, TRANSLATIONS, languages=[language], fallback=True)


def context(*keys: str) -> str:
    """The message context of a text: the path of keys that reaches it in its table."""
    return ".".join(key for key in keys if key)


def translated(language: str, message_context: str, english: str) -> str:
    """``english`` in ``language``: its translation in the catalogue, else ``english`` itself."""
    return translation(language).pgettext(message_context, english)


def extract_tables(
    fileobj: IO[bytes],
    keywords: Any,
    comment_tags: Any,
    options: Any,
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extractor (babel.cfg ``[extractors]``): each English text of the :data:`TABLES` of a
    module, as a ``pgettext`` call with its context."""
    for node in ast.parse(fileobj.read()).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign):
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in TABLES and isinstance(value, ast.Dict):
            english = _entry(value, SOURCE_LANGUAGE)
            if english is not None:
                yield from _strings(english, TABLES[target.id])


def _entry(table: ast.Dict, key: str) -> ast.expr | None:
    for name, value in zip(table.keys, table.values, strict=True):
        if isinstance(name, ast.Constant) and name.value == key:
            return value
    return None


def _strings(node: ast.expr, prefix: str) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.lineno, "pgettext", (prefix, node.value), []
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield from _strings(value, context(prefix, key.value))

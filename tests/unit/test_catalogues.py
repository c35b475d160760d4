"""The gettext catalogues (tools/translations.py lists them: the pages, the API's errors, the matching
core) hold exactly the texts the code uses today, each translated, and the committed .mo files are
the compiled .po files: `make translations` was run and its result committed."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from referral.matching import i18n as core_i18n
from referral.matching import messages
from tools.translations import CATALOGUES, Catalogue, compiled, extract

PER_LANGUAGE = [
    pytest.param(c, language, id=f"{c.domain}-{language}") for c in CATALOGUES for language in c.languages()
]


def _po(catalogue: Catalogue, language: str):
    with catalogue.po(language).open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize(("catalogue", "language"), PER_LANGUAGE)
def test_the_catalogue_holds_exactly_the_texts_the_code_uses(catalogue: Catalogue, language: str) -> None:
    in_po = {(m.context, m.id) for m in _po(catalogue, language) if m.id}
    assert sorted(extract(catalogue) - in_po, key=str) == [], "run `make translations`, then translate"
    assert sorted(in_po - extract(catalogue), key=str) == [], "run `make translations`: the .po has texts no code uses"


@pytest.mark.parametrize(("catalogue", "language"), PER_LANGUAGE)
def test_every_text_is_translated(catalogue: Catalogue, language: str) -> None:
    untranslated = [m.id for m in _po(catalogue, language) if m.id and (not m.string or "fuzzy" in m.flags)]
    assert untranslated == []


@pytest.mark.parametrize(("catalogue", "language"), PER_LANGUAGE)
def test_the_committed_mo_is_the_compiled_po(catalogue: Catalogue, language: str) -> None:
    def entries(data: bytes) -> dict:
        return {(m.context, m.id): m.string for m in read_mo(io.BytesIO(data)) if m.id}

    committed = catalogue.po(language).with_suffix(".mo").read_bytes()
    assert entries(committed) == entries(compiled(catalogue.po(language))), "run `make translations` and commit the .mo"


@pytest.mark.parametrize(("catalogue", "language"), PER_LANGUAGE)
def test_a_translation_fills_the_same_fields_as_its_english(catalogue: Catalogue, language: str) -> None:
    for message in _po(catalogue, language):
        if message.id and "python-brace-format" in message.flags:
            fields = sorted(re.findall(r"{(\w*)}", message.id))
            assert sorted(re.findall(r"{(\w*)}", message.string)) == fields, message.id


def test_the_core_s_chinese_comes_from_its_catalogue_and_english_is_the_code_s_own() -> None:
    assert core_i18n.languages() == ("zh",) and messages.LANGUAGES == ("en", "zh")
    assert messages.say("zh", "meets.exact", label="家庭教育") == "满足需求：家庭教育。"
    assert messages.say("en", "meets.exact", label="parenting") == "Meets parenting."
    assert messages.label("zh", "weekday", "6") == "星期日"
    assert messages.gender_rule("zh", ["female"]) == "仅限女童"
    assert messages.join("zh", ["a", "b"]) == "a、b"
    # a language without a catalogue reads the English, as written
    assert core_i18n.translated("fr", "meets.exact", "Meets {label}.") == "Meets {label}."


def test_the_core_s_extractor_reads_the_english_tables_with_their_key_paths_as_contexts() -> None:
    core = next(c for c in CATALOGUES if c.domain == "core")
    found = extract(core)
    assert ("meets.exact", "Meets {label}.") in found
    assert ("label.weekday.0", "Monday") in found
    assert ("gender.female", "girls only") in found
    assert ("separator", ", ") in found
    english = sum(len(table) for table in messages.LABELS["en"].values())
    assert len(found) == len(messages.CATALOGUE["en"]) + english + len(messages.GENDER_RULES["en"]) + 1


def test_the_api_catalogue_holds_the_use_cases_schemas_and_core_s_error_messages_and_no_page_s_words() -> None:
    by_domain = {c.domain: {message for _context, message in extract(c)} for c in CATALOGUES}
    api = by_domain["api"]
    assert {
        "no organization with id {key}",  # referral/directory.py
        "A {current} referral cannot become {new}.",  # referral/referral_rules.py
        "Only an admin may suspend a listing.",  # referral/policy.py
        "unknown need code {code}",  # referral/referrals.py and the core's matching/needs.py
        "severity must be 0, 1, 2 or 3",  # the core
        "give both lat and lon",  # referral/schemas/match.py
        "Length must be between {min} and {max}.",  # marshmallow's, read back by api/errors.py
    } <= api
    assert "Give a name and a role." in by_domain["messages"] and "Give a name and a role." not in api
    assert api & by_domain["messages"] == set() and api & by_domain["core"] == set()

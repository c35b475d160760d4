"""Every code a person sees has a label, and every message exists, in each supported language; an
English text has no Chinese in it and a Chinese one no English words."""

import re
import string

import pytest

from referral.matching.messages import CATALOGUE, GROUPS, LABELS, group_label, label
from referral.matching.types import CAPACITIES, COSTS, INTENSITIES, MODES, PHONE_PURPOSES

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
LANGUAGES = tuple(CATALOGUE)
ENUMERATIONS = {
    "mode": MODES,
    "cost": COSTS,
    "capacity": CAPACITIES,
    "intensity": INTENSITIES,
    "phone": PHONE_PURPOSES,
    "weekday": tuple(str(d) for d in range(7)),
    "language": ("zh", "en"),
}
# target groups the demo directory uses, and the ones the request documentation names
TARGET_GROUPS = (
    "migrant",
    "left_behind",
    "disability",
    "low_income",
    "orphan",
    "veteran_family",
    "student",
    "in_difficulty",
)


def fits(language: str, text: str) -> bool:
    """English text has no CJK; Chinese text has CJK and no English word."""
    if language == "en":
        return not CJK.search(text)
    return bool(CJK.search(text)) and not ENGLISH_WORD.search(text)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_exists_in_every_language_with_the_same_placeholders(language):
    assert set(CATALOGUE[language]) == set(CATALOGUE["en"])
    for key, text in CATALOGUE[language].items():
        assert placeholders(text) == placeholders(CATALOGUE["en"][key]), key
        assert fits(language, text.format(**{p: "" for p in placeholders(text)})), (language, key, text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ENUMERATIONS)
def test_every_enumeration_has_a_label_in_every_language(language, kind):
    for code in ENUMERATIONS[kind]:
        assert code in LABELS[language][kind], (language, kind, code)
        assert fits(language, label(language, kind, code)), (language, kind, code)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_target_group_has_a_label_in_every_language(language):
    for group in TARGET_GROUPS:
        assert group in GROUPS[language], group
        assert fits(language, group_label(language, group))


def test_a_message_for_a_group_reads_as_one_language():
    assert CATALOGUE["zh"]["group"].format(group=group_label("zh", "veteran_family")) == "面向军人及退役军人家庭子女。"


def test_the_week_is_written_once_in_pythons_order_with_a_label_for_every_day():
    from datetime import date, timedelta

    from referral.matching.week import WEEKDAY_NAMES, WEEKDAY_NUMBER, WEEKDAYS

    week = [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]  # Monday 30 November to Sunday
    assert [WEEKDAY_NUMBER[code] for code in WEEKDAYS] == [day.weekday() for day in week]
    assert list(WEEKDAY_NAMES) == [day.strftime("%A").lower() for day in week]
    assert [name[:2] for name in WEEKDAY_NAMES] == list(WEEKDAYS)
    for language in CATALOGUE:
        assert set(LABELS[language]["weekday"]) == {str(n) for n in WEEKDAY_NUMBER.values()}


def test_consecutive_days_with_the_same_hours_read_as_one_range():
    from referral.matching.week import periods

    def day(code: str, label: str, opens: str = "09:00") -> dict[str, str]:
        return {"weekday": code, "weekday_label": label, "opens": opens, "closes": "12:00"}

    hours = [day("mo", "Monday"), day("tu", "Tuesday"), day("th", "Thursday"), day("fr", "Friday", "10:00")]
    assert periods(hours) == ["Monday–Tuesday 09:00-12:00", "Thursday 09:00-12:00", "Friday 10:00-12:00"]

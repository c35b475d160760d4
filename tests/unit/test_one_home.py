"""One home per fact (issue 15): the week, page arithmetic, great-circle distance and the directory
version bump each live in one module, and the rest of the package asks it. These read the package's
source, so a copy written again elsewhere fails here, naming the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from referral import queries
from referral.hsds import legacy, mapping
from referral.matching import week
from referral.schemas import directory as directory_schemas
from referral.schemas import match as match_schemas

PACKAGE = Path(queries.__file__).parent


def _sources() -> dict[str, str]:
    return {
        path.relative_to(PACKAGE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
    }


@pytest.mark.parametrize(
    ("fact", "pattern", "home"),
    [
        # the weekday codes or names written out: matching/week.py
        ("weekdays", r"""["']mo["'],\s*["']tu["']|["']monday["'],\s*["']tuesday["']""", {"matching/week.py"}),
        # page arithmetic: queries.window
        ("pagination", r"page\s*-\s*1\)\s*\*\s*per_page", {"queries.py"}),
        # the great circle (haversine's arcsine): matching/geo.py; spatial.py bounds it from below
        ("distance", r"\b(?:np\.arcsin|math\.asin|asin)\(", {"matching/geo.py", "matching/spatial.py"}),
        # the directory version's increment: referral/versioning.py, at commit
        ("version bump", r"DirectoryState\.version\s*\+\s*1|bump_version\(", {"versioning.py"}),
    ],
)
def test_each_fact_is_written_in_its_one_home_only(fact, pattern, home):
    found = {name for name, text in _sources().items() if re.search(pattern, text)}
    assert found == home, fact


def test_the_copies_that_were_removed_are_the_weeks_own():
    assert mapping.WEEKDAYS is week.WEEKDAYS and directory_schemas.WEEKDAYS is week.WEEKDAYS
    assert (*week.WEEKDAYS, *week.WEEKDAY_NAMES) == match_schemas.OPEN_ON
    assert legacy.DAYS == {
        "monday": "MO",
        "tuesday": "TU",
        "wednesday": "WE",
        "thursday": "TH",
        "friday": "FR",
        "saturday": "SA",
        "sunday": "SU",
    }


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [
        (1, 3, ["a", "b", "c"]),  # the first page
        (3, 3, ["g"]),  # the last, short page
        (4, 3, []),  # past the end: empty, the total still told
    ],
)
def test_a_list_in_memory_pages_like_a_query(page, per_page, expected):
    found = queries.page_of(list("abcdefg"), page, per_page)
    assert (list(found.items), found.total, found.page, found.per_page) == (expected, 7, page, per_page)

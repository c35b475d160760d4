"""Every word on the pages has a translation in every catalogue, the committed .mo files are the
compiled .po files, and the picture of where the options are puts each one in the right direction."""

from __future__ import annotations

import io

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from referral.web import picture
from referral.web.i18n import TRANSLATIONS, languages

WEB = TRANSLATIONS.parent
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _read(path, reader):
    with path.open("rb") as handle:
        return reader(handle)


def page_words() -> set[str]:
    """Every msgid the pages use, extracted as `make translations` does."""
    return {
        msgid if isinstance(msgid, str) else msgid[0]
        for _file, _line, msgid, _comments, _context in extract_from_dir(str(WEB), METHODS)
    }


@pytest.mark.parametrize("language", [code for code in languages() if code != "en"])
def test_every_word_on_the_pages_is_translated(language: str) -> None:
    catalogue = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", read_po)
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    assert sorted(page_words() - translated) == []


@pytest.mark.parametrize("language", [code for code in languages() if code != "en"])
def test_the_committed_mo_is_the_compiled_po(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _read(folder / "messages.po", read_po))
    compiled.seek(0)
    expected = {m.id: m.string for m in read_mo(compiled) if m.id}
    committed = {m.id: m.string for m in _read(folder / "messages.mo", read_mo) if m.id}
    assert committed == expected, "run `make translations` and commit the .mo"


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (31.55, 121.10, "N"),  # due north
        (31.45, 121.10, "S"),
        (31.50, 121.20, "E"),
        (31.50, 121.00, "W"),
        (31.55, 121.16, "NE"),
        (31.45, 121.04, "SW"),
    ],
)
def test_each_option_is_drawn_in_its_compass_direction_from_the_child(lat: float, lon: float, expected: str) -> None:
    drawn = picture.draw(31.50, 121.10, [(1, "A", lat, lon)])
    dot = drawn.dots[0]
    assert dot.direction == expected
    assert (dot.x > drawn.centre) == ("E" in expected) or dot.x == drawn.centre
    assert (dot.y < drawn.centre) == ("N" in expected) or dot.y == drawn.centre


def test_the_farthest_option_stays_inside_the_drawing_and_the_outer_ring_reaches_it() -> None:
    drawn = picture.draw(31.5, 121.1, [(1, "near", 31.51, 121.1), (2, "far", 31.5, 121.3)])
    far = drawn.dots[1]
    assert picture.MARGIN <= far.x <= drawn.size - picture.MARGIN
    assert drawn.rings[-1][0] == drawn.radius_km >= far.km
    assert far.km == pytest.approx(19.0, abs=0.3)


def test_an_option_where_the_child_is_has_no_direction() -> None:
    assert picture.draw(31.5, 121.1, [(1, "here", 31.5, 121.1)]).dots[0].direction == ""


def test_nearer_options_are_drawn_nearer_and_one_kilometre_stays_clear_of_the_child_beside_a_far_one() -> None:
    drawn = picture.draw(
        31.5, 121.1, [(1, "1 km", 31.509, 121.1), (2, "5 km", 31.545, 121.1), (3, "24 km", 31.716, 121.1)]
    )
    from_centre = [drawn.centre - dot.y for dot in drawn.dots]
    assert from_centre == sorted(from_centre)
    assert from_centre[0] >= 0.2 * (drawn.size / 2 - picture.MARGIN)  # not piled on the child's own dot
    assert [km for km, _r in drawn.rings] == [2, 5, 10, 25]

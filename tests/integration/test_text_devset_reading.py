"""Reading the text development set through the app's own index (seed files → database → snapshot):
no danger missed, no text refused, the right need first. Figures: bench/text_bench.py."""

from __future__ import annotations

import pytest

from referral.matching.index import build_index
from tests.textdev import (
    Summary,
    app_settings,
    default_reader,
    load_devset,
    read_item,
    score,
    seeded_directory,
    somewhere,
)


@pytest.fixture(scope="module")
def summary() -> Summary:
    directory = seeded_directory()
    index, settings, location, reader = build_index(directory), app_settings(), somewhere(directory), default_reader()
    items = load_devset()
    return Summary.of((item, score(item, read_item(reader, index, settings, item, location))) for item in items)


def test_every_risk_in_the_set_is_flagged_at_severity_3(summary):
    assert summary.recalled == summary.risk_items


def test_the_first_need_read_is_right_for_at_least_92_percent(summary):
    assert summary.rate(summary.top1) >= 0.92


@pytest.mark.xfail(
    strict=True,
    reason="known gap: a two-character word with a look-alike character "
    "(缀学 for 辍学) is answered not_understood with suggestions, never read; see README 'Reading text'",
)
def test_no_text_of_the_set_is_left_not_understood(summary):
    assert summary.refusals == 0

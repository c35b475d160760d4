"""Reading the text development set through the app's own index (seed files → database → snapshot):
no danger missed, no text refused, the right need first. Figures: bench/text_bench.py."""

from __future__ import annotations

import pytest

from referral.matching.index import build_index
from tests.textdev import Summary, app_settings, default_reader, load_devset, read_item, score, seeded_directory, somewhere


@pytest.fixture(scope="module")
def summary() -> Summary:
    directory = seeded_directory()
    index, settings, location, reader = build_index(directory), app_settings(), somewhere(directory), default_reader()
    items = load_devset()
    return Summary.of((item, score(item, read_item(reader, index, settings, item, location))) for item in items)


@pytest.mark.xfail(strict=False, reason="until the reader lands (branch i8-text, i8-safety)")
def test_every_risk_is_flagged_no_text_is_refused_and_the_first_need_is_right(summary):
    assert summary.recalled == summary.risk_items
    assert summary.refusals == 0
    assert summary.rate(summary.top1) >= 0.92

"""The linters' ratchet (tools/lint.py): new findings fail, fewer findings only lower the bar."""

from __future__ import annotations

from tools.lint import MYPY_ERROR, compare


def test_a_file_with_more_findings_of_a_rule_than_the_baseline_fails_and_fewer_are_reported():
    worse, better = compare(
        {"a.py:E501": 3, "b.py:F401": 1, "c.py:B905": 1}, {"a.py:E501": 2, "c.py:B905": 2, "d.py:I001": 1}
    )
    assert worse == ["a.py:E501: 3 (baseline 2)", "b.py:F401: 1 (baseline 0)"]
    assert better == ["c.py:B905: 1 (baseline 2)", "d.py:I001: 0 (baseline 1)"]


def test_the_baseline_met_exactly_neither_fails_nor_reports():
    assert compare({"a.py:E501": 2}, {"a.py:E501": 2}) == ([], [])


def test_a_mypy_error_line_gives_its_file_and_code_and_notes_are_not_counted():
    found = MYPY_ERROR.match(
        'referral/x.py:12: error: Returning Any from function declared to return "str"  [no-any-return]'
    )
    assert (found["path"], found["code"]) == ("referral/x.py", "no-any-return")
    assert MYPY_ERROR.match("referral/x.py:12: note: See https://mypy.readthedocs.io") is None

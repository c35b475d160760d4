"""A screening's own grades (``MatchQuery.assessment``) read as needs, through region data.

This module owns the meaning of a grade: each ``AssessmentScale`` of the region maps a grade
(none / low / medium / high) to need codes and severities, shown in ``needs`` with source
"assessment". It must not know about services or scores; it depends on sibling modules only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from referral.matching.i18n import N_
from referral.matching.types import GRADES, AssessmentScale, MatchInputError, UnderstoodNeed


def graded_needs(
    scales: Sequence[AssessmentScale],
    assessment: Mapping[str, str],
    label: Callable[[str], str],
) -> list[UnderstoodNeed]:
    """The needs the grades name, in request order (a code named twice keeps its highest severity).

    Raises MatchInputError naming ``assessment.<key>`` for a scale the region does not define or a
    grade outside GRADES.
    """
    by_key = {}
    for scale in scales:
        by_key.setdefault(scale.key, scale)  # the first region's scale of a key wins
    found: dict[str, UnderstoodNeed] = {}
    for key, grade in assessment.items():
        scale = _scale(by_key, key, grade)
        for code, severity in scale.grades.get(grade, ()):
            known = found.get(code)
            if known is None or severity > known.severity:
                found[code] = UnderstoodNeed(code, label(code), severity, "assessment", f"{key}={grade}")
    return list(found.values())


def _scale(by_key: dict[str, AssessmentScale], key: str, grade: str) -> AssessmentScale:
    if key not in by_key:
        if not by_key:
            raise MatchInputError(
                f"assessment.{key}",
                N_("unknown assessment scale; allowed: none (this directory defines no assessment scales)"),
            )
        raise MatchInputError(
            f"assessment.{key}",
            N_("unknown assessment scale; allowed: {allowed}"),
            tuple(sorted(by_key)),
            allowed=", ".join(sorted(by_key)),
        )
    if grade not in GRADES:
        raise MatchInputError(
            f"assessment.{key}", N_("grade must be one of {grades}"), GRADES, grades=", ".join(GRADES)
        )
    return by_key[key]


def with_grades(needs: Sequence[UnderstoodNeed], graded: Sequence[UnderstoodNeed]) -> tuple[UnderstoodNeed, ...]:
    """``needs`` with the graded ones merged in, before the needs inferred from notes.

    A graded code already given explicitly raises that need's severity (the worker's need keeps
    its source); one only inferred from the notes is replaced by the graded need.
    """
    merged = list(needs)
    added: list[UnderstoodNeed] = []
    for need in graded:
        at = next((i for i, n in enumerate(merged) if n.code == need.code), None)
        if at is None:
            added.append(need)
        elif merged[at].source == "notes":
            merged.pop(at)
            added.append(need)
        elif merged[at].severity < need.severity:
            merged[at] = replace(merged[at], severity=need.severity)
    first_inferred = next((i for i, n in enumerate(merged) if n.source == "notes"), len(merged))
    return (*merged[:first_inferred], *added, *merged[first_inferred:])

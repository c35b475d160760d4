"""The whole reading of a query's needs, used by ``match`` and by the text benchmark.

This module owns the order of the reading steps: explicit needs and notes (needs.py), the
screening's grades (assessment.py), then the safety layer over every need text and the notes
(safety.py), whose risk needs come first. It must not know about services or scores.
"""

from __future__ import annotations

import re
from dataclasses import replace

from referral.matching.assessment import graded_needs, with_grades
from referral.matching.index import DirectoryIndex
from referral.matching.needs import understand_needs
from referral.matching.safety import first_of_each, with_risks
from referral.matching.settings import MatchSettings
from referral.matching.types import MatchInputError, MatchQuery, UnderstoodNeed

_TEXT_FIELD = re.compile(r"needs\[(\d+)\]\.text")


def read_needs(index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()) -> tuple[UnderstoodNeed, ...]:
    """Every need the query states, grades or reveals: risk needs first, then explicit and
    graded needs, then needs inferred from the notes."""
    def label(code: str) -> str:
        return index.taxonomy.label(code, query.language)

    in_texts = [index.risks.find(n.text) for n in query.needs]  # [] for a need given by code
    risky = {i for i, found in enumerate(in_texts) if found}
    graded = graded_needs(index.region.scales, query.assessment, label)
    needs = with_grades(_explicit(index, query, settings, risky), graded)
    return with_risks(needs, first_of_each([*in_texts, index.risks.find(query.notes)]), label)


def _explicit(index: DirectoryIndex, query: MatchQuery, settings: MatchSettings, risky: set[int]) -> tuple[UnderstoodNeed, ...]:
    """``understand_needs``, except that a need text it cannot read but the safety layer can is
    left to the safety layer: a child at risk is never refused."""
    kept = list(range(len(query.needs)))
    while True:
        try:
            return understand_needs(index, replace(query, needs=tuple(query.needs[i] for i in kept)), settings)
        except MatchInputError as error:
            found = _TEXT_FIELD.fullmatch(error.field)
            original = kept[int(found[1])] if found else None
            if original not in risky:
                raise MatchInputError(_renumbered(error.field, kept), error.message, error.suggestions) from None
            kept.remove(original)


def _renumbered(field: str, kept: list[int]) -> str:
    """A field path of the reduced query as a path of the request."""
    return re.sub(r"^needs\[(\d+)\]", lambda m: f"needs[{kept[int(m[1])]}]", field)

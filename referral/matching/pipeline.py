"""The whole reading of a query's needs, used by ``match`` and by the text benchmark.

This module owns the order of the reading steps: explicit needs and notes (needs.py, which reads
free text with reading.py), the screening's grades (assessment.py), then the safety layer over every
need text and the notes (safety.py), whose risk needs come first. It must not know about services
or scores.
"""

from __future__ import annotations

from referral.matching.assessment import graded_needs, with_grades
from referral.matching.index import DirectoryIndex
from referral.matching.needs import understand_needs
from referral.matching.safety import Finding, first_of_each, with_risks
from referral.matching.settings import MatchSettings
from referral.matching.types import MatchQuery, UnderstoodNeed

DANGER = 1  # a need term's priority that marks a danger to the child (seeds/needs.json)


def read_needs(
    index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()
) -> tuple[UnderstoodNeed, ...]:
    """Every need the query states, grades or reveals: risk needs first, then explicit and
    graded needs, then needs inferred from the notes."""

    def label(code: str) -> str:
        return index.taxonomy.label(code, query.language)

    in_texts = [index.risks.find(n.text) for n in query.needs]  # [] for a need given by code
    risky = {i for i, found in enumerate(in_texts) if found}
    graded = graded_needs(index.region.scales, query.assessment, label)
    needs = with_grades(_explicit(index, query, settings, risky), graded)
    found = first_of_each([*in_texts, index.risks.find(query.notes), _dangers_read(index, needs)])
    return with_risks(needs, found, label)


def _dangers_read(index: DirectoryIndex, needs: tuple[UnderstoodNeed, ...]) -> list[Finding]:
    """A danger the text reader read (a term of ``priority`` 1 that a risk category makes actionable,
    e.g. abuse or crisis) is a risk too, whatever words carried it: the two readers catch different
    phrasings, and a child in danger must not depend on which of them knew the words. The category
    is the first of the lexicon's categories for that need."""
    category = {}
    for c in index.risks.categories:
        category.setdefault(c.need, c.code)
    terms = index.taxonomy.terms
    return [
        Finding(category[n.code], n.code, n.matched or "", position)
        for position, n in enumerate(needs)
        if n.understood
        and n.source in ("text", "notes")
        and n.code in category
        and getattr(terms.get(n.code), "priority", 0) >= DANGER
    ]


def _explicit(
    index: DirectoryIndex, query: MatchQuery, settings: MatchSettings, risky: set[int]
) -> tuple[UnderstoodNeed, ...]:
    """``understand_needs``, less the "not understood" mark of a text the safety layer reads as a
    risk: that text is understood, as the risk need it reveals."""
    return tuple(n for n in understand_needs(index, query, settings) if n.understood or n.input not in risky)

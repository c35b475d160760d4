"""Understanding the query's needs: codes, free-text needs and notes become need terms.

This module owns the rules that turn ``NeedInput`` entries and notes into ``UnderstoodNeed``s and
their weights. It must not know about services, distances or scoring beyond the need weights.
"""

from __future__ import annotations

from referral.matching.index import DirectoryIndex
from referral.matching.settings import MatchSettings
from referral.matching.messages import negation_cues
from referral.matching.text import closest, negated
from referral.matching.types import MatchInputError, MatchQuery, NeedInput, UnderstoodNeed

INFERRED_WEIGHT = 0.5  # x confidence (<= 1): an inferred need never outweighs an explicit one (>= 1)
SUGGESTIONS = 5


def understand_needs(
    index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()
) -> tuple[UnderstoodNeed, ...]:
    """Explicit needs in input order (duplicates keep the highest severity), then inferred ones."""
    explicit: dict[str, UnderstoodNeed] = {}
    for i, need in enumerate(query.needs):
        understood = _understand(index, need, i, query.language, settings)
        known = explicit.get(understood.code)
        if known is None or understood.severity > known.severity:
            explicit[understood.code] = understood
    inferred = _from_notes(index, query, settings, set(explicit))
    return (*explicit.values(), *inferred)


def weight(need: UnderstoodNeed) -> float:
    """A need's weight in need fit: its severity if explicit, confidence x 0.5 if inferred."""
    if need.source == "notes":
        return (need.confidence or 0.0) * INFERRED_WEIGHT
    return float(need.severity)


def _understand(index: DirectoryIndex, need: NeedInput, i: int, language: str, settings: MatchSettings) -> UnderstoodNeed:
    if not 0 <= need.severity <= 3:
        raise MatchInputError(f"needs[{i}].severity", "severity must be 0, 1, 2 or 3")
    if (need.code is None) == (need.text is None):
        raise MatchInputError(f"needs[{i}]", "give exactly one of code or text")
    taxonomy = index.taxonomy
    if need.code is not None:
        if need.code not in taxonomy:
            suggestions = closest(need.code, taxonomy.codes, limit=SUGGESTIONS)
            raise MatchInputError(f"needs[{i}].code", f"unknown need code {need.code!r}", suggestions)
        return UnderstoodNeed(need.code, taxonomy.label(need.code, language), need.severity, "code")
    hits = taxonomy.matcher.search(need.text, limit=SUGGESTIONS, min_score=0)
    if not hits or hits[0].score < settings.text_min_score:
        suggestions = tuple(f"{h.key} {taxonomy.label(h.key, language)}" for h in hits)
        raise MatchInputError(f"needs[{i}].text", "no need term matches this text (it is not repeated here: it may be about a child)", suggestions)
    top = hits[0]
    label = taxonomy.label(top.key, language)
    return UnderstoodNeed(top.key, label, need.severity, "text", top.phrase, round(top.score / 100, 4))


def _from_notes(index: DirectoryIndex, query: MatchQuery, settings: MatchSettings, given: set[str]) -> list[UnderstoodNeed]:
    """Needs inferred from the notes (severity 1), skipping codes given explicitly and needs the
    notes deny ("no signs of autism", "未见自闭症")."""
    if not query.notes:
        return []
    hits = index.taxonomy.matcher.find_in(query.notes, min_score=settings.notes_min_confidence)
    label, cues = index.taxonomy.label, negation_cues()
    return [
        UnderstoodNeed(h.key, label(h.key, query.language), 1, "notes", h.phrase, round(h.score / 100, 4))
        for h in hits
        if h.key not in given and not negated(query.notes, h.phrase, cues)  # "no signs of autism"
    ]

"""Understanding the query's needs: codes, free-text needs and notes become need terms.

This module owns the rules that turn ``NeedInput`` entries and notes into ``UnderstoodNeed``s and
their weights. Free text is read by the taxonomy's lexical reader (reading.py): one text may give
several needs, and a text nothing can be read from is kept as a need *not understood* (with the
closest codes as suggestions) rather than refused, so the rest of the match still answers. Only
structurally invalid input (unknown code, bad severity) raises ``MatchInputError``. It must not know
about services, distances or scoring beyond the need weights.
"""

from __future__ import annotations

from referral.matching.i18n import N_
from referral.matching.index import DirectoryIndex
from referral.matching.lexical import is_cjk
from referral.matching.messages import say
from referral.matching.reading import Reading
from referral.matching.settings import MatchSettings
from referral.matching.text import closest
from referral.matching.types import MatchInputError, MatchQuery, NeedInput, UnderstoodNeed

INFERRED_WEIGHT = 0.5  # x confidence (<= 1): an inferred need never outweighs an explicit one (>= 1)
SUGGESTIONS = 5


def understand_needs(
    index: DirectoryIndex, query: MatchQuery, settings: MatchSettings = MatchSettings()
) -> tuple[UnderstoodNeed, ...]:
    """Explicit needs in input order (duplicates keep the highest severity), then needs not
    understood, then needs inferred from the notes."""
    explicit: dict[str, UnderstoodNeed] = {}
    unread: list[UnderstoodNeed] = []
    for i, need in enumerate(query.needs):
        for understood in _understand(index, need, i, query.language, settings):
            if not understood.understood:
                unread.append(understood)
                continue
            known = explicit.get(understood.code or "")
            if known is None or understood.severity > known.severity:
                explicit[understood.code or ""] = understood
    inferred = _from_notes(index, query, settings, set(explicit))
    return (*explicit.values(), *unread, *inferred)


def weight(need: UnderstoodNeed) -> float:
    """A need's weight in need fit: its severity if explicit, confidence x 0.5 if inferred."""
    if need.source == "notes":
        return (need.confidence or 0.0) * INFERRED_WEIGHT
    return float(need.severity)


def matched_words(reading: Reading) -> str:
    """The words that carried a reading, joined with "、" in Chinese, ", " otherwise."""
    return ("、" if any(is_cjk(w) for w in reading.matched) else ", ").join(reading.matched)


def _understand(
    index: DirectoryIndex, need: NeedInput, i: int, language: str, settings: MatchSettings
) -> list[UnderstoodNeed]:
    if not 0 <= need.severity <= 3:
        raise MatchInputError(f"needs[{i}].severity", N_("severity must be 0, 1, 2 or 3"))
    if (need.code is None) == (need.text is None):
        raise MatchInputError(f"needs[{i}]", N_("give exactly one of code or text"))
    taxonomy = index.taxonomy
    if need.code is not None:
        if need.code not in taxonomy:
            suggestions = closest(need.code, taxonomy.codes, limit=SUGGESTIONS)
            raise MatchInputError(f"needs[{i}].code", N_("unknown need code {code}"), suggestions, code=repr(need.code))
        return [UnderstoodNeed(need.code, taxonomy.label(need.code, language), need.severity, "code", input=i)]
    text = need.text or ""
    floor = settings.text_min_score / 100
    read = [r for r in taxonomy.reader.read(text, language) if not r.negated and r.confidence >= floor]
    if not read:
        suggestions = taxonomy.reader.suggest(text, SUGGESTIONS)
        return [
            UnderstoodNeed(
                None,
                say(language, "need.not_understood"),
                need.severity,
                "text",
                understood=False,
                input=i,
                suggestions=suggestions,
            )
        ]
    return [
        UnderstoodNeed(
            r.code, taxonomy.label(r.code, language), need.severity, "text", matched_words(r), r.confidence, input=i
        )
        for r in read
    ]


def _from_notes(
    index: DirectoryIndex, query: MatchQuery, settings: MatchSettings, given: set[str]
) -> list[UnderstoodNeed]:
    """Needs inferred from the notes (severity 1), skipping codes given explicitly and needs the
    notes deny ("no signs of autism", "未见自闭症")."""
    if not query.notes:
        return []
    floor = settings.notes_min_confidence / 100
    label = index.taxonomy.label
    return [
        UnderstoodNeed(r.code, label(r.code, query.language), 1, "notes", matched_words(r), r.confidence)
        for r in index.taxonomy.reader.read(query.notes, query.language)
        if r.code not in given and not r.negated and r.confidence >= floor
    ]

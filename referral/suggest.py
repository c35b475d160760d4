"""Closest-spelling suggestions for a mistyped code or name ("did you mean …").

Pure: standard library and rapidfuzz only.
"""

from __future__ import annotations

from typing import Iterable

from rapidfuzz import fuzz, process, utils


def closest(value: str, choices: Iterable[str], limit: int = 5, cutoff: float = 50) -> tuple[str, ...]:
    """Up to ``limit`` choices most like ``value``, best first (ties by the choice itself)."""
    hits = process.extract(
        value, list(choices), scorer=fuzz.WRatio, processor=utils.default_process,
        limit=None, score_cutoff=cutoff,
    )
    ranked = sorted(hits, key=lambda hit: (-hit[1], hit[0]))
    return tuple(choice for choice, _score, _index in ranked[:limit])

"""The gazetteer as the matcher sees it: places by code, lineages, names, centroid arrays.

This module owns place hierarchy walks and the arrays used for nearest-place lookups. It must not
know about services or scoring. "Finer" means deeper in the parent chain: no kind names are assumed.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from referral.matching.geo import unit_vectors
from referral.matching.text import PhraseMatcher, normalise
from referral.matching.types import Place


class Gazetteer:
    """A read-only view of the gazetteer, built once per directory version."""

    def __init__(self, places: Iterable[Place]):
        self.places: dict[str, Place] = {p.code: p for p in places}
        self.codes: tuple[str, ...] = tuple(sorted(self.places))
        self.lineages: dict[str, tuple[str, ...]] = {c: self._walk(c) for c in self.codes}
        self.depth = np.array([len(self.lineages[c]) for c in self.codes], dtype=np.int16)
        self.lat = np.array([self.places[c].lat for c in self.codes], dtype=np.float64)
        self.lon = np.array([self.places[c].lon for c in self.codes], dtype=np.float64)
        self.xyz = unit_vectors(self.lat, self.lon)
        self.matcher = PhraseMatcher((c, _names(self.places[c])) for c in self.codes)
        self.by_name: dict[str, list[str]] = {}
        for code in self.codes:
            for name in {normalise(n) for n in _names(self.places[code])[1:]}:
                self.by_name.setdefault(name, []).append(code)

    def lineage(self, code: str | None) -> tuple[str, ...]:
        """The place and its ancestors, finest first; empty for None or an unknown code."""
        return self.lineages.get(code, ()) if code else ()

    def _walk(self, code: str) -> tuple[str, ...]:
        chain = [code]
        parent = self.places[code].parent
        while parent in self.places and parent not in chain:
            chain.append(parent)
            parent = self.places[parent].parent
        return tuple(chain)


def _names(place: Place) -> list[str]:
    """The code first, then the primary name and its translations."""
    return [place.code, place.name, *place.names.values()]

"""The gazetteer as the matcher sees it: places by code, lineages, names, centroid arrays.

This module owns place hierarchy walks, the arrays used for nearest-place lookups and the name
tables (placenames.py) built once with them: the places' names, aliases and pinyin, and the sites
of the services given (names and addresses). It must not know about scoring. "Finer" means deeper
in the parent chain: no kind names are assumed.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from referral.matching.geo import unit_vectors
from referral.matching.placenames import PlaceNames, SiteNames
from referral.matching.types import Place, Service


class Gazetteer:
    """A read-only view of the gazetteer, built once per directory version."""

    def __init__(self, places: Iterable[Place], services: Iterable[Service] = ()):
        self.source = tuple(places)  # as given: a later version with equal places reuses these tables
        self.places: dict[str, Place] = {p.code: p for p in self.source}
        self.codes: tuple[str, ...] = tuple(sorted(self.places))
        self.lineages: dict[str, tuple[str, ...]] = {c: self._walk(c) for c in self.codes}
        self.depth = np.array([len(self.lineages[c]) for c in self.codes], dtype=np.int16)
        self.lat = np.array([self.places[c].lat for c in self.codes], dtype=np.float64)
        self.lon = np.array([self.places[c].lon for c in self.codes], dtype=np.float64)
        self.xyz = unit_vectors(self.lat, self.lon)
        self.names = PlaceNames((self.places[c] for c in self.codes), services)

    def with_services(self, services: Iterable[Service], sites: SiteNames | None = None) -> Gazetteer:
        """This gazetteer (its place tables shared) for another directory version's services, with
        ``sites`` as their site tables if given (else built on first use)."""
        copy = object.__new__(Gazetteer)
        copy.__dict__.update(self.__dict__)
        copy.names = self.names.for_services(services, sites)
        return copy

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

    def within(self, code: str, ancestor: str | None) -> bool:
        """Whether place ``code`` is ``ancestor`` or lies under it (always, for no ancestor)."""
        return ancestor is None or ancestor in self.lineage(code)

    def related(self, a: str, b: str) -> bool:
        """Whether one of two places contains the other (or they are the same)."""
        return a in self.lineage(b) or b in self.lineage(a)

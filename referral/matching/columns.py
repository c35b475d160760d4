"""Services as numpy columns: one row per service, sites in CSR form.

This module owns the translation of ``Service`` and ``Site`` objects into arrays that the
vectorised eligibility and scoring read. It must not know about queries or scoring rules.

Sets (genders, groups, languages, modes) become uint64 bitmasks: each distinct value seen in the
directory gets a bit; an empty set is mask 0 ("no restriction"). More than 64 distinct values in
one of these fields raises ``ValueError`` (a directory that large needs a wider mask; none does yet).
Absent numbers are NaN (ages, wait days, area radius, verification day as an ordinal).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from referral.matching.geo import unit_vectors
from referral.matching.spatial import SiteBoxes
from referral.matching.types import CAPACITIES, COSTS, INTENSITIES, Service


class BitMap:
    """Maps the distinct values of one set-valued field to bits of a uint64."""

    def __init__(self, field: str, sets: Iterable[frozenset[str]], bits: dict[str, np.uint64] | None = None):
        known = dict(bits or {})
        values = sorted({v for s in set(sets) for v in s} - known.keys())  # few distinct sets: dedupe them first
        if len(known) + len(values) > 64:
            raise ValueError(f"{field}: {len(known) + len(values)} distinct values, at most 64 fit a bitmask")
        self.field = field
        self.bits = {**known, **{v: np.uint64(1 << i) for i, v in enumerate(values, len(known))}}
        self._cache: dict[frozenset[str], int] = {}

    def extended(self, sets: Iterable[frozenset[str]]) -> BitMap:
        """This map (same bits), with a further bit for each value of ``sets`` it lacks; itself if none."""
        if all(v in self.bits for s in set(sets) for v in s):
            return self
        return BitMap(self.field, sets, self.bits)

    def mask(self, values: Iterable[str]) -> np.uint64:
        """The mask of the known values among ``values`` (unknown values have no bit)."""
        return np.uint64(self._int(frozenset(values)))

    def _int(self, key: frozenset[str]) -> int:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = int(sum(int(self.bits[v]) for v in key if v in self.bits))
        return found

    def column(self, sets: Sequence[frozenset[str]]) -> np.ndarray:
        """The masks of ``sets``: each distinct set is hashed once per row and converted once."""
        distinct: dict[frozenset[str], int] = {}
        codes = np.array([distinct.setdefault(s, len(distinct)) for s in sets], dtype=np.intp)
        return np.array([self._int(frozenset(s)) for s in distinct], dtype=np.uint64)[codes]


def _codes(values: Sequence[str], allowed: tuple[str, ...], field: str) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(allowed)}
    try:
        return np.array(list(map(lookup.__getitem__, values)), dtype=np.int8)
    except KeyError as exc:
        raise ValueError(f"{field}: unknown value {exc.args[0]!r}, expected one of {allowed}") from None


def _floats(values: Iterable[float | None]) -> np.ndarray:
    return np.array(list(values), dtype=np.float64)  # numpy turns None into NaN


@dataclass(frozen=True, eq=False)
class Sites:
    """All sites of all services, grouped by service row (CSR: ``offsets[r]:offsets[r+1]``)."""

    offsets: np.ndarray  # int64, n_services + 1
    service: np.ndarray  # int32 service row of each site
    lat: np.ndarray  # degrees, for geodesic display and plain-Python checks
    lon: np.ndarray
    xyz: np.ndarray  # unit vectors (n_sites, 3): haversine through chord lengths
    days: np.ndarray  # uint8 weekday bits (bit 0 = Monday); 0 = opening days not recorded
    boxes: SiteBoxes


def build_sites(services: Sequence[Service]) -> Sites:
    """Flatten the services' sites into CSR arrays."""
    counts = np.array([len(s.sites) for s in services], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(counts)))
    flat = [site for s in services for site in s.sites]
    lat = np.array([x.lat for x in flat], dtype=np.float64)
    lon = np.array([x.lon for x in flat], dtype=np.float64)
    bits: dict[frozenset[int], int] = {}  # few distinct weekday sets: compute each once
    days = np.array([bits.get(x.open_days) or bits.setdefault(x.open_days, sum(1 << d for d in x.open_days)) for x in flat], dtype=np.uint8)
    service = np.repeat(np.arange(len(services), dtype=np.int32), counts)
    return Sites(offsets, service, lat, lon, unit_vectors(lat, lon).reshape(-1, 3), days, SiteBoxes(offsets, lat, lon))


@dataclass(frozen=True, eq=False)
class Columns:
    """One array per eligibility or scoring field, indexed by service row."""

    active: np.ndarray  # bool
    min_age: np.ndarray  # float64, NaN = no bound
    max_age: np.ndarray
    genders: np.ndarray  # uint64 masks, 0 = anyone
    groups: np.ndarray
    languages: np.ndarray
    modes: np.ndarray  # uint64 mask over ``mode_bits``
    cost: np.ndarray  # int8 index into types.COSTS
    capacity: np.ndarray  # int8 index into types.CAPACITIES
    intensity: np.ndarray  # int8 index into types.INTENSITIES
    wait_days: np.ndarray  # float64, NaN = unknown
    verified: np.ndarray  # float64 ordinal day, NaN = never verified
    area_radius: np.ndarray  # float64 km, NaN = none
    area_unlimited: np.ndarray  # bool: no area places and no radius
    id_rank: np.ndarray  # int32 position of the service id in sorted order (the last tie-break)
    bits: dict[str, BitMap]
    school: np.ndarray  # int32 position in ``school_ids`` of the school a service serves, -1 = none
    school_ids: tuple[str, ...]  # site ids of the schools some service serves (sorted at a full build)
    accepted: np.ndarray  # float64 referrals accepted in the outcome window (0 = no history)
    decided: np.ndarray  # float64 referrals accepted or declined in the window


SET_FIELDS = ("genders", "groups", "languages", "modes")


def build_columns(services: Sequence[Service], like: Columns | None = None) -> Columns:
    """Column arrays for ``services`` (row i = services[i]).

    With ``like`` (the columns of an index these rows will join, delta.py), its bits and school
    positions are kept and new values get new ones after them; ``id_rank`` is then the rank among
    ``services`` alone, for the caller to redo."""
    sets = {f: list(map(attrgetter(f), services)) for f in SET_FIELDS}
    if like is None:
        bits = {f: BitMap(f, dict.fromkeys(values)) for f, values in sets.items()}
    else:
        bits = {f: like.bits[f].extended(dict.fromkeys(values)) for f, values in sets.items()}
    masks = {f: bits[f].column(values) for f, values in sets.items()}
    ids = list(map(attrgetter("id"), services))
    order = sorted(range(len(services)), key=ids.__getitem__)
    id_rank = np.empty(len(services), dtype=np.int32)
    id_rank[order] = np.arange(len(services), dtype=np.int32)
    serves = {s.serves_school for s in services if s.serves_school}
    schools = sorted(serves) if like is None else [*like.school_ids, *sorted(serves - set(like.school_ids))]
    position = {school: i for i, school in enumerate(schools)}
    return Columns(
        active=np.array([s.status == "active" for s in services], dtype=bool),
        min_age=_floats(map(attrgetter("minimum_age"), services)),
        max_age=_floats(map(attrgetter("maximum_age"), services)),
        cost=_codes(list(map(attrgetter("cost"), services)), COSTS, "cost"),
        capacity=_codes(list(map(attrgetter("capacity"), services)), CAPACITIES, "capacity"),
        intensity=_codes(list(map(attrgetter("intensity"), services)), INTENSITIES, "intensity"),
        wait_days=_floats(map(attrgetter("wait_days"), services)),
        verified=_floats(s.verified_at.toordinal() if s.verified_at else None for s in services),
        area_radius=_floats(map(attrgetter("area_radius_km"), services)),
        area_unlimited=np.array([not s.area_places and s.area_radius_km is None for s in services], dtype=bool),
        id_rank=id_rank,
        bits=bits,
        school=np.array([position[s.serves_school] if s.serves_school else -1 for s in services], dtype=np.int32),
        school_ids=tuple(schools),
        accepted=_floats(s.outcomes.accepted if s.outcomes else 0 for s in services),
        decided=_floats(s.outcomes.decided if s.outcomes else 0 for s in services),
        **masks,
    )

"""Services as numpy columns: one row per service, sites in CSR form.

This module owns the translation of ``Service`` and ``Site`` objects into arrays that the
vectorised eligibility and scoring read. It must not know about queries or scoring rules, nor about
particular fields: which ``Service`` fields become columns, and how, is declared on the fields
themselves (``types.column``); a new field needs no edit here.

Sets (genders, groups, languages, modes) become uint64 bitmasks: each distinct value seen in the
directory gets a bit; an empty set is mask 0 ("no restriction"). More than 64 distinct values in
one of these fields raises ``ValueError`` (a directory that large needs a wider mask; none does yet).
Absent numbers are NaN (ages, wait days, area radius, verification day as an ordinal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np

from referral.matching import pieces
from referral.matching.geo import unit_vectors
from referral.matching.spatial import SiteBoxes
from referral.matching.types import Column, Service


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
        codes = pieces.array([distinct.setdefault(s, len(distinct)) for s in sets], np.intp)
        masks: np.ndarray = np.array([self._int(frozenset(s)) for s in distinct], dtype=np.uint64)[codes]
        return masks


def _codes(values: Sequence[str], allowed: tuple[str, ...], field: str) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(allowed)}
    try:
        return pieces.array(pieces.mapped(lookup.__getitem__, values), np.int8)
    except KeyError as exc:
        raise ValueError(f"{field}: unknown value {exc.args[0]!r}, expected one of {allowed}") from None


def _floats(values: Iterable[float | None]) -> np.ndarray:
    return pieces.array(list(values), np.float64)  # numpy turns None into NaN


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
    days = np.array(
        [bits.get(x.open_days) or bits.setdefault(x.open_days, sum(1 << d for d in x.open_days)) for x in flat],
        dtype=np.uint8,
    )
    service = np.repeat(np.arange(len(services), dtype=np.int32), counts)
    return Sites(offsets, service, lat, lon, unit_vectors(lat, lon).reshape(-1, 3), days, SiteBoxes(offsets, lat, lon))


@dataclass(frozen=True, eq=False)
class Columns:
    """One array per eligibility or scoring field, indexed by service row; ``columns.min_age`` reads
    ``arrays["min_age"]``.

    The declared arrays come from the ``Service`` fields with ``column(...)`` metadata (types.py), under
    their column names: active (bool), min_age / max_age (float64, NaN = no bound), genders / groups /
    languages / modes (uint64 masks over ``bits[field]``, 0 = anyone), cost / capacity / intensity (int8
    positions in types.COSTS, CAPACITIES, INTENSITIES), wait_days (NaN = unknown), verified (ordinal
    day, NaN = never verified), area_radius (km, NaN = none). A new declared field adds its array here
    with no edit to this module. The derived arrays are listed in ``DERIVED``."""

    arrays: dict[str, np.ndarray]  # every per-row array, by name (declared and derived)
    id_rank: np.ndarray  # int32 position of the service id in sorted order (the last tie-break)
    bits: dict[str, BitMap]  # by the field name of each "mask" column
    school_ids: tuple[str, ...]  # site ids of the schools some service serves (sorted at a full build)

    def __post_init__(self) -> None:
        for name, array in self.arrays.items():  # plain attributes: a match reads them many times
            if name in self.__dataclass_fields__:
                raise ValueError(f"column {name!r} would hide a field of Columns")
            object.__setattr__(self, name, array)

    def __getattr__(self, name: str) -> np.ndarray:
        """Only reached for a name that is no array (the arrays are set as attributes): an error."""
        raise AttributeError(f"Columns has no array {name!r}")


# arrays every index has beside the declared ones
DERIVED = (
    "area_unlimited",  # bool: no area places and no radius
    "school",  # int32 position in ``school_ids`` of the school a service serves, -1 = none
    "accepted",  # float64 referrals accepted in the outcome window (0 = no history)
    "decided",  # float64 referrals accepted or declined in the window
)


def declared(cls: type = Service) -> tuple[tuple[str, Column], ...]:
    """(field name, how it becomes a column) of every ``cls`` field declared a column, in field order."""
    return tuple((f.name, f.metadata["column"]) for f in fields(cls) if "column" in f.metadata)


def build_columns(services: Sequence[Service], like: Columns | None = None) -> Columns:
    """Column arrays for ``services`` (row i = services[i]): the declared fields of their class, then
    the derived arrays.

    With ``like`` (the columns of an index these rows will join, delta.py), its bits and school
    positions are kept and new values get new ones after them; ``id_rank`` is then the rank among
    ``services`` alone, for the caller to redo."""
    arrays, bits = {}, {}
    for name, spec in declared(type(services[0]) if services else Service):
        values = pieces.mapped(attrgetter(name), services)
        if spec.kind == "mask":
            known = like.bits.get(name) if like is not None else None
            distinct = pieces.distinct(values)
            bits[name] = known.extended(distinct) if known is not None else BitMap(name, distinct)
            arrays[spec.name or name] = bits[name].column(values)
        else:
            arrays[spec.name or name] = _CONVERT[spec.kind](values, spec, name)
    order = pieces.order(pieces.mapped(attrgetter("id"), services))
    id_rank = np.empty(len(services), dtype=np.int32)
    id_rank[order] = np.arange(len(services), dtype=np.int32)
    serves = {s.serves_school for s in services if s.serves_school}
    schools = sorted(serves) if like is None else [*like.school_ids, *sorted(serves - set(like.school_ids))]
    position = {school: i for i, school in enumerate(schools)}
    arrays.update(
        area_unlimited=pieces.array([not s.area_places and s.area_radius_km is None for s in services], bool),
        school=pieces.array([position[s.serves_school] if s.serves_school else -1 for s in services], np.int32),
        accepted=_floats(s.outcomes.accepted if s.outcomes else 0 for s in services),
        decided=_floats(s.outcomes.decided if s.outcomes else 0 for s in services),
    )
    return Columns(arrays=arrays, id_rank=id_rank, bits=bits, school_ids=tuple(schools))


def _days(values: list[date | None], spec: Column, name: str) -> np.ndarray:
    return _floats(v.toordinal() if v else None for v in values)


def _flags(values: list[object], spec: Column, name: str) -> np.ndarray:
    return pieces.array([v == spec.values[0] for v in values], bool)


_CONVERT: dict[str, Callable[[list[Any], Column, str], np.ndarray]] = {
    "code": lambda values, spec, name: _codes(values, spec.values, name),
    "float": lambda values, spec, name: _floats(values),
    "day": _days,
    "flag": _flags,
}

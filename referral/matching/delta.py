"""The next version of an index when only some services changed: rows spliced, nothing rebuilt.

This module owns ``apply_changes``. The rows of the changed services leave, their fresh versions
(those still matchable) come in where their ids sort, and every array of the index is spliced in
place of a rebuild: per-row columns and site arrays with ``np.insert`` (or written over their own
entries when every service keeps its row and its number of sites: a site moved), the need and cell
postings by dropping the changed rows' entries and inserting their new ones where they sort
(csr.py), the area lists code by code. Only the changed services are read as Python objects; the
rest is numpy copies: a few milliseconds at 100,000 services where a build takes a second, ~0.1-0.2 s
at 1M. The common edit — one that keeps a service's needs, site coordinates and opening days, area
and listing in the cells (a name, a text, a phone, a wait) — is written over its own row: the
postings and site arrays are shared as they are. Either way the new index's ``origin`` says which
cell keys kept their entries, so the cell summaries (cellbound.py) are spliced too.

The result equals ``build_index`` of the same services in the same order, array for array, except
that a set value or a school the index did not know gets the next free bit or position (a full
build numbers them in sorted order: the same matches either way). An index whose rows are not in
id order (a build from services given in another order) gets its new rows at the end instead.
The place-name tables are shared. The site-name tables, once a query has built them, are shared when
the changed services list, name and locate their sites as before, else spliced (the sites those
services list or listed are read again); tables not yet built are built on first use. Depends on
numpy and siblings only.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import replace

import numpy as np

from referral.matching.cells import CellPostings, repeated
from referral.matching.columns import Columns, Sites, build_columns, build_sites
from referral.matching.csr import MANY, Lists, insert, splice_lists
from referral.matching.eligibility import standing
from referral.matching.index import DirectoryIndex, Origin, Postings, _build_nearby, _build_postings
from referral.matching.placenames import SiteNames, site_entries
from referral.matching.schools import school_names
from referral.matching.spatial import SiteBoxes
from referral.matching.store import ServiceStore
from referral.matching.taxonomy import Taxonomy
from referral.matching.types import Service


def apply_changes(
    index: DirectoryIndex, version: str, changed: Collection[str], fresh: Sequence[Service]
) -> DirectoryIndex:
    """``index`` at ``version``: the services with ids in ``changed`` replaced by ``fresh`` (those of
    them still matchable; an id of ``changed`` absent from ``fresh`` leaves the index).

    Raises ValueError on a fresh service outside the contract (as ``build_index`` would)."""
    fresh = sorted(fresh, key=lambda s: s.id)
    if len({s.id for s in fresh}) != len(fresh) or not {s.id for s in fresh} <= set(changed):
        raise ValueError("fresh services must be changed ones, each once")
    n, ordered = len(index.services), _id_ordered(index.columns)
    gone = _rows_of(index, changed, ordered)
    if [index.services.ids[r] for r in gone] == [s.id for s in fresh]:  # edits only: every row stays
        edited = _in_place(index, version, gone, fresh)
        if edited is not None:
            return edited
    keep = np.ones(n, dtype=bool)
    keep[gone] = False
    kept = np.flatnonzero(keep)
    at = _insert_points(index.services.ids, kept, fresh, ordered)
    new_rows = at + np.arange(len(fresh), dtype=np.int64)  # where each fresh service lands
    remap = np.full(n, -1, dtype=np.int64)  # old row -> new row, -1 = gone
    remap[kept] = np.arange(len(kept)) + np.searchsorted(at, np.arange(len(kept)), side="right")
    splice = _Splice(keep, at, new_rows, remap, len(kept) + len(fresh))
    services = index.services.spliced(splice.events, fresh)
    mini_columns, mini_sites = build_columns(fresh, like=index.columns), build_sites(fresh)
    columns = _columns(index.columns, mini_columns, splice, services.ids, ordered)
    sites = _sites(index.sites, mini_sites, splice)
    mini_postings = _build_postings(tuple(fresh), index.taxonomy)
    old = [index.services[int(r)] for r in np.flatnonzero(~keep)]
    nearby, source = _nearby(index.nearby, _build_nearby(mini_postings, mini_sites, mini_columns), splice)
    return replace(
        index,
        version=version,
        services=services,
        columns=columns,
        sites=sites,
        postings=_postings(index.postings, mini_postings, splice),
        nearby=nearby,
        origin=Origin(weakref.ref(index), columns, nearby, np.array(gone, dtype=np.int64), new_rows, source),
        area=_area(index.area, fresh, splice),
        schools=_schools(index.schools, old, fresh, services, columns),
        gazetteer=index.gazetteer.with_services(services, _site_names(index, fresh, services, sites, splice.keep, at)),
    )


def _in_place(index: DirectoryIndex, version: str, rows: list[int], fresh: list[Service]) -> DirectoryIndex | None:
    """The edits written over their own rows, when no edit moves a site, changes the needs or the area,
    or lists or unlists the service in the cells (the postings and site arrays then stay as they are);
    else None. The common edit (a name, a text, a phone, a wait) costs a few column copies."""
    old = [index.services[r] for r in rows]
    if any(o.needs != f.needs or o.area_places != f.area_places or _where(o) != _where(f) for o, f in zip(old, fresh)):
        return None
    mini, at = build_columns(fresh, like=index.columns), np.array(rows, dtype=np.int64)
    columns = replace(
        index.columns,
        bits=mini.bits,
        school_ids=mini.school_ids,
        arrays={name: _written(old_array, at, mini.arrays[name]) for name, old_array in index.columns.arrays.items()},
    )
    remote = columns.bits["modes"].mask(["remote"])
    if not (
        np.array_equal(standing(index.columns, at), standing(columns, at))
        and np.array_equal(index.columns.modes[at] & remote, columns.modes[at] & remote)
    ):
        return None
    services = index.services.replaced(rows, fresh)
    touched = _keys_of(index.nearby, fresh, index.taxonomy, mini)
    source = np.arange(len(index.nearby.keys), dtype=np.int64)
    source[touched] = -1
    listed = [x.id for s in old for x in s.sites] == [x.id for s in fresh for x in s.sites]
    if listed and site_entries(old) == site_entries(fresh):  # every listing as it was: the tables are shared
        sites = index.gazetteer.names.built_sites
    else:
        keep = np.ones(len(index.services), dtype=bool)
        keep[at] = False
        sites = _site_names(index, fresh, services, index.sites, keep, at - np.arange(len(at)))
    return replace(
        index,
        version=version,
        services=services,
        columns=columns,
        origin=Origin(weakref.ref(index), columns, index.nearby, at, at, source),
        schools=_schools(index.schools, old, fresh, services, columns),
        gazetteer=index.gazetteer.with_services(services, sites),
    )


def _keys_of(nearby: CellPostings, fresh: Sequence[Service], taxonomy: Taxonomy, columns: Columns) -> np.ndarray:
    """The positions in ``nearby.keys`` of the keys listing ``fresh`` (listed where they were: an edit in place)."""
    listing = _build_nearby(_build_postings(tuple(fresh), taxonomy), build_sites(fresh), columns)
    if not len(nearby.keys):
        return np.empty(0, dtype=np.int64)
    at = np.searchsorted(nearby.keys, listing.keys)
    found = (at < len(nearby.keys)) & (nearby.keys[np.minimum(at, len(nearby.keys) - 1)] == listing.keys)
    return np.asarray(at[found])


def _site_names(
    index: DirectoryIndex,
    fresh: Sequence[Service],
    services: ServiceStore,
    sites: Sites,
    keep: np.ndarray,
    at: np.ndarray,
) -> SiteNames | None:
    """The next version's site-name tables, spliced from the index's if a query has built them (else
    None: built on first use). ``keep``/``at``: the rows' splice; ``sites``: the new site arrays."""
    built = index.gazetteer.names.built_sites
    if built is None:
        return None
    kept, where = _listings(index.sites, np.array([len(s.sites) for s in fresh], dtype=np.int64), keep, at)
    return built.spliced(services, kept, where, fresh, sites.offsets)


def _listings(old: Sites, fresh_counts: np.ndarray, keep: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How the listings (the site arrays' entries) splice when the rows do: the mask of old listings
    that stay, and the kept position each fresh listing goes before."""
    kept_offsets = np.concatenate(([0], np.cumsum(np.diff(old.offsets)[keep])))
    return keep[old.service], np.repeat(kept_offsets[at], fresh_counts)


def _where(service: Service) -> tuple[tuple[float, float, frozenset[int]], ...]:
    """What the site arrays hold of a service: each site's coordinates and opening days, in order."""
    return tuple((site.lat, site.lon, site.open_days) for site in service.sites)


def _written(old: np.ndarray, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    column = old.copy()
    column[rows] = values
    return column


class _Splice:
    """Where rows go: ``keep`` (old rows staying), ``at`` (kept position each fresh row goes before),
    ``new_rows`` (the fresh rows' new numbers), ``remap`` (old row -> new row, -1 = gone), ``n``."""

    def __init__(self, keep: np.ndarray, at: np.ndarray, new_rows: np.ndarray, remap: np.ndarray, n: int):
        self.keep, self.at, self.new_rows, self.remap, self.n = keep, at, new_rows, remap, n
        kept = np.flatnonzero(keep)
        before = np.append(kept, len(keep))[at]  # the old row each fresh row goes before
        gone = np.flatnonzero(~keep)
        # (old row, 0 = drop it | 1 = insert fresh j before it, j): one pass of slices builds any per-row array
        self.events = sorted([(int(r), 0, -1) for r in gone] + [(int(r), 1, j) for j, r in enumerate(before)])
        # None when every kept row keeps its number (edits only, or new rows only at the end): nothing renumbered
        self.renumber = None if np.array_equal(remap[kept], kept) else remap

    def rows(self, old: np.ndarray, fresh: np.ndarray) -> np.ndarray:
        """A per-row array (rows along axis 0): the kept rows of ``old`` with ``fresh`` inserted."""
        if len(self.events) > MANY:
            return np.insert(old[self.keep], self.at, fresh, axis=0)
        fresh = fresh.astype(old.dtype, copy=False)
        pieces, previous = [], 0
        for row, inserting, j in self.events:
            pieces.append(old[previous:row])
            if inserting:
                pieces.append(fresh[j : j + 1])
                previous = row
            else:
                previous = row + 1
        pieces.append(old[previous:])
        return np.concatenate(pieces)


def _id_ordered(columns: Columns) -> bool:
    """Whether rows are in id order (what a build from a snapshot, sorted by id, gives)."""
    return bool(np.array_equal(columns.id_rank, np.arange(len(columns.id_rank))))


def _rows_of(index: DirectoryIndex, ids: Collection[str], ordered: bool) -> list[int]:
    """The rows of the services with these ids, ascending (ids not in the index are skipped)."""
    known = index.services.ids
    if not ordered:
        wanted = set(ids)
        return [row for row, service_id in enumerate(known) if service_id in wanted]
    found = []
    for service_id in ids:
        row = bisect_left(known, service_id)
        if row < len(known) and known[row] == service_id:
            found.append(row)
    return sorted(found)


def _insert_points(ids: Sequence[str], kept: np.ndarray, fresh: list[Service], ordered: bool) -> np.ndarray:
    """For each fresh service (id order), the kept position it goes before (all at the end if not ordered)."""
    if not ordered:
        return np.full(len(fresh), len(kept), dtype=np.int64)
    return np.array([bisect_left(kept, s.id, key=ids.__getitem__) for s in fresh], dtype=np.int64)


def _schools(
    schools: dict[str, frozenset[str]],
    old: list[Service],
    fresh: Sequence[Service],
    services: ServiceStore,
    columns: Columns,
) -> dict[str, frozenset[str]]:
    """The school names after an edit: those of the schools the old or fresh services serve are read
    again from the services that serve them now (columns.school); the others are shared."""
    touched = {s.serves_school for s in (*old, *fresh) if s.serves_school}
    if not touched:
        return schools
    rows = [
        int(r)
        for site in touched
        if site in columns.school_ids
        for r in np.flatnonzero(columns.school == columns.school_ids.index(site))
    ]
    kept = {site: names for site, names in schools.items() if site not in touched}
    return kept | school_names(services[r] for r in sorted(rows))


def _columns(old: Columns, mini: Columns, splice: _Splice, ids: Sequence[str], ordered: bool) -> Columns:
    spliced = {name: splice.rows(array, mini.arrays[name]) for name, array in old.arrays.items()}
    if ordered:
        id_rank = np.arange(splice.n, dtype=np.int32)
    else:
        order = sorted(range(splice.n), key=ids.__getitem__)
        id_rank = np.empty(splice.n, dtype=np.int32)
        id_rank[order] = np.arange(splice.n, dtype=np.int32)
    return replace(old, arrays=spliced, id_rank=id_rank, bits=mini.bits, school_ids=mini.school_ids)


def _sites(old: Sites, mini: Sites, splice: _Splice) -> Sites:
    rows = splice.new_rows
    if (
        splice.renumber is None
        and splice.n == len(splice.keep)
        and np.array_equal(np.diff(old.offsets)[rows], np.diff(mini.offsets))
    ):  # edits only, each service listing as many sites as before: written over their own entries
        at = repeated(old.offsets[rows] - mini.offsets[:-1], np.diff(mini.offsets)) + np.arange(mini.offsets[-1])
        per_site = {
            name: _written(getattr(old, name), at, getattr(mini, name)) for name in ("lat", "lon", "xyz", "days")
        }
        boxes = SiteBoxes.of(_written(old.boxes.box, rows, mini.boxes.box))
        return Sites(
            old.offsets, old.service, per_site["lat"], per_site["lon"], per_site["xyz"], per_site["days"], boxes
        )
    site_keep, site_at = _listings(old, np.diff(mini.offsets), splice.keep, splice.at)
    per_site = {
        name: insert(getattr(old, name)[site_keep], site_at, getattr(mini, name))
        for name in ("lat", "lon", "xyz", "days")
    }
    counts = splice.rows(np.diff(old.offsets), np.diff(mini.offsets))
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    service = repeated(np.arange(splice.n, dtype=np.int32), counts)
    boxes = SiteBoxes.of(splice.rows(old.boxes.box, mini.boxes.box))
    return Sites(offsets, service, per_site["lat"], per_site["lon"], per_site["xyz"], per_site["days"], boxes)


def _postings(old: Postings, mini: Postings, splice: _Splice) -> Postings:
    """The need postings: entries of the rows that stay (renumbered) with the fresh rows' entries."""
    codes = np.arange(len(old.offsets) - 1, dtype=np.int64)
    added = (np.repeat(codes, np.diff(mini.offsets)), splice.new_rows[mini.rows], mini.relation)
    lists = splice_lists(
        Lists(codes, old.offsets, old.rows, old.relation, codes), splice.keep, splice.renumber, added, False
    )
    return Postings(old.slot, lists.offsets, lists.rows, lists.relation)


def _nearby(old: CellPostings, mini: CellPostings, splice: _Splice) -> tuple[CellPostings, np.ndarray]:
    """The cell postings spliced as ``_postings`` splices (keys left empty go), and per new key its old
    position when its entries are as they were (else -1)."""
    new_key, new_rows, new_relation = mini.entries()
    here = Lists(old.keys, old.offsets, old.rows, old.relation, np.arange(len(old.keys)))
    lists = splice_lists(here, splice.keep, splice.renumber, (new_key, splice.new_rows[new_rows], new_relation), True)
    return CellPostings.grouped(lists.keys, lists.offsets, lists.rows, lists.relation), lists.source


def _area(old: dict[str, np.ndarray], fresh: list[Service], splice: _Splice) -> dict[str, np.ndarray]:
    """Place code -> rows whose area lists it, renumbered, with the fresh rows added (rows ascending)."""
    added: dict[str, list[int]] = {}
    for row, service in zip(splice.new_rows.tolist(), fresh):
        for code in service.area_places:
            added.setdefault(code, []).append(row)
    area = {}
    for code in old.keys() | added.keys():
        rows = splice.remap[old[code]] if code in old else np.empty(0, np.int64)
        rows = np.sort(np.concatenate((rows[rows >= 0], np.array(added.get(code, ()), dtype=np.int64))))
        if len(rows):
            area[code] = rows.astype(np.int32)
    return area

"""The directory index: everything a match reads, built once per directory version.

This module owns ``build_index`` and the inverted indexes: need code -> service rows (with the
relation quality: exact, more specific, broader), the same split by spatial cell (cells.py) and
place code -> service rows whose area lists it. With them a match touches only the services
relevant to the child's needs near the child, never all of them; unmet-need diagnosis reads the
plain postings, since the nearest service beyond the limit lies outside the cells read.
Depends on numpy and the sibling modules only.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from referral.matching import pieces
from referral.matching.cells import CellPostings, repeated
from referral.matching.columns import Columns, Sites, build_columns, build_sites
from referral.matching.eligibility import standing
from referral.matching.gazetteer import Gazetteer
from referral.matching.safety import RiskLexicon
from referral.matching.schools import school_names
from referral.matching.store import ServiceStore
from referral.matching.taxonomy import Taxonomy
from referral.matching.types import Directory, Region, Service

# How a service's term relates to a child's need: exact, the service's term is more specific (a
# descendant of the need), or broader (an ancestor), as int8 codes; the need fit each earns is
# MatchSettings.fits(), indexed by these codes.
EXACT, NARROWER, BROADER = 2, 1, 0


@dataclass(frozen=True, eq=False)
class Postings:
    """CSR lists per need code: ``rows[offsets[i]:offsets[i+1]]`` meet ``codes[i]`` (sorted rows)."""

    slot: dict[str, int]  # code -> i
    offsets: np.ndarray  # int64
    rows: np.ndarray  # int32 service rows
    relation: np.ndarray  # int8: EXACT, NARROWER or BROADER (the best the service offers)

    def relations(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows meeting ``code`` and their relation (int8 EXACT, NARROWER or BROADER)."""
        i = self.slot.get(code)
        if i is None:
            return np.empty(0, np.int32), np.empty(0, np.int8)
        lo, hi = self.offsets[i], self.offsets[i + 1]
        return self.rows[lo:hi], self.relation[lo:hi]


@dataclass(frozen=True, eq=False)
class Origin:
    """How a spliced index (delta.py) came from the previous one, so that what is kept per index (the
    cell summaries of cellbound.py) is spliced too instead of computed again. ``previous`` is weak: it
    serves only while the caller still holds the old index (a worker's index thread does, until the new
    one is prepared). Valid for the index whose ``columns`` and ``nearby`` these are."""

    previous: weakref.ref[DirectoryIndex]
    columns: Columns
    nearby: CellPostings
    gone: np.ndarray  # int64: the old rows that left (the changed services' old versions), ascending
    fresh: np.ndarray  # int64: the new rows of the changed services' new versions, ascending
    keys: np.ndarray  # int64 per key of ``nearby``: its old position when it lists the same rows as before,
    #                   none of them changed; else -1

    def changed_keys(self) -> np.ndarray:
        """The positions in ``nearby.keys`` of the keys to summarise again (``keys`` -1)."""
        return np.flatnonzero(self.keys < 0)

    def old_rows(self) -> np.ndarray:
        """Per new row: its row in the previous index (-1 for the fresh rows)."""
        n = len(self.columns.id_rank)
        staying = np.ones(n - len(self.fresh) + len(self.gone), dtype=bool)
        staying[self.gone] = False
        rows = np.full(n, -1, dtype=np.int64)
        placed = np.ones(n, dtype=bool)
        placed[self.fresh] = False
        rows[placed] = np.flatnonzero(staying)
        return rows


@dataclass(frozen=True, eq=False)
class DirectoryIndex:
    """The read-only index of one directory version."""

    version: str
    services: ServiceStore  # by row, decoded when read (store.py); ids without decoding
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    columns: Columns
    sites: Sites
    postings: Postings
    nearby: CellPostings  # the postings by spatial cell: what a match reads
    area: dict[str, np.ndarray]  # place code -> sorted int32 rows whose area_places list it
    schools: dict[str, frozenset[str]]  # site id of a school some service serves -> its folded names
    risks: RiskLexicon = field(default_factory=RiskLexicon)  # the safety layer's compiled lexicon
    region: Region = Region()  # emergency lines, duties, screening scales
    origin: Origin | None = None  # set by delta.py: how this index was spliced from the previous one

    def previous(self) -> DirectoryIndex | None:
        """The index this one was spliced from, while someone still holds it, if ``origin`` describes this one."""
        origin = self.origin
        if origin is None or origin.columns is not self.columns or origin.nearby is not self.nearby:
            return None
        return origin.previous()


def build_index(directory: Directory, previous: DirectoryIndex | None = None) -> DirectoryIndex:
    """Index ``directory``; raises ValueError on values outside the contract (see columns.py).

    With the ``previous`` version's index, its place-name tables are reused when the places are equal
    (pinyin of every place name: a fifth of a build at 100k services)."""
    services = tuple(directory.services)
    store = ServiceStore.of(services)
    same_places = previous is not None and previous.gazetteer.source == tuple(directory.places)
    taxonomy = Taxonomy(directory.terms)
    columns, sites = build_columns(services), build_sites(services)
    postings = _build_postings(services, taxonomy)
    return DirectoryIndex(
        version=directory.version,
        services=store,
        taxonomy=taxonomy,
        gazetteer=(
            previous.gazetteer.with_services(store)
            if previous is not None and same_places
            else Gazetteer(directory.places, store)
        ),
        columns=columns,
        sites=sites,
        postings=postings,
        nearby=_build_nearby(postings, sites, columns),
        area=_build_area(services),
        risks=RiskLexicon(directory.risks),
        region=directory.region,
        schools=school_names(services),
    )


def _relations(taxonomy: Taxonomy) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each term t (by position in taxonomy.codes): the need codes a service listing t meets.

    Returns CSR offsets, the met code positions and the relation: t itself (exact), t's ancestors
    (for them t is more specific) and t's descendants (for them t is broader).
    """
    pos = {c: i for i, c in enumerate(taxonomy.codes)}
    offsets, dst, rel = [0], [], []
    for code in taxonomy.codes:
        met = [(pos[code], EXACT)]
        met += [(pos[a], NARROWER) for a in taxonomy.ancestors(code)]
        met += [(pos[d], BROADER) for d in taxonomy.descendants(code)]
        dst.extend(m[0] for m in met)
        rel.extend(m[1] for m in met)
        offsets.append(len(dst))
    return np.array(offsets, np.int64), np.array(dst, np.int64), np.array(rel, np.int64)


def _build_postings(services: tuple[Service, ...], taxonomy: Taxonomy) -> Postings:
    """Invert service -> terms into code -> rows, keeping the best relation per (code, row).

    Codes a service lists that the taxonomy lacks are ignored: they could never be asked for.
    """
    pos = {c: i for i, c in enumerate(taxonomy.codes)}
    listed = pieces.array([pos.get(c, -1) for s in services for c in s.needs], np.int64)
    rows = repeated(np.arange(len(services), dtype=np.int64), pieces.array([len(s.needs) for s in services], np.int64))
    known = listed >= 0
    rows, terms = rows[known], listed[known]
    rel_off, rel_dst, rel_kind = _relations(taxonomy)
    counts = rel_off[terms + 1] - rel_off[terms]
    starts = repeated(rel_off[terms] - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    dst, kind, rows = rel_dst[starts], rel_kind[starts], repeated(rows, counts)
    # one sort: by code, then row, then best relation first; keep the first of each (code, row)
    n = max(len(services), 1)
    key = np.sort((dst * n + rows) * 4 + (EXACT - kind))
    pair, best = key // 4, EXACT - key % 4
    first = np.concatenate(([True], pair[1:] != pair[:-1])) if len(pair) else np.empty(0, bool)
    pair, best = pair[first], best[first]
    offsets = np.searchsorted(pair // n, np.arange(len(taxonomy.codes) + 1)).astype(np.int64)
    return Postings(pos, offsets, (pair % n).astype(np.int32), best.astype(np.int8))


def _build_nearby(postings: Postings, sites: Sites, columns: Columns) -> CellPostings:
    """The postings by cell, without the services ``screen`` always refuses (the standing rules of
    eligibility.RULES: inactive or full).

    Remote-capable services are listed anywhere: distance never excludes them.
    """
    remote = (columns.modes & columns.bits["modes"].mask(["remote"])) != 0
    listed = standing(columns)
    return CellPostings(
        postings.offsets, postings.rows, postings.relation, sites.offsets, sites.lat, sites.lon, remote, listed
    )


def _build_area(services: tuple[Service, ...]) -> dict[str, np.ndarray]:
    """Place code -> rows of the services whose area_places list it (rows ascending)."""
    lists: dict[str, list[int]] = {}
    for row, service in enumerate(services):
        for code in service.area_places:
            lists.setdefault(code, []).append(row)
    return {code: np.array(rows, dtype=np.int32) for code, rows in lists.items()}

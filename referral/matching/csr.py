"""Lists of rows grouped under sorted keys (CSR), spliced when a few rows change: nothing rebuilt.

This module owns ``splice_lists``, which the index's need postings (by code) and cell postings (by
code and cell) both go through when some services change (delta.py). The entries of the rows that go
are dropped, the others renumbered, the changed rows' new entries inserted where their key and row
sort, in a few passes over the entries (a mask, a gather, two inserts) and a binary search per new
entry: at 1M services and ~5M cell entries it costs tens of milliseconds where merging the whole lists
by a composite key cost about half a second. It also says which keys kept their entries exactly, so
what is summarised per key (cellbound.py) is recomputed for the others only. Depends on numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Lists:
    """``rows[offsets[i]:offsets[i+1]]`` (ascending) are listed under ``keys[i]`` (ascending), each with
    its ``relation``; ``source[i]``: the position of ``keys[i]`` in the lists spliced from when its
    entries are exactly as they were there (the same rows, renumbered), else -1."""

    keys: np.ndarray
    offsets: np.ndarray  # int64, len(keys) + 1
    rows: np.ndarray
    relation: np.ndarray
    source: np.ndarray  # int64


def splice_lists(
    old: Lists,
    keep: np.ndarray,
    remap: np.ndarray | None,
    added: tuple[np.ndarray, np.ndarray, np.ndarray],
    drop_empty: bool,
) -> Lists:
    """``old`` without the entries of rows ``keep`` refuses (a mask by old row), the others renumbered by
    ``remap`` (old row -> new row; None: they keep their numbers), with ``added`` = (keys, rows,
    relations) of new entries sorted by key then row, rows already new. Keys left without entries go
    when ``drop_empty``; new keys are inserted where they sort."""
    keys, counts = old.keys, np.diff(old.offsets)
    touched = np.zeros(len(keys), dtype=bool)
    lost = np.flatnonzero(~keep[old.rows])
    if len(lost):
        lost_keys = np.searchsorted(old.offsets, lost, "right") - 1
        counts = counts - np.bincount(lost_keys, minlength=len(keys))
        touched[lost_keys] = True
    add_keys, add_rows, add_relation = added
    at = np.searchsorted(keys, add_keys)
    known = at < len(keys)
    known[known] = keys[at[known]] == add_keys[known]
    if remap is None:  # the rows keep their numbers: drop and insert in one copy, placed among the old entries
        where = _placed(old.rows, old.offsets, at, known, add_rows)
        rows, relation = rewritten(old.rows, lost, where, add_rows), rewritten(old.relation, lost, where, add_relation)
    else:
        staying = np.ones(len(old.rows), dtype=bool)
        staying[lost] = False
        rows = remap[old.rows[staying]].astype(old.rows.dtype, copy=False)
        where = _placed(rows, np.concatenate(([0], np.cumsum(counts))), at, known, add_rows)
        rows, relation = insert(rows, where, add_rows), insert(old.relation[staying], where, add_relation)
    counts = counts + np.bincount(at[known], minlength=len(keys))
    touched[at[known]] = True
    new_keys, new_counts = np.unique(add_keys[~known], return_counts=True)
    put = np.searchsorted(keys, new_keys)
    source = np.where(touched, -1, np.arange(len(keys), dtype=np.int64))
    keys, counts = insert(keys, put, new_keys), insert(counts, put, new_counts)
    source = insert(source, put, np.full(len(new_keys), -1, dtype=np.int64))
    if drop_empty and len(lost):
        kept = counts > 0
        keys, counts, source = keys[kept], counts[kept], source[kept]
    return Lists(keys, np.concatenate(([0], np.cumsum(counts))).astype(np.int64), rows, relation, source)


def _placed(rows: np.ndarray, offsets: np.ndarray, at: np.ndarray, known: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Where each new entry goes in ``rows``: among the rows of its key (position ``at`` in the keys,
    ``known``: the key is there) where its row sorts, else where its key sorts (after every entry of
    the keys before it)."""
    lo = offsets[at]
    hi = np.where(known, offsets[np.minimum(at + 1, len(offsets) - 1)], lo)
    return _first_not_below(rows, lo, hi, values)


def rewritten(old: np.ndarray, dropped: np.ndarray, at: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """``old`` without the positions ``dropped`` (ascending), with ``fresh[j]`` before old position
    ``at[j]`` (ascending; before a dropped one at the same position): one copy."""
    if len(dropped) + len(at) > MANY:
        return insert(np.delete(old, dropped), at - np.searchsorted(dropped, at), fresh)
    fresh = fresh.astype(old.dtype, copy=False)
    events = sorted([(p, 0, j) for j, p in enumerate(at.tolist())] + [(p, 1, -1) for p in dropped.tolist()])
    pieces, previous = [], 0
    for p, drop, j in events:
        pieces.append(old[previous:p])
        if drop:
            previous = p + 1
        else:
            pieces.append(fresh[j : j + 1])
            previous = p
    pieces.append(old[previous:])
    return np.concatenate(pieces)


def _first_not_below(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per value: the first position in ``rows[lo:hi]`` (ascending) whose row is not below it (a binary
    search for all of them at once: one round per halving of the longest span)."""
    lo, hi = lo.astype(np.int64), hi.astype(np.int64)
    last = max(len(rows) - 1, 0)
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        below = open_ & (rows[np.minimum(mid, last)] < values) if len(rows) else np.zeros(len(lo), dtype=bool)
        lo, hi = np.where(below, mid + 1, lo), np.where(open_ & ~below, mid, hi)


MANY = 256  # insertions beyond which numpy's own insert (a sort and a mask) is cheaper than slices


def insert(old: np.ndarray, at: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """``np.insert(old, at, fresh, axis=0)`` for ``at`` ascending; by slices when they are few."""
    if not len(at):
        return old
    if len(at) > MANY:
        return np.insert(old, at, fresh, axis=0)
    fresh = fresh.astype(old.dtype, copy=False)
    pieces, previous = [], 0
    for j, a in enumerate(at.tolist()):
        pieces += [old[previous:a], fresh[j : j + 1]]
        previous = a
    pieces.append(old[previous:])
    return np.concatenate(pieces)

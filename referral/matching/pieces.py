"""Whole-directory steps of an index build taken a piece at a time, so that no one C call holds the GIL.

A worker rebuilds its index in a thread while requests run in others. One C call over a million
items (``list(map(...))``, ``sorted`` of a million strings, ``np.array`` of a million-item list)
holds the GIL for 0.1-0.5 s at 1M services, and every request waits that long. These helpers give
the same results as those calls, working ``PIECE`` items per call: between two pieces the GIL can
change hands. Sorting strings goes through numpy, whose sort of byte strings runs without the GIL
(UTF-8 bytes sort as their strings' code points do). Depends on numpy only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
H = TypeVar("H", bound=Hashable)

PIECE = 20_000  # items per C call: 1-5 ms of the work above
MAX_KEY_BYTES = 256  # longer keys: sorted by Python (a byte-string array would take too much memory)


def spans(n: int) -> Iterator[slice]:
    """``slice(0, PIECE)``, ``slice(PIECE, 2 * PIECE)``, ... covering ``range(n)``."""
    piece = PIECE  # read at each call: tests make it small
    return (slice(start, start + piece) for start in range(0, n, piece))


def mapped(function: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
    """``list(map(function, items))``."""
    out: list[T] = []
    for span in spans(len(items)):
        out.extend(map(function, items[span]))
    return out


def array(values: Sequence[Any], dtype: Any) -> np.ndarray:
    """``np.array(values, dtype)`` of a flat sequence (None becomes NaN in a float array)."""
    out = np.empty(len(values), dtype)
    for span in spans(len(values)):
        out[span] = values[span]
    return out


def distinct(values: Sequence[H]) -> dict[H, None]:
    """``dict.fromkeys(values)``: each value once, in the order first seen."""
    found: dict[H, None] = {}
    for span in spans(len(values)):
        found.update(dict.fromkeys(values[span]))
    return found


def order(keys: Sequence[str]) -> np.ndarray:
    """The positions of ``keys`` in ascending key order, equal keys by position (int64), as
    ``sorted(range(len(keys)), key=keys.__getitem__)`` gives them."""
    encoded = mapped(str.encode, keys)
    parts = [encoded[span] for span in spans(len(encoded))]
    width = max((max(map(len, part)) for part in parts), default=0)
    if width > MAX_KEY_BYTES or any(b"\x00" in b"".join(part) for part in parts):  # a NUL would be lost
        return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
    return np.argsort(array(encoded, f"S{max(width, 1)}"), kind="stable").astype(np.int64)

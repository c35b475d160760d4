"""Freeing memory after an index build: a piece at a time, and back to the operating system.

Dropping the last reference to a large object graph (the snapshot a build read, the index it replaces:
a million objects at 1M services) frees it in one step that holds the GIL for over a second, and
every request of the worker waits. ``release`` and ``dismantle`` free such a graph, held by the
caller alone, a piece at a time, letting requests run between pieces.


A build reads the whole directory as Python objects and drops them once the index (numpy arrays
and packed records) is made. Python returns its own small-object arenas when they empty, but the C
allocator (glibc malloc) keeps freed pages of its heap until asked: ``malloc_trim(0)`` hands them
back, about 50 MB of a worker's resident memory after a build at 100,000 services
(bench/memory_bench.py). ``one_arena`` keeps a worker's threads on that one heap (see there).
Elsewhere (another C library, another system) these do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
import time
from typing import Any

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's malloc.h: the most arenas the allocator makes
PIECE = 2_000  # items freed between two pauses: ~2-4 ms of a service snapshot or of site tables
BIG = 1_000  # a container with fewer items is freed whole with whatever holds it (well under a millisecond)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def trim() -> bool:
    """Ask the C allocator to return its free pages; whether it could be asked (glibc only)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def one_arena() -> bool:
    """Have every thread of this process allocate from the main heap (glibc's ``M_ARENA_MAX`` = 1);
    whether it could be asked. Only arenas not made yet are affected: call it before threads start.

    glibc gives each new thread an arena of its own, grown in 64 MB heaps, so that threads allocating
    at once do not wait on one lock. Under the GIL that buys little, and a worker's index thread then
    makes each update's arrays in its own arena, apart from the pages the main heap has free. At 1M
    services (in process: a build, then site moves applied by a second thread, three pairs of runs)
    the process held 100-450 MB less with one arena; the updates' times did not change beyond the
    machine's noise.
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_ARENA_MAX, 1))


def release(items: list[Any], piece: int = PIECE) -> None:
    """Empty ``items``, a list the caller holds alone, ``piece`` items at a time from the end, pausing
    between pieces so that other threads take the GIL: each item (and what only it holds) is freed
    in its piece, never all in one step."""
    while items:
        del items[-piece:]
        time.sleep(0)  # hands the GIL over, between two pieces


def dismantle(root: object, piece: int = PIECE) -> int:
    """Free ``root``'s large lists and dicts a piece at a time (``release``); the number emptied.

    The walk follows the attributes of objects (``__dict__``, ``__slots__``) from ``root``, which the
    caller must have just stopped sharing: it empties only containers that nothing outside the walk
    holds, reached through objects that nothing outside the walk holds, so a table the caller's other
    objects still share (a new index keeping an old one's tables) is left as it is. Call it holding
    ``root`` in one variable and no other reference to it or to its parts."""
    if sys.getrefcount(root) > _HELD_ROOT:  # someone else holds it: freeing it is theirs
        return 0
    found: list[Any] = []
    stack = [root]
    while stack:
        owner = stack.pop()
        for value in _attributes(owner):
            if sys.getrefcount(value) > _HELD_ATTRIBUTE:  # shared beyond its owner: not ours to empty
                continue
            if isinstance(value, (list, dict)):
                if len(value) >= BIG:
                    found.append(value)
            elif _attributes(value):
                stack.append(value)
            del value
    emptied = len(found)
    while found:
        table = found.pop()
        if isinstance(table, dict):
            _release_dict(table, piece)
        else:
            release(table, piece)
        del table
    return emptied


def retire(taken: list[Any], wait_s: float = 2.0) -> int:
    """Dismantle the one object in ``taken`` (which this empties: the caller keeps no other reference)
    once the threads still using it (requests that began before a swap) have let it go; the number
    of containers emptied. After ``wait_s`` it is left to whoever holds it last, freed whole."""
    root = taken.pop()
    deadline = time.monotonic() + wait_s
    while sys.getrefcount(root) > _HELD_HERE and time.monotonic() < deadline:
        time.sleep(0.01)
    return dismantle(root)


def _release_dict(table: dict[Any, Any], piece: int) -> None:
    """Empty ``table`` ``piece`` entries at a time (each entry's key and value freed with it)."""
    while table:
        for _ in range(min(piece, len(table))):
            table.popitem()
        time.sleep(0)


def _attributes(owner: object) -> list[Any]:
    """The values of ``owner``'s instance attributes (``__dict__`` and ``__slots__``); none for
    containers, numbers, strings and arrays, which ``dismantle`` never walks into."""
    values = list(getattr(owner, "__dict__", {}).values()) if hasattr(owner, "__dict__") else []
    for cls in type(owner).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in ("__dict__", "__weakref__") and hasattr(owner, name):
                values.append(getattr(owner, name))
    return values


# Reference counts of an object held only where dismantle expects it (getrefcount's argument adds one):
_HELD_ROOT = 3  # the caller's variable, dismantle's parameter, the argument
_HELD_HERE = 2  # retire's variable, the argument
_HELD_ATTRIBUTE = 4  # its owner's attribute, _attributes' list, the loop variable, the argument

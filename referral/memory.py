"""Giving freed memory back to the operating system after an index build.

A build reads the whole directory as Python objects and drops them once the index (numpy arrays
and packed records) is made. Python returns its own small-object arenas when they empty, but the C
allocator (glibc malloc) keeps freed pages of its heap until asked: ``malloc_trim(0)`` hands them
back, about 50 MB of a worker's resident memory after a build at 100,000 services
(bench/memory_bench.py). Elsewhere (another C library, another system) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)


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

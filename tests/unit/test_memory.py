"""Freeing a large object graph a piece at a time (referral/memory.py): what the caller alone holds
is emptied; a table something else still shares, or an object someone else holds, is left whole. And
one heap for every thread, when asked."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from referral import memory

ROOT = Path(__file__).resolve().parents[2]


class Tables:
    def __init__(self, n: int = 3 * memory.BIG):
        self.rows = [f"row {i}" for i in range(n)]
        self.by_name = {f"name {i}": [i] for i in range(n)}
        self.few = [1, 2, 3]  # under BIG: freed whole with its owner


class Slotted:
    __slots__ = ("inner", "table")

    def __init__(self) -> None:
        self.inner, self.table = Tables(), {i: str(i) for i in range(memory.BIG)}


def test_release_empties_the_list_a_piece_at_a_time():
    items = [object() for _ in range(5_001)]
    memory.release(items, piece=1_000)
    assert items == []


def test_dismantle_empties_the_large_containers_held_through_attributes_and_slots_alone():
    root = Slotted()
    inner = root.inner
    assert memory.dismantle(root) == 1  # only the slot's table: ``inner`` is held here too
    assert root.table == {} and len(inner.rows) == 3 * memory.BIG
    del inner
    assert memory.dismantle(root) == 2
    assert root.inner.rows == [] and root.inner.by_name == {} and root.inner.few == [1, 2, 3]


def test_a_table_another_object_still_shares_is_never_emptied():
    old, new = Tables(), Tables(1)
    new.by_name = old.by_name  # a new version keeping the old one's table
    assert memory.dismantle(old) == 1
    assert old.rows == [] and len(new.by_name) == 3 * memory.BIG


def test_an_object_someone_else_holds_is_left_whole():
    tables = Tables()
    also = tables
    assert memory.dismantle(tables) == 0
    assert len(also.rows) == 3 * memory.BIG


def test_retire_waits_for_a_thread_still_using_the_object_then_dismantles_it():
    tables, reading, done = Tables(), threading.Event(), threading.Event()
    seen: list[int] = []

    def request(held: Tables) -> None:  # a request that began before the swap
        reading.set()
        time.sleep(0.2)
        seen.append(len(held.rows))
        del held
        done.set()

    threading.Thread(target=request, args=(tables,)).start()
    reading.wait()
    rows = tables.rows
    taken, tables = [tables], None
    assert memory.retire(taken) == 1  # by_name; rows is held here as well
    assert done.is_set() and seen == [3 * memory.BIG] and taken == [] and len(rows) == 3 * memory.BIG


ARENAS = """
import ctypes, sys, threading
from referral import memory

if sys.argv[1] == "one":
    assert memory.one_arena()

def allocate():
    kept = [bytearray(100_000) for _ in range(50)]  # malloc'd, as numpy arrays are
    del kept

thread = threading.Thread(target=allocate)
thread.start()
thread.join()
libc = memory._libc()
libc.fopen.restype = ctypes.c_void_p
report = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(report))
libc.fclose(ctypes.c_void_p(report))
"""


@pytest.mark.skipif(
    memory._libc() is None or not hasattr(memory._libc(), "malloc_info"), reason="glibc's allocator only"
)
@pytest.mark.parametrize(("asked", "arenas"), [("one", 1), ("default", 2)])
def test_one_arena_keeps_a_new_threads_allocations_on_the_main_heap(tmp_path, asked, arenas):
    report = tmp_path / "malloc_info.xml"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}  # glibc's default, whatever the shell says
    subprocess.run([sys.executable, "-c", ARENAS, asked, str(report)], check=True, cwd=ROOT, env=env, timeout=60)
    assert report.read_text().count("<heap nr=") == arenas  # glibc lists each arena as a heap

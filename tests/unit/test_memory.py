"""Freeing a large object graph a piece at a time (referral/memory.py): what the caller alone holds
is emptied; a table something else still shares, or an object someone else holds, is left whole."""

from __future__ import annotations

import threading
import time

from referral import memory


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

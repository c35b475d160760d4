"""A full index rebuild in a process of its own, handed back in pieces: the worker keeps serving meanwhile.

A full rebuild (after an import, seeding or a taxonomy change) reads the whole directory as Python
objects and turns them into the index's arrays and records. In the worker's index thread it competes
with the requests for the GIL for seconds (5-8 s at 100k services, ~60 s at 1M): one thread matching
beside it answered ~55-65 matches a second at 100k, against ~375-410 beside one made in another process
(bench/update_wait_bench.py).

``build_aside`` runs the snapshot read and ``build_index`` in a fresh interpreter and receives the index
one field at a time. The interpreter is started as a plain subprocess (safe beside the worker's threads,
as a fork is not): ``sys.executable -c BOOTSTRAP`` reads the worker's ``sys.path`` and then the job from
its stdin and writes to a pipe of its own. Unlike multiprocessing's ``spawn`` it never runs the worker's
``__main__`` again (a server script without a ``__main__`` guard would start a second server there), it
leaves no resource-tracker process beside the worker, and it is not tried when ``sys.executable`` is not
a Python interpreter (an embedding server's binary). Each field is pickled (protocol 5) with its arrays
and record blobs sent apart as raw buffers, which the worker reads from the pipe with the GIL released,
then unpickles the field (the longest, the place-name tables, ~20 ms at 1,000 places; the services'
records ~10 ms a 40 MB) and yields the GIL before the next. The index's lazily built parts (the text
reader, the site-name tables) are not sent: the worker builds them as before. Any failure of the process
(it cannot start, the build raises, it is killed, it sends nothing for ``SILENT_S``) raises
``BuildAsideFailed`` with its reason, and the caller builds in process instead. The process ends with the
worker (its stdin closes). Depends on the standard library, SQLAlchemy's URL parser and referral (the
database, the snapshot, the index).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from referral import db, snapshot
from referral.matching.index import DirectoryIndex, build_index

SERVICES = "services"  # the persistent id of the index's ServiceStore in the fields that hold it again
DONE, FAILED = "", "!"  # the names of the last header: with the timings, or with the child's traceback
# The longest the worker waits for the next message: the build process sends nothing until it has read
# and built the whole directory (~2 min at 1M services on this project's machines), then fields in quick
# succession. A process silent longer is taken as hung: killed, and the index built in process.
SILENT_S = 900.0
# What the new interpreter runs: the worker's import path first (so the job's module imports as it does
# in the worker), then the job, from its stdin; its messages go to the pipe named by its one argument.
BOOTSTRAP = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from referral.buildaside import child; child(int(sys.argv[1]))"
)


class BuildAsideFailed(RuntimeError):
    """The build process failed (its reason is the message): build in process instead."""


def can_build_aside(url: str) -> bool:
    """Whether another process can read this database: not an in-memory SQLite one."""
    return not (url.startswith("sqlite") and make_url(url).database in (None, "", ":memory:"))


def build_aside(url: str, outcome_window_days: int = 90) -> tuple[DirectoryIndex, float, float]:
    """The index of the directory at ``url`` as it is now, built in another process; with that process's
    seconds reading the snapshot and building. Raises ``BuildAsideFailed``."""
    return run_aside(_from_database, url, outcome_window_days)


def run_aside(
    job: Callable[..., tuple[DirectoryIndex, float, float]], *args: object, silent_s: float = SILENT_S
) -> tuple[DirectoryIndex, float, float]:
    """``job(*args)`` run in a new process (a module-level function of an importable module: it is imported
    there by name, never from the worker's ``__main__``), its index sent back; ``job`` returns the index and
    its seconds reading and building. Raises ``BuildAsideFailed``."""
    request = _request(job, args)
    mine, theirs = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP, str(theirs)], stdin=subprocess.PIPE, pass_fds=(theirs,)
        )
    except (OSError, ValueError) as error:  # no process to be had (resources, a sandbox; no pass_fds on Windows)
        os.close(mine)
        raise BuildAsideFailed(f"the build process did not start: {error}") from error
    finally:
        os.close(theirs)  # the child holds its end: a child that dies ends the pipe, never a wait for ever
    conn, received = Connection(mine, writable=False), False
    try:
        with contextlib.suppress(OSError):  # a child that died at once: its end of the pipe says so
            process.stdin.write(request)  # type: ignore[union-attr]  # stdin=PIPE
            process.stdin.flush()  # type: ignore[union-attr]  # kept open: the child ends when it closes
        index = _receive(conn, silent_s)
        received = True
        return index
    finally:
        conn.close()
        if not received:  # failed, silent or killed: nothing more to wait for
            process.kill()
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _request(job: Callable[..., object], args: tuple[object, ...]) -> bytes:
    """What the new interpreter reads from its stdin: the import path, then the job and its arguments."""
    if not Path(sys.executable or "").name.lower().startswith(("python", "pypy")):
        raise BuildAsideFailed(f"the build process did not start: {sys.executable!r} is not a Python interpreter")
    if getattr(job, "__module__", None) == "__main__":  # the child imports no __main__ of the worker's
        raise BuildAsideFailed(f"the build process did not start: the job {job.__qualname__} is in __main__")
    try:
        return pickle.dumps(sys.path) + pickle.dumps((job, args))
    except (pickle.PicklingError, AttributeError, TypeError) as error:  # a local function, a lock
        raise BuildAsideFailed(f"the build process did not start: the job cannot be sent: {error}") from error


def child(fd: int) -> None:
    """The build process's side (``BOOTSTRAP``): run the job its stdin names and send the index to ``fd``;
    end at once when the worker's end of stdin closes (the worker gave up, or died)."""
    job, args = pickle.load(sys.stdin.buffer)
    threading.Thread(target=_end_with_the_worker, name="referral-index-build-watch", daemon=True).start()
    _run(Connection(fd, readable=False), job, args)


def _end_with_the_worker() -> None:
    """Read stdin's file descriptor itself (a thread blocked in ``sys.stdin`` would hold its lock at the
    interpreter's exit) until the end of file: the worker closed its end, or no longer exists."""
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os._exit(1)


def _receive(conn: Any, silent_s: float = SILENT_S) -> tuple[DirectoryIndex, float, float]:
    """The fields ``_send`` sends, unpickled one at a time, the GIL yielded between two."""
    fields: dict[str, object] = {}
    try:
        while True:
            if not conn.poll(silent_s):
                raise BuildAsideFailed(f"the build process sent nothing for {silent_s:g} s: stopped")
            name, detail = pickle.loads(conn.recv_bytes())
            if name == FAILED:
                raise BuildAsideFailed(f"the build process failed:\n{detail}")
            if name == DONE:
                read_s, build_s = detail
                return DirectoryIndex(**fields), read_s, build_s  # type: ignore[arg-type]
            data = conn.recv_bytes()
            buffers = []
            for length in detail:  # written into memory of their own: the arrays made on them stay writable
                buffer = bytearray(length)
                conn.recv_bytes_into(buffer)
                buffers.append(buffer)
            fields[name] = _Unpickler(data, buffers, fields).load()
            time.sleep(0)  # the requests between two fields
    except (EOFError, OSError) as error:  # the process ended before sending everything (killed, out of memory)
        raise BuildAsideFailed(f"the build process ended early ({type(error).__name__})") from error


def _run(conn: Any, job: Callable[..., tuple[DirectoryIndex, float, float]], args: tuple[object, ...]) -> None:
    """In the build process: run ``job``, send its index and times (or the traceback)."""
    try:
        index, read_s, build_s = job(*args)
        _send(conn, index)
        conn.send_bytes(pickle.dumps((DONE, (read_s, build_s))))
    except BaseException:
        with contextlib.suppress(OSError):  # the worker gave up waiting: nobody to tell
            conn.send_bytes(pickle.dumps((FAILED, traceback.format_exc())))
    finally:
        conn.close()


def _from_database(url: str, outcome_window_days: int) -> tuple[DirectoryIndex, float, float]:
    """The index of a snapshot of the directory at ``url``, and the seconds reading and building."""
    started = time.perf_counter()
    with db.build(url).session() as session:
        directory = snapshot.load(session, outcome_window_days)
    read = time.perf_counter()
    return build_index(directory), read - started, time.perf_counter() - read


def _send(conn: Any, index: DirectoryIndex) -> None:
    """Each field of ``index``: a header (its name and its buffers' sizes), its pickle, then its buffers."""
    for field in dataclasses.fields(index):
        buffers: list[pickle.PickleBuffer] = []
        out = io.BytesIO()
        _Pickler(out, buffers, index.services if field.name != SERVICES else None).dump(getattr(index, field.name))
        raw = [b.raw() for b in buffers]
        conn.send_bytes(pickle.dumps((field.name, [r.nbytes for r in raw])))
        conn.send_bytes(out.getbuffer())
        for r in raw:
            conn.send_bytes(r)


class _Pickler(pickle.Pickler):
    """Protocol 5, large buffers apart, and ``store`` (the index's services, held again by other fields)
    as a reference."""

    def __init__(self, out: io.BytesIO, buffers: list[pickle.PickleBuffer], store: object | None):
        super().__init__(out, protocol=5, buffer_callback=buffers.append)
        self.store = store

    def persistent_id(self, obj: object) -> str | None:
        return SERVICES if self.store is not None and obj is self.store else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, buffers: list[bytearray], fields: dict[str, object]):
        super().__init__(io.BytesIO(data), buffers=buffers)
        self.fields = fields

    def persistent_load(self, pid: object) -> object:
        if pid != SERVICES:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self.fields[SERVICES]

"""``referral serve``'s workers share keep-alive connections out (referral.serving.BalancedWorker):
a worker holding more connections than another leaves a new one to it, so two clients are served by
two processes, not queued behind one GIL; a stalled worker never leaves a connection unanswered."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from referral.serving import FREE, should_defer
from tests.api.test_gunicorn_limits import _free_port, _wait_until_it_answers, start_serve
from tests.conftest import _migrate

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc")

LIVE = b"GET /v1/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"  # keep-alive: HTTP/1.1's default


@pytest.mark.parametrize(
    ("mine", "others", "full", "defer"),
    [
        (0, [0, FREE, FREE], 1000, False),  # nobody holds fewer than none
        (1, [0, FREE], 1000, True),  # another worker holds fewer
        (1, [1, FREE], 1000, False),  # as many: whoever is awake takes it
        (2, [1, 3], 1000, True),
        (1, [FREE, FREE], 1000, False),  # no other worker
        (5, [4], 4, False),  # the other is at its limit (worker_connections): it could not accept
        (5, [3], 4, True),
    ],
)
def test_a_worker_defers_a_connection_only_to_a_live_worker_holding_fewer(mine, others, full, defer):
    assert should_defer(mine, others, full) is defer


@pytest.fixture
def two_workers(tmp_path: Path):
    """`referral serve --workers 2` on an empty, migrated SQLite database: (port, master process)."""
    url = f"sqlite:///{tmp_path / 'referral.db'}"
    _migrate(url)
    port = _free_port()
    server = start_serve(url, port, "--workers", "2", "--threads", "2")
    try:
        _wait_until_it_answers(port, server)
        _wait_for_workers(server, port)
        yield port, server
    finally:
        server.terminate()
        server.wait(timeout=30)


def _workers(server: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]


def _wait_for_workers(server: subprocess.Popen, port: int, n: int = 2, seconds: float = 90) -> None:
    """Until ``n`` workers accept: pairs of connections are opened (and closed) until each worker took one.

    A worker forked but still loading the app is no worker yet: a connection left for it is taken by
    the other after the deferrals run out, which is right, but not what the tests below look at."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(_workers(server)) == n:
            connections = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(n)]
            try:
                for connection in connections:
                    _ask(connection)
                ready = sorted(_held(pid, port) for pid in _workers(server)) == [1] * n
            finally:
                for connection in connections:
                    connection.close()
            if ready:
                time.sleep(0.5)  # the workers see the closes and count none again
                return
        time.sleep(0.5)
    raise AssertionError("the workers did not all accept in time")


def _ask(connection: socket.socket) -> bytes:
    """One request on a kept-alive connection; its whole answer (by Content-Length), leaving it open."""
    connection.sendall(LIVE)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


def _held(pid: int, port: int) -> int:
    """How many established connections on ``port`` process ``pid`` holds (Linux /proc)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # local port; ESTABLISHED
            established.add(fields[9])  # inode
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        held += target.startswith("socket:[") and target[len("socket:[") : -1] in established
    return held


def test_keep_alive_clients_are_spread_over_both_workers(two_workers):
    port, server = two_workers
    connections = []
    try:
        for _ in range(4):
            connection = socket.create_connection(("127.0.0.1", port), timeout=30)
            connections.append(connection)
            assert _ask(connection).startswith(b"HTTP/1.1 200")
        for connection in connections:  # each connection stays with its worker
            assert _ask(connection).startswith(b"HTTP/1.1 200")
        assert sorted(_held(pid, port) for pid in _workers(server)) == [2, 2]
    finally:
        for connection in connections:
            connection.close()


def test_a_connection_left_for_a_stalled_worker_is_accepted_by_the_other(two_workers):
    port, server = two_workers
    first = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        assert _ask(first).startswith(b"HTTP/1.1 200")
        holder = next(pid for pid in _workers(server) if _held(pid, port))
        idle = next(pid for pid in _workers(server) if pid != holder)
        os.kill(idle, signal.SIGSTOP)  # the worker holding fewer connections cannot accept
        try:
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=30) as second:
                assert _ask(second).startswith(b"HTTP/1.1 200")
                waited = time.monotonic() - started
                assert _held(holder, port) == 2
        finally:
            os.kill(idle, signal.SIGCONT)
        assert waited < 5  # the holder took it after its deferrals ran out (0.1 s), not never
    finally:
        first.close()

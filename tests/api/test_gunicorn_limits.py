"""gunicorn's own refusals (a request line or headers over its limits, a request that is not HTTP)
answer problem+json like the app, never an HTML page: ``referral serve`` on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, _migrate

HEALTH = b"GET /v1/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """`referral serve` on an empty, migrated SQLite database; its port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'referral.db'}"
    _migrate(url)
    port = _free_port()
    server = start_serve(url, port, "--threads", "2")
    try:
        _wait_until_it_answers(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def start_serve(url: str, port: int, *args: str, **env: str) -> subprocess.Popen:
    """`referral serve` on ``port`` with its options ``args``, the database ``url`` and settings ``env``
    (REFERRAL_...), its index built before it answers; its output discarded."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "referral"), "serve", "--port", str(port), *args],
        cwd=ROOT,
        env={**os.environ, "REFERRAL_DATABASE_URL": url, "REFERRAL_INDEX_BUILD_IN_BACKGROUND": "false", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_it_answers(port: int, server: subprocess.Popen, seconds: float = 90) -> None:
    """Poll the liveness probe until a 200 (the probe counts against no rate limit).

    A refused connection never reached the app. The socket waits long enough (60 s) that a loaded
    machine cannot make an answer look missing.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "referral serve exited"
        try:
            answer = exchange(port, HEALTH + b"\r\n", timeout=60)
        except (ConnectionRefusedError, ConnectionResetError):  # not started, or not yet serving
            time.sleep(0.3)
            continue
        if answer.startswith(b"HTTP/1.1 200"):
            return
        time.sleep(0.3)
    raise AssertionError("referral serve did not answer in time")


def exchange(port: int, raw: bytes, timeout: float = 10) -> bytes:
    """Send ``raw`` bytes and read the whole answer (gunicorn closes after its own errors)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def problem(answer: bytes) -> tuple[str, str, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers["Content-Type"], json.loads(body)


@pytest.mark.parametrize(
    ("raw", "status_line", "status"),
    [
        # a request line of 5,000 bytes: over gunicorn's 4,094
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", "HTTP/1.1 414 URI Too Long", 414),
        # one header of 9,000 bytes: over 8,190
        (HEALTH + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large", 431),
        # 120 header fields: over 100
        (
            HEALTH + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large",
            431,
        ),
        # not HTTP at all
        (b"HELLO THERE\r\n\r\n", "HTTP/1.1 400 Bad Request", 400),
    ],
)
def test_gunicorns_own_refusals_are_problem_json_without_the_request(served, raw, status_line, status):
    line, content_type, body = problem(exchange(served, raw))
    assert (line, content_type) == (status_line, "application/problem+json")
    assert body["status"] == status and body["type"] == "about:blank"
    assert "aaaa" not in body["detail"] and "HELLO" not in body["detail"]

"""Rate-limit counters in one SQLite file, shared by every worker process of one machine.

``referral serve`` with several workers points the limiter here (``referral+sqlite:///<instance>/
ratelimits.sqlite3``), so all of them count against one limit: exact, like Redis, without Redis.
A storage for the ``limits`` library (Flask-Limiter's backend), fixed windows only (the strategy the
app uses): one row per counter, one UPSERT per hit inside ``BEGIN IMMEDIATE`` (WAL, so readers never
wait), expired rows pruned at most once a minute. The file is separate from the directory database.

It never makes a request fail: if the file cannot be used, the first error is logged and every
counter reads 0 — the limits are off (fail open) until the file works again.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from limits.storage import Storage

log = logging.getLogger("referral.limits")
T = TypeVar("T")

SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
  key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL) WITHOUT ROWID"""
HIT = """INSERT INTO counters (key, count, expires) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN counters.expires <= :now THEN excluded.count ELSE counters.count + excluded.count END,
  expires = CASE WHEN counters.expires <= :now THEN excluded.expires ELSE counters.expires END
RETURNING count"""


class SQLiteLimitStorage(Storage):
    """Counters in the file a URI names as SQLAlchemy's do: ``referral+sqlite:////absolute/path``,
    ``referral+sqlite:///relative/path`` (to the working directory)."""

    STORAGE_SCHEME = ["referral+sqlite"]  # limits registers storages by scheme
    PRUNE_SECONDS = 60.0
    BUSY_TIMEOUT_MS = 2000

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.split("://", 1)[1][1:])
        self.clock: Callable[[], float] = time.time  # tests replace it
        self._local = threading.local()
        self._inherited: list[sqlite3.Connection] = []
        self._pruned_at = 0.0
        self._warned = False

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (sqlite3.Error, OSError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()

        def hit(connection: sqlite3.Connection) -> int:
            connection.execute("BEGIN IMMEDIATE")
            try:
                values = {"key": key, "amount": amount, "now": now, "expiry": expiry}
                ((count,),) = connection.execute(HIT, values).fetchall()
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            self._prune(connection, now)
            return int(count)

        return self._safely(hit, 0)

    def get(self, key: str) -> int:
        row = self._safely(
            lambda c: c.execute(
                "SELECT count FROM counters WHERE key = ? AND expires > ?", (key, self.clock())
            ).fetchone(),
            None,
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        row = self._safely(
            lambda c: c.execute("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now)).fetchone(),
            None,
        )
        return float(row[0]) if row else now

    def check(self) -> bool:
        return self._safely(lambda c: c.execute("SELECT 1").fetchone() == (1,), False)

    def reset(self) -> int | None:
        return self._safely(lambda c: c.execute("DELETE FROM counters").rowcount, None)

    def clear(self, key: str) -> None:
        self._safely(lambda c: c.execute("DELETE FROM counters WHERE key = ?", (key,)), None)

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        if now - self._pruned_at >= self.PRUNE_SECONDS:
            self._pruned_at = now
            connection.execute("DELETE FROM counters WHERE expires <= ?", (now,))

    def _safely(self, action: Callable[[sqlite3.Connection], T], failed: T) -> T:
        """``action`` on this thread's connection; on any error, ``failed`` (fail open), logged once."""
        try:
            return action(self._connection())
        except (sqlite3.Error, OSError) as error:
            self._local.connection = None  # opened afresh next time: the file may work again
            if not self._warned:
                self._warned = True
                log.warning("rate-limit store %s unusable, limits not enforced: %s", self.path, error)
            return failed

    def _connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker never uses its parent's)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            if self._local.pid == os.getpid():
                return connection
            self._inherited.append(connection)  # a parent's, across fork: kept, never used or closed here
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=self.BUSY_TIMEOUT_MS / 1000
        )
        self._use_wal(connection)
        connection.execute("PRAGMA synchronous=NORMAL")  # a count lost to a power cut does no harm
        connection.execute(SCHEMA)
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        """WAL, so readers never wait for the writer. Switching needs the file to itself and SQLite
        does not wait for that (no busy handler): when workers open it at once, try again a while."""
        deadline = time.monotonic() + self.BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                if connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",):
                    return
            except sqlite3.OperationalError:
                if time.monotonic() >= deadline:
                    raise
            if time.monotonic() >= deadline:
                raise sqlite3.OperationalError("could not switch the rate-limit file to WAL")
            time.sleep(0.005)

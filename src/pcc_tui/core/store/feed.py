"""The change feed: other sessions' commits, delivered to a callback within about a second.

PostgreSQL: LISTEN on a dedicated connection; each NOTIFY says "the change log grew".
SQLite: `PRAGMA data_version` polled on a dedicated connection (it moves when another
connection commits). Either way the changes themselves are read from `change_log` after the
last one seen, so a session that was offline catches up on everything it missed.

The feed also watches the link: when the database goes away it reports offline, retries with
a growing pause (0.5 s doubling to 15 s), and reports online again once it has re-subscribed
and caught up. It runs in one thread until `stop` is set.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.store import changes
from pcc_tui.core.store.changes import Change
from pcc_tui.core.store.database import Store

FIRST_RETRY_S = 0.5
MAX_RETRY_S = 15.0
SQLITE_POLL_S = 0.5
PG_WAIT_S = 0.5
PG_PING_EVERY_S = 10.0  # an idle LISTEN socket may not notice a dead server on its own


class ChangeFeed:
    def __init__(
        self,
        store: Store,
        on_changes: Callable[[list[Change]], object],
        on_status: Callable[[bool, float], object] = lambda _online, _retry: None,
        retry: tuple[float, float] = (FIRST_RETRY_S, MAX_RETRY_S),
    ) -> None:
        self.store = store
        self.retry = retry  # first and longest wait between tries (tests shorten them)
        self._connected = False
        self.on_changes = on_changes
        self.on_status = on_status  # (online, seconds until the next try when offline)
        self.last_seq: int | None = None
        self.online = True

    def run(self, stop: threading.Event) -> None:
        first, longest = self.retry
        delay = first
        while not stop.is_set():
            self._connected = False
            try:
                self._listen(stop)
                return
            except Exception as exc:
                if not _is_link_error(exc):
                    raise
            if self._connected:
                delay = first  # it worked since the last outage: a new outage starts over
            self.online = False
            self.on_status(False, delay)
            stop.wait(delay)
            delay = min(delay * 2, longest)

    def catch_up(self) -> list[Change]:
        """Deliver every change after the last one seen (others' only); returns them."""
        found: list[Change] = []
        with self.store.reading() as session:
            if self.last_seq is None:
                self.last_seq = changes.last_seq(session)
                return found
            while True:
                batch = changes.since(session, self.last_seq)
                if not batch:
                    break
                self.last_seq = batch[-1].seq
                found.extend(c for c in batch if c.origin != self.store.origin)
        if found:
            self.on_changes(found)
        return found

    def _subscribed(self) -> None:
        self._connected = True
        self.catch_up()
        if not self.online:
            self.online = True
            self.on_status(True, 0.0)

    def _listen(self, stop: threading.Event) -> None:
        if self.store.dialect == "postgresql":
            self._listen_postgres(stop)
        else:
            self._poll_sqlite(stop)

    def _listen_postgres(self, stop: threading.Event) -> None:
        import psycopg

        url = self.store.engine.url.set(drivername="postgresql")
        with psycopg.connect(
            url.render_as_string(hide_password=False),
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
        ) as conn:
            conn.execute(f"LISTEN {changes.CHANNEL}")
            self._subscribed()
            pinged = time.monotonic()
            while not stop.is_set():
                heard = False
                for _ in conn.notifies(timeout=PG_WAIT_S, stop_after=1):
                    heard = True
                if heard:
                    self.catch_up()
                elif time.monotonic() - pinged > PG_PING_EVERY_S:
                    conn.execute("SELECT 1")
                    pinged = time.monotonic()

    def _poll_sqlite(self, stop: threading.Event) -> None:
        path = self.store.engine.url.database or ""
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
        try:
            seen = _data_version(conn)
            self._subscribed()
            while not stop.wait(SQLITE_POLL_S):
                version = _data_version(conn)
                if version != seen:
                    seen = version
                    self.catch_up()
        finally:
            conn.close()


def _data_version(conn: sqlite3.Connection) -> int:
    row: Any = conn.execute("PRAGMA data_version").fetchone()
    return int(row[0])


def _is_link_error(exc: BaseException) -> bool:
    import psycopg

    return isinstance(
        exc,
        StoreUnavailable
        | OSError
        | sqlite3.OperationalError
        | psycopg.OperationalError
        | psycopg.InterfaceError,
    )

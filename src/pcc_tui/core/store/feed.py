"""The change feed: other sessions' commits, delivered to a callback within about a second.

PostgreSQL: LISTEN on a dedicated connection; each NOTIFY says "the change log grew".
SQLite: `PRAGMA data_version` on a dedicated connection (it moves when another connection
commits), checked when the file is written. Either way the changes themselves are read from
`change_log` after the last one seen, so a session that was offline catches up on everything
it missed.

While nothing happens the feed sleeps in `select()` (feed_wait.py): no timer wakes it but a
ping every PING_EVERY_S, which notices a server or file that went away.

The feed also watches the link: when the database goes away it reports offline, retries with
a growing pause (0.5 s doubling to 15 s), and reports online again once it has re-subscribed
and caught up. It runs in one thread until `stop` is set.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.store import changes
from pcc_tui.core.store.changes import Change
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.feed_wait import FileWatch, StopSignal, sleep_until

FIRST_RETRY_S = 0.5
MAX_RETRY_S = 15.0
SQLITE_POLL_S = 0.5  # where the system cannot watch files
PING_EVERY_S = 10.0  # an idle LISTEN socket may not notice a dead server on its own
# A watched file is checked this long after it is written: a commit becomes visible when its
# WAL index is updated (shared memory, which inotify does not see) after the WAL's fsync ...
SETTLE_S = 0.2
FOLLOW_UP_S = 1.0  # ... and once more if it had not, for a slow disk (the ping after that)


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

    def run(self, stop: StopSignal) -> None:
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

    def _listen(self, stop: StopSignal) -> None:
        if self.store.dialect == "postgresql":
            self._listen_postgres(stop)
        else:
            self._poll_sqlite(stop)

    def _listen_postgres(self, stop: StopSignal) -> None:
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
            while not stop.is_set():
                if sleep_until(stop, [conn], PING_EVERY_S):
                    if list(conn.notifies(timeout=0)):  # a closed socket raises here
                        self.catch_up()
                elif not stop.is_set():
                    conn.execute("SELECT 1")
                    self.catch_up()  # a NOTIFY that came in with the ping's answer

    def _poll_sqlite(self, stop: StopSignal) -> None:
        path = self.store.engine.url.database or ""
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
        watch = FileWatch.open(path)
        try:
            seen = _data_version(conn)
            self._subscribed()
            if watch is None:
                while not stop.wait(SQLITE_POLL_S):
                    seen = self._check_sqlite(conn, seen)
            else:
                self._watch_sqlite(conn, watch, stop, seen)
        finally:
            if watch:
                watch.close()
            conn.close()

    def _watch_sqlite(
        self, conn: sqlite3.Connection, watch: FileWatch, stop: StopSignal, seen: int
    ) -> None:
        """Sleep until the file is written, let the writes settle, check; again while writes
        go on. Not at each write: a chart shown writes an audit row, and waking at each of
        its page writes would contend with its paint."""
        while not stop.is_set():
            woke = sleep_until(stop, [watch], PING_EVERY_S)
            if stop.is_set():
                return
            if woke and not watch.written():
                continue  # another file in the folder
            if not woke:
                seen = self._check_sqlite(conn, seen)  # the ping
                continue
            # Events read now; their commits are visible once the writer's fsync is done.
            while not stop.wait(SETTLE_S):
                version = self._check_sqlite(conn, seen)
                if version == seen and not stop.wait(FOLLOW_UP_S):
                    version = self._check_sqlite(conn, seen)  # a slow fsync, or not a commit
                seen = version
                if not watch.written():
                    break  # no write since the events read: all is seen

    def _check_sqlite(self, conn: sqlite3.Connection, seen: int) -> int:
        """The file's data version; catches up if it moved and the change log grew (other
        sessions' presence heartbeats and audit rows move it too: no reason to read)."""
        version = _data_version(conn)
        if version != seen and self._log_grew(conn):
            self.catch_up()
        return version

    def _log_grew(self, conn: sqlite3.Connection) -> bool:
        row: Any = conn.execute("SELECT max(seq) FROM change_log").fetchone()
        return self.last_seq is None or int(row[0] or 0) > self.last_seq


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

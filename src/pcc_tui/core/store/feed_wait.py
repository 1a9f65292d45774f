"""How the change feed sleeps: until its database has news or it is told to stop, with no
timer in between but a slow ping. An idle session then costs the host next to nothing.

`StopSignal` is a `threading.Event` whose `set()` also wakes a `select()`; `FileWatch` wakes
one when another process writes a SQLite database (Linux inotify, via inotify_simple). Where
inotify is missing (macOS, some container file systems) the feed falls back to polling.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import weakref
from collections.abc import Sequence
from contextlib import suppress
from typing import Any, Protocol


class Selectable(Protocol):
    def fileno(self) -> int: ...


class StopSignal(threading.Event):
    """A stop flag a feed can sleep on beside its database's socket or file watch."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()  # set() from the app, close() from the feed's thread
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)  # set() never blocks, however often it is called
        # A feed that never ran never closes it: closed when dropped, without a warning.
        weakref.finalize(self, _close_all, self._read, self._write)

    def set(self) -> None:
        super().set()
        with self._guard, suppress(OSError):  # closed (the feed has ended) or already woken
            self._write.send(b"\0")

    def fileno(self) -> int:
        return self._read.fileno()

    def close(self) -> None:
        with self._guard:
            _close_all(self._read, self._write)


def _close_all(*sockets: socket.socket) -> None:
    for s in sockets:
        s.close()


def sleep_until(
    stop: StopSignal, sources: Sequence[Selectable], timeout: float
) -> list[Selectable]:
    """Block until a source is readable, `stop` is set or `timeout` passes; returns the
    readable sources (none when stopped or timed out)."""
    if stop.is_set():
        return []
    ready, _, _ = select.select([stop, *sources], [], [], timeout)
    return [] if stop.is_set() else [s for s in ready if s is not stop]


QUEUE_OVERFLOW = 0x4000  # IN_Q_OVERFLOW: events were dropped, so look anyway


class FileWatch:
    """Wakes when a SQLite database or its WAL or journal is written (by anyone). It watches
    the folder, since the WAL file comes and goes, and ignores the folder's other files."""

    def __init__(self, inotify: Any, names: set[str]) -> None:
        self._inotify = inotify
        self._names = names

    @classmethod
    def open(cls, path: str) -> FileWatch | None:
        """A watch on `path`, or None where the system cannot watch files."""
        try:
            from inotify_simple import INotify, flags
        except ImportError:
            return None
        folder, name = os.path.split(os.path.abspath(path))
        try:
            inotify = INotify()
        except OSError:  # no inotify here, or the per-user limit reached
            return None
        try:
            inotify.add_watch(folder, flags.MODIFY | flags.CREATE | flags.MOVED_TO)
        except OSError:
            inotify.close()
            return None
        return cls(inotify, {name, f"{name}-wal", f"{name}-journal"})

    def fileno(self) -> int:
        return int(self._inotify.fileno())

    def written(self) -> bool:
        """Read what the watch has seen (without blocking): was the database written?"""
        events = self._inotify.read(timeout=0)
        return any(e.name in self._names or e.mask & QUEUE_OVERFLOW for e in events)

    def close(self) -> None:
        self._inotify.close()

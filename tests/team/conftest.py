"""Team-mode fixtures: a second session on the same database, a running change feed."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from pcc_tui.core.store.changes import Change
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.feed import ChangeFeed
from pcc_tui.core.store.feed_wait import StopSignal
from tests.conftest import fixed_clock


@dataclass
class Listening:
    feed: ChangeFeed
    stop: StopSignal
    thread: threading.Thread
    changes: queue.Queue[Change] = field(default_factory=queue.Queue)
    status: queue.Queue[bool] = field(default_factory=queue.Queue)

    def next_change(self, timeout: float = 10.0) -> Change:
        return self.changes.get(timeout=timeout)

    def next_status(self, timeout: float = 30.0) -> bool:
        return self.status.get(timeout=timeout)

    def back_online(self, timeout: float = 30.0) -> bool:
        """Whether the feed reports online again: each failed retry during an outage reports
        offline (with the wait before the next), so any number of those may come first."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.status.get(timeout=left):
                    return True
            except queue.Empty:
                break
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.stop.close()


def listen(store: Store) -> Listening:
    """Start a change feed for `store` in a thread; returns once it has subscribed."""
    ready = threading.Event()
    box: dict[str, Listening] = {}

    def on_changes(found: list[Change]) -> None:
        for change in found:
            box["l"].changes.put(change)

    def on_status(online: bool, _retry: float) -> None:
        box["l"].status.put(online)

    feed = ChangeFeed(store, on_changes, on_status)
    original = feed._subscribed

    def subscribed() -> None:
        original()
        ready.set()

    feed._subscribed = subscribed  # type: ignore[method-assign]
    stop = StopSignal()
    thread = threading.Thread(target=feed.run, args=(stop,), daemon=True)
    box["l"] = Listening(feed, stop, thread)
    thread.start()
    assert ready.wait(10), "the change feed did not subscribe"
    return box["l"]


@pytest.fixture
def other_store(db_url: str) -> Iterator[Store]:
    """A second session on the same database: another coordinator's terminal."""
    s = Store.open(db_url, clock=fixed_clock())
    yield s
    s.close()

"""Every committed change reaches the other sessions, which catch up after a gap."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import ChangeLogRow
from tests import builders
from tests.conftest import fixed_clock, new_database
from tests.team.conftest import listen


def test_another_sessions_change_arrives_with_its_patient(
    store: Store, other_store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    feed = listen(store)
    try:
        add_note(other_store, coordinator, pid, "called the pharmacy")
        change = feed.next_change()
        assert change.patient_ids == {pid}
        assert "note" in change.tables and change.actor == coordinator.username
        assert change.origin == other_store.origin
    finally:
        feed.close()


def test_own_changes_are_not_news_and_reads_change_nothing(
    store: Store, other_store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    feed = listen(store)
    try:
        with store.reading() as session:
            before = session.scalar(select(func.count()).select_from(ChangeLogRow))
        view_chart(store, coordinator, pid)
        with store.reading() as session:
            assert session.scalar(select(func.count()).select_from(ChangeLogRow)) == before
        add_note(store, coordinator, pid, "mine")
        add_note(other_store, coordinator, pid, "theirs")
        change = feed.next_change()
        assert change.origin == other_store.origin  # the first one delivered is theirs
        with pytest.raises(queue.Empty):
            feed.next_change(timeout=1.5)
    finally:
        feed.close()


def test_a_session_catches_up_on_what_it_missed(
    store: Store, other_store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    feed = listen(store)
    feed.close()
    seen = feed.feed.last_seq
    for n in range(3):
        add_note(other_store, coordinator, pid, f"while away {n}")
    missed = feed.feed.catch_up()
    assert [c.patient_ids for c in missed] == [{pid}] * 3
    assert all(c.seq > (seen or 0) for c in missed)
    assert feed.feed.catch_up() == []


def test_presence_shows_who_else_has_the_patient_open(
    store: Store, other_store: Store, coordinator: Actor
) -> None:
    from pcc_tui.core.services.presence import announce, others_viewing

    pid = builders.patient(store, coordinator)
    colleague = Actor("sam", None, "supervisor", "Sam Lee")
    feed = listen(store)
    try:
        announce(store, coordinator, pid)
        assert others_viewing(store, pid) == []
        announce(other_store, colleague, pid)
        assert feed.next_change().tables == {"presence"}
        assert others_viewing(store, pid) == ["Sam Lee"]
        assert others_viewing(other_store, pid) == ["Alex Morgan"]
        announce(other_store, colleague, pid)  # a heartbeat: not news
        with pytest.raises(queue.Empty):
            feed.next_change(timeout=1.5)
        announce(other_store, colleague, None)
        assert feed.next_change().patient_ids == {pid}
        assert others_viewing(store, pid) == []
    finally:
        feed.close()


def test_the_retry_wait_starts_over_after_a_reconnect(store: Store) -> None:
    """Outage, back, outage: the second outage waits the first delay again, not the longest."""
    from pcc_tui.core.errors import StoreUnavailable
    from pcc_tui.core.store.feed import ChangeFeed
    from pcc_tui.core.store.feed_wait import StopSignal

    waits: list[float] = []
    stop = StopSignal()
    script = iter(["down", "down", "up-then-down", "down", "stop"])
    feed = ChangeFeed(
        store,
        lambda _c: None,
        lambda online, retry: waits.append(retry) if not online else None,
        retry=(1.0, 8.0),
    )

    def listen(_stop: StopSignal) -> None:
        step = next(script)
        if step == "stop":
            stop.set()
            return
        if step == "up-then-down":
            feed._subscribed()
        raise StoreUnavailable("the database is unreachable")

    feed._listen = listen  # type: ignore[method-assign]
    stop.wait = lambda _delay=None: False  # type: ignore[method-assign]  # no real waiting
    feed.run(stop)
    assert waits == [1.0, 2.0, 1.0, 2.0]


def test_an_idle_feed_sleeps_until_there_is_news(
    store: Store, other_store: Store, coordinator: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """500 idle sessions on one host must cost it nothing: the feed sleeps in select() until
    a NOTIFY (PostgreSQL) or a write to the file (SQLite) wakes it, not on a timer."""
    import time

    from pcc_tui.core.store import feed as feed_module

    wakes: list[float] = []
    sleep_until = feed_module.sleep_until

    def counted(*args: Any) -> Any:
        woke = sleep_until(*args)
        wakes.append(time.monotonic())
        return woke

    monkeypatch.setattr(feed_module, "sleep_until", counted)
    pid = builders.patient(store, coordinator)
    feed = listen(store)
    try:
        time.sleep(1.6)  # the old feed polled every 0.5 s: three wake-ups by now
        assert wakes == []
        add_note(other_store, coordinator, pid, "news")
        assert feed.next_change().patient_ids == {pid}
        assert wakes  # it was news that woke it
    finally:
        feed.close()


def test_without_a_file_watch_sqlite_changes_still_arrive(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where inotify is missing (macOS, some container file systems) the feed polls."""
    from pcc_tui.core.store.feed_wait import FileWatch

    monkeypatch.setattr(FileWatch, "open", classmethod(lambda _cls, _path: None))
    url = new_database("sqlite", None, tmp_path, sqlite_template)
    mine, theirs = Store.open(url, clock=fixed_clock()), Store.open(url, clock=fixed_clock())
    try:
        actor = builders.coordinator(mine)
        pid = builders.patient(mine, actor)
        feed = listen(mine)
        try:
            add_note(theirs, actor, pid, "polled")
            assert feed.next_change().patient_ids == {pid}
        finally:
            feed.close()
    finally:
        mine.close()
        theirs.close()

"""Sign-in holds under attack: tries are claimed atomically before the secret is checked,
so parallel tries neither lose counts nor outrun the lock, and each failure makes the next
try wait longer. On SQLite and PostgreSQL, with the clock driven by the test."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pcc_tui.core.clock import Clock
from pcc_tui.core.errors import AuthFailed, DomainError
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import resolve_actor
from pcc_tui.core.store.attempts import delay_after
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, CoordinatorRow
from tests.conftest import FIXED_NOW, SYSTEM

PASSWORD = "correct horse battery"
PIN = "482913"


class Ticking:
    """A clock the test moves: `step` per reading (thread-safe), or by hand."""

    def __init__(self, step: timedelta = timedelta(0)) -> None:
        self.at, self.step, self.lock = FIXED_NOW, step, threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            self.at += self.step
            return self.at

    def advance(self, by: timedelta) -> None:
        with self.lock:
            self.at += by


def _account(store: Store, name: str = "casey", **secret: str) -> None:
    accounts.add_user(
        store, SYSTEM, username="root", display_name="Root", role="admin", password=PASSWORD
    )
    root = resolve_actor(store, "root")
    accounts.add_user(
        store,
        root,
        username=name,
        display_name=name.title(),
        role="coordinator",
        os_user="cjones",
        **secret,
    )  # type: ignore[arg-type]


def _state(store: Store, name: str = "casey") -> tuple[int, bool]:
    with store.reading() as s:
        row = s.execute(
            select(CoordinatorRow.failed_logins, CoordinatorRow.locked_at).where(
                CoordinatorRow.username == name
            )
        ).one()
    return int(row.failed_logins), row.locked_at is not None


def _logins(store: Store) -> list[str]:
    with store.reading() as s:
        rows = s.scalars(
            select(AuditEventRow.detail)
            .where(AuditEventRow.action == "session.login")
            .order_by(AuditEventRow.seq)
        )
        return list(rows)


def _try(store: Store, secret: str, method: str = "password", name: str = "casey") -> bool:
    try:
        accounts.sign_in(store, name, secret, method=method, max_failed=5)  # type: ignore[arg-type]
    except AuthFailed:
        return False
    return True


def test_each_failure_makes_the_next_try_wait_longer(store: Store) -> None:
    clock = Ticking()
    store.clock = Clock(tz=UTC, source=clock)
    _account(store, password=PASSWORD)
    assert not _try(store, "wrong password!!")
    assert not _try(store, PASSWORD)  # at once: refused unchecked, not counted
    assert _state(store) == (1, False)
    clock.advance(delay_after(1))
    assert not _try(store, "wrong password!!")
    clock.advance(delay_after(2) - timedelta(milliseconds=1))
    assert not _try(store, PASSWORD)  # a millisecond early
    clock.advance(timedelta(milliseconds=1))
    assert _try(store, PASSWORD)
    assert _state(store) == (0, False)
    details = _logins(store)
    assert len(details) == 5 and sum("refused unchecked" in d for d in details) == 2


def test_the_lock_comes_exactly_at_the_limit(store: Store) -> None:
    clock = Ticking()
    store.clock = Clock(tz=UTC, source=clock)
    _account(store, password=PASSWORD)
    for _ in range(5):
        assert not _try(store, "wrong password!!")
        clock.advance(timedelta(minutes=10))
    assert _state(store) == (5, True)
    clock.advance(timedelta(hours=5))
    assert not _try(store, PASSWORD)  # locked: an admin resets it
    assert "account locked" in _logins(store)[4]


@pytest.mark.parametrize("spacing", [timedelta(0), timedelta(minutes=10)])
def test_a_hundred_parallel_wrong_tries(store: Store, spacing: timedelta) -> None:
    """No lost count, no stale-version error, every try audited, at most the limit checked.
    Without spacing every try comes within the first's delay; with it, each could count."""
    store.clock = Clock(tz=UTC, source=Ticking(spacing))
    _account(store, password=PASSWORD)
    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(lambda _: _try(store, "wrong password!!"), range(100)))
    assert not any(results)
    details = _logins(store)
    assert len(details) == 100
    checked = [d for d in details if "wrong password" in d]
    failed, locked = _state(store)
    assert len(checked) == failed <= 5
    if spacing:
        assert (failed, locked) == (5, True)
    else:
        assert (failed, locked) == (1, False)


def test_the_right_secret_among_sixty_parallel_tries(store: Store) -> None:
    store.clock = Clock(tz=UTC, source=Ticking(timedelta(minutes=10)))
    _account(store, pin=PIN)
    guesses = [f"{n:06d}" for n in range(59)] + [PIN]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda g: _try(store, g, "pin", "cjones"), guesses))
    details = _logins(store)
    checked = [d for d in details if "wrong pin" in d]
    assert len(details) == 60 and len(checked) <= 5  # never more secrets checked than the limit
    if any(results):  # the right one claimed a slot before the lock
        assert sum(results) == 1
    else:
        assert _state(store)[1]


def test_pins_have_at_least_six_digits(store: Store) -> None:
    with pytest.raises(DomainError, match="6 to 12 digits"):
        _account(store, pin="4829")


def test_the_delay_doubles_up_to_five_minutes() -> None:
    assert [delay_after(n).total_seconds() for n in range(6)] == [0, 1, 2, 4, 8, 16]
    assert delay_after(40) == timedelta(minutes=5)

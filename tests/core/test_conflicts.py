"""Optimistic locking: a stale edit is refused with both versions; nothing is overwritten."""

from __future__ import annotations

import threading

import pytest

from pcc_tui.core.errors import ConflictError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.plans import set_step_status
from pcc_tui.core.services.reads import view_timeline
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import PlanStepRow
from tests import builders
from tests.conftest import fixed_clock


def test_two_sessions_edit_the_same_step(store: Store, coordinator: Actor, db_url: str) -> None:
    pid = builders.patient(store, coordinator)
    _, (step, *_rest) = builders.plan(store, coordinator, pid, store.clock.today())
    other = Store.open(db_url, clock=fixed_clock())  # a second user with their own connection
    try:
        shown_a = view_timeline(store, coordinator, pid).entries[0].step
        shown_b = view_timeline(other, coordinator, pid).entries[0].step
        assert shown_a.id == shown_b.id == step and shown_a.version == shown_b.version == 1
        set_step_status(store, coordinator, step, shown_a.version, business_status="faxed")
        with pytest.raises(ConflictError) as err:
            set_step_status(
                other, coordinator, step, shown_b.version, business_status="awaiting records"
            )
    finally:
        other.close()
    conflict = err.value
    assert conflict.theirs["business_status"] == "faxed" and conflict.theirs["version"] == 2
    assert conflict.mine["business_status"] == "awaiting records"  # kept for re-apply
    assert conflict.expected_version == 1
    assert builders.version_of(store, PlanStepRow, step) == 2
    with store.reading() as s:
        row = s.get(PlanStepRow, step)
        assert row is not None and row.business_status == "faxed"


def test_simultaneous_saves_exactly_one_wins(store: Store, coordinator: Actor, db_url: str) -> None:
    pid = builders.patient(store, coordinator)
    _, (step, *_rest) = builders.plan(store, coordinator, pid, store.clock.today())
    workers = 6
    stores = [Store.open(db_url, clock=fixed_clock()) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def save(i: int) -> None:
        barrier.wait()
        try:
            set_step_status(stores[i], coordinator, step, 1, business_status=f"by {i}")
            result = f"ok {i}"
        except ConflictError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    winners = [o for o in outcomes if o.startswith("ok")]
    assert len(outcomes) == workers
    assert len(winners) == 1 and outcomes.count("conflict") == workers - 1
    with store.reading() as s:
        row = s.get(PlanStepRow, step)
        assert row is not None and row.version == 2
        assert row.business_status == "by " + winners[0].split()[1]

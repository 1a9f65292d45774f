"""Ward rounds on both databases: beds in order with what is open, checklist, quick tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_chart, view_queue
from pcc_tui.core.services.rounds import (
    quick_task,
    save_rounds_checklist,
    view_open_items,
    view_rounds,
)
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import CarePlanRow
from tests import builders
from tests.conftest import FIXED_NOW


def test_rounds_go_bed_by_bed(store: Store, coordinator: Actor) -> None:
    today = store.clock.today()
    late = builders.patient(store, coordinator, "MRN300", bed="12")
    early = builders.patient(store, coordinator, "MRN200", bed="03")
    builders.patient(store, coordinator, "MRN400", ward="5 South", bed="01")
    builders.plan(store, coordinator, late, today)  # one overdue, one due today
    builders.appointment(store, coordinator, late, FIXED_NOW + timedelta(hours=1))
    beds = view_rounds(store, coordinator, "4 North")
    assert [(b.patient.bed, b.patient.mrn) for b in beds] == [("03", "MRN200"), ("12", "MRN300")]
    assert beds[0].open_count == 0
    assert (beds[1].overdue_steps, beds[1].steps_due_today, beds[1].appointments_today) == (1, 1, 1)
    lines = view_open_items(store, coordinator, late)
    assert any(ln.startswith("Step: Medication reconciliation") for ln in lines)
    assert view_open_items(store, coordinator, early) == ["No open items."]


def test_checklist_and_quick_tasks(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    save_rounds_checklist(store, coordinator, pid, ["Pain controlled"], ["Family updated"])
    notes = [n.text for n in view_chart(store, coordinator, pid).notes]
    assert notes == [
        f"Rounds {store.clock.today().isoformat()}: done: Pain controlled; not yet: Family updated"
    ]
    with pytest.raises(DomainError, match="checklist is empty"):
        save_rounds_checklist(store, coordinator, pid, [], [])
    first = quick_task(store, coordinator, pid, "Ask pharmacy about patch")
    quick_task(store, coordinator, pid, "Chase echo report", store.clock.today() + timedelta(1))
    with store.reading() as s:
        plans = s.scalars(select(CarePlanRow).where(CarePlanRow.patient_id == pid)).all()
    assert [p.title for p in plans] == ["Ward rounds"]  # one plan, reused
    steps = {i.entity_id for i in view_queue(store, coordinator).items if i.kind is QueueKind.STEP}
    assert first in steps

"""Handoffs on both databases: offered with a packet, changing hands only on acceptance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.models import Coordinator
from pcc_tui.core.errors import ConflictError, DomainError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.handoffs import (
    accept_handoff,
    decline_handoff,
    handoffs_for,
    offer_handoff,
)
from pcc_tui.core.services.patients import add_coordinator
from pcc_tui.core.services.reports import run_report
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import HandoffRow, PatientRow, PlanStepRow
from tests import builders
from tests.conftest import SYSTEM


@pytest.fixture
def sam(store: Store, coordinator: Actor) -> Actor:
    cid = add_coordinator(
        store, SYSTEM, Coordinator(username="sam", display_name="Sam Okafor", pool="intake")
    )
    return Actor("sam", cid, "coordinator", "Sam Okafor", "intake", "4 North")


def test_a_patient_changes_hands_when_accepted(
    store: Store, coordinator: Actor, sam: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    _, (s1, s2, pool_step) = builders.plan(store, coordinator, pid, store.clock.today())
    with pytest.raises(DomainError, match="needs a reason"):
        offer_handoff(store, coordinator, "patient", pid, reason=" ", to_coordinator="sam")
    with pytest.raises(DomainError, match="that is you"):
        offer_handoff(store, coordinator, "patient", pid, reason="leave", to_coordinator="alex")
    with pytest.raises(DomainError, match="a patient goes to a coordinator"):
        offer_handoff(store, coordinator, "patient", pid, reason="leave", to_pool="intake")
    hid = offer_handoff(
        store, coordinator, "patient", pid, reason="annual leave", to_coordinator="sam"
    )
    with pytest.raises(DomainError, match=f"already offered \\(handoff {hid}\\)"):
        offer_handoff(store, coordinator, "patient", pid, reason="again", to_coordinator="sam")

    with store.reading() as s:
        patient = s.get(PatientRow, pid)
        assert patient is not None and patient.coordinator_id == coordinator.coordinator_id

    assert handoffs_for(store, coordinator) == []  # offered to sam, not to me
    [offer] = handoffs_for(store, sam)
    assert (offer.patient.mrn, offer.from_name, offer.to, offer.reason) == (
        "MRN100",
        "Alex Morgan",
        "Sam Okafor",
        "annual leave",
    )
    assert any(line.startswith("Step: Medication reconciliation") for line in offer.packet)
    assert any("OVERDUE" in line for line in offer.packet)

    with pytest.raises(DomainError, match="offered to someone else"):
        accept_handoff(store, coordinator, hid, 1)
    moved = accept_handoff(store, sam, hid, offer.version)
    assert moved == 3  # the patient and alex's two open steps; the pool step stays in the pool
    with store.reading() as s:
        patient = s.get(PatientRow, pid)
        assert patient is not None and patient.coordinator_id == sam.coordinator_id
        owners = dict(s.execute(select(PlanStepRow.id, PlanStepRow.owner_id)).all())
        handoff = s.get(HandoffRow, hid)
    assert owners == {s1: sam.coordinator_id, s2: sam.coordinator_id, pool_step: None}
    assert handoff is not None and (handoff.status, handoff.decided_by) == ("accepted", "sam")
    assert handoff.offered_by == "alex" and handoff.decided_at is not None
    with pytest.raises(ConflictError):
        accept_handoff(store, sam, hid, offer.version)  # stale: it was decided already


def test_a_step_offered_to_a_pool_can_be_declined(
    store: Store, coordinator: Actor, sam: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    _, (s1, _s2, _s3) = builders.plan(store, coordinator, pid, store.clock.today())
    hid = offer_handoff(
        store, coordinator, "plan_step", s1, reason="needs a nurse", to_pool="intake"
    )
    [offer] = handoffs_for(store, sam)  # sam works the intake pool
    assert offer.to == "pool intake" and offer.scope == "plan_step"
    with pytest.raises(DomainError, match="say why"):
        decline_handoff(store, sam, hid, offer.version, "")
    decline_handoff(store, sam, hid, offer.version, "not a nursing task")
    assert handoffs_for(store, sam) == []
    with store.reading() as s:
        step = s.get(PlanStepRow, s1)
        handoff = s.get(HandoffRow, hid)
    assert step is not None and step.owner_id == coordinator.coordinator_id  # unchanged
    assert handoff is not None and handoff.status == "rejected"
    assert handoff.decline_reason == "not a nursing task"


def test_shift_handoff_summary(store: Store, coordinator: Actor, sam: Actor) -> None:
    mine = builders.patient(store, coordinator)
    builders.plan(store, coordinator, mine, store.clock.today())
    theirs = builders.patient(store, sam, "MRN200", family_name="Tran", given_name="Minh")
    builders.plan(store, sam, theirs, store.clock.today())
    [row] = run_report(store, coordinator, "shift-handoff").rows
    assert row[:2] == ("MRN100", "Kowalski, A.") and row[4:6] == ("1", "1")
    [row] = run_report(store, coordinator, "shift-handoff", coordinator="sam").rows
    assert row[:2] == ("MRN200", "Tran, M.")

"""Appointments end to end on both databases: confirmation attempts logged as communications,
bookings and auths linked to the plan step that needs them, units used on a fulfilled visit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pcc_tui.core.domain.codes import (
    AppointmentStatus,
    AuthDecision,
    Channel,
    ContactOutcome,
    StepNeed,
)
from pcc_tui.core.domain.models import Appointment, PlanStep
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import appointments, insurance, plans
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_chart, view_coverage, view_queue
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    PlanStepRow,
    PriorAuthorizationRow,
)
from tests import builders
from tests.conftest import FIXED_NOW


def test_every_confirmation_attempt_is_a_communication(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    appt = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=1))
    retry = FIXED_NOW + timedelta(hours=2)
    version = appointments.confirm_appointment(
        store,
        coordinator,
        appt,
        1,
        Channel.PHONE,
        outcome=ContactOutcome.VOICEMAIL,
        next_attempt_due=retry,
    )
    with store.reading() as s:
        row = s.get(AppointmentRow, appt)
        assert row is not None and row.patient_status == "needs-action"
        [attempt] = s.scalars(select(CommunicationRow)).all()
        assert (attempt.outcome, attempt.channel, attempt.next_attempt_due) == (
            "voicemail",
            "phone",
            retry,
        )
        assert attempt.author == "alex" and "Confirming the appointment" in (attempt.note or "")
    callbacks = [i for i in view_queue(store, coordinator).items if i.kind is QueueKind.CALLBACK]
    assert [c.entity_id for c in callbacks] == [attempt.id]

    appointments.confirm_appointment(store, coordinator, appt, version, Channel.SMS)
    with store.reading() as s:
        row = s.get(AppointmentRow, appt)
        assert row is not None and (row.patient_status, row.confirmation_method) == (
            "accepted",
            "sms",
        )
        outcomes = s.scalars(select(CommunicationRow.outcome).order_by(CommunicationRow.id)).all()
    assert outcomes == ["voicemail", "reached"]
    assert undo_last(store, coordinator).startswith("appointment confirmation for ")
    with store.reading() as s:
        row = s.get(AppointmentRow, appt)
        assert row is not None and row.patient_status == "needs-action"


def test_a_fulfilled_visit_uses_its_auth(store: Store, coordinator: Actor) -> None:
    today = store.clock.today()
    pid = builders.patient(store, coordinator)
    _, (_first, _second, visit_step) = builders.plan(store, coordinator, pid, today)
    auth = insurance.request_prior_auth(
        store, coordinator, pid, "Physio (3 visits)", for_step=(visit_step, 1)
    )
    insurance.decide_prior_auth(
        store,
        coordinator,
        auth,
        1,
        decision=AuthDecision.APPROVED,
        units_approved=3,
        valid_from=today,
        valid_to=today + timedelta(days=60),
    )
    start = FIXED_NOW + timedelta(hours=1)
    appt = appointments.book_appointment(
        store,
        coordinator,
        Appointment(patient_id=pid, start=start, end=start + timedelta(minutes=45)),
        for_step=(visit_step, 2),
    )
    with store.reading() as s:
        step = s.get(PlanStepRow, visit_step)
        assert step is not None and (step.appointment_id, step.prior_auth_id) == (appt, auth)
    appointments.set_appointment_status(store, coordinator, appt, 1, AppointmentStatus.FULFILLED)
    with store.reading() as s:
        row = s.get(PriorAuthorizationRow, auth)
        assert row is not None and row.units_used == 1
    [entry] = view_coverage(store, coordinator, pid).auths
    assert entry.units_left == 2
    # A visit booked without the step's link leaves the auth alone.
    other = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(hours=3))
    appointments.set_appointment_status(store, coordinator, other, 1, AppointmentStatus.FULFILLED)
    assert view_coverage(store, coordinator, pid).auths[0].units_left == 2


def test_the_checklist_warns_of_an_expiring_auth(store: Store, coordinator: Actor) -> None:
    today = store.clock.today()
    pid = builders.patient(store, coordinator)
    plan_id, _ = builders.plan(store, coordinator, pid, today)
    step = plans.add_plan_step(
        store,
        coordinator,
        PlanStep(
            care_plan_id=plan_id,
            patient_id=pid,
            title="Physio block",
            owner_id=coordinator.coordinator_id,
            due_by=today + timedelta(days=10),
            needs=[StepNeed.PRIOR_AUTH],
        ),
    )
    missing = view_coverage(store, coordinator, pid).missing
    assert "Prior auth needed for step 'Physio block'" in missing
    auth = insurance.request_prior_auth(store, coordinator, pid, "Physio", for_step=(step, 1))
    insurance.decide_prior_auth(
        store,
        coordinator,
        auth,
        1,
        decision=AuthDecision.APPROVED,
        units_approved=6,
        valid_from=today,
        valid_to=today + timedelta(days=4),
    )
    missing = view_coverage(store, coordinator, pid).missing
    expiry = (today + timedelta(days=4)).isoformat()
    assert f"Prior auth expires {expiry}, before 'Physio block' is due" in missing


def test_a_reschedule_keeps_its_history_in_the_chart(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    first = FIXED_NOW + timedelta(days=1)
    appt = builders.appointment(store, coordinator, pid, first)
    later = first + timedelta(days=2, hours=1)
    version = appointments.reschedule_appointment(
        store, coordinator, appt, 1, later, later + timedelta(minutes=30)
    )
    appointments.reschedule_appointment(
        store, coordinator, appt, version, first, first + timedelta(minutes=30)
    )
    notes = sorted(n.text for n in view_chart(store, coordinator, pid).notes)
    assert notes == sorted(
        [
            f"Appointment {appt} (Follow-up visit) moved from {first:%Y-%m-%d %H:%M} "
            f"to {later:%Y-%m-%d %H:%M} UTC",
            f"Appointment {appt} (Follow-up visit) moved from {later:%Y-%m-%d %H:%M} "
            f"to {first:%Y-%m-%d %H:%M} UTC",
        ]
    )
    assert undo_last(store, coordinator).startswith("appointment moved for ")
    assert len(view_chart(store, coordinator, pid).notes) == 1  # the undone move's note voided

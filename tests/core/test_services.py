"""Coordinator actions through the services, on SQLite and PostgreSQL: effect + audit row."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pcc_tui.core.domain.codes import (
    AppointmentStatus,
    AuthDecision,
    Channel,
    EligibilityResult,
    ReferralTracking,
    TaskStatus,
)
from pcc_tui.core.domain.models import Communication, Consent, Contact, Coverage, Referral
from pcc_tui.core.errors import DomainError, IllegalTransition, NotFound
from pcc_tui.core.services import (
    appointments,
    communications,
    consent,
    insurance,
    patients,
    plans,
    record_changes,
    referrals,
    voiding,
)
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    CommunicationRow,
    ContactRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
)
from tests import builders
from tests.conftest import FIXED_NOW


def last_audit(store: Store) -> AuditEventRow:
    with store.reading() as s:
        row = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(1)).one()
        return row


def audit_count(store: Store) -> int:
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEventRow)) or 0)


def test_register_patient_is_audited_and_stamped(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    with store.reading() as s:
        row = s.get(PatientRow, pid)
        assert row is not None
        assert row.version == 1 and row.created_by == "alex" and row.created_at == FIXED_NOW
    ev = last_audit(store)
    assert (ev.action, ev.actor, ev.patient_id, ev.entity_type, ev.outcome) == (
        "patient.register",
        "alex",
        pid,
        "patient",
        "0",
    )
    assert ev.recorded_at == FIXED_NOW
    with pytest.raises(DomainError, match="already registered"):
        builders.patient(store, coordinator)


def test_update_patient_bumps_version_and_reindexes_name(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    v2 = patients.update_patient(store, coordinator, pid, 1, {"family_name": "Nowak"})
    assert v2 == 2
    from pcc_tui.core.store.queries.search import search_patients

    with store.reading() as s:
        assert [h.patient.id for h in search_patients(s, "nowak")] == [pid]
        assert search_patients(s, "kowalski") == []
    detail = json.loads(last_audit(store).detail)
    assert detail["fields"] == ["family_name"]
    assert detail["undo"] == [
        {"table": "patient", "id": pid, "before": {"family_name": "Kowalski"}, "version": 2}
    ]


def test_appointment_lifecycle(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    prac = builders.practitioner(store, coordinator)
    start = FIXED_NOW + timedelta(days=1)
    aid = builders.appointment(store, coordinator, pid, start, prac)
    v = appointments.confirm_appointment(store, coordinator, aid, 1, Channel.SMS)
    with store.reading() as s:
        row = s.get(AppointmentRow, aid)
        assert row is not None
        assert (row.patient_status, row.confirmation_method) == ("accepted", "sms")
    v = appointments.reschedule_appointment(
        store, coordinator, aid, v, start + timedelta(hours=2), start + timedelta(hours=3)
    )
    with store.reading() as s:
        row = s.get(AppointmentRow, aid)
        assert row is not None and row.patient_status == "needs-action"
    with pytest.raises(DomainError, match="needs a reason"):
        appointments.set_appointment_status(store, coordinator, aid, v, AppointmentStatus.NOSHOW)
    v = appointments.set_appointment_status(
        store, coordinator, aid, v, AppointmentStatus.CHECKED_IN
    )
    v = appointments.set_appointment_status(store, coordinator, aid, v, AppointmentStatus.FULFILLED)
    with pytest.raises(IllegalTransition, match="'fulfilled' to 'cancelled'"):
        appointments.set_appointment_status(
            store, coordinator, aid, v, AppointmentStatus.CANCELLED, "unwell"
        )
    failed = last_audit(store)
    assert failed.outcome == "4" and "IllegalTransition" in failed.detail
    assert failed.entity_id == aid


def test_double_booking_is_refused_naming_the_clash(store: Store, coordinator: Actor) -> None:
    p1 = builders.patient(store, coordinator, "MRN1")
    p2 = builders.patient(store, coordinator, "MRN2", family_name="Tran")
    prac = builders.practitioner(store, coordinator)
    start = FIXED_NOW + timedelta(days=2)
    first = builders.appointment(store, coordinator, p1, start, prac)
    with pytest.raises(DomainError, match=f"patient already has appointment {first}"):
        builders.appointment(store, coordinator, p1, start + timedelta(minutes=15))
    with pytest.raises(DomainError, match=f"provider is already booked \\(appointment {first}"):
        builders.appointment(store, coordinator, p2, start + timedelta(minutes=15), prac)
    builders.appointment(store, coordinator, p2, start + timedelta(minutes=30), prac)


def test_step_status_and_dependencies(store: Store, coordinator: Actor) -> None:
    today = store.clock.today()
    pid = builders.patient(store, coordinator)
    _, (s1, s2, s3) = builders.plan(store, coordinator, pid, today)
    blocked = f"step {s2} cannot be completed yet: first finish step {s1} \\(due "
    with pytest.raises(DomainError, match=blocked):
        plans.complete_step(store, coordinator, s2, 1)
    plans.complete_step(store, coordinator, s1, 1)
    assert "requested" in last_audit(store).detail  # the walked path is recorded
    plans.complete_step(store, coordinator, s2, 1)
    with pytest.raises(IllegalTransition):
        plans.set_step_status(store, coordinator, s2, 2, status=TaskStatus.IN_PROGRESS)
    v = plans.set_step_status(store, coordinator, s3, 1, business_status="left voicemail")
    with pytest.raises(DomainError, match="needs a reason"):
        plans.set_step_status(store, coordinator, s3, v, status=TaskStatus.CANCELLED)
    with store.reading() as s:
        row = s.get(PlanStepRow, s1)
        assert row is not None and row.status == "completed" and row.completed_at == FIXED_NOW
        row3 = s.get(PlanStepRow, s3)
        assert row3 is not None and row3.business_status == "left voicemail"


def test_referral_loop(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    today = store.clock.today()
    rid = referrals.create_referral(
        store,
        coordinator,
        Referral(
            patient_id=pid,
            to_whom="Cardiology",
            reason="HF review",
            sent_on=today,
            reply_due=today + timedelta(days=3),
        ),
    )
    v = referrals.advance_referral(store, coordinator, rid, 1, ReferralTracking.SCHEDULED)
    with pytest.raises(IllegalTransition, match="allowed from 'scheduled': reply-received"):
        referrals.advance_referral(store, coordinator, rid, v, ReferralTracking.ACCEPTED)
    referrals.record_referral_reply(store, coordinator, rid, v, today, "Seen, plan attached")
    with store.reading() as s:
        row = s.get(ReferralRow, rid)
        assert row is not None
        assert (row.tracking, row.status, row.reply_received_on) == (
            "reply-received",
            "completed",
            today,
        )


def test_insurance_and_prior_auth(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    cov = insurance.add_coverage(
        store, coordinator, Coverage(patient_id=pid, payer="Medicare", member_id="1EG4TE5MK72")
    )
    insurance.record_eligibility_check(store, coordinator, cov, EligibilityResult.ELIGIBLE)
    exp = insurance.request_prior_auth(
        store, coordinator, pid, "Cardiac MRI", coverage_id=cov, expedited=True
    )
    std = insurance.request_prior_auth(store, coordinator, pid, "Home oxygen")
    with store.reading() as s:
        a, b = s.get(PriorAuthorizationRow, exp), s.get(PriorAuthorizationRow, std)
        assert a is not None and b is not None
        assert a.decision_due == FIXED_NOW + timedelta(hours=72)
        assert b.decision_due == FIXED_NOW + timedelta(days=7)
    with pytest.raises(DomainError, match="not approved"):
        insurance.use_auth_units(store, coordinator, exp, 1)
    v = insurance.decide_prior_auth(
        store,
        coordinator,
        exp,
        1,
        decision=AuthDecision.APPROVED,
        auth_number="PA1",
        units_approved=2,
    )
    v = insurance.use_auth_units(store, coordinator, exp, v, 2)
    with pytest.raises(DomainError, match="0 unit\\(s\\) left"):
        insurance.use_auth_units(store, coordinator, exp, v, 1)


def test_communication_closes_callback_and_flags_objection(
    store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    contact = record_changes.add_contact(
        store,
        coordinator,
        Contact(
            patient_id=pid,
            name="Piotr K",
            relationship="son",
            consent="objected",
            consent_on=date(2026, 1, 5),
        ),
    )
    first = communications.log_communication(
        store,
        coordinator,
        Communication(
            patient_id=pid,
            with_whom="patient",
            channel="phone",
            outcome="voicemail",
            sent_at=FIXED_NOW,
            next_attempt_due=FIXED_NOW + timedelta(hours=3),
        ),
    )
    talk = Communication(
        patient_id=pid,
        contact_id=contact,
        with_whom="son",
        channel="phone",
        outcome="reached",
        sent_at=FIXED_NOW + timedelta(hours=3),
    )
    # The patient objected: talking to him about the patient needs an explicit override.
    with pytest.raises(DomainError, match=r"shares nothing with Piotr K .son.: OBJECTED"):
        communications.log_communication(store, coordinator, talk, closes_callback=(first, 1))
    overridden = talk.model_copy(update={"override_reason": "safeguarding duty"})
    communications.log_communication(store, coordinator, overridden, closes_callback=(first, 1))
    assert '"consent":"objected"' in last_audit(store).detail
    assert '"override":true' in last_audit(store).detail
    with store.reading() as s:
        owed = s.get(CommunicationRow, first)
        assert owed is not None and owed.next_attempt_due is None and owed.version == 2
    consent.record_decision(
        store,
        coordinator,
        Consent(
            patient_id=pid,
            contact_id=contact,
            decision="agreed",
            scopes=["appointments"],
            given_how="verbal",
            given_on=store.clock.today(),
            recorded_by="alex",
        ),
    )
    with store.reading() as s:
        row = s.get(ContactRow, contact)
        assert row is not None
        assert (row.consent, row.share_scope, row.consent_on, row.consent_recorded_by) == (
            "agreed",
            ["appointments"],
            store.clock.today(),
            "alex",
        )


def test_void_marks_entered_in_error_and_never_deletes(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    aid = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=3))
    with pytest.raises(DomainError, match="needs a reason"):
        voiding.void(store, coordinator, "appointment", aid, 1, "  ")
    voiding.void(store, coordinator, "appointment", aid, 1, "booked for the wrong patient")
    with store.reading() as s:
        row = s.get(AppointmentRow, aid)
        assert row is not None
        assert (row.status, row.void_reason) == ("entered-in-error", "booked for the wrong patient")
    with pytest.raises(DomainError, match="already voided"):
        voiding.void(store, coordinator, "appointment", aid, 2, "again")
    with pytest.raises(DomainError, match="cannot be voided"):
        voiding.void(store, coordinator, "audit_event", 1, 1, "hide it")


def test_missing_record_is_reported_and_audited(store: Store, coordinator: Actor) -> None:
    before = audit_count(store)
    with pytest.raises(NotFound, match="patient 999 not found"):
        communications.add_note(store, coordinator, 999, "hello")
    assert audit_count(store) == before + 1
    assert last_audit(store).outcome == "4"


def test_actions_record_utc(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    communications.add_note(store, coordinator, pid, "Prefers mornings")
    ev = last_audit(store)
    assert ev.recorded_at.utcoffset() == timedelta(0)
    assert isinstance(ev.recorded_at, datetime)


def test_a_step_goes_on_hold_in_one_change_with_its_reason(
    store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    _, (step, _s2, _s3) = builders.plan(store, coordinator, pid, store.clock.today())
    with pytest.raises(DomainError, match="needs a reason"):
        plans.set_step_status(store, coordinator, step, 1, status=TaskStatus.ON_HOLD)
    plans.set_step_status(
        store, coordinator, step, 1, status=TaskStatus.ON_HOLD, status_reason="in hospital"
    )
    with store.reading() as s:
        row = s.get(PlanStepRow, step)
        assert row is not None and (row.status, row.status_reason) == ("on-hold", "in hospital")
    detail = last_audit(store).detail
    assert '"to":"on-hold"' in detail

"""Appointments: book, confirm with the patient, reschedule, and move along the FHIR lifecycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pcc_tui.core.domain.codes import (
    UPCOMING_APPOINTMENT_STATUSES,
    AppointmentStatus,
    Channel,
    ContactOutcome,
    ParticipationStatus,
)
from pcc_tui.core.domain.lifecycle import check_appointment_transition
from pcc_tui.core.domain.models import Appointment, Communication, Note
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, Tx, action, revalidated, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    NoteRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    PriorAuthorizationRow,
)

NEEDS_REASON = (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW)


def _refuse_clash(tx: Tx, appt: Appointment, ignore_id: int | None = None) -> None:
    """Neither the patient nor the provider may be in two places at once."""
    overlap = [
        AppointmentRow.start < appt.end,
        AppointmentRow.end > appt.start,
        AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
    ]
    if ignore_id is not None:
        overlap.append(AppointmentRow.id != ignore_id)
    clash = tx.session.scalar(
        select(AppointmentRow.id).where(AppointmentRow.patient_id == appt.patient_id, *overlap)
    )
    if clash:
        raise DomainError(f"the patient already has appointment {clash} at that time")
    if appt.practitioner_id is not None:
        clash = tx.session.scalar(
            select(AppointmentRow.id).where(
                AppointmentRow.practitioner_id == appt.practitioner_id, *overlap
            )
        )
        if clash:
            raise DomainError(f"the provider is already booked (appointment {clash}) at that time")


def book_appointment(
    store: Store, actor: Actor, new: Appointment, *, for_step: tuple[int, int] | None = None
) -> int:
    """Book; `for_step=(id, version)` links the plan step that needed this appointment."""
    with action(store, actor, "appointment.book") as tx:
        tx.get(PatientRow, new.patient_id)
        if new.practitioner_id is not None:
            tx.get(PractitionerRow, new.practitioner_id)
        _refuse_clash(tx, new)
        row = tx.add(AppointmentRow(**values_of(new)))
        if for_step is not None:
            step = tx.get(
                PlanStepRow, for_step[0], expected_version=for_step[1], mine={"appointment": "new"}
            )
            if step.patient_id != new.patient_id:
                raise DomainError("that plan step is for another patient")
            step.appointment_id = row.id
        tx.about(row, new.patient_id, start=new.start.isoformat(), step=for_step and for_step[0])
        return row.id


def confirm_appointment(
    store: Store,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    method: Channel,
    *,
    outcome: ContactOutcome = ContactOutcome.REACHED,
    next_attempt_due: datetime | None = None,
    note: str | None = None,
) -> int:
    """One attempt to confirm with the patient, always logged as a communication. Reached:
    participant status needs-action -> accepted. Otherwise the attempt (voicemail, no answer,
    ...) is recorded and `next_attempt_due` puts a callback in the queue."""
    reached = outcome == ContactOutcome.REACHED
    name = "appointment.confirm" if reached else "appointment.confirm_attempt"
    with action(store, actor, name) as tx:
        mine = {"patient_status": ParticipationStatus.ACCEPTED, "confirmation_method": method}
        row = tx.get(AppointmentRow, appointment_id, expected_version=expected_version, mine=mine)
        if row.status not in UPCOMING_APPOINTMENT_STATUSES:
            raise DomainError(f"appointment {appointment_id} is {row.status}: nothing to confirm")
        if reached:
            row.patient_status = ParticipationStatus.ACCEPTED
            row.confirmation_method = Channel(method)
        attempt = Communication(
            patient_id=row.patient_id,
            with_whom="patient",
            channel=method,
            outcome=outcome,
            note=note or f"Confirming the appointment of {row.start:%Y-%m-%d %H:%M} UTC",
            sent_at=tx.now,
            next_attempt_due=None if reached else next_attempt_due,
            author=actor.username,
        )
        tx.add(CommunicationRow(**values_of(attempt)))
        tx.about(row, None, method=str(method), outcome=str(outcome))
        tx.session.flush()
        return row.version


def reschedule_appointment(
    store: Store,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    start: datetime,
    end: datetime,
) -> int:
    """Move an upcoming appointment; the patient must confirm the new time again."""
    with action(store, actor, "appointment.reschedule") as tx:
        mine = {"start": start.isoformat(), "end": end.isoformat()}
        row = tx.get(AppointmentRow, appointment_id, expected_version=expected_version, mine=mine)
        if row.status not in UPCOMING_APPOINTMENT_STATUSES:
            raise DomainError(f"appointment {appointment_id} is {row.status}: it cannot be moved")
        moved = revalidated(Appointment, row, {"start": start, "end": end})
        _refuse_clash(tx, moved, ignore_id=row.id)
        tx.about(row, was_start=row.start.isoformat(), start=start.isoformat())
        # The history, where a coordinator reads it: a note in the chart (and the audit row).
        history = Note(
            patient_id=row.patient_id,
            text=f"Appointment {row.id} ({row.reason or 'appointment'}) moved from "
            f"{row.start:%Y-%m-%d %H:%M} to {moved.start:%Y-%m-%d %H:%M} UTC",
            author=actor.username,
        )
        tx.add(NoteRow(**values_of(history)))
        row.start, row.end = moved.start, moved.end
        row.patient_status = ParticipationStatus.NEEDS_ACTION
        row.confirmation_method = None
        tx.session.flush()
        return row.version


def set_appointment_status(
    store: Store,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    status: AppointmentStatus,
    reason: str | None = None,
) -> int:
    """check-in, arrived, fulfilled, cancelled (reason), noshow (reason)."""
    with action(store, actor, f"appointment.{status}") as tx:
        row = tx.get(
            AppointmentRow,
            appointment_id,
            expected_version=expected_version,
            mine={"status": str(status), "cancel_reason": reason},
        )
        check_appointment_transition(row.status, status)
        if status in NEEDS_REASON:
            if not (reason and reason.strip()):
                raise DomainError(f"a {status} appointment needs a reason")
            row.cancel_reason = reason.strip()
        tx.about(row, None, **{"from": row.status, "to": str(status)})
        row.status = AppointmentStatus(status)
        if status == AppointmentStatus.FULFILLED:
            tx.detail["auth_units_used"] = _use_linked_auth_units(tx, row.id)
        tx.session.flush()
        return row.version


def _use_linked_auth_units(tx: Tx, appointment_id: int) -> list[int]:
    """A fulfilled visit uses one unit of each prior auth its plan step is linked to."""
    auth_ids = tx.session.scalars(
        select(PlanStepRow.prior_auth_id)
        .where(PlanStepRow.appointment_id == appointment_id, PlanStepRow.prior_auth_id.is_not(None))
        .distinct()
    ).all()
    for auth_id in auth_ids:
        auth = tx.session.get(PriorAuthorizationRow, auth_id)
        if auth is not None:
            tx.track(auth)
            auth.units_used = (auth.units_used or 0) + 1
    return [int(a) for a in auth_ids if a is not None]

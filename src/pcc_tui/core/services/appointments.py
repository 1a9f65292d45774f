"""Appointments: book, confirm with the patient, reschedule, and move along the FHIR lifecycle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pcc_tui.core.domain.codes import (
    UPCOMING_APPOINTMENT_STATUSES,
    AppointmentStatus,
    Channel,
    ParticipationStatus,
)
from pcc_tui.core.domain.lifecycle import check_appointment_transition
from pcc_tui.core.domain.models import Appointment
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, Tx, action, revalidated, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AppointmentRow, PatientRow, PractitionerRow

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


def book_appointment(store: Store, actor: Actor, new: Appointment) -> int:
    with action(store, actor, "appointment.book") as tx:
        tx.get(PatientRow, new.patient_id)
        if new.practitioner_id is not None:
            tx.get(PractitionerRow, new.practitioner_id)
        _refuse_clash(tx, new)
        row = tx.add(AppointmentRow(**values_of(new)))
        tx.about(row, start=new.start.isoformat())
        return row.id


def confirm_appointment(
    store: Store, actor: Actor, appointment_id: int, expected_version: int, method: Channel
) -> int:
    """The patient said yes: participant status needs-action -> accepted."""
    with action(store, actor, "appointment.confirm") as tx:
        mine = {"patient_status": ParticipationStatus.ACCEPTED, "confirmation_method": method}
        row = tx.get(AppointmentRow, appointment_id, expected_version=expected_version, mine=mine)
        if row.status not in UPCOMING_APPOINTMENT_STATUSES:
            raise DomainError(f"appointment {appointment_id} is {row.status}: nothing to confirm")
        row.patient_status = ParticipationStatus.ACCEPTED
        row.confirmation_method = Channel(method)
        tx.about(row, method=str(method))
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
        tx.session.flush()
        return row.version

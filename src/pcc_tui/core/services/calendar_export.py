"""A patient's upcoming appointments as iCalendar (RFC 5545), for the patient or a carer.

An export puts patient data outside the database, so it is its own audited action; the file
written by the CLI is readable by its owner only.
"""

from __future__ import annotations

from collections.abc import Callable

from icalendar import Calendar, Event
from sqlalchemy import select

from pcc_tui.core.domain.codes import UPCOMING_APPOINTMENT_STATUSES, ParticipationStatus
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.access import open_record
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.mrn import patient_id_by_mrn
from pcc_tui.core.store.tables import AppointmentRow, PractitionerRow

PRODID = "-//pcc-tui//patient care coordination//EN"


def appointments_ics(
    store: Store, actor: Actor, mrn: str, sink: Callable[[bytes], None] | None = None
) -> tuple[bytes, int]:
    """The calendar and how many appointments it holds. `sink` writes it inside the audited
    action: if writing fails (ExportFailed) the export is audited as failed, not as done."""
    with action(store, actor, "patient.export.ics") as tx:
        patient_id = tx.session.scalar(patient_id_by_mrn(mrn.strip()))
        if patient_id is None:
            raise DomainError("no patient has that MRN")  # the MRN itself is not echoed
        open_record(tx, patient_id)
        rows = tx.session.execute(
            select(AppointmentRow, PractitionerRow.name)
            .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
            .where(
                AppointmentRow.patient_id == patient_id,
                AppointmentRow.start >= tx.now,
                AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
            )
            .order_by(AppointmentRow.start)
        ).all()
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("method", "PUBLISH")
        for appt, provider in rows:
            event = Event()
            event.add("uid", f"appointment-{appt.id}@pcc-tui")
            event.add("dtstamp", tx.now)
            event.add("dtstart", appt.start)
            event.add("dtend", appt.end)
            summary = appt.reason or "Appointment"
            event.add("summary", f"{summary} with {provider}" if provider else summary)
            if appt.location:
                event.add("location", appt.location)
            accepted = appt.patient_status == ParticipationStatus.ACCEPTED
            event.add("status", "CONFIRMED" if accepted else "TENTATIVE")
            event.add("sequence", appt.version - 1)  # a reschedule bumps it: calendars update
            cal.add_component(event)
        tx.detail["appointments"] = len(rows)
        data = cal.to_ical()
        if sink is not None:
            sink(data)
        return data, len(rows)

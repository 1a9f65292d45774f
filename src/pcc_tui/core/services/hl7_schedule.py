"""SIU scheduling messages: S12 book, S13 reschedule, S14 modify, S15 cancel, S17 delete,
S26 no-show. The sender's appointment id (SCH-2, else SCH-1) finds the appointment again
through `fhir_link` (source "hl7:SENDER", type "SIU"). A booked appointment waits for the
coordinator to confirm it with the patient, like one typed in.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import bindparam, select

from pcc_tui.core.domain.codes import AppointmentStatus
from pcc_tui.core.domain.models import Appointment
from pcc_tui.core.interop.hl7_map import AppointmentData
from pcc_tui.core.interop.hl7_message import Refusal
from pcc_tui.core.services import hl7_batch
from pcc_tui.core.services.context import Tx, values_of
from pcc_tui.core.services.hl7_patients import NothingToChange
from pcc_tui.core.store.tables import AppointmentRow, FhirLinkRow, PatientRow, PractitionerRow

LINK_TYPE = hl7_batch.SIU_LINK


_LINKED = select(FhirLinkRow.entity_id).where(  # built once: every SIU message asks
    FhirLinkRow.source == bindparam("source"),
    FhirLinkRow.resource_type == LINK_TYPE,
    FhirLinkRow.fhir_id == bindparam("key"),
)


def link_source(sender: str) -> str:
    return f"hl7:{sender}"[:60]


def _link(tx: Tx, sender: str, key: str) -> int | None:
    """The appointment the sender's appointment id names, if booked before."""
    source = link_source(sender)
    knows, appointment_id = hl7_batch.link(tx.session, (source, key))
    if knows:
        return appointment_id
    found = tx.session.scalar(_LINKED, {"source": source, "key": key})
    return None if found is None else int(found)


_PRACTITIONER = (
    select(PractitionerRow.id)
    .where(PractitionerRow.name == bindparam("name"))
    .order_by(PractitionerRow.id)  # the oldest of a name, as the batch's look-ahead
    .limit(1)
)


def _practitioner(tx: Tx, name: str | None) -> int | None:
    if not name:
        return None
    knows, practitioner_id = hl7_batch.practitioner(tx.session, name)
    if knows:
        return practitioner_id
    return tx.session.scalar(_PRACTITIONER, {"name": name})


def _reason(data: AppointmentData, practitioner_id: int | None) -> str | None:
    if data.provider and practitioner_id is None:  # an outside provider: named in the reason
        return f"{data.reason or 'Appointment'} with {data.provider}"[:300]
    return data.reason


def book(
    tx: Tx, sender: str, patient: PatientRow, data: AppointmentData
) -> tuple[AppointmentRow, str]:
    """S12 (an S12 sent again updates the same appointment)."""
    if data.start is None:
        raise Refusal("AE", "no appointment start (AIS-4, TQ1-7 or SCH-11.4)", "AIS-4", "101")
    if _link(tx, sender, data.key) is not None:
        return reschedule(tx, sender, patient, data, "booked again")
    practitioner_id = _practitioner(tx, data.provider)
    try:
        model = Appointment(
            patient_id=patient.id,
            practitioner_id=practitioner_id,
            location=data.location,
            start=data.start,
            end=data.start + timedelta(minutes=data.minutes),
            reason=_reason(data, practitioner_id),
        )
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        raise Refusal(
            "AE", f"the appointment does not hold: {first['msg']}", "SCH", "102"
        ) from None
    row = tx.add(AppointmentRow(**values_of(model)))
    hl7_batch.linked(tx.session, (link_source(sender), data.key), row)
    tx.insert(
        FhirLinkRow,
        source=link_source(sender),
        resource_type=LINK_TYPE,
        fhir_id=data.key,
        entity_type="appointment",
        entity_id=row.id,
        content_hash="",
        imported_at=tx.now,
    )
    return row, f"appointment booked for {data.start:%Y-%m-%d %H:%M} UTC"


def _find(tx: Tx, sender: str, patient: PatientRow, key: str) -> AppointmentRow:
    linked = _link(tx, sender, key)
    row = tx.session.get(AppointmentRow, linked) if linked is not None else None
    if row is None:
        raise NothingToChange("no such appointment yet (its S12 has not arrived)")
    if row.patient_id != patient.id:
        raise Refusal("AE", "the appointment (SCH-2) belongs to another patient", "SCH-2", "204")
    return row


def reschedule(
    tx: Tx, sender: str, patient: PatientRow, data: AppointmentData, what: str = "rescheduled"
) -> tuple[AppointmentRow, str]:
    """S13 new time, S14 other details: what the message states replaces what is stored."""
    row = _find(tx, sender, patient, data.key)
    tx.track(row)
    if data.start is not None:
        row.start, row.end = data.start, data.start + timedelta(minutes=data.minutes)
        if row.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW):
            row.status, row.cancel_reason = AppointmentStatus.BOOKED, None
        row.patient_status = "needs-action"  # a new time is confirmed with the patient again
    if data.location:
        row.location = data.location
    practitioner_id = _practitioner(tx, data.provider)
    if practitioner_id is not None:
        row.practitioner_id = practitioner_id
    if data.reason:
        row.reason = _reason(data, practitioner_id)
    return row, f"appointment {what}"


def end(
    tx: Tx, sender: str, patient: PatientRow, data: AppointmentData, trigger: str, reason: str
) -> tuple[AppointmentRow, str]:
    """S15 cancelled, S17 deleted (booked in error), S26 did not attend."""
    row = _find(tx, sender, patient, data.key)
    tx.track(row)
    if trigger == "S17":
        row.status, row.void_reason = AppointmentStatus.ENTERED_IN_ERROR, reason[:300]
        return row, "appointment deleted by the scheduling system"
    row.status = AppointmentStatus.NOSHOW if trigger == "S26" else AppointmentStatus.CANCELLED
    row.cancel_reason = reason[:300]
    return row, "patient did not attend" if trigger == "S26" else "appointment cancelled"

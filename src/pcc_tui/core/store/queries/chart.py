"""The patient chart: banner, contacts, care team, problems, appointments, contacts log, notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BindParameter, Integer, bindparam, select
from sqlalchemy.orm import Session

from pcc_tui.core.clock import age_on
from pcc_tui.core.domain.codes import (
    UPCOMING_APPOINTMENT_STATUSES,
    CareTeamStatus,
    CommunicationStatus,
    ConditionClinicalStatus,
    NoteStatus,
    RecordStatus,
)
from pcc_tui.core.domain.models import Communication, Contact, Note, Patient, Problem
from pcc_tui.core.domain.read_models import AppointmentEntry, CareTeamEntry, PatientChart
from pcc_tui.core.errors import NotFound
from pcc_tui.core.store.queries.rows import as_models, fetch
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CareTeamMemberRow,
    CommunicationRow,
    ContactRow,
    CoordinatorRow,
    NoteRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
)

ACTIVE_PROBLEM = (
    ConditionClinicalStatus.ACTIVE,
    ConditionClinicalStatus.RECURRENCE,
    ConditionClinicalStatus.RELAPSE,
)
PID: BindParameter[int] = bindparam("pid", type_=Integer())

PATIENT = (
    select(PatientRow.__table__, CoordinatorRow.display_name.label("coordinator_name"))
    .outerjoin(CoordinatorRow, CoordinatorRow.id == PatientRow.coordinator_id)
    .where(PatientRow.id == PID)
)
CONTACTS = (
    select(ContactRow.__table__)
    .where(ContactRow.patient_id == PID, ContactRow.status != RecordStatus.ENTERED_IN_ERROR)
    .order_by(ContactRow.id)
)
CARE_TEAM = (
    select(
        CareTeamMemberRow.__table__,
        PractitionerRow.name.label("practitioner_name"),
        PractitionerRow.specialty.label("practitioner_specialty"),
    )
    .join(PractitionerRow, PractitionerRow.id == CareTeamMemberRow.practitioner_id)
    .where(
        CareTeamMemberRow.patient_id == PID,
        CareTeamMemberRow.status.in_((CareTeamStatus.ACTIVE, CareTeamStatus.PROPOSED)),
    )
    .order_by(CareTeamMemberRow.id)
)
PROBLEMS = (
    select(ProblemRow.__table__)
    .where(
        ProblemRow.patient_id == PID,
        ProblemRow.clinical_status.in_(ACTIVE_PROBLEM),
        ProblemRow.entered_in_error.is_(False),
    )
    .order_by(ProblemRow.onset.desc())
)
UPCOMING = (
    select(AppointmentRow.__table__, PractitionerRow.name.label("practitioner_name"))
    .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
    .where(
        AppointmentRow.patient_id == PID,
        AppointmentRow.start >= bindparam("now", type_=AppointmentRow.start.type),
        AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
    )
    .order_by(AppointmentRow.start)
    .limit(5)
)
COMMUNICATIONS = (
    select(CommunicationRow.__table__)
    .where(
        CommunicationRow.patient_id == PID,
        CommunicationRow.status != CommunicationStatus.ENTERED_IN_ERROR,
    )
    .order_by(CommunicationRow.sent_at.desc())
    .limit(bindparam("recent"))
)
NOTES = (
    select(NoteRow.__table__)
    .where(NoteRow.patient_id == PID, NoteRow.status == NoteStatus.CURRENT)
    .order_by(NoteRow.created_at.desc())
    .limit(bindparam("recent"))
)


def load_patient(session: Session, patient_id: int) -> PatientRow:
    row = session.get(PatientRow, patient_id)
    if row is None:
        raise NotFound("patient", patient_id)
    return row


def load_chart(
    session: Session, patient_id: int, *, today: date, now: datetime, recent: int = 10
) -> PatientChart:
    conn = session.connection()
    banner = conn.execute(PATIENT, {"pid": patient_id}).mappings().first()
    if banner is None:
        raise NotFound("patient", patient_id)
    [patient] = as_models(Patient, [dict(banner)])
    team = [dict(m) for m in conn.execute(CARE_TEAM, {"pid": patient_id}).mappings()]
    upcoming = [dict(m) for m in conn.execute(UPCOMING, {"pid": patient_id, "now": now}).mappings()]
    return PatientChart.model_validate(
        {
            "patient": patient,
            "age": age_on(patient.birth_date, today),
            "coordinator_name": banner["coordinator_name"],
            "contacts": fetch(conn, Contact, CONTACTS, pid=patient_id),
            "care_team": [
                {
                    "member": m,
                    "practitioner_name": m["practitioner_name"],
                    "specialty": m["practitioner_specialty"],
                }
                for m in team
            ],
            "problems": fetch(conn, Problem, PROBLEMS, pid=patient_id),
            "upcoming": [
                {"appointment": a, "practitioner_name": a["practitioner_name"]} for a in upcoming
            ],
            "communications": fetch(
                conn, Communication, COMMUNICATIONS, pid=patient_id, recent=recent
            ),
            "notes": fetch(conn, Note, NOTES, pid=patient_id, recent=recent),
        }
    )


__all__ = ["AppointmentEntry", "CareTeamEntry", "load_chart", "load_patient"]

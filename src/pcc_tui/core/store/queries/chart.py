"""The patient chart: banner, contacts, care team, problems, appointments, contacts log, notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
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
from pcc_tui.core.domain.models import (
    Appointment,
    CareTeamMember,
    Communication,
    Contact,
    Note,
    Patient,
    Problem,
)
from pcc_tui.core.domain.read_models import AppointmentEntry, CareTeamEntry, PatientChart
from pcc_tui.core.errors import NotFound
from pcc_tui.core.store.queries.rows import to_model
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


def load_patient(session: Session, patient_id: int) -> PatientRow:
    row = session.get(PatientRow, patient_id)
    if row is None:
        raise NotFound("patient", patient_id)
    return row


def load_chart(
    session: Session, patient_id: int, *, today: date, now: datetime, recent: int = 10
) -> PatientChart:
    prow = load_patient(session, patient_id)
    coordinator = session.get(CoordinatorRow, prow.coordinator_id) if prow.coordinator_id else None
    contacts = session.scalars(
        select(ContactRow)
        .where(
            ContactRow.patient_id == patient_id, ContactRow.status != RecordStatus.ENTERED_IN_ERROR
        )
        .order_by(ContactRow.id)
    )
    team = session.execute(
        select(CareTeamMemberRow, PractitionerRow.name, PractitionerRow.specialty)
        .join(PractitionerRow, PractitionerRow.id == CareTeamMemberRow.practitioner_id)
        .where(
            CareTeamMemberRow.patient_id == patient_id,
            CareTeamMemberRow.status.in_((CareTeamStatus.ACTIVE, CareTeamStatus.PROPOSED)),
        )
        .order_by(CareTeamMemberRow.id)
    ).all()
    problems = session.scalars(
        select(ProblemRow)
        .where(
            ProblemRow.patient_id == patient_id,
            ProblemRow.clinical_status.in_(ACTIVE_PROBLEM),
            ProblemRow.entered_in_error.is_(False),
        )
        .order_by(ProblemRow.onset.desc())
    )
    upcoming = session.execute(
        select(AppointmentRow, PractitionerRow.name)
        .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
        .where(
            AppointmentRow.patient_id == patient_id,
            AppointmentRow.start >= now,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
        )
        .order_by(AppointmentRow.start)
        .limit(5)
    ).all()
    comms = session.scalars(
        select(CommunicationRow)
        .where(
            CommunicationRow.patient_id == patient_id,
            CommunicationRow.status != CommunicationStatus.ENTERED_IN_ERROR,
        )
        .order_by(CommunicationRow.sent_at.desc())
        .limit(recent)
    )
    notes = session.scalars(
        select(NoteRow)
        .where(NoteRow.patient_id == patient_id, NoteRow.status == NoteStatus.CURRENT)
        .order_by(NoteRow.created_at.desc())
        .limit(recent)
    )
    return PatientChart.model_construct(
        patient=to_model(Patient, prow),
        age=age_on(prow.birth_date, today),
        coordinator_name=coordinator.display_name if coordinator else None,
        contacts=[to_model(Contact, c) for c in contacts],
        care_team=[
            CareTeamEntry.model_construct(
                member=to_model(CareTeamMember, m), practitioner_name=name, specialty=spec
            )
            for m, name, spec in team
        ],
        problems=[to_model(Problem, p) for p in problems],
        upcoming=[
            AppointmentEntry.model_construct(
                appointment=to_model(Appointment, a), practitioner_name=name
            )
            for a, name in upcoming
        ],
        communications=[to_model(Communication, c) for c in comms],
        notes=[to_model(Note, n) for n in notes],
    )

"""Ward rounds: the ward's beds in order, each patient with counts of what is open."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    UPCOMING_APPOINTMENT_STATUSES,
    AuthDecision,
    AuthStatus,
)
from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.store.queries.rows import patient_ref, patient_ref_columns
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
)


class RoundsBed(BaseModel):
    patient: PatientRef
    overdue_steps: int
    steps_due_today: int
    appointments_today: int
    callbacks_owed: int
    auths_pending: int

    @property
    def open_count(self) -> int:
        return (
            self.overdue_steps
            + self.steps_due_today
            + self.appointments_today
            + self.callbacks_owed
            + self.auths_pending
        )


def _count(table: Any, *cond: Any) -> Any:
    return select(func.count()).select_from(table).where(*cond).scalar_subquery()


def load_rounds(
    session: Session, ward: str, *, today: date, day_start: datetime, day_end: datetime
) -> list[RoundsBed]:
    pid = PatientRow.id
    step_of = (PlanStepRow.patient_id == pid, PlanStepRow.status.in_(OPEN_TASK_STATUSES))
    stmt = (
        select(
            *patient_ref_columns(),
            _count(PlanStepRow, *step_of, PlanStepRow.due_by < today),
            _count(PlanStepRow, *step_of, PlanStepRow.due_by == today),
            _count(
                AppointmentRow,
                AppointmentRow.patient_id == pid,
                AppointmentRow.start >= day_start,
                AppointmentRow.start < day_end,
                AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
            ),
            _count(
                CommunicationRow,
                CommunicationRow.patient_id == pid,
                CommunicationRow.next_attempt_due < day_end,
            ),
            _count(
                PriorAuthorizationRow,
                PriorAuthorizationRow.patient_id == pid,
                PriorAuthorizationRow.status == AuthStatus.ACTIVE,
                PriorAuthorizationRow.decision == AuthDecision.PENDED,
            ),
        )
        .where(PatientRow.ward == ward)
        .order_by(PatientRow.bed, PatientRow.id)
    )
    out = []
    for row in session.execute(stmt):
        ref = patient_ref(row)
        overdue, due, appts, calls, auths = row[7:12]
        out.append(
            RoundsBed(
                patient=PatientRef.model_validate(ref),
                overdue_steps=overdue,
                steps_due_today=due,
                appointments_today=appts,
                callbacks_owed=calls,
                auths_pending=auths,
            )
        )
    return out

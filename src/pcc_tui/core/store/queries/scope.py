"""Who may open which patient's record (the rule `services/access.py` applies and, on
PostgreSQL, `pcc_sees` in the database): their coordinator, anyone whose home ward it is
on, whoever owns one of its open steps (themselves or their pool) or is offered it, and
supervisors. Anyone else needs a live break-the-glass grant. Nobody opens their own record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import OPEN_TASK_STATUSES, CoordinatorRole, TaskStatus
from pcc_tui.core.errors import BreakGlassRequired, NotFound, OwnRecordRefused
from pcc_tui.core.store.tables import (
    AccessGrantRow,
    CoordinatorRow,
    HandoffRow,
    PatientRow,
    PlanStepRow,
)


class Someone(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def coordinator_id(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def ward(self) -> str | None: ...
    @property
    def pool(self) -> str | None: ...
    @property
    def own_patient_id(self) -> int | None: ...


def check_open(session: Session, actor: Someone, patient_id: int, now: datetime) -> datetime | None:
    """Raise unless `actor` may open the record; returns a grant's end if one allows it."""
    if own_record(session, actor) == patient_id:
        raise OwnRecordRefused("you cannot open your own record: ask a colleague")
    patient = session.get(PatientRow, patient_id)
    if patient is not None and in_scope(session, actor, patient):
        return None
    if patient is None and not patient_exists(session, patient_id):
        raise NotFound("patient", patient_id)
    # Out of scope (or hidden by PostgreSQL's row-level security for that reason).
    until = grant_until(session, actor, patient_id, now)
    if until is None:
        raise BreakGlassRequired(patient_id)
    return until


def patient_exists(session: Session, patient_id: int) -> bool:
    """Whether the patient exists, even where the database hides their rows from this
    person (PostgreSQL row-level security): outside one's scope is "break the glass"."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(text("SELECT pcc_patient_exists(:p)"), {"p": patient_id}))
    return session.get(PatientRow, patient_id) is not None


BREAK_GLASS_PURPOSE = "BTG"  # HL7 v3 ActReason: break the glass


def own_record(session: Session, actor: Someone) -> int | None:
    if actor.coordinator_id is None:
        return actor.own_patient_id
    return session.scalar(
        select(CoordinatorRow.own_patient_id).where(CoordinatorRow.id == actor.coordinator_id)
    )


def in_scope(session: Session, actor: Someone, patient: PatientRow) -> bool:
    if actor.role == CoordinatorRole.SUPERVISOR:
        return True
    if actor.coordinator_id is not None and patient.coordinator_id == actor.coordinator_id:
        return True
    if actor.ward and patient.ward == actor.ward:
        return True
    mine = PlanStepRow.owner_id == actor.coordinator_id
    if actor.pool:
        mine = mine | (PlanStepRow.owner_pool == actor.pool)
    owns_step = exists().where(
        PlanStepRow.patient_id == patient.id, PlanStepRow.status.in_(OPEN_TASK_STATUSES), mine
    )
    offered = exists().where(
        HandoffRow.patient_id == patient.id,
        HandoffRow.status == TaskStatus.REQUESTED,
        HandoffRow.to_coordinator_id == actor.coordinator_id,
    )
    return bool(session.scalar(select(owns_step | offered)))


def grant_until(
    session: Session, actor: Someone, patient_id: int, now: datetime
) -> datetime | None:
    until = session.scalar(
        select(func.max(AccessGrantRow.expires_at)).where(
            AccessGrantRow.username == actor.username,
            AccessGrantRow.patient_id == patient_id,
            AccessGrantRow.expires_at > now,
        )
    )
    return until

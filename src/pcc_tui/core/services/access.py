"""Who may open which record, and break-the-glass access (HIPAA 164.312(a)(2)(ii)).

A record is open to its coordinator, to anyone whose home ward it is on, to whoever owns one
of its open steps (themselves or their pool) or has been offered it in a handoff, and to
supervisors (who oversee and reassign every caseload). Anyone else states a reason and gets
time-limited access, audited with the HL7 purpose of use BTG; supervisors see these in the
`break-glass` report. Nobody opens their own record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import OPEN_TASK_STATUSES, CoordinatorRole, TaskStatus
from pcc_tui.core.errors import (
    BreakGlassRequired,
    DomainError,
    Forbidden,
    NotFound,
    OwnRecordRefused,
)
from pcc_tui.core.services.context import Actor, Tx, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AccessGrantRow,
    CoordinatorRow,
    HandoffRow,
    PatientRow,
    PlanStepRow,
)

REASON_MIN = 10


def patient_exists(session: Session, patient_id: int) -> bool:
    """Whether the patient exists, even where the database hides their rows from this
    person (PostgreSQL row-level security): outside one's scope is "break the glass"."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(text("SELECT pcc_patient_exists(:p)"), {"p": patient_id}))
    return session.get(PatientRow, patient_id) is not None
BREAK_GLASS_PURPOSE = "BTG"  # HL7 v3 ActReason: break the glass


def _own_record(session: Session, actor: Actor) -> int | None:
    if actor.coordinator_id is None:
        return actor.own_patient_id
    return session.scalar(
        select(CoordinatorRow.own_patient_id).where(CoordinatorRow.id == actor.coordinator_id)
    )


def _in_scope(session: Session, actor: Actor, patient: PatientRow) -> bool:
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


def grant_until(session: Session, actor: Actor, patient_id: int, now: datetime) -> datetime | None:
    until = session.scalar(
        select(func.max(AccessGrantRow.expires_at)).where(
            AccessGrantRow.username == actor.username,
            AccessGrantRow.patient_id == patient_id,
            AccessGrantRow.expires_at > now,
        )
    )
    return until


def open_record(tx: Tx, patient_id: int) -> datetime | None:
    """Check `tx.actor` may open this patient's record; name it in the audit row. Returns the
    end of a break-the-glass grant if that is what allows it, else None."""
    tx.patient_id, tx.entity_type, tx.entity_id = patient_id, "patient", patient_id
    if _own_record(tx.session, tx.actor) == patient_id:
        raise OwnRecordRefused("you cannot open your own record: ask a colleague")
    patient = tx.session.get(PatientRow, patient_id)
    if patient is None:
        if patient_exists(tx.session, patient_id):  # PostgreSQL hid it: out of scope
            _needs_glass(tx, patient_id)
        raise NotFound("patient", patient_id)
    if _in_scope(tx.session, tx.actor, patient):
        return None
    return _needs_glass(tx, patient_id)


def _needs_glass(tx: Tx, patient_id: int) -> datetime:
    until = grant_until(tx.session, tx.actor, patient_id, tx.now)
    if until is None:
        raise BreakGlassRequired(patient_id)
    tx.detail["purpose"] = BREAK_GLASS_PURPOSE
    return until


def break_glass(store: Store, actor: Actor, patient_id: int, reason: str) -> datetime:
    """Grant `actor` access to a patient outside their caseload for the site's set time."""
    with action(store, actor, "patient.break-glass") as tx:
        tx.patient_id, tx.entity_type, tx.entity_id = patient_id, "patient", patient_id
        if actor.role not in store.policy.break_glass_roles:
            allowed = " or ".join(store.policy.break_glass_roles)
            raise Forbidden(f"a {actor.role} may not break the glass: that is for a {allowed}")
        if _own_record(tx.session, actor) == patient_id:
            raise OwnRecordRefused(
                "you cannot open your own record, not even by breaking the glass"
            )
        if not patient_exists(tx.session, patient_id):
            raise NotFound("patient", patient_id)
        why = " ".join(reason.split())
        if len(why) < REASON_MIN:
            raise DomainError(f"say why you need this record (at least {REASON_MIN} characters)")
        until = tx.now + timedelta(minutes=store.policy.break_glass_minutes)
        tx.add(
            AccessGrantRow(
                username=actor.username,
                patient_id=patient_id,
                reason=why[:500],
                granted_at=tx.now,
                expires_at=until,
            )
        )
        tx.detail.update(purpose=BREAK_GLASS_PURPOSE, reason=why[:500], until=until.isoformat())
        return until

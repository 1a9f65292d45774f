"""Handoffs: offer a patient, a plan or a step to a colleague or a pool, with a reason and a
packet summarising the patient's open items. Nothing changes hands until the receiver
accepts; both sides and the dates stay on record. A handoff is a FHIR Task (requested ->
accepted or rejected)."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    TaskStatus,
)
from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, Tx, action
from pcc_tui.core.services.permissions import require_caseload_owner
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.open_items import open_items
from pcc_tui.core.store.queries.rows import patient_ref, patient_ref_columns
from pcc_tui.core.store.tables import (
    CarePlanRow,
    CoordinatorRow,
    HandoffRow,
    PatientRow,
    PlanStepRow,
)

SCOPES = {"patient": PatientRow, "care_plan": CarePlanRow, "plan_step": PlanStepRow}


class HandoffView(BaseModel):
    id: int
    version: int
    patient: PatientRef
    scope: str
    entity_id: int
    from_name: str | None
    to: str
    reason: str
    packet: list[str]
    offered_at: datetime
    offered_by: str


def _receiver(tx: Tx, to_coordinator: str | None, to_pool: str | None) -> CoordinatorRow | None:
    if bool(to_coordinator) == bool(to_pool):
        raise DomainError("hand over to one coordinator or to one pool")
    if to_pool:
        return None
    row = tx.session.scalar(
        select(CoordinatorRow).where(
            CoordinatorRow.username == to_coordinator, CoordinatorRow.active.is_(True)
        )
    )
    if row is None:
        raise DomainError(f"no active coordinator called {to_coordinator!r}")
    return row


def offer_handoff(
    store: Store,
    actor: Actor,
    scope: str,
    entity_id: int,
    *,
    reason: str,
    to_coordinator: str | None = None,
    to_pool: str | None = None,
) -> int:
    table = SCOPES.get(scope)
    if table is None:
        raise DomainError(f"hand over a patient, a care plan or a plan step, not a {scope}")
    with action(store, actor, "handoff.offer") as tx:
        item = tx.get(table, entity_id)
        patient_id = entity_id if scope == "patient" else int(item.patient_id)  # type: ignore[attr-defined]
        owner = getattr(item, "coordinator_id" if scope == "patient" else "owner_id", None)
        require_caseload_owner(actor, owner, "hand over")
        receiver = _receiver(tx, to_coordinator, to_pool)
        if scope == "patient" and receiver is None:
            raise DomainError("a patient goes to a coordinator; plans and steps may go to a pool")
        if receiver is not None and receiver.id == actor.coordinator_id:
            raise DomainError("that is you: choose a colleague")
        if not reason.strip():
            raise DomainError("a handoff needs a reason")
        pending = tx.session.scalar(
            select(HandoffRow.id).where(
                HandoffRow.scope == scope,
                HandoffRow.entity_id == entity_id,
                HandoffRow.status == TaskStatus.REQUESTED,
            )
        )
        if pending:
            raise DomainError(f"already offered (handoff {pending}): wait for an answer")
        row = tx.add(
            HandoffRow(
                patient_id=patient_id,
                scope=scope,
                entity_id=entity_id,
                from_coordinator_id=actor.coordinator_id,
                to_coordinator_id=receiver.id if receiver else None,
                to_pool=to_pool,
                reason=reason.strip()[:300],
                packet=json.dumps(open_items(tx.session, patient_id, tx.now.date(), tx.now)),
                status=TaskStatus.REQUESTED,
                offered_at=tx.now,
                offered_by=actor.username,
            )
        )
        tx.about(row, patient_id, scope=scope, to=to_coordinator or f"pool:{to_pool}")
        return row.id


def _decided(tx: Tx, actor: Actor, handoff_id: int, version: int, status: str) -> HandoffRow:
    row = tx.get(HandoffRow, handoff_id, expected_version=version, mine={"status": status})
    if row.status != TaskStatus.REQUESTED:
        raise DomainError(f"handoff {handoff_id} was already {row.status}")
    mine = row.to_coordinator_id is not None and row.to_coordinator_id == actor.coordinator_id
    if not (mine or (row.to_pool is not None and row.to_pool == actor.pool)):
        raise DomainError(f"handoff {handoff_id} was offered to someone else")
    row.status = status
    row.decided_at, row.decided_by = tx.now, actor.username
    return row


def accept_handoff(store: Store, actor: Actor, handoff_id: int, version: int) -> int:
    """The receiver takes the work: returns how many records changed hands."""
    with action(store, actor, "handoff.accept") as tx:
        row = _decided(tx, actor, handoff_id, version, TaskStatus.ACCEPTED)
        owner_id = actor.coordinator_id if row.to_pool is None else None
        moved = 0
        if row.scope == "patient":
            patient = tx.get(PatientRow, row.entity_id)
            tx.track(patient)
            patient.coordinator_id = actor.coordinator_id
            moved += 1
            steps = select(PlanStepRow).where(
                PlanStepRow.patient_id == row.entity_id,
                PlanStepRow.owner_id == row.from_coordinator_id,
            )
        elif row.scope == "care_plan":
            steps = select(PlanStepRow).where(PlanStepRow.care_plan_id == row.entity_id)
        else:
            steps = select(PlanStepRow).where(PlanStepRow.id == row.entity_id)
        for step in tx.session.scalars(steps.where(PlanStepRow.status.in_(OPEN_TASK_STATUSES))):
            tx.track(step)
            step.owner_id, step.owner_pool = owner_id, row.to_pool
            moved += 1
        tx.about(row, row.patient_id, scope=row.scope, moved=moved)
        tx.session.flush()
        return moved


def decline_handoff(store: Store, actor: Actor, handoff_id: int, version: int, reason: str) -> int:
    with action(store, actor, "handoff.decline") as tx:
        if not reason.strip():
            raise DomainError("say why you decline, so the sender can find someone else")
        row = _decided(tx, actor, handoff_id, version, TaskStatus.REJECTED)
        row.decline_reason = reason.strip()[:300]
        tx.about(row, row.patient_id, scope=row.scope)
        tx.session.flush()
        return row.version


def handoffs_for(store: Store, actor: Actor) -> list[HandoffView]:
    """Offers waiting for me (or my pool), oldest first; viewing them is audited."""
    with action(store, actor, "handoff.view") as tx:
        sender = aliased(CoordinatorRow)
        receiver = aliased(CoordinatorRow)
        to_me = [HandoffRow.to_coordinator_id == actor.coordinator_id]
        if actor.pool:
            to_me.append(HandoffRow.to_pool == actor.pool)
        rows = tx.session.execute(
            select(HandoffRow, sender.display_name, receiver.display_name, *patient_ref_columns())
            .join(PatientRow, PatientRow.id == HandoffRow.patient_id)
            .outerjoin(sender, sender.id == HandoffRow.from_coordinator_id)
            .outerjoin(receiver, receiver.id == HandoffRow.to_coordinator_id)
            .where(HandoffRow.status == TaskStatus.REQUESTED, or_(*to_me))
            .order_by(HandoffRow.offered_at)
        ).all()
        tx.detail["offers"] = len(rows)
        return [
            HandoffView(
                id=h.id,
                version=h.version,
                patient=PatientRef.model_validate(patient_ref(rest)),
                scope=h.scope,
                entity_id=h.entity_id,
                from_name=from_name,
                to=to_name or f"pool {h.to_pool}",
                reason=h.reason,
                packet=json.loads(h.packet),
                offered_at=h.offered_at,
                offered_by=h.offered_by,
            )
            for h, from_name, to_name, *rest in rows
        ]


def colleagues(store: Store) -> list[tuple[str, str, str | None]]:
    """Active coordinators (username, name, pool): whom work can be handed to."""
    with store.reading() as s:
        rows = s.execute(
            select(CoordinatorRow.username, CoordinatorRow.display_name, CoordinatorRow.pool)
            .where(CoordinatorRow.active.is_(True))
            .order_by(CoordinatorRow.display_name)
        ).all()
    return [(u, n, p) for u, n, p in rows]

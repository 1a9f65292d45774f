"""Care plans and their steps (FHIR Task lifecycle, dependencies, owners)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from pcc_tui.core.domain.codes import OPEN_TASK_STATUSES, CarePlanStatus, TaskStatus
from pcc_tui.core.domain.lifecycle import (
    check_task_transition,
    task_path_to,
    task_path_to_completed,
)
from pcc_tui.core.domain.models import CarePlan, PlanStep
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, Tx, action, values_of
from pcc_tui.core.services.permissions import require_caseload_owner
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    CarePlanRow,
    CoordinatorRow,
    PatientRow,
    PlanStepRow,
    StepDependencyRow,
)


def start_care_plan(store: Store, actor: Actor, plan: CarePlan, steps: list[PlanStep]) -> int:
    """Create a plan with its steps; `depends_on` in `steps` refers to list positions (0-based)."""
    with action(store, actor, "care_plan.start") as tx:
        plan_id, _ = insert_plan(tx, plan, steps)
        tx.about_new(
            CarePlanRow, plan_id, plan.patient_id, steps=len(steps), template=plan.template
        )
        return plan_id


def insert_plan(tx: Tx, plan: CarePlan, steps: list[PlanStep]) -> tuple[int, list[int]]:
    """The plan and its steps (rows written by `Tx.insert`: the HL7 intake makes a plan per
    discharge); returns the plan's id and its steps' ids in order."""
    tx.get(PatientRow, plan.patient_id)
    plan_id = tx.insert(CarePlanRow, **values_of(plan))
    ids: list[int] = []
    for step in steps:
        if step.patient_id != plan.patient_id:
            raise DomainError("every step must belong to the plan's patient")
        ids.append(insert_step(tx, step, plan_id))
    for position, step in enumerate(steps):
        for dep in step.depends_on:
            if not 0 <= dep < len(ids) or dep == position:
                raise DomainError(f"step {position + 1} depends on an unknown step {dep + 1}")
            tx.insert(StepDependencyRow, step_id=ids[position], depends_on_id=ids[dep])
    return plan_id, ids


# Built once: imports and the intake ask often. The first, should there be two.
_HOLDER = (
    select(CarePlanRow.id)
    .where(
        CarePlanRow.patient_id == bindparam("patient"),
        CarePlanRow.template == bindparam("template"),
        CarePlanRow.status == CarePlanStatus.ACTIVE,
    )
    .order_by(CarePlanRow.id)
)


def holder_plan(tx: Tx, patient_id: int, template: str, title: str) -> int:
    """The patient's active plan of `template` that collects loose steps (rounds tasks,
    imported Tasks), created on first use."""
    found = tx.session.scalar(_HOLDER, {"patient": patient_id, "template": template})
    if found is not None:
        return int(found)
    return new_holder_plan(tx, patient_id, template, title)


def new_holder_plan(tx: Tx, patient_id: int, template: str, title: str) -> int:
    """A holder plan, for a caller that knows the patient has none."""
    plan = CarePlan(
        patient_id=patient_id, title=title, template=template, period_start=tx.now.date()
    )
    return insert_plan(tx, plan, [])[0]


def insert_step(tx: Tx, step: PlanStep, plan_id: int) -> int:
    """One step of plan `plan_id`; returns its id."""
    if step.owner_id is not None:
        tx.get(CoordinatorRow, step.owner_id)
    values = values_of(step, "depends_on")
    values["care_plan_id"] = plan_id
    return tx.insert(PlanStepRow, **values)


def add_plan_step(store: Store, actor: Actor, step: PlanStep) -> int:
    with action(store, actor, "plan_step.add") as tx:
        plan = tx.get(CarePlanRow, step.care_plan_id)
        if plan.patient_id != step.patient_id:
            raise DomainError("the step's patient is not the plan's patient")
        step_id = insert_step(tx, step, plan.id)
        for dep in step.depends_on:
            dep_row = tx.get(PlanStepRow, dep)
            if dep_row.care_plan_id != plan.id:
                raise DomainError(f"step {dep} belongs to another plan")
            tx.session.add(StepDependencyRow(step_id=step_id, depends_on_id=dep))
        tx.about_new(PlanStepRow, step_id, step.patient_id)
        return step_id


def _open_dependencies(tx: Tx, step_id: int) -> list[tuple[int, date]]:
    dep = aliased(PlanStepRow)
    rows = tx.session.execute(
        select(dep.id, dep.due_by)
        .join(StepDependencyRow, StepDependencyRow.depends_on_id == dep.id)
        .where(StepDependencyRow.step_id == step_id, dep.status.in_(OPEN_TASK_STATUSES))
        .order_by(dep.due_by, dep.id)
    )
    return [(int(i), d) for i, d in rows]


def set_step_status(
    store: Store,
    actor: Actor,
    step_id: int,
    expected_version: int,
    *,
    status: TaskStatus | None = None,
    business_status: str | None = None,
    status_reason: str | None = None,
) -> int:
    """Move a step along the Task lifecycle and/or set its business status and reason."""
    with action(store, actor, "plan_step.status") as tx:
        mine = {"status": status, "business_status": business_status, "reason": status_reason}
        row = tx.get(PlanStepRow, step_id, expected_version=expected_version, mine=mine)
        detail: dict[str, object] = {}
        start_status = row.status
        if status is not None and status != row.status:
            path = task_path_to(row.status, status)
            for hop in path[:-1]:
                check_task_transition(row.status, hop)
                row.status = TaskStatus(hop)
            if status == TaskStatus.COMPLETED:
                _refuse_if_blocked(tx, row)
                row.completed_at = tx.now
            if status in (TaskStatus.CANCELLED, TaskStatus.FAILED, TaskStatus.ON_HOLD) and not (
                status_reason
            ):
                raise DomainError(f"setting a step to {status} needs a reason")
            detail.update({"from": start_status, "to": str(status)})
            row.status = TaskStatus(status)
        if business_status is not None:
            row.business_status = business_status.strip() or None
            detail["business_status"] = row.business_status
        if status_reason is not None:
            row.status_reason = status_reason.strip() or None
        if not detail and status_reason is None:
            raise DomainError("nothing to change: give a status, a business status or a reason")
        tx.about(row, None, **detail)
        tx.session.flush()
        return row.version


def _refuse_if_blocked(tx: Tx, row: PlanStepRow) -> None:
    blocking = _open_dependencies(tx, row.id)
    if blocking:
        # Ids and dates only: step titles say what is wrong with a patient (invariant 9).
        first = ", ".join(f"step {sid} (due {due.isoformat()})" for sid, due in blocking)
        raise DomainError(
            f"step {row.id} cannot be completed yet: first finish {first}; "
            "the timeline marks what each step waits on"
        )


def complete_step(store: Store, actor: Actor, step_id: int, expected_version: int) -> int:
    """The one-key "done": walks the Task lifecycle from wherever the step is to completed."""
    with action(store, actor, "plan_step.complete") as tx:
        row = tx.get(
            PlanStepRow, step_id, expected_version=expected_version, mine={"status": "completed"}
        )
        path = task_path_to_completed(row.status)
        _refuse_if_blocked(tx, row)
        tx.about(row, None, **{"from": row.status, "path": list(path)})
        current = row.status
        for nxt in path:
            check_task_transition(current, nxt)
            current = nxt
        row.status = TaskStatus.COMPLETED
        row.completed_at = tx.now
        tx.session.flush()
        return row.version


def reassign_step(
    store: Store,
    actor: Actor,
    step_id: int,
    expected_version: int,
    *,
    owner_id: int | None,
    owner_pool: str | None,
    reason: str,
) -> int:
    with action(store, actor, "plan_step.reassign") as tx:
        mine = {"owner_id": owner_id, "owner_pool": owner_pool}
        row = tx.get(PlanStepRow, step_id, expected_version=expected_version, mine=mine)
        require_caseload_owner(actor, row.owner_id, "reassign")
        if owner_id is None and not owner_pool:
            raise DomainError("a step needs an owner: a coordinator or a pool")
        if not reason.strip():
            raise DomainError("a reassignment needs a reason")
        if owner_id is not None:
            tx.get(CoordinatorRow, owner_id)
        tx.about(
            row,
            from_owner=row.owner_id,
            from_pool=row.owner_pool,
            to_owner=owner_id,
            to_pool=owner_pool,
            reason=reason.strip(),
        )
        row.owner_id, row.owner_pool = owner_id, owner_pool
        tx.session.flush()
        return row.version

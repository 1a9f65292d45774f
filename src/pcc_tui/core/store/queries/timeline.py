"""A patient's plan steps by due date, with what blocks each one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pcc_tui.core.domain.codes import FINISHED_TASK_STATUSES, CarePlanStatus, TaskStatus
from pcc_tui.core.domain.models import PlanStep
from pcc_tui.core.domain.read_models import Timeline, TimelineEntry
from pcc_tui.core.store.queries.rows import to_model
from pcc_tui.core.store.tables import CarePlanRow, CoordinatorRow, PlanStepRow, StepDependencyRow


def load_timeline(session: Session, patient_id: int, *, today: date) -> Timeline:
    rows = session.execute(
        select(PlanStepRow, CarePlanRow.title, CoordinatorRow.display_name)
        .join(CarePlanRow, CarePlanRow.id == PlanStepRow.care_plan_id)
        .outerjoin(CoordinatorRow, CoordinatorRow.id == PlanStepRow.owner_id)
        .where(
            PlanStepRow.patient_id == patient_id,
            PlanStepRow.status != TaskStatus.ENTERED_IN_ERROR,
            CarePlanRow.status != CarePlanStatus.ENTERED_IN_ERROR,
        )
        .order_by(PlanStepRow.due_by, PlanStepRow.id)
    ).all()
    step_ids = [r[0].id for r in rows]
    deps: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if step_ids:
        dep = aliased(PlanStepRow)
        for step_id, dep_id, dep_status in session.execute(
            select(StepDependencyRow.step_id, StepDependencyRow.depends_on_id, dep.status)
            .join(dep, dep.id == StepDependencyRow.depends_on_id)
            .where(StepDependencyRow.step_id.in_(step_ids))
        ).all():
            deps[step_id].append((dep_id, dep_status))
    entries = []
    for step_row, plan_title, owner_name in rows:
        step = to_model(PlanStep, step_row)
        step.depends_on = sorted(d for d, _ in deps[step_row.id])
        finished = step_row.status in FINISHED_TASK_STATUSES
        entries.append(
            TimelineEntry.model_construct(
                step=step,
                plan_title=plan_title,
                owner_name=owner_name,
                overdue=not finished and step_row.due_by < today,
                finished=finished,
                blocked_by=sorted(
                    d for d, s in deps[step_row.id] if s not in FINISHED_TASK_STATUSES
                ),
            )
        )
    return Timeline.model_construct(patient_id=patient_id, today=today, entries=entries)

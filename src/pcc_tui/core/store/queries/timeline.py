"""A patient's plan steps by due date, with what blocks each one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from pcc_tui.core.domain.codes import FINISHED_TASK_STATUSES, CarePlanStatus, TaskStatus
from pcc_tui.core.domain.models import PlanStep
from pcc_tui.core.domain.read_models import Timeline
from pcc_tui.core.store.queries.rows import readable
from pcc_tui.core.store.tables import CarePlanRow, CoordinatorRow, PlanStepRow, StepDependencyRow

_DEP = aliased(PlanStepRow)
STEPS = (
    select(
        PlanStepRow.__table__,
        CarePlanRow.title.label("plan_title"),
        CarePlanRow.version.label("plan_version"),
        CarePlanRow.anchor_kind.label("plan_anchor_kind"),
        CarePlanRow.anchor_date.label("plan_anchor_date"),
        CoordinatorRow.display_name.label("owner_name"),
    )
    .join(CarePlanRow, CarePlanRow.id == PlanStepRow.care_plan_id)
    .outerjoin(CoordinatorRow, CoordinatorRow.id == PlanStepRow.owner_id)
    .where(
        PlanStepRow.patient_id == bindparam("pid"),
        PlanStepRow.status != TaskStatus.ENTERED_IN_ERROR,
        CarePlanRow.status != CarePlanStatus.ENTERED_IN_ERROR,
    )
    .order_by(PlanStepRow.due_by, PlanStepRow.id)
)
DEPENDENCIES = (
    select(StepDependencyRow.step_id, StepDependencyRow.depends_on_id, _DEP.status)
    .join(_DEP, _DEP.id == StepDependencyRow.depends_on_id)
    .join(PlanStepRow, PlanStepRow.id == StepDependencyRow.step_id)
    .where(PlanStepRow.patient_id == bindparam("pid"))
)


def load_timeline(session: Session, patient_id: int, *, today: date) -> Timeline:
    conn = session.connection()
    rows = [dict(m) for m in conn.execute(STEPS, {"pid": patient_id}).mappings()]
    deps: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for step_id, dep_id, dep_status in conn.execute(DEPENDENCIES, {"pid": patient_id}):
        deps[step_id].append((dep_id, dep_status))
    for row in rows:
        row["depends_on"] = sorted(d for d, _ in deps[row["id"]])
    unreadable: list[str] = []
    entries = []
    for found, step in readable(PlanStep, rows, unreadable):
        row = dict(found)
        finished = step.status in FINISHED_TASK_STATUSES
        entries.append(
            {
                "step": step,
                "plan_title": row["plan_title"],
                "plan_version": row["plan_version"],
                "plan_anchor_kind": row["plan_anchor_kind"],
                "plan_anchor_date": row["plan_anchor_date"],
                "owner_name": row["owner_name"],
                "overdue": not finished and step.due_by < today,
                "finished": finished,
                "blocked_by": sorted(
                    d for d, s in deps[row["id"]] if s not in FINISHED_TASK_STATUSES
                ),
            }
        )
    return Timeline.model_validate(
        {"patient_id": patient_id, "today": today, "entries": entries, "unreadable": unreadable}
    )

"""Care pathways: start a plan from a template at an anchor date, and move that anchor."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from pcc_tui.core.domain.business_days import BusinessCalendar
from pcc_tui.core.domain.codes import OPEN_TASK_STATUSES, CarePlanStatus
from pcc_tui.core.domain.models import CarePlan, PlanStep
from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.services.plans import insert_plan
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import CarePlanRow, PatientRow, PlanStepRow


def plan_from_template(
    template: PathwayTemplate,
    patient_id: int,
    anchor: date,
    coordinator_id: int | None,
    calendar: BusinessCalendar,
    fallback_pool: str | None = None,
) -> tuple[CarePlan, list[PlanStep]]:
    """The plan and its steps, dated from `anchor`; steps without a pool go to the patient's
    coordinator (or, when there is none, to `fallback_pool`)."""
    steps = []
    for step in template.steps:
        due_from, due_by = step.due(anchor, calendar)
        pool = step.pool or (fallback_pool if coordinator_id is None else None)
        if pool is None and coordinator_id is None:
            raise DomainError(
                f"step {step.key!r} goes to the patient's coordinator, and this patient has none"
            )
        steps.append(
            PlanStep(
                care_plan_id=0,
                patient_id=patient_id,
                title=step.title,
                priority=step.priority,
                owner_id=None if pool else coordinator_id,
                owner_pool=pool,
                due_from=due_from,
                due_by=due_by,
                anchor_offset=step.day,
                offset_business=step.business,
                depends_on=[template.position(k) for k in step.after],
                needs=list(step.needs),
            )
        )
    first = min([anchor, *(s.due_from or s.due_by for s in steps)])
    plan = CarePlan(
        patient_id=patient_id,
        title=template.title,
        template=template.id,
        period_start=first,
        period_end=max(s.due_by for s in steps),
        anchor_kind=template.anchor,
        anchor_date=anchor,
    )
    return plan, steps


def start_pathway(
    store: Store, actor: Actor, patient_id: int, template: PathwayTemplate, anchor: date
) -> int:
    """A new active care plan with every step of the template; returns the plan id."""
    with action(store, actor, "care_plan.start_pathway") as tx:
        patient = tx.get(PatientRow, patient_id)
        owner = patient.coordinator_id or actor.coordinator_id
        plan, steps = plan_from_template(template, patient_id, anchor, owner, store.policy.calendar)
        plan_id, _ = insert_plan(tx, plan, steps)
        tx.about_new(
            CarePlanRow,
            plan_id,
            patient_id,
            template=template.id,
            anchor=template.anchor.value,
            steps=len(steps),
        )
        return plan_id


def move_anchor(
    store: Store, actor: Actor, plan_id: int, expected_version: int, new_anchor: date
) -> int:
    """Move the plan's anchor; every unfinished step timed from it moves by the same number of
    days (finished ones keep their dates: they are history). Returns how many steps moved."""
    with action(store, actor, "care_plan.move_anchor") as tx:
        plan = tx.get(
            CarePlanRow,
            plan_id,
            expected_version=expected_version,
            mine={"anchor_date": new_anchor.isoformat()},
        )
        if plan.anchor_date is None:
            raise DomainError(f"care plan {plan_id} has no anchor date: move its steps one by one")
        if plan.status not in (CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD, CarePlanStatus.DRAFT):
            raise DomainError(f"care plan {plan_id} is {plan.status}: its steps no longer move")
        shift = timedelta(days=(new_anchor - plan.anchor_date).days)
        if not shift:
            raise DomainError("the anchor is already on that date")
        open_steps = tx.session.scalars(
            select(PlanStepRow)
            .where(
                PlanStepRow.care_plan_id == plan_id,
                PlanStepRow.anchor_offset.is_not(None),
                PlanStepRow.status.in_(OPEN_TASK_STATUSES),
            )
            .order_by(PlanStepRow.id)
        ).all()
        calendar = store.policy.calendar
        for step in open_steps:
            tx.track(step)
            moved = shift
            if step.offset_business and step.anchor_offset is not None:
                # Business days are counted again from the new anchor, not shifted.
                due = calendar.add_business_days(new_anchor, step.anchor_offset)
                moved = due - step.due_by
            step.due_by = step.due_by + moved
            if step.due_from is not None:
                step.due_from = step.due_from + moved
        before = plan.anchor_date
        plan.anchor_date = new_anchor
        plan.period_start = min(plan.period_start + shift, new_anchor)
        if plan.period_end is not None:
            plan.period_end = max(plan.period_end + shift, plan.period_start)
        tx.about(
            plan,
            None,
            **{"from": before.isoformat(), "to": new_anchor.isoformat(), "moved": len(open_steps)},
        )
        tx.session.flush()
        return len(open_steps)

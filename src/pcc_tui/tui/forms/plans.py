"""Plan steps: complete (`d`, no form) and set any status with its reason (`s`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pcc_tui.core.domain.codes import TaskStatus
from pcc_tui.core.domain.lifecycle import task_reachable
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import plans
from pcc_tui.tui.forms.base import FormEnv, NoTarget, form
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

NEEDS_REASON = {TaskStatus.CANCELLED, TaskStatus.FAILED, TaskStatus.ON_HOLD, TaskStatus.REJECTED}
STATUS_WORDS = {
    "in-progress": "In progress",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "failed": "Failed",
    "ready": "Ready",
    "accepted": "Accepted",
    "received": "Received",
    "requested": "Requested",
    "rejected": "Rejected",
}


@dataclass(frozen=True)
class StepTarget:
    step_id: int
    version: int
    title: str
    status: str | None  # known when picked on the timeline


def step_targets(sel: Selection) -> list[StepTarget]:
    if sel.panel == "timeline" and sel.step is not None and sel.step.step.id is not None:
        s = sel.step.step
        return [StepTarget(s.id or 0, s.version, s.title, s.status.value)]
    marked = sel.marked_of(QueueKind.STEP) + sel.marked_of(QueueKind.TRANSITION)
    if marked:
        return [StepTarget(i.entity_id, i.entity_version, i.title, None) for i in marked]
    # A transition stands for the step whose clock runs first (its contact, then its visit).
    item = sel.item_of(QueueKind.STEP) or sel.item_of(QueueKind.TRANSITION)
    if item is not None:
        status = None
        if sel.timeline is not None:
            entry = next((e for e in sel.timeline.entries if e.step.id == item.entity_id), None)
            status = entry.step.status.value if entry else None
        return [StepTarget(item.entity_id, item.entity_version, item.title, status)]
    raise NoTarget("select a plan step in the queue or the timeline (3)")


def waiting_on(sel: Selection, targets: list[StepTarget]) -> str | None:
    """Why a step cannot be completed yet, in words, when the timeline shows it waits."""
    if sel.timeline is None:
        return None
    titles = {e.step.id: e.step.title for e in sel.timeline.entries}
    for t in targets:
        entry = next((e for e in sel.timeline.entries if e.step.id == t.step_id), None)
        if entry is not None and entry.blocked_by:
            first = ", ".join(f"'{titles.get(d, 'an earlier step')}'" for d in entry.blocked_by)
            return f"'{t.title}' waits on {first}: complete that first"
    return None


def complete_steps(env: FormEnv, sel: Selection, version: int | None = None) -> str:
    """Runs in a worker, on the steps frozen at the key press."""
    targets = step_targets(sel)
    if version is not None:
        targets = [StepTarget(targets[0].step_id, version, targets[0].title, None)]
    for t in targets:
        plans.complete_step(env.store, env.actor, t.step_id, t.version)
    who = env.who(sel.patient if len(targets) == 1 or not sel.marked else None)
    if len(targets) > 1:
        return f"Completed {len(targets)} steps"
    return f"{who}: completed step '{targets[0].title}'"


def step_status_form(env: FormEnv, sel: Selection) -> FormScreen:
    [target] = step_targets(sel)[:1]
    who = env.who(sel.patient)
    allowed = task_reachable(target.status) if target.status else [s.value for s in TaskStatus]
    allowed = [s for s in allowed if s in STATUS_WORDS]
    if not allowed:
        raise NoTarget(f"this step is {target.status}: its status cannot change")

    def submit(values: dict[str, Any], version: int | None) -> str:
        status = TaskStatus(values["status"]) if values["status"] else None
        if status in NEEDS_REASON and not values["reason"]:
            raise FieldErrors(
                {"reason": f"say why the step is {STATUS_WORDS[status.value].lower()}"}
            )
        plans.set_step_status(
            env.store,
            env.actor,
            target.step_id,
            version or target.version,
            status=status,
            business_status=values["business_status"],
            status_reason=values["reason"],
        )
        now = STATUS_WORDS[status.value].lower() if status else "updated"
        return f"{who}: step {now}: '{target.title}'"

    return form(
        env,
        sel,
        f"Step status: {target.title}" + (f" (now {target.status})" if target.status else ""),
        [
            FormField("status", "New status", "choice", [(STATUS_WORDS[s], s) for s in allowed]),
            FormField("reason", "Reason", example="patient in hospital until Friday"),
            FormField("business_status", "Waiting on", example="left voicemail, awaiting records"),
        ],
        submit,
        intro="On hold, cancelled and failed need a reason.",
    )

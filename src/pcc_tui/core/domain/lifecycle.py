"""FHIR R4 state machines for Task (plan steps) and Appointment.

`entered-in-error` is reachable from every status but only through voiding, which needs a
reason; it is therefore not listed as an ordinary transition.
"""

from __future__ import annotations

from collections.abc import Mapping

from pcc_tui.core.domain.codes import AppointmentStatus as A
from pcc_tui.core.domain.codes import TaskStatus as T
from pcc_tui.core.errors import IllegalTransition

# After the Task state machine in http://hl7.org/fhir/R4/task.html#statemachine
TASK_TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    T.DRAFT: (T.REQUESTED, T.CANCELLED),
    T.REQUESTED: (T.RECEIVED, T.ACCEPTED, T.REJECTED, T.READY, T.CANCELLED),
    T.RECEIVED: (T.ACCEPTED, T.REJECTED, T.CANCELLED),
    T.ACCEPTED: (T.READY, T.IN_PROGRESS, T.CANCELLED),
    T.READY: (T.IN_PROGRESS, T.CANCELLED, T.FAILED),
    T.IN_PROGRESS: (T.ON_HOLD, T.COMPLETED, T.FAILED, T.CANCELLED),
    T.ON_HOLD: (T.IN_PROGRESS, T.CANCELLED, T.FAILED),
    T.REJECTED: (),
    T.CANCELLED: (),
    T.FAILED: (),
    T.COMPLETED: (),
    T.ENTERED_IN_ERROR: (),
}

# After the Appointment status diagram in http://hl7.org/fhir/R4/appointment.html
APPOINTMENT_TRANSITIONS: Mapping[str, tuple[str, ...]] = {
    A.PROPOSED: (A.PENDING, A.BOOKED, A.WAITLIST, A.CANCELLED),
    A.PENDING: (A.BOOKED, A.WAITLIST, A.CANCELLED),
    A.WAITLIST: (A.PROPOSED, A.PENDING, A.BOOKED, A.CANCELLED),
    A.BOOKED: (A.CHECKED_IN, A.ARRIVED, A.FULFILLED, A.CANCELLED, A.NOSHOW),
    A.CHECKED_IN: (A.ARRIVED, A.FULFILLED, A.CANCELLED),
    A.ARRIVED: (A.FULFILLED, A.CANCELLED),
    A.FULFILLED: (),
    A.CANCELLED: (),
    A.NOSHOW: (),
    A.ENTERED_IN_ERROR: (),
}

# The path a coordinator's one-key "done" walks from each open Task status.
TASK_PATH_TO_COMPLETED: Mapping[str, tuple[str, ...]] = {
    T.DRAFT: (T.REQUESTED, T.READY, T.IN_PROGRESS, T.COMPLETED),
    T.REQUESTED: (T.READY, T.IN_PROGRESS, T.COMPLETED),
    T.RECEIVED: (T.ACCEPTED, T.IN_PROGRESS, T.COMPLETED),
    T.ACCEPTED: (T.IN_PROGRESS, T.COMPLETED),
    T.READY: (T.IN_PROGRESS, T.COMPLETED),
    T.IN_PROGRESS: (T.COMPLETED,),
    T.ON_HOLD: (T.IN_PROGRESS, T.COMPLETED),
}


def _check(table: Mapping[str, tuple[str, ...]], entity: str, current: str, requested: str) -> None:
    allowed = table.get(current)
    if allowed is None:
        raise IllegalTransition(entity, current, requested, [])
    if requested not in allowed:
        raise IllegalTransition(entity, current, requested, [str(s) for s in allowed])


def check_task_transition(current: str, requested: str) -> None:
    _check(TASK_TRANSITIONS, "Plan step (Task)", current, requested)


def check_appointment_transition(current: str, requested: str) -> None:
    _check(APPOINTMENT_TRANSITIONS, "Appointment", current, requested)


def task_path_to(current: str, target: str) -> tuple[str, ...]:
    """The shortest walk along the Task state machine from `current` to `target` (each hop a
    legal FHIR transition), so "on hold" is one choice for a coordinator, not three."""
    if target == current:
        return ()
    paths: dict[str, tuple[str, ...]] = {current: ()}
    frontier = [current]
    while frontier:
        nxt = []
        for status in frontier:
            for step in TASK_TRANSITIONS.get(status, ()):
                if step not in paths:
                    paths[step] = (*paths[status], step)
                    if step == target:
                        return paths[step]
                    nxt.append(step)
        frontier = nxt
    allowed = sorted(s for s in paths if s != current)
    raise IllegalTransition("Plan step (Task)", current, target, allowed)


def task_reachable(current: str) -> list[str]:
    """Every status a step can be moved to from `current`, nearest first."""
    seen = [current]
    for status in seen:
        seen.extend(s for s in TASK_TRANSITIONS.get(status, ()) if s not in seen)
    return [str(s) for s in seen[1:]]


def task_path_to_completed(current: str) -> tuple[str, ...]:
    path = TASK_PATH_TO_COMPLETED.get(current)
    if path is None:
        raise IllegalTransition("Plan step (Task)", current, T.COMPLETED, [])
    return path

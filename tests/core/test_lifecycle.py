"""Task and Appointment transitions follow the FHIR R4 lifecycles; every illegal one is refused."""

from __future__ import annotations

import itertools

import pytest

from pcc_tui.core.domain.codes import AppointmentStatus, TaskStatus
from pcc_tui.core.domain.lifecycle import (
    APPOINTMENT_TRANSITIONS,
    TASK_TRANSITIONS,
    check_appointment_transition,
    check_task_transition,
    task_path_to_completed,
)
from pcc_tui.core.errors import IllegalTransition

TASK_PAIRS = list(itertools.product(list(TaskStatus), repeat=2))
APPT_PAIRS = list(itertools.product(list(AppointmentStatus), repeat=2))


def test_tables_cover_every_status() -> None:
    assert set(TASK_TRANSITIONS) == set(TaskStatus)
    assert set(APPOINTMENT_TRANSITIONS) == set(AppointmentStatus)


@pytest.mark.parametrize(("current", "requested"), TASK_PAIRS)
def test_task_transition(current: TaskStatus, requested: TaskStatus) -> None:
    if requested in TASK_TRANSITIONS[current]:
        check_task_transition(current, requested)
    else:
        with pytest.raises(IllegalTransition) as err:
            check_task_transition(current, requested)
        assert err.value.allowed == [str(s) for s in TASK_TRANSITIONS[current]]
        assert f"'{current}'" in str(err.value) and f"'{requested}'" in str(err.value)


@pytest.mark.parametrize(("current", "requested"), APPT_PAIRS)
def test_appointment_transition(current: AppointmentStatus, requested: AppointmentStatus) -> None:
    if requested in APPOINTMENT_TRANSITIONS[current]:
        check_appointment_transition(current, requested)
    else:
        with pytest.raises(IllegalTransition, match="allowed from"):
            check_appointment_transition(current, requested)


def test_final_statuses_say_so() -> None:
    with pytest.raises(IllegalTransition, match="none \\(final status\\)"):
        check_task_transition(TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS)


def test_done_path_is_legal_from_every_open_status() -> None:
    for status in TaskStatus:
        if not TASK_TRANSITIONS[status]:
            with pytest.raises(IllegalTransition):
                task_path_to_completed(status)
            continue
        current = status
        for nxt in task_path_to_completed(status):
            check_task_transition(current, nxt)
            current = nxt
        assert current == TaskStatus.COMPLETED


def test_any_reachable_status_is_one_walk_of_legal_transitions() -> None:
    from pcc_tui.core.domain.lifecycle import TASK_TRANSITIONS, task_path_to, task_reachable

    assert task_path_to("requested", "on-hold") == ("accepted", "in-progress", "on-hold")
    for start in TaskStatus:
        for target in task_reachable(start):
            path = task_path_to(start, target)
            assert path[-1] == target
            for a, b in itertools.pairwise((start, *path)):
                assert b in TASK_TRANSITIONS[a]
    with pytest.raises(IllegalTransition):
        task_path_to("completed", "in-progress")

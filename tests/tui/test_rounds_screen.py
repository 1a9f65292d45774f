"""`W`: ward rounds by keyboard on a laptop screen — beds in order, open items, checklist
saved to the chart, quick note and quick task."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.store.tables import NoteRow, PlanStepRow
from pcc_tui.tui.screens.rounds import Checklist, RoundsScreen
from pcc_tui.tui.widgets import KeyTable
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown
from tests.tui.test_actions import type_into


@pytest.mark.parametrize("size", SIZES)
async def test_ward_rounds(ward: Any, size: tuple[int, int]) -> None:
    store, actor = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RoundsScreen) and screen.ward == actor.ward
        beds = screen.query_one("#rounds-beds", KeyTable)
        labels = [str(beds.get_row_at(i)[0]) for i in range(beds.row_count)]
        assert labels == sorted(labels) and beds.row_count > 5  # beds in order
        await pilot.press("j", "j")
        await settle(pilot)
        pid = screen.current_patient()
        assert pid is not None
        assert "Step:" in shown(app) or "No open items." in shown(app)

        checklist = screen.query_one("#rounds-checklist", Checklist)
        await pilot.press("1", "2")  # tick the first two items from the bed list
        await pilot.pause()
        assert checklist.done == ["Pain controlled", "Mobilising as planned"]
        assert "[x] 1 Pain controlled" in shown(app) and "[ ] 3 " in shown(app)
        await pilot.press("s")  # save, and on to the next bed
        await settle(pilot)
        assert "checklist saved: 2 of 5" in shown(app)
        assert screen.current_patient() != pid and checklist.done == []
        await pilot.press("k")  # back to the bed just done: task and note for it
        await settle(pilot)
        assert screen.current_patient() == pid

        await pilot.press("a")
        await pilot.pause()
        await type_into(pilot, "title", "Chase echo report")
        await pilot.press("f2")
        await settle(pilot)
        assert "task 'Chase echo report' added" in shown(app)
        await pilot.press("n")
        await pilot.pause()
        await type_into(pilot, "text", "Seen on rounds, comfortable")
        await pilot.press("f2")
        await settle(pilot)
        assert "note added" in shown(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RoundsScreen)
    with store.reading() as s:
        notes = s.scalars(select(NoteRow.text).where(NoteRow.patient_id == pid)).all()
        task = s.scalars(
            select(PlanStepRow).where(
                PlanStepRow.patient_id == pid, PlanStepRow.title == "Chase echo report"
            )
        ).one()
    assert any(n.startswith("Rounds ") and "done: Pain controlled, Mobilising" in n for n in notes)
    assert "Seen on rounds, comfortable" in notes
    assert task.owner_id == actor.coordinator_id and task.due_by == store.clock.today()
    actions = audit_actions(store)
    assert {"rounds.view", "rounds.checklist", "rounds.quick_task", "note.add"} <= set(actions)

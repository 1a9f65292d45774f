"""Care pathways by keyboard: `p` starts one for the patient in the chart, `A` moves its anchor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from pcc_tui.core.store.tables import CarePlanRow, PlanStepRow
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown
from tests.tui.test_actions import choose, type_into


@pytest.mark.parametrize("size", SIZES)
async def test_start_a_pathway_then_move_its_anchor(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    today = store.clock.today()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        assert "Start a care pathway" in shown(app)
        await choose(pilot, "template", "copd-exacerbation")
        await type_into(pilot, "anchor", "t-1d")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "COPD exacerbation follow-up started, 8 steps from" in shown(app)

        await pilot.press("3")
        await pilot.pause()
        assert app.cockpit.timeline is not None
        copd = [
            e for e in app.cockpit.timeline.entries if e.plan_title == "COPD exacerbation follow-up"
        ]
        assert len(copd) == 8
        # Put the timeline cursor on one of the new plan's steps, then move its anchor.
        target = app.cockpit.timeline.entries.index(copd[0])
        while (entry := app.cockpit.timeline_panel.current_entry()) is not None and (
            app.cockpit.timeline.entries.index(entry) != target
        ):
            await pilot.press("j" if app.cockpit.timeline.entries.index(entry) < target else "k")
        await pilot.press("A")
        await pilot.pause()
        assert "Move the discharge date: COPD exacerbation follow-up" in shown(app)
        await type_into(pilot, "anchor", "bad date")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # refused, and what was typed is kept
        assert app.screen.query_one("#field-anchor", Input).value == "bad date"
        await type_into(pilot, "anchor", "t+2d")
        await pilot.press("f2")
        await settle(pilot)
        assert "discharge date moved to" in shown(app) and "8 unfinished step(s) moved" in shown(
            app
        )

    with store.reading() as s:
        plan = s.scalars(
            select(CarePlanRow).where(
                CarePlanRow.patient_id == pid, CarePlanRow.template == "copd-exacerbation"
            )
        ).one()
        assert plan.anchor_date == today + timedelta(days=2)
        first = s.scalars(
            select(PlanStepRow)
            .where(PlanStepRow.care_plan_id == plan.id)
            .order_by(PlanStepRow.anchor_offset)
        ).first()
        assert first is not None and first.due_by == today + timedelta(days=2 + 2)
    actions = audit_actions(store)
    assert "care_plan.start_pathway" in actions and "care_plan.move_anchor" in actions


async def test_move_anchor_needs_a_pathway_plan(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if app.cockpit.timeline is not None and any(
            e.plan_anchor_date for e in app.cockpit.timeline.entries
        ):
            pytest.fail("the demo ward's plans are not pathway plans; this test needs one")
        await pilot.press("A")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        assert "select a step of a pathway plan" in shown(app)

"""Keys typed ahead in one burst (as they arrive over a slow SSH link) reach the panel or
pane the earlier key chose. The keys are queued at once, as the terminal driver would."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events

from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.screens.rounds import RoundsScreen
from tests.tui.conftest import SIZES, make_app, settle, shown

CHARS = {"space": " ", "down": None}


def burst(app: Any, *keys: str) -> None:
    for key in keys:
        app.post_message(events.Key(key, CHARS.get(key, key)))


@pytest.mark.parametrize("size", SIZES)
async def test_focus_then_act_in_one_burst(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        burst(app, "3", "s")  # the timeline, then "step status" of the timeline's step
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        entry = app.cockpit.timeline_panel.current_entry()
        assert entry is not None and f"Step status: {entry.step.title}" in shown(app)


async def test_rounds_checklist_in_one_burst(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("W")
        await settle(pilot)
        assert isinstance(app.screen, RoundsScreen)
        burst(app, "c", "space", "down", "space", "s")
        await settle(pilot)
        assert "checklist saved: 2 of 5" in shown(app)

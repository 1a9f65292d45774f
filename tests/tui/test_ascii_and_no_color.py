"""`--ascii` draws no non-ASCII character on any screen; NO_COLOR keeps the cursor row, marks
and ticks readable without colour."""

from __future__ import annotations

from typing import Any

import pytest

from pcc_tui.core.domain.read_models import QueueKind
from tests.tui.conftest import SIZES, go_to, make_app, screen_text, settle

WALKS: dict[str, list[str]] = {
    "cockpit": [],
    "timeline": ["3"],
    "coverage": ["4"],
    "form with its list open": ["c", "enter"],
    "log form": ["l"],
    "palette": ["ctrl+p"],
    "help": ["question_mark"],
    "rounds": ["W"],
    "reports": ["o", "enter"],
    "handoffs": ["h"],
    "privacy": ["f12"],
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("walk", list(WALKS))
async def test_ascii_mode_shows_only_ascii(ward: Any, walk: str, size: tuple[int, int]) -> None:
    app = make_app(ward, ascii_only=True)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await go_to(pilot, lambda i: i.kind is QueueKind.APPOINTMENT)
        await pilot.press(*WALKS[walk])
        await settle(pilot)
        await pilot.pause(0.3)
        text = screen_text(app)
        odd = sorted({ch for ch in text if not ch.isascii()})
        assert not odd, f"{walk}: {odd}"


async def test_no_color_marks_the_cursor_row_without_colour(
    ward: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.has_class("no-color")
        table = app.cockpit.queue_panel.focus_target()
        style = table.get_component_styles("datatable--cursor")
        assert style.text_style.reverse  # a reverse bar, whatever the colours
        await pilot.press("W")
        await settle(pilot)
        await pilot.press("1")
        await pilot.pause()
        assert "[x] 1 " in screen_text(app) and "[ ] 2 " in screen_text(app)

"""`o`: reports by keyboard, with the workload sparkline; patient columns masked by policy."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import OptionList, Sparkline

from pcc_tui.core.services.reports import REPORTS
from pcc_tui.tui.screens.reports import ReportsScreen, masked_row
from pcc_tui.tui.widgets import KeyTable
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown


async def run_report(pilot: Any, name: str) -> KeyTable:
    options = pilot.app.screen.query_one("#report-list", OptionList)
    if pilot.app.focused is not options:
        await pilot.press("shift+tab")  # keys only: back from the table to the list
    assert pilot.app.focused is options
    await pilot.press("home", *(["down"] * list(REPORTS).index(name)), "enter")
    await settle(pilot)
    return pilot.app.screen.query_one("#report-table", KeyTable)


@pytest.mark.parametrize("size", SIZES)
async def test_reports_by_keyboard(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        spark = app.screen.query_one("#workload", Sparkline)
        assert len(list(spark.data or [])) == 14
        assert "busiest day" in shown(app)

        table = await run_report(pilot, "caseload")
        assert table.row_count == 3 and "Caseload per coordinator (3)" in str(table.border_title)
        assert "Alex Morgan" in shown(app)

        table = await run_report(pilot, "unconfirmed-tomorrow")
        assert table.row_count > 0
        mrn_cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert all(c.startswith("..") and len(c) == 6 for c in mrn_cells)  # masked by default
        assert "(in chart)" in str(table.get_row_at(0)[3])

        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportsScreen)
    actions = audit_actions(store)
    assert actions.count("report.run") >= 2 and "report.workload" in actions


def test_masking_follows_the_policy() -> None:
    columns = ("MRN", "patient", "phone", "reason")
    row = ("MRN0000123", "Kowalski, A.", "555-1234", "Follow-up")
    assert masked_row(columns, row, "initials-mrn") == ["..0123", "AK", "(in chart)", "Follow-up"]
    assert masked_row(columns, row, "mrn") == ["MRN0000123", "AK", "(in chart)", "Follow-up"]
    assert masked_row(columns, row, "name") == list(row)

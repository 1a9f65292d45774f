"""`i`: give an explanation from the education library; it shows in the chart and is audited."""

from __future__ import annotations

from typing import Any

import pytest

from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown
from tests.tui.test_actions import choose


@pytest.mark.parametrize("size", SIZES)
async def test_give_an_explanation(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen) and "Explain a procedure" in shown(app)
        await choose(pilot, "topic", "inhaler-technique")
        await pilot.press("f2")
        await settle(pilot)
        assert "'Using your inhaler well' explained to the patient" in shown(app)
        assert app.cockpit.chart is not None
        assert [e.topic_id for e in app.cockpit.chart.education] == ["inhaler-technique"]
        await pilot.press("2", "plus")  # the chart, zoomed, scrolled to its end
        await pilot.pause(0.2)
        await pilot.press("end")
        await pilot.pause()
        assert "Education given" in shown(app) and "Using your inhaler well" in shown(app)
    assert "education.given" in audit_actions(store)

"""The first screen: today's queue for the acting coordinator, loaded by a worker."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Static

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, PatientRow
from pcc_tui.tui.app import PccApp
from pcc_tui.tui.messages import QueueLoaded

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES)
async def test_queue_loads_masked_and_audited(
    demo: tuple[Store, Actor], size: tuple[int, int]
) -> None:
    store, actor = demo
    seen: list[QueueLoaded] = []

    def hook(message: object) -> None:
        if isinstance(message, QueueLoaded):
            seen.append(message)

    app = PccApp(store, actor, mouse=False)
    async with app.run_test(size=size, message_hook=hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one("#queue", DataTable)
        assert len(seen) == 1 and table.row_count == len(seen[0].queue.items) > 0
        title = str(app.query_one("#queue-title", Static).render())
        assert "step" in title and "appointment" in title
        with store.reading() as s:
            names = set(s.scalars(select(PatientRow.family_name)))
        cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
        assert not names & set(cells)
        assert not any(n in cell for n in names for cell in cells[3::5])  # the patient column
        assert all(re.fullmatch(r"[A-Z]{2} \.\.\d{4}", cell) for cell in cells[3::5])
        assert app.title == "pcc" and actor.display_name in app.sub_title
        await pilot.press("q")
    assert app.return_code in (0, None)
    with store.reading() as s:
        actions = list(s.scalars(select(AuditEventRow.action)))
    assert actions.count("queue.view") == 1


async def test_screenshot_command_is_gone(demo: tuple[Store, Actor]) -> None:
    store, actor = demo
    app = PccApp(store, actor)
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
        app.action_screenshot()
        assert app.deliver_screenshot() is None

"""A stored row pcc cannot read (an unknown status, a bad date, bad JSON) does not crash the
cockpit, at start or when its patient is opened: the rest of the screen works."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from tests.tui.conftest import make_app, settle, shown

BAD = {  # what is damaged -> what the screen names
    "step status": ("UPDATE plan_step SET status = 'zzz' WHERE patient_id = {pid}", "plan_step #"),
    "birth date": ("UPDATE patient SET birth_date = '1948-13-45' WHERE id = {pid}", "patient #"),
    "flags": ("UPDATE patient SET flags = '{{not json' WHERE id = {pid}", "patient #"),
    "appointment time": (
        "UPDATE appointment SET start = 'soon' WHERE patient_id = {pid}",
        "appointment #",
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
async def test_an_unreadable_row_leaves_the_cockpit_working(
    ward: tuple[Store, Actor], kind: str
) -> None:
    store, actor = ward
    from pcc_tui.core.services.reads import view_queue

    first = view_queue(store, actor).items[0].patient.id
    sql, named = BAD[kind]
    with store.engine.begin() as conn:
        conn.execute(text(sql.format(pid=first)))
    app: Any = make_app(ward)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        seen = shown(app)
        for key in ("j", "k", "2", "3", "4", "1", "R", "g"):
            await pilot.press(key)
            await settle(pilot)
            seen += shown(app)
        assert app.crash is None
        assert named in seen  # named by id where it would have been
        assert "1 Queue" in shown(app) and "What is owed" in shown(app)

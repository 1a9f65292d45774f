"""Hand over by keyboard: alex offers a patient (`H`), sam reads the packet and accepts (`h`,
`a`); a declined offer needs a reason."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.services.context import resolve_actor
from pcc_tui.core.store.tables import HandoffRow, PatientRow
from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.screens.handoffs import HandoffsScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown
from tests.tui.test_actions import choose, type_into


async def offer(ward: Any, size: tuple[int, int], to: str) -> int:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen) and "Hand over" in shown(app)
        await choose(pilot, "to", to)
        await type_into(pilot, "reason", "annual leave")
        await pilot.press("f2")
        await settle(pilot)
        assert "it changes hands when they accept" in shown(app)
    return pid


@pytest.mark.parametrize("size", SIZES)
async def test_offer_then_accept(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    pid = await offer(ward, size, "sam")
    sam = make_app((store, resolve_actor(store, "sam")))
    async with sam.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(sam.screen, HandoffsScreen)
        assert "Handoffs offered to you (1)" in shown(sam)
        assert "From Alex Morgan to Sam Okafor: annual leave" in shown(sam)
        assert "- Step:" in shown(sam)  # the packet lists the patient's open steps
        await pilot.press("a")
        await settle(pilot)
        assert "handoff accepted" in shown(sam) and "Handoffs offered to you (0)" in shown(sam)
    with store.reading() as s:
        patient = s.get(PatientRow, pid)
        assert (
            patient is not None
            and patient.coordinator_id == resolve_actor(store, "sam").coordinator_id
        )
    actions = audit_actions(store)
    assert "handoff.offer" in actions and "handoff.accept" in actions


async def test_decline_needs_a_reason(ward: Any) -> None:
    store, _ = ward
    await offer(ward, (80, 24), "sam")
    sam = make_app((store, resolve_actor(store, "sam")))
    async with sam.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert "required" in shown(sam)
        await type_into(pilot, "why", "on leave myself")
        await pilot.press("f2")
        await settle(pilot)
        assert "handoff declined" in shown(sam)
    with store.reading() as s:
        [row] = s.scalars(select(HandoffRow)).all()
    assert (row.status, row.decline_reason) == ("rejected", "on leave myself")

"""Appointments by keyboard: a missed confirmation call (`c`), booking (`b`) with a clash
refused and nothing lost, and the visit statuses (`f`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.store.tables import AppointmentRow, CommunicationRow
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, go_to, make_app, settle, shown
from tests.tui.test_actions import choose, type_into, unconfirmed


@pytest.mark.parametrize("size", SIZES)
async def test_a_missed_confirmation_call_is_logged(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, unconfirmed)
        await pilot.press("c")
        await pilot.pause()
        await choose(pilot, "outcome", "voicemail")
        await type_into(pilot, "next_attempt_due", "now+2h")
        await pilot.press("f2")
        await settle(pilot)
        assert "voicemail logged, not confirmed yet" in shown(app)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.patient_status == "needs-action"
        last = s.scalars(select(CommunicationRow).order_by(CommunicationRow.id.desc())).first()
        assert last is not None and last.patient_id == item.patient.id
        assert last.outcome == "voicemail" and last.next_attempt_due is not None
    assert "appointment.confirm_attempt" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_book_then_a_clash_is_refused(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        for attempt in range(2):
            await pilot.press("b")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            await type_into(pilot, "start", "t+9d 7:15")
            await type_into(pilot, "location", "Clinic B")
            await type_into(pilot, "reason", "Wound check")
            await pilot.press("f2")
            await settle(pilot)
            if attempt == 0:
                assert "booked Thu 19 Mar 07:15" in shown(app)
        # The second booking clashes: refused with the clash named, and the form keeps input.
        assert isinstance(app.screen, FormScreen)
        assert "the patient already has an appointment" in shown(app)  # in words, no id
        assert app.screen.query_one("#field-location", Input).value == "Clinic B"
        await pilot.press("escape")
        await pilot.pause()
    with store.reading() as s:
        booked = s.scalars(
            select(AppointmentRow).where(
                AppointmentRow.patient_id == pid, AppointmentRow.reason == "Wound check"
            )
        ).all()
    assert len(booked) == 1 and booked[0].location == "Clinic B"


@pytest.mark.parametrize("size", SIZES)
async def test_visit_status_by_key(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.APPOINTMENT)
        await pilot.press("f")
        await pilot.pause()
        await choose(pilot, "status", "fulfilled")
        await pilot.press("f2")
        await settle(pilot)
        assert "now fulfilled" in shown(app)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.status == "fulfilled"
    assert "appointment.fulfilled" in audit_actions(store)

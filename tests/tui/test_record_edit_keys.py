"""Editing the record by keys only, at 80x24 and 160x48: `e` on the chart opens the
demographics prefilled, a bad phone is refused at its field, only changed fields are saved
(in E.164), `E` shows who changed what and the old value, and a change made meanwhile by
someone else opens the conflict view instead of overwriting it."""

from __future__ import annotations

from typing import Any

import pytest

from pcc_tui.core.services.patients import update_patient
from pcc_tui.core.store.tables import PatientRow
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.screens.history import HistoryScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown


async def _edit(pilot: Any) -> FormScreen:
    await pilot.press("2", "e")  # the chart, then edit
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormScreen), shown(pilot.app)
    assert "Edit the record" in shown(pilot.app)
    return pilot.app.screen


def _patient(ward: Any, pid: int) -> PatientRow:
    store, _actor = ward
    with store.reading() as s:
        row = s.get(PatientRow, pid)
    assert row is not None
    return row


@pytest.mark.parametrize("size", SIZES)
async def test_correct_a_phone_number_and_see_the_old_one_in_the_history(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        old = _patient(ward, pid).phone
        form = await _edit(pilot)
        assert form.query_one("#field-family_name").value == _patient(ward, pid).family_name  # type: ignore[attr-defined]
        for _ in range(4):  # to the phone field
            await pilot.press("tab")
        assert app.focused is form.query_one("#field-phone")
        await pilot.press("ctrl+u", *"555", "f2")  # too few digits
        await settle(pilot)
        assert isinstance(app.screen, FormScreen) and "Phone: the wrong number of digits" in shown(
            app
        )
        await pilot.press("ctrl+u", *"(202) 555-0199", "f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen), shown(app)
        assert any("phone changed" in n for n in app.notices)
        assert "(202) 555-0199" in shown(app)  # the chart shows it in the one format
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        text = shown(app)
        assert "record changed: phone" in text and f"phone was {old}" in text
        await pilot.press("escape")
        await settle(pilot)
    row = _patient(ward, pid)
    assert row.phone == "+12025550199" and row.version == 2
    assert audit_actions(ward[0]).count("patient.update") == 1
    assert "patient.history" in audit_actions(ward[0])


async def test_a_change_made_meanwhile_opens_the_conflict_view(ward: Any) -> None:
    store, actor = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        await _edit(pilot)
        update_patient(store, actor, pid, 1, {"address": "1 Other Rd"})  # another session
        await pilot.press("tab", "ctrl+u", *"Renamed", "f2")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen), shown(app)
        await pilot.press("r")  # re-apply mine on top of theirs
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen | ConflictScreen), shown(app)
    row = _patient(ward, pid)
    assert (row.given_name, row.address, row.version) == ("Renamed", "1 Other Rd", 3)

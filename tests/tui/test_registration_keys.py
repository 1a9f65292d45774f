"""Registering a patient (`N`) by keys only, at 80x24 and 160x48: Tab visits every field,
a bad phone is refused beside its field with everything typed kept, a lookalike of a
registered patient is offered first (Enter opens them, nothing is saved), `n` registers
anyway, and a new patient's chart opens with the intake call in the queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from pcc_tui.core.store.tables import PatientRow
from pcc_tui.tui.screens.duplicates import DuplicatesScreen
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown


def _count(ward: Any) -> int:
    store, _actor = ward
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(PatientRow)) or 0)


def _existing(ward: Any) -> PatientRow:
    store, actor = ward
    with store.reading() as s:
        row = s.scalar(
            select(PatientRow)
            .where(PatientRow.coordinator_id == actor.coordinator_id)
            .order_by(PatientRow.id)
        )
    assert row is not None
    return row


async def _open(pilot: Any) -> FormScreen:
    await pilot.press("N")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormScreen), shown(pilot.app)
    return pilot.app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_tab_visits_every_field_and_an_empty_save_names_the_required(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        form = await _open(pilot)
        ids = [w.id for w in form.field_widgets()]
        seen = [app.focused.id if app.focused else None]
        for _ in range(len(ids) - 1):
            await pilot.press("tab")
            seen.append(app.focused.id if app.focused else None)
        assert seen == ids == [f"field-{f.name}" for f in form.fields]
        await pilot.press("f2")
        await settle(pilot)
        text = shown(app)
        assert "Please correct" in text and "Family name: required" in text
        assert app.focused is form.query_one("#field-family_name")


@pytest.mark.parametrize("size", SIZES)
async def test_a_bad_phone_is_refused_at_its_field_and_nothing_typed_is_lost(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    before = _count(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        form = await _open(pilot)
        await pilot.press(*"Quill", "tab", *"Ivo", "tab", *"1937-11-05", "tab", "m", "tab")
        await pilot.press(*"12")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen) and "Phone: the wrong number of digits" in shown(
            app
        )
        assert form.query_one("#field-family_name").value == "Quill"  # type: ignore[attr-defined]
        assert app.focused is form.query_one("#field-phone")
        await pilot.press("backspace", "backspace", *"+44 20 7946 0018", "f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen), shown(app)
        assert any("Registered Ivo Quill as PCC000001" in n for n in app.notices)
        assert app.cockpit.patient_id is not None and "Quill" in shown(app)  # the chart is open
    assert _count(ward) == before + 1


@pytest.mark.parametrize("size", SIZES)
async def test_a_lookalike_is_offered_and_enter_opens_the_existing_record(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    twin = _existing(ward)
    before = _count(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await _open(pilot)
        typo = twin.family_name[:-1]  # one letter short
        await pilot.press(*typo, "tab", *twin.given_name, "tab", *twin.birth_date.isoformat())
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen), shown(app)
        text = shown(app)
        assert f"MRN {twin.mrn}" in text and twin.birth_date.isoformat() in text
        await pilot.press("enter")  # the default: open the existing record
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen | DuplicatesScreen)
        assert app.cockpit.patient_id == twin.id
    assert _count(ward) == before  # nothing registered
    assert "patient.register" not in audit_actions(ward[0])


async def test_n_registers_the_lookalike_anyway_and_esc_goes_back_to_the_form(ward: Any) -> None:
    app = make_app(ward)
    twin = _existing(ward)
    before = _count(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await _open(pilot)
        await pilot.press(*twin.family_name, "tab", *twin.given_name, "tab")
        await pilot.press(*twin.birth_date.isoformat(), "f2")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form and "check the details, then F2" in shown(app)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen | DuplicatesScreen), shown(app)
    assert _count(ward) == before + 1

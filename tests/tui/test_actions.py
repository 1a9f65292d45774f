"""Every cockpit action by keyboard, at 80x24 and 160x48: the screen, the database effect
and the audit row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, Select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    CommunicationRow,
    EligibilityCheckRow,
    NoteRow,
    PlanStepRow,
    PriorAuthorizationRow,
)
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, go_to, make_app, settle, shown


def is_kind(kind: QueueKind) -> Any:
    return lambda item: item.kind is kind


def unconfirmed(item: Any) -> bool:
    return item.kind is QueueKind.APPOINTMENT and "confirm" in item.title


async def tab_to(pilot: Any, field: str) -> None:
    """Tab (keys only) until the form's field has the focus."""
    for _ in range(40):
        focused = pilot.app.focused
        if focused is not None and focused.id == f"field-{field}":
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached field {field!r}")


async def type_into(pilot: Any, field: str, text: str) -> None:
    """Tab to the field, clear it with keys, type."""
    await tab_to(pilot, field)
    if isinstance(pilot.app.focused, Input):
        await pilot.press("end", "ctrl+u")
    await pilot.press(*list(text))


async def choose(pilot: Any, field: str, value: str) -> None:
    """Pick an option of a Select by keyboard: Tab to it, Enter opens, walk, Enter."""
    await tab_to(pilot, field)
    select_widget = pilot.app.screen.query_one(f"#field-{field}", Select)
    await pilot.press("enter")
    options = [v for _label, v in select_widget._options if v is not Select.NULL]
    await pilot.press("home")
    if select_widget._allow_blank:
        await pilot.press("down")
    for _ in range(options.index(value)):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
    assert select_widget.value == value


def last_audit(store: Store) -> AuditEventRow:
    with store.reading() as s:
        row = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc()).limit(1)).one()
        return row


@pytest.mark.parametrize("size", SIZES)
async def test_confirm_appointment(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, unconfirmed)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        assert "Confirm:" in shown(app)
        await choose(pilot, "method", "sms")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "confirmed by sms" in shown(app)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and (row.patient_status, row.confirmation_method) == (
            "accepted",
            "sms",
        )
    ev = last_audit(store) if last_audit(store).action == "appointment.confirm" else None
    assert "appointment.confirm" in audit_actions(store)
    assert ev is None or ev.entity_id == item.entity_id


@pytest.mark.parametrize("size", SIZES)
async def test_reschedule_keeps_input_on_error_then_saves(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, is_kind(QueueKind.APPOINTMENT))
        await pilot.press("r")
        await pilot.pause()
        await type_into(pilot, "start", "soon")
        await pilot.press("f2")
        await pilot.pause()
        text = shown(app)
        assert "not a date" in text and isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#field-start", Input).value == "soon"  # nothing lost
        assert app.focused is app.screen.query_one("#field-start", Input)
        await type_into(pilot, "start", "t+2d 10:30")
        await pilot.pause()
        assert "Thu 12 Mar 2026 10:30" in shown(app)  # resolved beside the field
        await pilot.press("f2")
        await settle(pilot)
        assert "moved to Thu 12 Mar 10:30" in shown(app)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.start.hour == 10 and row.start.day == 12
        assert row.patient_status == "needs-action"
    assert "appointment.reschedule" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_cancel_defaults_to_no(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, is_kind(QueueKind.APPOINTMENT))
        await pilot.press("x")
        await pilot.pause()
        await choose(pilot, "status", "noshow")
        await type_into(pilot, "reason", "did not attend")
        await pilot.press("f2")
        await settle(pilot)
        assert "Cancel " in shown(app) and "(the default)" in shown(app)  # asked, No first
        await pilot.press("enter")  # No
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)  # back in the form, nothing lost
        with store.reading() as s:
            row = s.get(AppointmentRow, item.entity_id)
            assert row is not None and row.status == "booked"
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "marked no-show" in shown(app)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and (row.status, row.cancel_reason) == ("noshow", "did not attend")
    assert "appointment.noshow" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_complete_step_then_undo(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, is_kind(QueueKind.STEP))
        await pilot.press("d")
        await settle(pilot)
        assert f"completed step '{item.title}'" in shown(app)
        with store.reading() as s:
            row = s.get(PlanStepRow, item.entity_id)
            assert row is not None and row.status == "completed"
        assert audit_actions(store).count("plan_step.complete") == 1
        await pilot.press("z")
        await settle(pilot)
        assert "Undone: step completed for" in shown(app)
    with store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.status != "completed"
    assert "undo" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_set_step_status_from_the_timeline(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        assert app.cockpit.focused_panel() == "timeline"
        entry = app.cockpit.timeline_panel.current_entry()
        assert entry is not None and not entry.finished
        await pilot.press("s")
        await pilot.pause()
        await type_into(pilot, "business_status", "awaiting records")
        await pilot.press("f2")
        await settle(pilot)
        assert f"step updated: '{entry.step.title}'" in shown(app)
        if size[0] >= 120:
            await pilot.press("plus")  # zoomed, the timeline has the whole width
            await pilot.pause(0.2)
            assert app.screen.maximized is app.cockpit.timeline_panel
            assert "(awaiting records)" in shown(app)
            await pilot.press("plus")
            await pilot.pause(0.2)
            assert app.screen.maximized is None
    with store.reading() as s:
        row = s.get(PlanStepRow, entry.step.id)
        assert row is not None and row.business_status == "awaiting records"
    assert "plan_step.status" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_note_validation_then_save(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert "required" in shown(app)
        await type_into(pilot, "text", "Daughter will bring the meds list")
        await pilot.press("f2")
        await settle(pilot)
        assert "note added" in shown(app)
    with store.reading() as s:
        note = s.scalars(
            select(NoteRow).where(NoteRow.patient_id == pid).order_by(NoteRow.id.desc())
        ).first()
        assert note is not None and note.text == "Daughter will bring the meds list"
    assert "note.add" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_log_communication_closes_the_callback(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, is_kind(QueueKind.CALLBACK))
        await pilot.press("l")
        await pilot.pause()
        assert "Log a call or message" in shown(app)
        await choose(pilot, "outcome", "reached")
        await type_into(pilot, "note", "all fine")
        await pilot.press("f2")
        await settle(pilot)
        assert "logged; callback closed" in shown(app)
    with store.reading() as s:
        owed = s.get(CommunicationRow, item.entity_id)
        assert owed is not None and owed.next_attempt_due is None
        n = s.scalar(
            select(func.count())
            .select_from(CommunicationRow)
            .where(CommunicationRow.note == "all fine")
        )
        assert n == 1
    assert "communication.log" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_eligibility_check(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause()
        await choose(pilot, "result", "not-eligible")
        await type_into(pilot, "note", "ref 42")
        await pilot.press("f2")
        await settle(pilot)
        assert "checked, not eligible" in shown(app)
    with store.reading() as s:
        check = s.scalars(
            select(EligibilityCheckRow).where(EligibilityCheckRow.note == "ref 42")
        ).one()
        assert check.result == "not-eligible" and check.checked_by == "alex"
    assert "eligibility.check" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_prior_auth_request_and_decision(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, is_kind(QueueKind.AUTH))
        await pilot.press("a")
        await pilot.pause()
        assert "Prior auth decision:" in shown(app)
        await choose(pilot, "decision", "approved")
        await type_into(pilot, "auth_number", "PA-77")
        await type_into(pilot, "units_approved", "6")
        await type_into(pilot, "valid_to", "t+3m")
        await pilot.press("f2")
        await settle(pilot)
        assert "prior auth approved, 6 units" in shown(app)
        with store.reading() as s:
            row = s.get(PriorAuthorizationRow, item.entity_id)
            assert row is not None and (row.decision, row.units_approved, row.auth_number) == (
                "approved",
                6,
                "PA-77",
            )
        await go_to(pilot, is_kind(QueueKind.STEP))
        await pilot.press("a")
        await pilot.pause()
        await type_into(pilot, "service", "Overnight sleep study")
        await choose(pilot, "expedited", "yes")
        await pilot.press("f2")
        await settle(pilot)
        assert "prior auth for Overnight sleep study requested" in shown(app)
    with store.reading() as s:
        req = s.scalars(
            select(PriorAuthorizationRow).where(
                PriorAuthorizationRow.service == "Overnight sleep study"
            )
        ).one()
        assert req.expedited and req.decision == "pended"
    actions = audit_actions(store)
    assert "prior_auth.decide" in actions and "prior_auth.request" in actions


@pytest.mark.parametrize("size", SIZES)
async def test_mark_rows_and_complete_in_bulk(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("slash", *list("step"), "enter")
        await settle(pilot)
        steps = [app.cockpit.queue_panel.items[k] for k in list(app.cockpit.queue_panel.items)]
        table = app.cockpit.queue_panel.focus_target()
        await pilot.press("g")
        chosen = []
        for _ in range(2):
            chosen.append(app.cockpit.queue_panel.current_item())
            await pilot.press("space")
        assert len(app.cockpit.queue_panel.marked) == 2
        await pilot.press("d")
        await settle(pilot)
        assert "Completed 2 steps" in shown(app)
        assert table.row_count >= 0 and steps
    with store.reading() as s:
        for item in chosen:
            assert item is not None
            row = s.get(PlanStepRow, item.entity_id)
            assert row is not None and row.status == "completed"
    details = []
    with store.reading() as s:
        for d in s.scalars(
            select(AuditEventRow.detail).where(AuditEventRow.action == "plan_step.complete")
        ):
            details.append(json.loads(d))
    assert len(details) == 2

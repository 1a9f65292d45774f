"""The job as coordinators do it, by keys only: a past time needs "past visit", a contact
the patient objected to needs an explicit override, undo of a change not on screen asks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.tables import AppointmentRow, CommunicationRow, PlanStepRow
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import audit_actions, go_to, make_app, settle, shown
from tests.tui.test_actions import choose, type_into


async def test_reschedule_to_the_past_needs_past_visit(ward: Any) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.APPOINTMENT)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"t-30d 9")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen) and "that time has passed" in shown(app)
        await choose(pilot, "past", "yes")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    with store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.start < store.clock.now()


async def test_a_call_to_an_objecting_contact_needs_an_override(ward: Any) -> None:
    store, actor = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.cockpit.queue_panel
        assert queue.queue is not None
        target = None
        for item in queue.queue.items:
            chart = view_chart(store, actor, item.patient.id)
            objecting = [c for c in chart.contacts if c.consent.value == "objected"]
            if objecting:
                target, contact = item, objecting[0]
                break
        assert target is not None, "the demo ward has a contact the patient objected to"
        await go_to(pilot, lambda i: i == target)
        await pilot.press("l")
        await settle(pilot)
        assert "OBJECTED" in shown(app)
        await choose(pilot, "who", str(contact.id))
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert "shares nothing with them: Yes overrides" in shown(app)  # the default is No
        await choose(pilot, "override", "yes")
        await type_into(pilot, "override_reason", "safeguarding duty")
        await pilot.press("f2")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    with store.reading() as s:
        comm = s.scalars(select(CommunicationRow).order_by(CommunicationRow.id.desc())).first()
    assert comm is not None and comm.contact_id == contact.id
    assert comm.override_reason == "safeguarding duty"


async def test_undo_of_a_change_not_on_screen_asks_first(ward: Any) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        done = await go_to(pilot, lambda i: i.kind is QueueKind.STEP and "waiting" not in i.title)
        await pilot.press("d")
        await settle(pilot)
        await go_to(pilot, lambda i: i.patient.id != done.patient.id)
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        assert "Undo: step completed for" in shown(app) and "not on screen" in shown(app)
        await pilot.press("enter")  # No, the default
        await settle(pilot)
        with store.reading() as s:
            row = s.get(PlanStepRow, done.entity_id)
            assert row is not None and row.status == "completed"
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "Undone: step completed for" in shown(app)
    with store.reading() as s:
        row = s.get(PlanStepRow, done.entity_id)
        assert row is not None and row.status != "completed"
    assert audit_actions(store).count("undo") == 1


async def test_details_follow_the_cursor_after_scope_and_filter(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e", "slash", *"refer", "enter")  # in one go, as typed
        await settle(pilot)
        cockpit = app.cockpit
        item = cockpit.queue_panel.current_item()
        assert item is not None and item.kind is QueueKind.REFERRAL
        assert cockpit.chart is not None and cockpit.chart.patient.id == item.patient.id
        assert cockpit.timeline is not None and cockpit.timeline.patient_id == item.patient.id
        await pilot.press("slash", *"zzzz-nobody", "enter")
        await settle(pilot)
        assert cockpit.queue_panel.current_item() is None
        assert cockpit.chart is None and "No patient" in shown(app)


async def test_a_new_patient_shows_from_the_banner(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2", "G")  # the chart, scrolled to its end
        await pilot.pause(0.2)
        scroll = app.cockpit.chart_panel.focus_target()
        assert scroll.scroll_y > 0
        await pilot.press("1", "j", "j")
        await settle(pilot)
        assert scroll.scroll_y == 0  # the next patient starts at the name
        chart = app.cockpit.chart
        assert chart is not None and chart.patient.family_name.upper() in shown(app)


async def test_a_step_that_waits_says_on_what_in_words(ward: Any) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.STEP and "waiting" in i.title)
        await pilot.press("d")
        await settle(pilot)
        text = shown(app)
        assert "waits on '" in text and "complete that first" in text
        assert f"step {item.entity_id}" not in text  # no internal ids
    with store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.status != "completed"

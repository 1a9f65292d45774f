"""Layout, navigation, filter, palette, help, privacy, keymap, conflicts and errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import plans
from pcc_tui.core.store.tables import PatientRow, PlanStepRow
from pcc_tui.tui.cockpit.live import HEARTBEAT
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.screens.help import HelpScreen
from pcc_tui.tui.screens.privacy import PrivacyScreen
from pcc_tui.tui.session import IDLE_CHECK
from tests.tui.conftest import (
    SIZES,
    audit_actions,
    go_to,
    make_app,
    screen_text,
    settle,
    shown,
)
from tests.tui.test_actions import type_into


def visible(app: Any, panel: str) -> bool:
    return bool(app.query_one(f"#{panel}").display) and app.query_one(f"#{panel}").region.area > 0


async def test_wide_layout_shows_all_four_panels(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for title in ("1 Queue", "2 Chart", "3 Timeline", "4 Coverage"):
            assert title in text
        assert all(visible(app, p) for p in ("queue", "chart", "timeline", "coverage"))
        regions = [
            app.query_one(f"#{p}").region for p in ("queue", "chart", "timeline", "coverage")
        ]
        for i, a in enumerate(regions):  # nothing overlaps, nothing leaves the screen
            assert a.right <= 160 and a.bottom <= 47
            for b in regions[i + 1 :]:
                assert not a.overlaps(b)


async def test_narrow_layout_switches_detail_panels_and_reflows(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert visible(app, "queue") and visible(app, "chart")
        assert not visible(app, "timeline") and not visible(app, "coverage")
        await pilot.press("3")
        await pilot.pause()
        assert visible(app, "timeline") and not visible(app, "chart")
        assert "3 Timeline" in screen_text(app)
        await pilot.press("4")
        await pilot.pause()
        assert visible(app, "coverage") and "4 Coverage" in screen_text(app)
        await pilot.press("2")
        await pilot.pause()
        assert visible(app, "chart")
        queue, chart = app.query_one("#queue").region, app.query_one("#chart").region
        assert not queue.overlaps(chart) and chart.bottom <= 23
        await pilot.resize_terminal(160, 48)
        await pilot.pause(0.2)
        assert all(visible(app, p) for p in ("queue", "chart", "timeline", "coverage"))
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert not visible(app, "timeline")


@pytest.mark.parametrize("size", SIZES)
async def test_zoom_and_escape(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("plus")
        await pilot.pause(0.2)
        assert app.screen.maximized is app.cockpit.queue_panel
        assert "2 Chart" not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.screen.maximized is None and "2 Chart" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_cursor_loads_the_patient_everywhere(ward: Any, size: tuple[int, int]) -> None:
    _store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.CALLBACK)
        assert app.cockpit.patient_id == item.patient.id
        assert app.cockpit.chart is not None and app.cockpit.chart.patient.id == item.patient.id
        assert (
            app.cockpit.timeline is not None and app.cockpit.timeline.patient_id == item.patient.id
        )
        assert (
            app.cockpit.coverage is not None and app.cockpit.coverage.patient_id == item.patient.id
        )
        assert item.patient.family_name.upper() in screen_text(app)


async def test_a_move_opens_its_patient_at_once_and_a_held_key_only_where_it_stops(
    ward: Any,
) -> None:
    """One j: the next patient opens as the key is handled, not after the debounce. Ten j in
    a row (a held key): the first opens at once, the rest only restart the timer, and the
    patient the cursor stops on opens once it settles: two chart views audited, not ten."""
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = app.cockpit.patient_id
        await pilot.press("j")
        moved_to = app.cockpit.queue_panel.current_patient_id()
        assert moved_to is not None and moved_to != first
        assert app.cockpit.patient_id == moved_to  # opening, the timer still to run
        assert app.cockpit._debounce is not None
        await settle(pilot)
        assert app.cockpit.chart is not None and app.cockpit.chart.patient.id == moved_to
        await pilot.pause(0.5)  # a pause: the next j is a new move, not a held key
        views = audit_actions(store).count("patient.chart.view")
        await pilot.press(*["j"] * 10)
        await settle(pilot)
        stop = app.cockpit.queue_panel.current_patient_id()
        assert app.cockpit.chart is not None and app.cockpit.chart.patient.id == stop
        assert audit_actions(store).count("patient.chart.view") - views <= 2


@pytest.mark.parametrize("size", SIZES)
async def test_filter_by_kind_and_text_then_escape(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        total = app.cockpit.queue_panel.focus_target().row_count
        await pilot.press("slash", *list("call"), "enter")
        await pilot.pause()
        table = app.cockpit.queue_panel.focus_target()
        kinds = {app.cockpit.queue_panel.items[str(k.value)].kind for k in table.rows}
        assert kinds == {QueueKind.CALLBACK} and table.row_count < total
        assert "/call" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == total


@pytest.mark.parametrize("size", SIZES)
async def test_scopes(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        mine = sum(app.cockpit.queue_panel.queue.counts.values())  # type: ignore[union-attr]
        await pilot.press("e")
        await settle(pilot)
        assert "everyone" in screen_text(app)
        everyone = sum(app.cockpit.queue_panel.queue.counts.values())  # type: ignore[union-attr]
        assert everyone > mine
        await pilot.press("w")
        await settle(pilot)
        assert "my ward" in screen_text(app)
        assert {i.patient.ward for i in app.cockpit.queue_panel.queue.items} == {"4 North"}  # type: ignore[union-attr]


@pytest.mark.parametrize("size", SIZES)
async def test_palette_goes_to_a_patient_by_fuzzy_name(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    with store.reading() as s:
        patient = s.scalars(select(PatientRow).where(PatientRow.id == 33)).one()
    typo = (
        patient.family_name[:2]
        + patient.family_name[3]
        + patient.family_name[2]
        + patient.family_name[4:]
    )
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press(*list(typo.lower()))
        await pilot.pause(0.5)
        await settle(pilot)  # the search workers (the change feed runs on)
        await pilot.pause(0.5)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.cockpit.patient_id == patient.id
        assert patient.family_name.upper() in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_help_lists_pcc_keys_by_task_with_the_key_in_force(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward, keymap={"complete-step": "D"})
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        groups = dict(app.screen.groups)
        assert list(groups)[:2] == ["Appointments", "Plan steps"]  # by task, not by id
        ids = {row[2] for rows in groups.values() for row in rows}
        assert {"complete-step", "confirm-appointment", "queue-filter", "undo", "privacy"} <= ids
        assert ("D", "Complete the step (marked rows: all)", "complete-step") in groups[
            "Plan steps"
        ]
        text = screen_text(app)
        assert "[keymap]" in text  # not eaten as markup
        assert "focus_next" not in text and "screen.copy_text" not in text  # no internals
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_privacy_key_blanks_the_screen(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.cockpit.chart is not None
        name = app.cockpit.chart.patient.family_name.upper()
        assert name in screen_text(app)
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, PrivacyScreen)
        text = screen_text(app)
        assert "Screen hidden" in text and name not in text and "MRN" not in text
        with store.reading() as s:
            names = set(s.scalars(select(PatientRow.family_name)))
        assert not any(n in text or n.upper() in text for n in names)
        await pilot.press("j", "c", "1", "colon", "q", "question_mark")  # only F12 acts here
        await pilot.pause()
        assert isinstance(app.screen, PrivacyScreen)
        await pilot.press("f12")
        await pilot.pause()
        assert name in screen_text(app)


async def test_keymap_rebinds_an_action(ward: Any) -> None:
    store, _ = ward
    app = make_app(ward, keymap={"complete-step": "D"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.STEP)
        await pilot.press("d")
        await settle(pilot)
        with store.reading() as s:
            row = s.get(PlanStepRow, item.entity_id)
            assert row is not None and row.status != "completed"
        await pilot.press("D")
        await settle(pilot)
    with store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.status == "completed"


@pytest.mark.parametrize("size", SIZES)
async def test_conflict_shows_both_and_reapplies(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.STEP)
        await pilot.press("s")
        await pilot.pause()
        await type_into(pilot, "business_status", "mine: faxed")
        # Meanwhile a colleague (a supervisor: the step is outside sam's own ward) changes it.
        from pcc_tui.core.services.context import Actor

        colleague = Actor("sam", 2, "supervisor", "Sam Okafor")
        plans.set_step_status(
            store,
            colleague,
            item.entity_id,
            item.entity_version,
            business_status="theirs: awaiting records",
        )
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        text = screen_text(app)
        assert "theirs: awaiting records" in text and "mine: faxed" in text
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, (ConflictScreen, FormScreen))
    with store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.business_status == "mine: faxed" and row.version == 3


@pytest.mark.parametrize("size", SIZES)
async def test_refused_action_is_a_notification_not_a_crash(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
        timeline = app.cockpit.timeline
        assert timeline is not None
        blocked = next((e for e in timeline.entries if e.blocked_by), None)
        if blocked is None:
            pytest.fail("demo patient should have a blocked step")
        table = app.cockpit.timeline_panel.focus_target()
        await pilot.press("g", *["j"] * table.get_row_index(str(blocked.step.id)))
        assert app.cockpit.timeline_panel.current_step_id() == blocked.step.id
        await pilot.press("d")
        await settle(pilot)
        assert "waits on '" in shown(app) and "complete that first" in shown(app)
        assert f"step {blocked.step.id}" not in shown(app)  # in words, no internal id
        assert app.is_running


async def test_ascii_mode_uses_no_box_drawing(ward: Any) -> None:
    app = make_app(ward, ascii_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screens = ["cockpit"]
        text = screen_text(app)
        # Every screen pushed on top inherits the mode: forms, help, reports, handoffs, rounds.
        for key in ("n", "question_mark", "o", "h", "W"):
            await pilot.press(key)
            await settle(pilot)
            screens.append(type(app.screen).__name__)
            text += screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
        assert screens == [
            "cockpit",
            "FormScreen",
            "HelpScreen",
            "ReportsScreen",
            "HandoffsScreen",
            "RoundsScreen",
        ]
        assert sorted({c for c in text if ord(c) > 127}) == []
        assert "+" in text or "-" in text


def running_timers(app: Any) -> list[str]:
    """Timers that would wake the app up (and repaint) while nobody presses a key. The idle
    lock's check and the presence heartbeat draw nothing (the PTY test counts the bytes)."""
    nodes = [app, app.screen, *app.screen.walk_children()]
    live = []
    for node in nodes:
        for timer in list(node._timers):
            task = timer._task
            quiet = timer.name in (IDLE_CHECK, HEARTBEAT)
            if task is not None and not task.done() and timer._active.is_set() and not quiet:
                live.append(f"{type(node).__name__}:{timer.name}")
    return live


async def test_no_timers_while_idle(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)
        assert running_timers(app) == []
        await pilot.press("j")  # the debounce timer runs once, then stops
        assert running_timers(app) != []
        await settle(pilot)
        assert running_timers(app) == []
        for widget in app.query("Input"):
            assert widget.cursor_blink is False  # type: ignore[attr-defined]
        assert app.animation_level == "none"

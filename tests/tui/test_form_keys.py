"""Every form, by keys only: Tab and shift+Tab visit every field in screen order, an empty
or default submit never crashes, and a key typed right after the one that opened the form
(one burst over a slow link) never moves the form to another patient."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import go_to, make_app, settle, shown

# key -> the queue row it needs (None: any row of a patient)
FORMS: dict[str, QueueKind | None] = {
    "c": QueueKind.APPOINTMENT,
    "r": QueueKind.APPOINTMENT,
    "x": QueueKind.APPOINTMENT,
    "f": QueueKind.APPOINTMENT,
    "b": None,
    "s": QueueKind.STEP,
    "n": None,
    "l": None,
    "i": None,
    "v": None,
    "a": None,
    "t": None,
    "S": None,
    "p": None,
    "H": None,
    "F": None,
    "I": None,
    "T": None,
    "P": None,
}


def _row(kind: QueueKind | None) -> Any:
    return (lambda i: i.kind is kind) if kind else (lambda i: i.kind is QueueKind.STEP)


async def _open(pilot: Any, key: str) -> FormScreen:
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FormScreen), shown(pilot.app)
    return screen


@pytest.mark.parametrize("key", list(FORMS))
async def test_tab_visits_every_field_in_order(ward: Any, key: str) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go_to(pilot, _row(FORMS[key]))
        form = await _open(pilot, key)
        ids = [w.id for w in form.field_widgets()]
        assert ids == [f"field-{f.name}" for f in form.fields]
        seen = [app.focused.id if app.focused else None]
        for _ in range(len(ids) - 1):
            await pilot.press("tab")
            seen.append(app.focused.id if app.focused else None)
        assert seen == ids
        back = []
        for _ in range(len(ids) - 1):
            await pilot.press("shift+tab")
            back.append(app.focused.id if app.focused else None)
        assert back == list(reversed(ids[:-1]))
        assert "Patient: " in shown(app)  # the first line names the patient


@pytest.mark.parametrize("key", list(FORMS))
async def test_empty_or_default_submit_never_crashes(ward: Any, key: str) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go_to(pilot, _row(FORMS[key]))
        await _open(pilot, key)
        await pilot.press("f2")
        await settle(pilot)
        assert app.is_running and app.crash is None
        if isinstance(app.screen, FormScreen):  # refused: the reason is on screen
            assert "Not saved" in shown(app) or "Please correct" in shown(app)
            assert "unexpected" not in shown(app)  # a refusal, not a bug caught


@pytest.mark.parametrize("key", list(FORMS))
async def test_a_key_typed_ahead_keeps_the_form_on_the_row_it_was_pressed_on(
    ward: Any, key: str
) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        item = await go_to(pilot, _row(FORMS[key]))
        for k in (key, "j", "j"):  # in one burst, as the terminal driver queues them
            app.post_message(events.Key(k, k))
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert f"MRN {item.patient.mrn}" in shown(app) or item.patient.mrn in app.screen.patient
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, AskScreen):  # the j's were typed into the first field
            await pilot.press("y")
            await settle(pilot)
        assert not isinstance(app.screen, FormScreen | AskScreen)


async def test_esc_with_typed_input_asks_and_defaults_to_no(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"half a note", "escape")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen) and "Discard what you typed?" in shown(app)
        await pilot.press("enter")  # the default: No
        await pilot.pause()
        assert isinstance(app.screen, FormScreen) and "half a note" in shown(app)
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen | AskScreen)


async def test_a_letter_picks_an_option_and_enter_opens_the_list(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go_to(pilot, lambda i: i.kind is QueueKind.APPOINTMENT)
        form = await _open(pilot, "c")
        outcome = form.query_one("#field-outcome")
        await pilot.press("v")
        assert outcome.value == "voicemail"  # type: ignore[attr-defined]
        assert app.focused is form.query_one("#field-next_attempt_due")  # on to the next field
        await pilot.press("shift+tab", "enter")
        await pilot.pause()
        assert outcome.expanded  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # Esc closed the list, not the form


async def test_tab_moves_between_panes_on_rounds_reports_and_handoffs(ward: Any) -> None:
    app = make_app(ward)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, first, second in (
            ("W", "rounds-beds", "rounds-checklist"),
            ("o", "report-list", "report-table"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert app.focused is not None and app.focused.id == first
            seen = set()
            for _ in range(4):
                await pilot.press("tab")
                seen.add(app.focused.id if app.focused else None)
            assert second in seen
            await pilot.press("shift+tab")
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "handoff-table"
        await pilot.press("tab")
        assert app.focused is not None  # Tab is alive on every pushed screen

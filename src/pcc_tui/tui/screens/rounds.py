"""`W`: ward rounds on a laptop — beds in order, the patient's open items, the rounds
checklist (`space` ticks, `s` saves it to the chart), quick note (`n`) and quick task (`a`).
Every database call runs in a thread worker; handlers alone touch the widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.widgets.option_list import Option

from pcc_tui.core.errors import PccError
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.rounds import (
    RoundsBed,
    quick_task,
    save_rounds_checklist,
    view_open_items,
    view_rounds,
)
from pcc_tui.tui.privacy import mask_patient
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import patient_label
from pcc_tui.tui.widgets import KeyList, KeyTable

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host


class BedsLoaded(Message):
    def __init__(self, beds: list[RoundsBed]) -> None:
        super().__init__()
        self.beds = beds


class ItemsLoaded(Message):
    def __init__(self, patient_id: int, lines: list[str]) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.lines = lines


class RoundsNote(Message):
    def __init__(self, summary: str, error: bool = False) -> None:
        super().__init__()
        self.summary = summary
        self.error = error


class Checklist(KeyList):
    """The rounds checklist: `[x]` ticked, `[ ]` not — the same in ASCII and without colour.
    Space ticks the highlighted item at once (a burst `space down space` ticks two)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Tick", show=False, id="checklist-tick"),
    ]

    def __init__(self, items: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items = items
        self.ticked: set[int] = set()

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        keep = self.highlighted
        self.clear_options()
        self.add_options(
            [
                Option(Text(f"{'[x]' if i in self.ticked else '[ ]'} {i + 1} {item}"), id=str(i))
                for i, item in enumerate(self.items)
            ]
        )
        if keep is not None:
            self.highlighted = keep

    def toggle(self, index: int) -> None:
        if 0 <= index < len(self.items):
            self.ticked ^= {index}
            self._redraw()

    def action_tick(self) -> None:
        if self.highlighted is not None:
            self.toggle(self.highlighted)

    def clear(self) -> None:
        self.ticked.clear()
        self._redraw()

    @property
    def done(self) -> list[str]:
        return [item for i, item in enumerate(self.items) if i in self.ticked]


def _open_summary(bed: RoundsBed) -> str:
    parts = [
        (bed.overdue_steps, "late"),
        (bed.steps_due_today, "due"),
        (bed.appointments_today, "appt"),
        (bed.callbacks_owed, "call"),
        (bed.auths_pending, "auth"),
    ]
    return " ".join(f"{n} {label}" for n, label in parts if n) or "-"


class RoundsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "checklist", "Checklist", id="rounds-checklist"),
        *(
            Binding(str(n), f"tick({n - 1})", f"Tick item {n}", show=False, id=f"rounds-tick-{n}")
            for n in range(1, 10)
        ),
        Binding("s", "save_checklist", "Save, next bed", id="rounds-save"),
        Binding("n", "quick_note", "Note", id="rounds-note"),
        Binding("a", "quick_task", "Task", id="rounds-task"),
        Binding("escape,q", "close", "Back", id="rounds-close"),
    ]

    def __init__(self, ward: str, checklist: list[str]) -> None:
        super().__init__()
        self.ward = ward
        self.checklist = checklist
        self.beds: dict[str, RoundsBed] = {}

    @property
    def pcc(self) -> Host:
        return self.app  # type: ignore[return-value]

    def compose(self):  # type: ignore[no-untyped-def]
        with Horizontal(id="rounds"):
            yield KeyTable(id="rounds-beds")
            with Vertical(id="rounds-side"):
                with VerticalScroll(id="rounds-items-box"):
                    yield Static("", id="rounds-items")
                yield Checklist(self.checklist, id="rounds-checklist")
        yield Static(
            "1-9 tick item  s save, next bed  n note  a task  c list (space)  Esc back",
            id="rounds-keys",
        )

    def on_mount(self) -> None:
        table = self.query_one("#rounds-beds", KeyTable)
        table.add_columns("Bed", "Patient", "Open")
        table.border_title = f"Rounds: {self.ward}"
        self.query_one("#rounds-checklist", Checklist).border_title = "Checklist"
        self.set_focus(table)
        self._load_beds()

    # ---- loading ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="rounds-beds")
    def _load_beds(self) -> None:
        try:
            self.post_message(BedsLoaded(view_rounds(self.pcc.store, self.pcc.actor, self.ward)))
        except PccError as exc:
            self.post_message(RoundsNote(str(exc), error=True))

    def on_beds_loaded(self, message: BedsLoaded) -> None:
        table = self.query_one("#rounds-beds", KeyTable)
        keep = table.current_key()
        table.clear()
        self.beds = {str(b.patient.id): b for b in message.beds}
        for bed in message.beds:
            table.add_row(
                bed.patient.bed or "-",
                mask_patient(bed.patient, self.pcc.mask),
                _open_summary(bed),
                key=str(bed.patient.id),
            )
        table.border_title = f"{self.ward}: {len(message.beds)} beds"
        if keep in self.beds:
            table.move_cursor(row=table.get_row_index(keep))
        self._load_items()

    @on(DataTable.RowHighlighted, "#rounds-beds")
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        self.query_one("#rounds-checklist", Checklist).clear()
        self._load_items()

    def current_patient(self) -> int | None:
        key = self.query_one("#rounds-beds", KeyTable).current_key()
        return int(key) if key else None

    def _load_items(self) -> None:
        pid = self.current_patient()
        if pid is None:
            self.query_one("#rounds-items", Static).update("No patients on this ward.")
            return
        self._fetch_items(pid)

    @work(thread=True, exclusive=True, group="rounds-items")
    def _fetch_items(self, patient_id: int) -> None:
        try:
            lines = view_open_items(self.pcc.store, self.pcc.actor, patient_id)
            self.post_message(ItemsLoaded(patient_id, lines))
        except PccError as exc:
            self.post_message(RoundsNote(str(exc), error=True))

    def on_items_loaded(self, message: ItemsLoaded) -> None:
        if message.patient_id != self.current_patient():
            return  # the cursor moved on meanwhile
        box = self.query_one("#rounds-items", Static)
        box.update("\n".join(message.lines))
        bed = self.beds.get(str(message.patient_id))
        if bed is not None:
            self.query_one(
                "#rounds-items-box"
            ).border_title = f"Open items: {mask_patient(bed.patient, self.pcc.mask)}"

    # ---- actions ------------------------------------------------------------------------
    def action_checklist(self) -> None:
        # At once, and with an item highlighted, so `c space` typed in one burst ticks the
        # first item rather than reaching the bed list or a list with nothing highlighted.
        checklist = self.query_one("#rounds-checklist", Checklist)
        self.set_focus(checklist)
        if checklist.highlighted is None and checklist.option_count:
            checklist.highlighted = 0

    def action_tick(self, index: int) -> None:
        self.query_one("#rounds-checklist", Checklist).toggle(index)

    def action_save_checklist(self) -> None:
        pid = self.current_patient()
        if pid is None:
            return
        ticked = self.query_one("#rounds-checklist", Checklist).done
        rest = [c for c in self.checklist if c not in ticked]
        self._save_checklist(pid, ticked, rest)
        # Rounds go bed by bed: saving moves on to the next one.
        table = self.query_one("#rounds-beds", KeyTable)
        table.action_cursor_down()

    @work(thread=True, group="rounds-save")
    def _save_checklist(self, pid: int, done: list[str], rest: list[str]) -> None:
        try:
            save_rounds_checklist(self.pcc.store, self.pcc.actor, pid, done, rest)
            self.post_message(
                RoundsNote(f"{self._who(pid)}: checklist saved: {len(done)} of {len(done + rest)}")
            )
        except PccError as exc:
            self.post_message(RoundsNote(str(exc), error=True))

    def _form(self, title: str, fields: list[FormField], submit: Any) -> None:
        clock = self.pcc.store.clock
        bed = self.beds.get(str(self.current_patient()))
        label = patient_label(bed.patient, self.pcc.mask, clock.today()) if bed else ""
        form = FormScreen(title, fields, submit, now=clock.now(), tz=clock.tz, patient=label)
        self.app.push_screen(form, self._after_form)

    def _after_form(self, summary: str | None) -> None:
        if summary:
            self.post_message(RoundsNote(summary))

    def _who(self, pid: int) -> str:
        bed = self.beds.get(str(pid))
        return mask_patient(bed.patient, self.pcc.mask) if bed else "the patient"

    def action_quick_note(self) -> None:
        pid = self.current_patient()
        if pid is None:
            return

        def submit(values: dict[str, Any], version: int | None) -> str:
            add_note(self.pcc.store, self.pcc.actor, pid, values["text"])
            return f"{self._who(pid)}: note added"

        self._form("Rounds note", [FormField("text", "Note", "note", required=True)], submit)

    def action_quick_task(self) -> None:
        pid = self.current_patient()
        if pid is None:
            return

        def submit(values: dict[str, Any], version: int | None) -> str:
            quick_task(self.pcc.store, self.pcc.actor, pid, values["title"], values["due"])
            return f"{self._who(pid)}: task '{values['title']}' added"

        self._form(
            "Rounds task",
            [
                FormField("title", "Task", required=True, example="chase echo report"),
                FormField("due", "Due", "date", value="t"),
            ],
            submit,
        )

    def on_rounds_note(self, message: RoundsNote) -> None:
        self.notify(message.summary, severity="error" if message.error else "information")
        if not message.error:
            self._load_beds()

    def action_close(self) -> None:
        self.dismiss(None)

"""The queue: what I owe whom today, ranked; marks, text/kind filter and scopes."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input

from pcc_tui.core.domain.read_models import Queue, QueueItem, QueueKind
from pcc_tui.core.domain.relative_dates import short_day, short_time
from pcc_tui.tui import keys
from pcc_tui.tui.marks import Marks
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.privacy import mask_patient
from pcc_tui.tui.widgets import KeyTable

KIND_LABEL = {
    QueueKind.APPOINTMENT: "appt",
    QueueKind.STEP: "step",
    QueueKind.CALLBACK: "call",
    QueueKind.AUTH: "auth",
    QueueKind.REFERRAL: "refer",
    QueueKind.TRANSITION: "trans",
}


def item_key(item: QueueItem) -> str:
    return f"{item.entity_type}:{item.entity_id}"


def matches(item: QueueItem, needle: str) -> bool:
    """`/` filter: words must all match; `kind:step` (or just `step`) filters by kind."""
    for word in needle.lower().split():
        kind = word.removeprefix("kind:")
        if kind in {k.value for k in QueueKind} | set(KIND_LABEL.values()):
            if kind not in (item.kind.value, KIND_LABEL[item.kind]):
                return False
            continue
        haystack = (
            f"{item.title} {item.patient.mrn} {item.patient.family_name} "
            f"{item.patient.given_name} {item.patient.ward or ''}".lower()
        )
        if word not in haystack:
            return False
    return True


class QueuePanel(Panel):
    TITLE = "Queue"
    NUMBER = 1
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("queue"))

    class Filtered(Message):
        """The filter changed what the queue shows: the details follow its cursor."""

    def __init__(self, marks: Marks, mask: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marks = marks
        self.mask = mask
        self.queue: Queue | None = None
        self.page: int | None = None  # everyone's queue comes in pages: this one's number
        self.items: dict[str, QueueItem] = {}
        self.marked: set[str] = set()
        self.needle = ""
        self.tz: object = None

    def compose(self) -> ComposeResult:
        box = Input(
            placeholder="e.g. smith, or a kind: appt step call auth refer",
            id="queue-filter-input",
            classes="hidden",
        )
        box.cursor_blink = False  # thin clients: a blinking cursor repaints forever
        yield box
        table = KeyTable(id="queue-table")
        table.add_column(" ", key="mark", width=1)
        table.add_column("When", key="when", width=13)
        table.add_column("Pri", key="pri", width=3)
        table.add_column("Kind", key="kind", width=5)
        table.add_column("Patient", key="patient", width=10)
        # A fixed width: an auto width is measured from the rows and raced the first layout.
        table.add_column("What is owed", key="what", width=60)
        yield table

    def focus_target(self) -> KeyTable:
        return self.query_one(KeyTable)

    def show(self, queue: Queue, tz: object, page: int | None = None) -> None:
        """Redraw rows, keeping the cursor on the same item where it still exists, or at
        the same position when the item is gone (an action removed it: the next row)."""
        table = self.query_one(KeyTable)
        current = self.current_key()
        position = table.cursor_row
        self.queue = queue
        self.page = page
        self.items = {item_key(i): i for i in queue.items}
        self.marked &= self.items.keys()
        with table.quietly():  # whoever reloads the queue follows the cursor itself
            table.clear()
            for item in queue.items:
                if self.needle and not matches(item, self.needle):
                    continue
                table.add_row(*self._cells(item, tz), key=item_key(item))
            self.tz = tz
            kept = False
            if current and current in self.items:
                with suppress(Exception):  # filtered out: the cursor stays where it is
                    table.move_cursor(row=table.get_row_index(current), scroll=True)
                    kept = True
            if not kept and table.row_count:
                table.move_cursor(row=min(position, table.row_count - 1), scroll=True)
        self._retitle()

    def _cells(self, item: QueueItem, tz: object) -> list[Text | str]:
        local = item.when.astimezone(tz)  # type: ignore[arg-type]
        today = self.queue.day if self.queue is not None else local.date()
        when = (
            short_day(local.date(), today)
            if item.all_day
            else short_time(local, today, local.tzinfo or UTC)
        )
        style = "bold $warning" if item.overdue else ""
        return [
            self.marks.marked if item_key(item) in self.marked else " ",
            Text(("!" if item.overdue else " ") + when, style="bold" if item.overdue else ""),
            self.marks.priority.get(item.priority, ""),
            KIND_LABEL[item.kind],
            mask_patient(item.patient, self.mask),
            Text(item.title, style=style.replace("$warning", "")),
        ]

    def _retitle(self) -> None:
        if self.queue is None:
            return
        parts = []
        for kind, n in self.queue.counts.items():
            plus = "+" if kind in self.queue.capped else ""
            parts.append(f"{KIND_LABEL[kind]} {n}{plus}")
        scope = {"mine": "mine", "ward": "my ward", "all": "everyone"}[self.queue.scope.value]
        shown = f" /{self.needle}" if self.needle else ""
        if self.page is not None and (self.page > 1 or self.queue.next_page is not None):
            more = " ]" if self.queue.next_page is not None else ""
            scope += f" p{self.page}{more}"  # "]" says a next page follows
        self.border_title = f"1 Queue | {scope}{shown}"
        if self.queue.unreadable:  # damaged rows left out: named by id, first, so it shows
            parts.insert(0, f"unreadable {', '.join(self.queue.unreadable[:2])} |")
        self.border_subtitle = " ".join(parts)

    def current_key(self) -> str | None:
        return self.query_one(KeyTable).current_key()

    def to_top(self) -> None:
        """A new page: the cursor on its first row (the caller follows it)."""
        table = self.query_one(KeyTable)
        if table.row_count:
            with table.quietly():
                table.move_cursor(row=0, scroll=True)

    def current_patient_id(self) -> int | None:
        item = self.current_item()
        return item.patient.id if item else None

    def move_to_patient(self, patient_id: int) -> None:
        """Put the cursor on the patient's first row, if the queue shows them."""
        table = self.query_one(KeyTable)
        for index, row_key in enumerate(table.rows):
            item = self.items.get(str(row_key.value))
            if item is not None and item.patient.id == patient_id:
                with table.quietly():  # the caller opens this patient
                    table.move_cursor(row=index, scroll=True)
                return

    def current_item(self) -> QueueItem | None:
        key = self.current_key()
        return self.items.get(key) if key else None

    def marked_items(self) -> list[QueueItem]:
        return [self.items[k] for k in sorted(self.marked) if k in self.items]

    def action_mark(self) -> None:
        key = self.current_key()
        if key is None:
            return
        self.marked ^= {key}
        table = self.query_one(KeyTable)
        table.update_cell(key, "mark", self.marks.marked if key in self.marked else " ")
        table.action_cursor_down()

    def action_filter(self) -> None:
        box = self.query_one("#queue-filter-input", Input)
        box.remove_class("hidden")
        box.cursor_blink = False
        box.value = self.needle
        # At once: `/c` typed in one burst puts the c in the box, not on the cockpit.
        self.screen.set_focus(box)

    @on(Input.Submitted, "#queue-filter-input")
    def _apply_filter(self, event: Input.Submitted) -> None:
        event.stop()
        self.needle = event.value.strip()
        event.input.add_class("hidden")
        self._refilter()
        self.screen.set_focus(self.focus_target())

    def _refilter(self) -> None:
        if self.queue is not None:
            self.show(self.queue, self.tz)
        self.post_message(self.Filtered())

    def close_filter(self) -> bool:
        """Esc: close an open filter box (returns True if it did something)."""
        box = self.query_one("#queue-filter-input", Input)
        if not box.has_class("hidden"):
            box.add_class("hidden")
            self.screen.set_focus(self.focus_target())
            return True
        if self.needle:
            self.needle = ""
            self._refilter()
            return True
        return False

    def action_scope(self, scope: str) -> None:
        self.screen.action_load_queue(scope)  # type: ignore[attr-defined]

    def action_page(self, step: int) -> None:
        self.screen.action_queue_page(step)  # type: ignore[attr-defined]

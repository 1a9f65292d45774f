"""Plan steps by due date around a "now" marker: status marks, overdue, dependencies."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets.data_table import ColumnKey

from pcc_tui.core.domain.codes import TaskStatus
from pcc_tui.core.domain.read_models import Timeline, TimelineEntry
from pcc_tui.core.domain.relative_dates import short_day
from pcc_tui.tui.marks import Marks
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.widgets import KeyTable

NOW_KEY = "now"


def status_mark(entry: TimelineEntry, marks: Marks) -> str:
    status = entry.step.status
    if status == TaskStatus.COMPLETED:
        return marks.done
    if status in (TaskStatus.CANCELLED, TaskStatus.FAILED, TaskStatus.REJECTED):
        return marks.stopped
    if status == TaskStatus.ON_HOLD:
        return marks.hold
    if entry.blocked_by:
        return marks.blocked
    return marks.overdue if entry.overdue else marks.open


class TimelinePanel(Panel):
    TITLE = "Timeline"
    NUMBER = 3

    def __init__(self, marks: Marks, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.marks = marks
        self.timeline: Timeline | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        table = KeyTable(id="timeline-table")
        _columns(table, due_width=6)
        yield table

    def focus_target(self) -> KeyTable:
        return self.query_one(KeyTable)

    def show(self, timeline: Timeline) -> None:
        table = self.query_one(KeyTable)
        keep = self.current_step_id()
        self.timeline = timeline
        # Due dates in another year carry it ("13 Oct 1983"): the column widens for them.
        other_year = any(e.step.due_by.year != timeline.today.year for e in timeline.entries)
        due_width = 11 if other_year else 6
        if table.columns[ColumnKey("due")].width != due_width:
            table.clear(columns=True)
            _columns(table, due_width)
        else:
            table.clear()
        now_at = timeline.now_index
        for i, entry in enumerate(timeline.entries):
            if i == now_at:
                self._now_row(table, timeline)
            table.add_row(*self._cells(entry, timeline.today), key=str(entry.step.id))
        if now_at >= len(timeline.entries):
            self._now_row(table, timeline)
        target = str(keep) if keep is not None else None
        if target is None or target not in {str(e.step.id) for e in timeline.entries}:
            open_rows = [e for e in timeline.entries if not e.finished]
            target = str(open_rows[0].step.id) if open_rows else None
        if target is not None:
            table.move_cursor(row=table.get_row_index(target))
        plans = sorted({e.plan_title for e in timeline.entries})
        self.border_subtitle = " | ".join(plans)

    def _now_row(self, table: KeyTable, timeline: Timeline) -> None:
        table.add_row(
            Text(self.marks.now[:1], style="bold"),
            timeline.today.strftime("%d %b"),
            Text(
                self.marks.now[2:] + " " + "─" * 10
                if self.marks.now[0] != ">"
                else "now ----------",
                style="bold",
            ),
            "",
            "",
            key=NOW_KEY,
        )

    def _cells(self, entry: TimelineEntry, today: date) -> list[Text | str]:
        style = "dim" if entry.finished else ("bold" if entry.overdue else "")
        step = entry.step
        after = ""
        if entry.blocked_by:
            after = "waits " + ",".join(f"#{d}" for d in entry.blocked_by)
        elif step.depends_on:
            after = "after " + ",".join(f"#{d}" for d in step.depends_on)
        owner = entry.owner_name or step.owner_pool
        business = f" ({step.business_status})" if step.business_status else ""
        title = f"#{step.id} {step.title}{business}" + (f"  [{owner}]" if owner else "")
        return [
            Text(status_mark(entry, self.marks), style=style),
            Text(short_day(step.due_by, today, weekday=False), style=style),
            Text(step.status.value, style=style),
            Text(after, style=style),
            Text(title, style=style),
        ]

    def current_entry(self) -> TimelineEntry | None:
        if self.timeline is None:
            return None
        step_id = self.current_step_id()
        return next((e for e in self.timeline.entries if e.step.id == step_id), None)

    def current_step_id(self) -> int | None:
        key = self.query_one(KeyTable).current_key()
        return None if key in (None, NOW_KEY) else int(key)

    def clear(self) -> None:
        self.timeline = None
        self.query_one(KeyTable).clear()


def _columns(table: KeyTable, due_width: int) -> None:
    table.add_column(" ", key="mark", width=1)
    table.add_column("Due", key="due", width=due_width)
    table.add_column("Status", key="status", width=11)
    table.add_column("After", key="after", width=10)
    table.add_column("Step", key="step")

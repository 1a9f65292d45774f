"""`o`: the reports screen — pick a report, read it; my workload for the next 14 days on top.

Reports run in a thread worker (audited by the core); patient columns follow the display
policy like every list in the cockpit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from pcc_tui.core.errors import PccError
from pcc_tui.core.services.reports import REPORTS, Report, run_report, workload
from pcc_tui.tui.widgets import KeyTable

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp


class ReportReady(Message):
    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report


class WorkloadReady(Message):
    def __init__(self, per_day: list[int]) -> None:
        super().__init__()
        self.per_day = per_day


class ReportFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def masked_row(columns: tuple[str, ...], row: tuple[str, ...], policy: str) -> list[str]:
    """Patient identifiers as the cockpit shows them: `name` policy shows all, `mrn` the MRN,
    the default initials and the MRN's tail; phone numbers only under `name`."""
    out = []
    for column, cell in zip(columns, row, strict=True):
        if column == "MRN" and policy == "initials-mrn":
            cell = f"..{cell[-4:]}"
        elif column == "patient" and policy != "name":
            family, _, given = cell.partition(", ")
            cell = f"{given[:1]}{family[:1]}".upper()
        elif column == "phone" and policy != "name":
            cell = "(in chart)"
        out.append(cell)
    return out


class ReportsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="reports-close"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="reports-next"),
    ]

    def __init__(self, patient_mrn: str | None) -> None:
        super().__init__()
        self.patient_mrn = patient_mrn

    @property
    def pcc(self) -> PccApp:
        return self.app  # type: ignore[return-value]

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical(id="reports"):
            yield Static("Steps I own due per day, next 14 days", id="workload-title")
            yield Sparkline([], id="workload")
            yield Static("", id="workload-range")
            with Horizontal(id="reports-body"):
                yield OptionList(
                    *(Option(kind.title, id=kind.name) for kind in REPORTS.values()),
                    id="report-list",
                )
                yield KeyTable(id="report-table")
            yield Static("Enter run  Tab switch pane  Esc back", id="reports-keys")

    def on_mount(self) -> None:
        self.query_one("#report-list", OptionList).focus()
        self._load_workload()

    @work(thread=True, group="reports")
    def _load_workload(self) -> None:
        try:
            self.post_message(WorkloadReady(workload(self.pcc.store, self.pcc.actor)))
        except PccError as exc:
            self.post_message(ReportFailed(str(exc)))

    @on(OptionList.OptionSelected, "#report-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        if REPORTS[name].needs_patient and not self.patient_mrn:
            self.notify("open a patient's chart first: this report is about one patient")
            return
        # A title, not a loading spinner: nothing animates on a thin client.
        self.query_one("#report-table", KeyTable).border_title = f"{REPORTS[name].title}: running"
        self._run(name)

    @work(thread=True, exclusive=True, group="report")
    def _run(self, name: str) -> None:
        try:
            report = run_report(self.pcc.store, self.pcc.actor, name, patient_mrn=self.patient_mrn)
            self.post_message(ReportReady(report))
        except PccError as exc:
            self.post_message(ReportFailed(str(exc)))

    def on_report_ready(self, message: ReportReady) -> None:
        report = message.report
        table = self.query_one("#report-table", KeyTable)
        table.clear(columns=True)
        table.add_columns(*report.columns)
        for row in report.rows:
            table.add_row(*masked_row(report.columns, row, self.pcc.mask))
        table.border_title = f"{report.kind.title} ({len(report.rows)})"
        table.focus()

    def on_workload_ready(self, message: WorkloadReady) -> None:
        per_day = message.per_day
        self.query_one("#workload", Sparkline).data = per_day
        today = per_day[0] if per_day else 0
        busiest = max(per_day, default=0)
        self.query_one("#workload-range", Static).update(
            f"today {today}, busiest day {busiest}, total {sum(per_day)}"
        )

    def on_report_failed(self, message: ReportFailed) -> None:
        self.query_one("#report-table", KeyTable).border_title = "Report failed"
        self.notify(message.error, severity="error", title="Report")

    def action_close(self) -> None:
        self.dismiss(None)

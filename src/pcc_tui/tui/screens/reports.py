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
from textual.widgets import DataTable, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.errors import PccError
from pcc_tui.core.services.reads import search
from pcc_tui.core.services.reports import REPORTS, Report, run_report, workload
from pcc_tui.tui.widgets import KeyTable

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host


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


class PatientFound(Message):
    def __init__(self, patient: PatientRef | None) -> None:
        super().__init__()
        self.patient = patient


class ReportsScreen(Screen[PatientRef | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="reports-close"),
    ]

    def __init__(self, patient_mrn: str | None) -> None:
        super().__init__()
        self.patient_mrn = patient_mrn
        self.report: Report | None = None

    @property
    def pcc(self) -> Host:
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
            yield Static(
                "Enter run / open the row's patient  Tab switch pane  Esc back", id="reports-keys"
            )

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#report-list", OptionList))
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
        self.report = report
        self.set_focus(table)

    @on(DataTable.RowSelected, "#report-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        report = self.report
        if report is None or "MRN" not in report.columns or not report.rows:
            self.notify("this report's rows are not about one patient each")
            return
        mrn = report.rows[event.cursor_row][report.columns.index("MRN")]
        self._find(mrn)

    @work(thread=True, exclusive=True, group="report-patient")
    def _find(self, mrn: str) -> None:
        try:
            hits = search(self.pcc.store, self.pcc.actor, mrn, 5)
        except PccError as exc:
            self.post_message(ReportFailed(str(exc)))
            return
        exact = next((h.patient for h in hits if h.patient.mrn == mrn), None)
        self.post_message(PatientFound(exact))

    def on_patient_found(self, message: PatientFound) -> None:
        if message.patient is None:
            self.notify("that patient is not open to you", severity="warning")
            return
        self.dismiss(message.patient)

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

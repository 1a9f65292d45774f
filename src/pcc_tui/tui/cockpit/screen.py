"""The cockpit: queue, chart, timeline and coverage on one screen, and the letter keys that
act on what is selected there.

Every action takes a frozen `Selection` at the key press (UI thread) and hands it to a form
or a worker; workers call core services and post messages; only handlers touch widgets.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from pcc_tui.core.domain.read_models import (
    CoverageChecklist,
    PatientChart,
    PatientRef,
    QueueScope,
    Timeline,
)
from pcc_tui.core.errors import (
    BreakGlassRequired,
    OwnRecordRefused,
    PccError,
    UnreadableRecord,
)
from pcc_tui.core.services.presence import announce, others_viewing
from pcc_tui.core.services.reads import view_queue
from pcc_tui.tui import keys
from pcc_tui.tui.cockpit.actions import ActionsMixin, fetch_details
from pcc_tui.tui.cockpit.live import LiveMixin
from pcc_tui.tui.forms.base import FormEnv
from pcc_tui.tui.messages import (
    PatientLoaded,
    QueueLoaded,
    RecordClosed,
    WorkFailed,
)
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.panels.chart import ChartPanel
from pcc_tui.tui.panels.coverage import CoveragePanel
from pcc_tui.tui.panels.queue import QueuePanel
from pcc_tui.tui.panels.timeline import TimelinePanel
from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.selection import Selection

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host

RECORD_OUTSIDE = "{exc}.\n\nPress ! to break the glass: give a reason; it is audited."
DEBOUNCE_SECONDS = 0.15
DETAILS = ("chart", "timeline", "coverage")
FormBuilder = Callable[[FormEnv, Selection], FormScreen]


class CockpitScreen(ActionsMixin, LiveMixin, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("cockpit"))

    def __init__(self) -> None:
        super().__init__(id="cockpit-screen")
        self.patient_id: int | None = None  # the patient the detail panels show (or load)
        self.chart: PatientChart | None = None
        self.timeline: Timeline | None = None
        self.coverage: CoverageChecklist | None = None
        self.closed_record: int | None = None  # outside the caseload: `!` breaks the glass
        self.viewers: list[str] = []
        self.active_detail = "chart"
        self._filled: dict[str, object] = {}  # detail panel -> what it shows (stale if not ours)
        self._debounce: Timer | None = None
        self._settled_key: str | None = None  # the queue row whose patient the cursor opened
        self._searched: PatientRef | None = None  # opened from the palette, not the cursor
        self._frozen = False  # gc.freeze() done after the first paint

    @property
    def pcc(self) -> Host:
        return self.app  # type: ignore[return-value]

    @property
    def env(self) -> FormEnv:
        return FormEnv(self.pcc.store, self.pcc.actor, self.pcc.mask)

    @property
    def scope(self) -> QueueScope:
        return self.pcc.scope

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.pcc
        yield Static("", id="offline-banner", classes="banner hidden")
        yield Static("", id="glass-banner", classes="banner hidden")
        with Container(id="cockpit"):
            yield QueuePanel(app.marks, app.mask, id="queue")
            yield ChartPanel(id="chart", classes="detail active")
            yield TimelinePanel(app.marks, id="timeline", classes="detail")
            yield CoveragePanel(app.marks.ticks, id="coverage", classes="detail")
        yield Footer(compact=True)

    @property
    def queue_panel(self) -> QueuePanel:
        return self.query_one(QueuePanel)

    @property
    def timeline_panel(self) -> TimelinePanel:
        return self.query_one(TimelinePanel)

    @property
    def coverage_panel(self) -> CoveragePanel:
        return self.query_one(CoveragePanel)

    @property
    def chart_panel(self) -> ChartPanel:
        return self.query_one(ChartPanel)

    @property
    def gone(self) -> bool:
        """The panels are gone (the app is closing): a late timer or result does nothing."""
        return self.pcc.shutting_down or not self.query(QueuePanel)

    def on_mount(self) -> None:
        self.set_focus(self.queue_panel.focus_target())
        self.action_load_queue(self.scope.value)
        self.start_live()

    def on_unmount(self) -> None:
        self.stop_live()

    def focused_panel(self) -> str | None:
        node: Widget | None = self.focused
        while node is not None and not isinstance(node, Panel):
            node = node.parent  # type: ignore[assignment]
        return node.id if node is not None else None

    def action_focus_panel(self, name: str) -> None:
        if name in DETAILS:
            self.active_detail = name
            for detail in DETAILS:
                self.query_one(f"#{detail}").set_class(detail == name, "active")
            self.fill_details(name)  # now: a key typed right after acts on this patient's rows
        panel = self.query_one(f"#{name}", Panel)
        # Focus now, not on the next idle tick: a key typed right after (`3` then `s`, sent
        # in one burst over a slow link) must reach the panel the user just chose.
        self.set_focus(panel.focus_target())

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        name = self.focused_panel()
        if name:
            self.maximize(self.query_one(f"#{name}"), container=False)

    def action_go_back(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif not self.queue_panel.close_filter() and self.focused_panel() != "queue":
            self.action_focus_panel("queue")

    # ---- loading ------------------------------------------------------------------------
    def action_load_queue(self, scope: str = "mine") -> None:
        self.pcc.scope = QueueScope(scope)
        self._settled_key = None  # a new scope: the details follow its cursor
        self._searched = None
        self._load_queue(self.scope)

    def action_reload(self) -> None:
        self._load_queue(self.scope)
        if self.patient_id is not None:
            self._load_patient(self.patient_id)

    @work(thread=True, exclusive=True, group="queue")
    def _load_queue(self, scope: QueueScope) -> None:
        app = self.pcc
        try:
            self.post_message(QueueLoaded(view_queue(app.store, app.actor, scope)))
        except PccError as exc:
            self.post_message(WorkFailed.of("load the queue", exc))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if self.gone:
            return
        self.back_online()
        self.queue_panel.show(message.queue, self.pcc.store.clock.tz)
        self.follow_cursor()
        if not self._frozen:
            self._frozen = True
            # Everything imported and built so far lives for the whole session: keep it out
            # of the collector's way, so a key press never waits on a full GC pass.
            gc.freeze()

    def on_queue_panel_filtered(self, _message: QueuePanel.Filtered) -> None:
        self._settled_key = None
        self._searched = None
        self.follow_cursor()

    @on(DataTable.RowHighlighted, "#queue-table")
    def _queue_moved(self, _event: DataTable.RowHighlighted) -> None:
        # The first move after a pause opens its patient at once; moves that follow it
        # within DEBOUNCE_SECONDS (a held key) only restart the timer, so holding j opens
        # (and audits) the patient it stops on, not every patient it passes.
        if self._debounce is not None:
            self._debounce.stop()
        else:
            self.follow_cursor()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._cursor_settled)

    def _cursor_settled(self) -> None:
        self._debounce = None
        self.follow_cursor()

    def follow_cursor(self) -> None:
        """Show the patient under the queue cursor everywhere (or 'no patient')."""
        if self.gone:
            return
        key = self.queue_panel.current_key()
        if key is not None and key == self._settled_key:
            return  # a refresh re-drew the same row: keep whatever patient is open
        self._settled_key = key
        item = self.queue_panel.current_item()
        if item is None:
            if self._searched is None:
                self.patient_id = None
                self.chart = self.timeline = self.coverage = None
                bound = keys.effective_keys(self.pcc.keymap)["register-patient"]
                self._clear_details(
                    "No patient: the queue is empty here."
                    f" {keys.display_key(bound)} registers a patient; : finds one."
                )
            return
        self._searched = None
        if item.patient.id != self.patient_id or self.chart is None:
            self.open_patient(item.patient.id)

    def open_patient(self, patient_id: int, searched: PatientRef | None = None) -> None:
        self._searched = searched
        if searched is not None:
            self.queue_panel.move_to_patient(patient_id)
            self._settled_key = self.queue_panel.current_key()
            if self.queue_panel.current_patient_id() == patient_id:
                self._searched = None
        self.patient_id = patient_id
        self._load_patient(patient_id)

    @work(thread=True, exclusive=True, group="patient")
    def _load_patient(self, patient_id: int) -> None:
        app = self.pcc
        try:
            chart, timeline, coverage = fetch_details(app, patient_id)
            announce(app.store, app.actor, patient_id)
            viewers = others_viewing(app.store, patient_id)
        except BreakGlassRequired as exc:
            self.post_message(RecordClosed(patient_id, RECORD_OUTSIDE.format(exc=exc), True))
            return
        except (OwnRecordRefused, UnreadableRecord) as exc:
            self.post_message(RecordClosed(patient_id, str(exc), False))
            return
        except PccError as exc:
            self.post_message(WorkFailed.of("open the chart", exc))
            return
        self.post_message(PatientLoaded(chart, timeline, coverage, viewers))

    def on_patient_loaded(self, message: PatientLoaded) -> None:
        if self.gone:
            return
        self.back_online()
        if message.chart.patient.id != self.patient_id:
            return  # the cursor has moved on since
        self.chart, self.timeline, self.coverage = message.chart, message.timeline, message.coverage
        self.closed_record = None
        self.viewers = message.viewers
        self.show_chart()
        self.show_glass(message.chart.break_glass_until)
        self.fill_details()

    def on_resize(self) -> None:
        self.call_after_refresh(self.fill_details)  # a wider screen shows hidden panels

    def fill_details(self, also: str | None = None) -> None:
        """Fill the timeline and coverage panels on screen (and `also`) with the loaded
        patient. A hidden one (80x24 shows one detail) is filled when it shows: filling it
        would lay the screen out again and repaint it for nothing on every patient switch."""
        timeline, coverage = self.timeline_panel, self.coverage_panel
        if self._due("timeline", timeline, self.timeline, also) and self.timeline:
            timeline.show(self.timeline)
        if self._due("coverage", coverage, self.coverage, also) and self.coverage:
            clock = self.pcc.store.clock
            coverage.show(self.coverage, clock.now(), clock.tz)

    def _due(self, name: str, panel: Panel, data: object, also: str | None) -> bool:
        if data is None or self._filled.get(name) is data:
            return False
        if not (panel.display or name == also):
            return False
        self._filled[name] = data
        return True

    def show_chart(self) -> None:
        if self.chart is not None:
            bad = [*self.chart.unreadable]
            for part in (self.timeline, self.coverage):
                bad += getattr(part, "unreadable", [])
            chart = self.chart.model_copy(update={"unreadable": bad}) if bad else self.chart
            store = self.pcc.store
            self.chart_panel.show(
                chart, store.clock.tz, self.viewers, store.policy.phone_region, store.clock.today()
            )

    def _clear_details(self, reason: str) -> None:
        self.chart_panel.clear(reason)
        self.timeline_panel.clear()
        self.coverage_panel.clear()
        self._filled.clear()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.offline:
            self.went_offline()
        self.notify(message.error, title=f"Could not {message.what}", severity="error", timeout=8)

    # ---- the selection ------------------------------------------------------------------
    def selection(self) -> Selection:
        """What the key just pressed acts on, read now from the widgets (UI thread)."""
        panel = self.focused_panel() or "queue"
        queue = self.queue_panel
        item = queue.current_item()
        marked = tuple(queue.marked_items())
        shown = self.chart.patient if self.chart is not None else None
        patient: PatientRef | None
        if panel == "queue" and self._searched is None:
            patient = item.patient if item is not None else None
        elif self._searched is not None and panel == "queue":
            patient, item = self._searched, None
        else:
            patient = _ref(shown) if shown is not None else (item.patient if item else None)
            if item is not None and patient is not None and item.patient.id != patient.id:
                item = None
        loaded = patient is not None and self.chart is not None and shown is not None
        loaded = loaded and shown.id == patient.id  # type: ignore[union-attr]
        step = self.timeline_panel.current_entry() if panel == "timeline" else None
        return Selection(
            panel=panel,
            patient=patient,
            item=item,
            marked=marked,
            step=step if loaded else None,
            chart=self.chart if loaded else None,
            timeline=self.timeline if loaded else None,
            coverage=self.coverage if loaded else None,
            on_coverage=self.coverage_panel.current_key() if panel == "coverage" else None,
        )


def _ref(patient: Any) -> PatientRef:
    """The chart's patient as lists name them."""
    return PatientRef.model_validate(patient.model_dump(include=set(PatientRef.model_fields)))

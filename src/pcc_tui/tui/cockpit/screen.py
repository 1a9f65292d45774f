"""The cockpit: queue, chart, timeline and coverage on one screen, and the letter keys that
act on what is selected there.

Every action takes a frozen `Selection` at the key press (UI thread) and hands it to a form
or a worker; workers call core services and post messages; only handlers touch widgets.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Static

from pcc_tui.core.domain.read_models import (
    CoverageChecklist,
    PatientChart,
    PatientRef,
    QueuePage,
    QueueScope,
    Timeline,
)
from pcc_tui.core.errors import (
    BreakGlassRequired,
    OwnRecordRefused,
    PccError,
    UnreadableRecord,
)
from pcc_tui.core.services.patient_view import view_patient
from pcc_tui.core.services.reads import view_queue
from pcc_tui.tui import keys
from pcc_tui.tui.cockpit.actions import ActionsMixin
from pcc_tui.tui.cockpit.live import LiveMixin
from pcc_tui.tui.forms.env import FormEnv
from pcc_tui.tui.messages import (
    PatientLoaded,
    QueueLoaded,
    RecordClosed,
    WorkFailed,
)
from pcc_tui.tui.one_paint import PaintHold
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.panels.chart import ChartPanel
from pcc_tui.tui.panels.coverage import CoveragePanel
from pcc_tui.tui.panels.queue import QueuePanel
from pcc_tui.tui.panels.timeline import TimelinePanel
from pcc_tui.tui.selection import Selection

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host

RECORD_OUTSIDE = "{exc}.\n\nPress ! to break the glass: give a reason; it is audited."
DEBOUNCE_SECONDS = 0.15
DETAILS = ("chart", "timeline", "coverage")


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
        self._switch_paint: PaintHold | None = None
        self._pages: list[QueuePage] = []  # everyone's queue: where each page before ends
        self._page_turned = False  # the next queue shown is a new page: cursor to its top

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
        table = self.queue_panel.focus_target()
        table.moved = self._queue_moved
        self._switch_paint = PaintHold(self.app)
        self.set_focus(table)
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
        self._pages.clear()
        self.reload_queue()

    def action_queue_page(self, step: int) -> None:
        """Everyone's queue a page on (1) or back (-1); a page is read by keyset."""
        queue = self.queue_panel.queue
        if self.scope is not QueueScope.ALL:
            self.notify("Pages are for everyone's queue (e); mine and my ward show whole.")
            return
        if step > 0:
            if queue is None or queue.next_page is None:
                self.notify("This is the last page of everyone's queue.")
                return
            self._pages.append(queue.next_page)
        else:
            if not self._pages:
                self.notify("This is the first page of everyone's queue.")
                return
            self._pages.pop()
        self._settled_key = None
        self._page_turned = True
        self.reload_queue()

    def reload_queue(self) -> None:
        """Load the queue again: the same scope, and for everyone the same page."""
        self._load_queue(self.scope, self._pages[-1] if self._pages else None)

    def action_reload(self) -> None:
        self.reload_queue()
        if self.patient_id is not None:
            self._load_patient(self.patient_id)

    @work(thread=True, exclusive=True, group="queue")
    def _load_queue(self, scope: QueueScope, after: QueuePage | None) -> None:
        app = self.pcc
        try:
            self.post_message(QueueLoaded(view_queue(app.store, app.actor, scope, after=after)))
        except PccError as exc:
            self.post_message(WorkFailed.of("load the queue", exc))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if self.gone:
            return
        self.back_online()
        page = len(self._pages) + 1 if message.queue.scope is QueueScope.ALL else None
        self.queue_panel.show(message.queue, self.pcc.store.clock.tz, page=page)
        if self._page_turned:
            self._page_turned = False
            self.queue_panel.to_top()
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

    def _queue_moved(self) -> None:
        """A key moved the queue cursor (called before the move is painted)."""
        # The first move after a pause opens its patient at once; moves that follow it
        # within DEBOUNCE_SECONDS (a held key) only restart the timer, so holding j opens
        # (and audits) the patient it stops on, not every patient it passes.
        if self._debounce is not None:
            self._debounce.stop()
        else:
            self.follow_cursor(one_paint=True)
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._cursor_settled)

    def _cursor_settled(self) -> None:
        self._debounce = None
        self.follow_cursor()

    def follow_cursor(self, one_paint: bool = False) -> None:
        """Show the patient under the queue cursor everywhere (or 'no patient').
        `one_paint`: hold the cursor's paint for the chart it opens (see PaintHold)."""
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
            if one_paint and self._switch_paint is not None and self.pcc.switch_paint:
                self._switch_paint.hold(self.pcc.switch_paint)
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
            view = view_patient(app.store, app.actor, patient_id, announce=True)
        except BreakGlassRequired as exc:
            self.post_message(RecordClosed(patient_id, RECORD_OUTSIDE.format(exc=exc), True))
            return
        except (OwnRecordRefused, UnreadableRecord) as exc:
            self.post_message(RecordClosed(patient_id, str(exc), False))
            return
        except PccError as exc:
            self.post_message(WorkFailed.of("open the chart", exc))
            return
        self.post_message(PatientLoaded(view.chart, view.timeline, view.coverage, view.viewers))

    def on_patient_loaded(self, message: PatientLoaded) -> None:
        if self.gone or message.chart.patient.id != self.patient_id:
            self.paint_switch()  # gone, or the cursor has moved on since
            return
        self.back_online()
        self.chart, self.timeline, self.coverage = message.chart, message.timeline, message.coverage
        self.closed_record = None
        self.viewers = message.viewers
        self.show_chart()
        self.show_glass(message.chart.break_glass_until)
        self.fill_details()
        # A body just filled tells the screen it needs painting when it next idles, after
        # this handler: releasing the paint from its queue puts the chart in the same paint
        # as the cursor move (released here, the move would paint alone first).
        for panel in (self.chart_panel, self.timeline_panel, self.coverage_panel):
            if panel.display:
                panel.focus_target().call_later(self.paint_switch)

    def paint_switch(self) -> None:
        """The patient a move opened is in (or will not come): paint the move now."""
        if self._switch_paint is not None:
            self._switch_paint.release()

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
        self.paint_switch()
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

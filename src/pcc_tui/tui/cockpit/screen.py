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
from pcc_tui.core.errors import BreakGlassRequired, ConflictError, OwnRecordRefused, PccError
from pcc_tui.core.services.handoffs import colleagues
from pcc_tui.core.services.presence import announce, others_viewing
from pcc_tui.core.services.reads import view_chart, view_coverage, view_queue, view_timeline
from pcc_tui.core.services.undo import preview_undo, undo_last
from pcc_tui.tui import keys
from pcc_tui.tui.cockpit.live import LiveMixin
from pcc_tui.tui.forms import (
    appointments,
    communications,
    education,
    glass,
    handoffs,
    insurance,
    pathways,
    plans,
    referrals,
    snoozing,
)
from pcc_tui.tui.forms.base import FormEnv, NoTarget
from pcc_tui.tui.messages import (
    ActionDone,
    DetailsForAction,
    PatientLoaded,
    QueueLoaded,
    RecordClosed,
    UndoAsk,
    WorkFailed,
)
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.panels.chart import ChartPanel
from pcc_tui.tui.panels.coverage import CoveragePanel
from pcc_tui.tui.panels.queue import QueuePanel
from pcc_tui.tui.panels.timeline import TimelinePanel
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.screens.form import RELOAD, FormScreen
from pcc_tui.tui.selection import Selection

if TYPE_CHECKING:
    from pcc_tui.tui.host import Host

RECORD_OUTSIDE = "{exc}.\n\nPress ! to break the glass: give a reason; it is audited."
DEBOUNCE_SECONDS = 0.15
DETAILS = ("chart", "timeline", "coverage")
FormBuilder = Callable[[FormEnv, Selection], FormScreen]


class CockpitScreen(LiveMixin, Screen[None]):
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
        # Debounced: holding j does not load every patient it passes.
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.follow_cursor)

    def follow_cursor(self) -> None:
        """Show the patient under the queue cursor everywhere (or 'no patient')."""
        self._debounce = None
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
                self._clear_details("No patient: the queue is empty here.")
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
            chart = view_chart(app.store, app.actor, patient_id)
            timeline = view_timeline(app.store, app.actor, patient_id)
            coverage = view_coverage(app.store, app.actor, patient_id)
            announce(app.store, app.actor, patient_id)
            viewers = others_viewing(app.store, patient_id)
        except BreakGlassRequired as exc:
            self.post_message(RecordClosed(patient_id, RECORD_OUTSIDE.format(exc=exc), True))
            return
        except OwnRecordRefused as exc:
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
        self.timeline_panel.show(message.timeline)
        clock = self.pcc.store.clock
        self.coverage_panel.show(message.coverage, clock.now(), clock.tz)

    def show_chart(self) -> None:
        if self.chart is not None:
            self.chart_panel.show(self.chart, self.pcc.store.clock.tz, self.viewers)

    def _clear_details(self, reason: str) -> None:
        self.chart_panel.clear(reason)
        self.timeline_panel.clear()
        self.coverage_panel.clear()

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

    # ---- actions ------------------------------------------------------------------------
    def read_only(self) -> bool:
        if self.pcc.actor.role != "viewer":
            return False
        self.notify("Read-only account: a viewer changes nothing.", severity="warning")
        return True

    def _act(self, build: FormBuilder, sel: Selection | None = None) -> None:
        """Open a form on the selection taken now; details it needs are loaded first."""
        if self.read_only():
            return
        sel = sel or self.selection()
        if sel.patient is not None and not sel.has_details:
            self._details_then(sel, build)
            return
        self._open(build, sel)

    def _open(self, build: FormBuilder, sel: Selection) -> None:
        try:
            screen = build(self.env, sel)
        except NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        self.app.push_screen(screen, self._after_form)

    @work(thread=True, group="details")
    def _details_then(self, sel: Selection, build: FormBuilder) -> None:
        app = self.pcc
        assert sel.patient is not None
        try:
            chart = view_chart(app.store, app.actor, sel.patient.id)
            timeline = view_timeline(app.store, app.actor, sel.patient.id)
            coverage = view_coverage(app.store, app.actor, sel.patient.id)
        except PccError as exc:
            self.post_message(WorkFailed.of("open the chart", exc))
            return
        self.post_message(DetailsForAction(sel.with_details(chart, timeline, coverage), build))

    def on_details_for_action(self, message: DetailsForAction) -> None:
        if not self.gone:
            self._open(message.build, message.selection)

    def _after_form(self, summary: str | None) -> None:
        if summary is not None:
            self.post_message(ActionDone(summary))

    def on_action_done(self, message: ActionDone) -> None:
        if self.gone:
            return
        if message.summary != RELOAD:
            self.notify(message.summary, timeout=5)
            self.queue_panel.marked.clear()
        if self._searched is None:
            self._settled_key = None  # the row may be gone: the details follow the cursor
        self.action_reload()

    def action_confirm(self) -> None:
        self._act(appointments.confirm_form)

    def action_reschedule(self) -> None:
        self._act(appointments.reschedule_form)

    def action_cancel(self) -> None:
        self._act(appointments.cancel_form)

    def action_book(self) -> None:
        self._act(appointments.book_form)

    def action_visit(self) -> None:
        self._act(appointments.progress_form)

    def action_step_status(self) -> None:
        self._act(plans.step_status_form)

    def action_note(self) -> None:
        self._act(communications.note_form)

    def action_log(self) -> None:
        self._act(communications.log_form)

    def action_education(self) -> None:
        self._act(education.education_form)

    def action_eligibility(self) -> None:
        self._act(insurance.eligibility_form)

    def action_prior_auth(self) -> None:
        self._act(insurance.prior_auth_form)

    def action_referral(self) -> None:
        self._act(referrals.referral_form)

    def action_snooze(self) -> None:
        self._act(snoozing.snooze_form)

    def action_start_pathway(self) -> None:
        self._act(pathways.start_pathway_form)

    def action_move_anchor(self) -> None:
        self._act(pathways.move_anchor_form)

    def action_break_glass(self) -> None:
        sel = self.selection()
        if self.closed_record is None or sel.patient_id != self.closed_record:
            self.notify("Break the glass applies to a record outside your caseload.")
            return
        if self.pcc.actor.role == "viewer":
            self.notify("A viewer cannot break the glass.", severity="warning")
            return
        self._open(glass.break_glass_form, sel)

    def action_hand_over(self) -> None:
        if self.read_only():
            return
        sel = self.selection()
        if sel.patient is None:
            self.notify("select a patient first (queue cursor, or : to find one)")
            return
        self._open_hand_over(sel)

    @work(thread=True, exclusive=True, group="colleagues")
    def _open_hand_over(self, sel: Selection) -> None:
        try:
            people = colleagues(self.pcc.store)
        except PccError as exc:
            self.post_message(WorkFailed.of("list colleagues", exc))
            return
        build: FormBuilder = lambda env, s: handoffs.offer_form(env, s, people)  # noqa: E731
        self.post_message(DetailsForAction(sel, build))

    def action_complete(self) -> None:
        if self.read_only():
            return
        sel = self.selection()
        try:
            plans.step_targets(sel)
        except NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        env = self.env
        self._run_service(
            "complete the step", lambda version: plans.complete_steps(env, sel, version)
        )

    def action_undo(self) -> None:
        if self.read_only():
            return
        self._preview_undo(self.patient_id)

    @work(thread=True, exclusive=True, group="undo")
    def _preview_undo(self, shown: int | None) -> None:
        app = self.pcc
        try:
            preview = preview_undo(app.store, app.actor, app.mask)
        except PccError as exc:
            self.post_message(WorkFailed.of("undo", exc))
            return
        if preview.patient_id is not None and preview.patient_id != shown:
            self.post_message(UndoAsk(preview.words, preview.seq))
            return
        self.app.call_from_thread(self._run_undo, preview.seq)

    def on_undo_ask(self, message: UndoAsk) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._run_undo(message.seq)

        question = f"Undo: {message.words}?"
        self.app.push_screen(AskScreen(question, "That patient is not on screen now."), answered)

    def _run_undo(self, seq: int) -> None:
        self._run_service("undo", lambda _v: self._undo(seq))

    def _undo(self, seq: int) -> str:
        app = self.pcc
        return f"Undone: {undo_last(app.store, app.actor, app.mask, expect_seq=seq)}"

    @work(thread=True, group="action")
    def _run_service(
        self, what: str, call: Callable[[int | None], str], version: int | None = None
    ) -> None:
        try:
            self.post_message(ActionDone(call(version)))
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, what, call, exc)
        except PccError as exc:
            self.post_message(WorkFailed.of(what, exc))

    def _conflict(self, what: str, call: Callable[[int | None], str], exc: ConflictError) -> None:
        def decided(choice: str | None) -> None:
            if choice == "reapply":
                self._run_service(what, call, int(exc.theirs.get("version", 0)))
            else:
                self.action_reload()

        self.app.push_screen(ConflictScreen(exc), decided)

    # ---- screens on top -----------------------------------------------------------------
    def action_rounds(self) -> None:
        ward = self.pcc.actor.ward or (self.chart.patient.ward if self.chart else None)
        if not ward:
            self.notify("no ward: open a patient on the ward first", severity="warning")
            return
        from pcc_tui.tui.screens.rounds import RoundsScreen  # on first use: a leaner start

        self.app.push_screen(RoundsScreen(ward, self.pcc.rounds_checklist), self._back_on_top)

    def action_handoffs(self) -> None:
        from pcc_tui.tui.screens.handoffs import HandoffsScreen  # on first use: a leaner start

        self.app.push_screen(HandoffsScreen(), self._back_on_top)

    def action_reports(self) -> None:
        from pcc_tui.tui.screens.reports import ReportsScreen  # on first use: a leaner start

        mrn = self.chart.patient.mrn if self.chart is not None else None
        self.app.push_screen(ReportsScreen(mrn), self._back_on_top)

    def _back_on_top(self, open_patient: Any = None) -> None:
        """A screen on top closed; it may name a patient to open (a report row)."""
        self.action_reload()
        if isinstance(open_patient, PatientRef):
            self.open_patient(open_patient.id, searched=open_patient)


def _ref(patient: Any) -> PatientRef:
    return PatientRef(
        id=patient.id,
        mrn=patient.mrn,
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        ward=patient.ward,
        bed=patient.bed,
    )

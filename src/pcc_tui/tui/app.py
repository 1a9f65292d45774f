"""The cockpit: queue, chart, timeline and coverage on one screen, all by keyboard.

Data flow: a key runs an action; database work runs in a thread worker calling core
services; the worker posts a Message; only message handlers touch widgets.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Static

from pcc_tui.core.config import DEFAULT_ROUNDS_CHECKLIST
from pcc_tui.core.domain.read_models import (
    CoverageChecklist,
    PatientChart,
    QueueScope,
    Timeline,
)
from pcc_tui.core.errors import BreakGlassRequired, ConflictError, OwnRecordRefused, PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.handoffs import colleagues
from pcc_tui.core.services.presence import announce, others_viewing
from pcc_tui.core.services.reads import view_chart, view_coverage, view_queue, view_timeline
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Store
from pcc_tui.resources import styles_dir
from pcc_tui.tui import (
    actions,
    appointment_actions,
    education_actions,
    handoff_actions,
    pathway_actions,
    referral_actions,
)
from pcc_tui.tui.ascii_mode import enter_ascii_mode, leave_ascii_mode
from pcc_tui.tui.commands import ActionCommands, PatientCommands
from pcc_tui.tui.marks import marks_for
from pcc_tui.tui.messages import ActionDone, PatientLoaded, QueueLoaded, RecordClosed, WorkFailed
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.panels.chart import ChartPanel
from pcc_tui.tui.panels.coverage import CoveragePanel
from pcc_tui.tui.panels.queue import QueuePanel
from pcc_tui.tui.panels.timeline import TimelinePanel
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.screens.help import HelpScreen
from pcc_tui.tui.screens.privacy import PrivacyScreen
from pcc_tui.tui.team import SessionRules, TeamMixin
from pcc_tui.tui.themes import HIGH_CONTRAST, theme_name

WIDE_COLUMNS, WIDE_ROWS = 120, 36
RECORD_OUTSIDE = "{exc}.\n\nPress ! to break the glass: give a reason; it is audited."
DEBOUNCE_SECONDS = 0.15
DETAILS = ("chart", "timeline", "coverage")


ACTIONS_ANYWHERE = {"privacy", "quit", "help", "command_palette", "lock"}
__all__ = ["PccApp", "SessionRules"]


class PccApp(TeamMixin, App[int]):
    CSS_PATH = str(styles_dir() / "app.tcss")
    TITLE = "pcc"  # the terminal title never carries patient data
    COMMANDS = App.COMMANDS | {PatientCommands, ActionCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("colon", "command_palette", "Palette", show=False, id="palette"),
        Binding("f12", "privacy", "Hide", show=False, id="privacy", priority=True),
        Binding("1", "focus_panel('queue')", "Queue", show=False, id="focus-queue"),
        Binding("2", "focus_panel('chart')", "Chart", show=False, id="focus-chart"),
        Binding("3", "focus_panel('timeline')", "Timeline", show=False, id="focus-timeline"),
        Binding("4", "focus_panel('coverage')", "Coverage", show=False, id="focus-coverage"),
        Binding("plus", "zoom", "Zoom", show=False, id="zoom"),
        Binding("escape", "go_back", "Back", show=False, id="back"),
        Binding("c", "confirm", "Confirm", id="confirm-appointment"),
        Binding("r", "reschedule", "Resched", show=False, id="reschedule-appointment"),
        Binding("x", "cancel", "Cancel appt", show=False, id="cancel-appointment"),
        Binding("b", "book", "Book", show=False, id="book-appointment"),
        Binding("t", "referral", "Referral", show=False, id="referral"),
        Binding("i", "education", "Educate", show=False, id="education"),
        Binding("H", "hand_over", "Hand over", show=False, id="handoff-offer"),
        Binding("h", "handoffs", "Handoffs", show=False, id="handoffs"),
        Binding("W", "rounds", "Rounds", show=False, id="ward-rounds"),
        Binding("S", "snooze", "Snooze", show=False, id="snooze"),
        Binding("f", "visit", "Visit", show=False, id="visit-status"),
        Binding("d", "complete", "Done", id="complete-step"),
        Binding("s", "step_status", "Status", show=False, id="step-status"),
        Binding("n", "note", "Note", id="add-note"),
        Binding("l", "log", "Log call", id="log-communication"),
        Binding("v", "eligibility", "Verify", show=False, id="eligibility-check"),
        Binding("a", "prior_auth", "Auth", show=False, id="prior-auth"),
        Binding("p", "start_pathway", "Pathway", show=False, id="start-pathway"),
        Binding("A", "move_anchor", "Move anchor", show=False, id="move-anchor"),
        Binding("o", "reports", "Reports", show=False, id="reports"),
        Binding("z", "undo", "Undo", id="undo"),
        Binding("R", "reload", "Reload", show=False, id="reload"),
        Binding("L", "lock", "Lock", show=False, id="lock-screen"),
        Binding("exclamation_mark", "break_glass", "Break glass", show=False, id="break-glass"),
    ]

    def __init__(
        self,
        store: Store,
        actor: Actor,
        *,
        mouse: bool = True,
        ascii_only: bool = False,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        mask: str = "initials-mrn",
        rounds_checklist: list[str] | None = None,
        session: SessionRules | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.session = session or SessionRules()
        self.closed_record: int | None = None  # outside the caseload: `!` breaks the glass
        self.mouse_enabled = mouse
        self.ascii_only = ascii_only
        self.marks = marks_for(ascii_only)
        self.mask = mask
        self.rounds_checklist = rounds_checklist or list(DEFAULT_ROUNDS_CHECKLIST)
        self.animation_level = "none"  # thin clients: nothing moves on its own
        self.register_theme(HIGH_CONTRAST)
        self.theme = theme_name(theme)
        self.sub_title = actor.display_name
        self.scope = QueueScope.MINE if actor.coordinator_id else QueueScope.ALL
        self.patient_id: int | None = None
        self.chart: PatientChart | None = None
        self.timeline: Timeline | None = None
        self.coverage: CoverageChecklist | None = None
        self.active_detail = "chart"
        self._debounce: Timer | None = None
        self._settled_key: str | None = None  # the queue row whose patient the cursor opened
        self._keymap = keymap or {}

    # ---- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="offline-banner", classes="banner hidden")
        yield Static("", id="glass-banner", classes="banner hidden")
        with Container(id="cockpit"):
            yield QueuePanel(self.marks, self.mask, id="queue")
            yield ChartPanel(id="chart", classes="detail active")
            yield TimelinePanel(self.marks, id="timeline", classes="detail")
            yield CoveragePanel(id="coverage", classes="detail")
        yield Footer(compact=True)

    @property
    def cockpit(self) -> Screen[Any]:
        """The four panels' screen, at the bottom of the stack: live updates and worker
        results reach it while a form, a report or the lock screen is on top."""
        return self.screen_stack[0]

    @property
    def shutting_down(self) -> bool:
        """The cockpit's widgets are gone (the app is closing): a late timer or worker result
        has nothing left to update."""
        return self._closing or not self.screen_stack or not self.cockpit.query(QueuePanel)

    @property
    def queue_panel(self) -> QueuePanel:
        return self.cockpit.query_one(QueuePanel)

    @property
    def timeline_panel(self) -> TimelinePanel:
        return self.cockpit.query_one(TimelinePanel)

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)
        if self.ascii_only:
            self.add_class("ascii")  # the app node: every screen, forms included, inherits it
            enter_ascii_mode()
        self._layout(self.size.width, self.size.height)
        self.queue_panel.focus_target().focus()
        self.action_load_queue(self.scope.value)
        self._start_team()

    def on_unmount(self) -> None:
        self._stop_team()
        leave_ascii_mode()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int) -> None:
        wide = width >= WIDE_COLUMNS and height >= WIDE_ROWS
        self.cockpit.set_class(wide, "wide")
        self.cockpit.set_class(not wide, "narrow")

    def focused_panel(self) -> str | None:
        node = self.focused
        while node is not None and not isinstance(node, Panel):
            node = node.parent  # type: ignore[assignment]
        return node.id if node is not None else None

    def action_focus_panel(self, name: str) -> None:
        if name in DETAILS:
            self.active_detail = name
            for detail in DETAILS:
                self.cockpit.query_one(f"#{detail}").set_class(detail == name, "active")
        panel = self.cockpit.query_one(f"#{name}", Panel)
        # Focus now, not on the next idle tick: a key typed right after (`3` then `s`, sent
        # in one burst over a slow link) must reach the panel the user just chose.
        self.screen.set_focus(panel.focus_target())

    def action_zoom(self) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
            return
        name = self.focused_panel()
        if name:
            self.screen.maximize(self.cockpit.query_one(f"#{name}"), container=False)

    def action_go_back(self) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
        elif not self.queue_panel.close_filter() and self.focused_panel() != "queue":
            self.action_focus_panel("queue")

    # ---- loading ------------------------------------------------------------------------
    def action_load_queue(self, scope: str = "mine") -> None:
        self.scope = QueueScope(scope)
        self._load_queue(self.scope)

    def action_reload(self) -> None:
        self._load_queue(self.scope)
        if self.patient_id is not None:
            self._load_patient(self.patient_id)

    @work(thread=True, exclusive=True, group="queue")
    def _load_queue(self, scope: QueueScope) -> None:
        try:
            self.post_message(QueueLoaded(view_queue(self.store, self.actor, scope)))
        except PccError as exc:
            self.post_message(WorkFailed.of("queue", exc))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if self.shutting_down:
            return
        self.back_online()
        self.queue_panel.show(message.queue, self.store.clock.tz)
        if self.patient_id is None:
            self._cursor_settled()
            # Everything imported and built so far lives for the whole session: keep it out
            # of the collector's way, so a key press never waits on a full GC pass.
            gc.freeze()

    @on(DataTable.RowHighlighted, "#queue-table")
    def _queue_moved(self, event: DataTable.RowHighlighted) -> None:
        # Debounced: holding j does not load every patient it passes.
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._cursor_settled)

    def _cursor_settled(self) -> None:
        self._debounce = None
        if self.shutting_down:
            return
        key = self.queue_panel.current_key()
        if key == self._settled_key:
            return  # a refresh re-drew the same row: keep whatever patient is open
        self._settled_key = key
        item = self.queue_panel.current_item()
        if item is not None and item.patient.id != self.patient_id:
            self.open_patient(item.patient.id)

    def open_patient(self, patient_id: int) -> None:
        self.patient_id = patient_id
        self._load_patient(patient_id)

    @work(thread=True, exclusive=True, group="patient")
    def _load_patient(self, patient_id: int) -> None:
        try:
            chart = view_chart(self.store, self.actor, patient_id)
            timeline = view_timeline(self.store, self.actor, patient_id)
            coverage = view_coverage(self.store, self.actor, patient_id)
            announce(self.store, self.actor, patient_id)
            viewers = others_viewing(self.store, patient_id)
        except BreakGlassRequired as exc:
            self.post_message(RecordClosed(patient_id, RECORD_OUTSIDE.format(exc=exc), True))
            return
        except OwnRecordRefused as exc:
            self.post_message(RecordClosed(patient_id, str(exc), False))
            return
        except PccError as exc:
            self.post_message(WorkFailed.of("patient", exc))
            return
        self.post_message(PatientLoaded(chart, timeline, coverage, viewers))

    def on_patient_loaded(self, message: PatientLoaded) -> None:
        if self.shutting_down:
            return
        self.back_online()
        if message.chart.patient.id != self.patient_id:
            return  # the cursor has moved on since
        self.chart, self.timeline, self.coverage = message.chart, message.timeline, message.coverage
        self.closed_record = None
        self.viewers = message.viewers
        self._show_chart()
        self._show_glass(message.chart.break_glass_until)
        self.timeline_panel.show(message.timeline)
        tz = self.store.clock.tz
        self.cockpit.query_one(CoveragePanel).show(message.coverage, self.store.clock.now(), tz)

    def _show_chart(self) -> None:
        if self.chart is not None:
            self.cockpit.query_one(ChartPanel).show(self.chart, self.store.clock.tz, self.viewers)

    def _clear_details(self, reason: str) -> None:
        self.cockpit.query_one(ChartPanel).clear(reason)
        self.timeline_panel.clear()
        self.cockpit.query_one(CoveragePanel).clear()

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.offline:
            self.went_offline()
        self.notify(message.error, title=f"Could not {message.what}", severity="error", timeout=8)

    # ---- actions ------------------------------------------------------------------------
    def read_only(self) -> bool:
        if self.actor.role != "viewer":
            return False
        self.notify("Read-only account: a viewer changes nothing.", severity="warning")
        return True

    def _open_form(self, build: Callable[[PccApp], Any]) -> None:
        if self.read_only():
            return
        try:
            form = build(self)
        except actions.NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        self.push_screen(form, self._after_form)

    def _after_form(self, summary: str | None) -> None:
        if summary:
            self.post_message(ActionDone(summary))

    def on_action_done(self, message: ActionDone) -> None:
        self.notify(message.summary, timeout=4)
        self.queue_panel.marked.clear()
        self.action_reload()

    def action_confirm(self) -> None:
        self._open_form(actions.confirm_form)

    def action_reschedule(self) -> None:
        self._open_form(actions.reschedule_form)

    def action_cancel(self) -> None:
        self._open_form(actions.cancel_form)

    def action_rounds(self) -> None:
        ward = self.actor.ward or (self.chart.patient.ward if self.chart else None)
        if not ward:
            self.notify("no ward: open a patient on the ward first", severity="warning")
            return
        from pcc_tui.tui.screens.rounds import RoundsScreen  # on first use: a leaner start

        self.push_screen(RoundsScreen(ward, self.rounds_checklist))

    def action_handoffs(self) -> None:
        from pcc_tui.tui.screens.handoffs import HandoffsScreen  # on first use: a leaner start

        self.push_screen(HandoffsScreen())

    def action_hand_over(self) -> None:
        try:
            actions.patient_id(self)
        except actions.NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        self._open_hand_over()

    @work(thread=True, exclusive=True, group="colleagues")
    def _open_hand_over(self) -> None:
        try:
            people = colleagues(self.store)
        except PccError as exc:
            self.post_message(WorkFailed("colleagues", str(exc)))
            return
        self.call_from_thread(self._open_form, lambda app: handoff_actions.offer_form(app, people))

    def action_education(self) -> None:
        self._open_form(education_actions.education_form)

    def action_referral(self) -> None:
        self._open_form(referral_actions.referral_form)

    def action_snooze(self) -> None:
        self._open_form(referral_actions.snooze_form)

    def action_book(self) -> None:
        self._open_form(appointment_actions.book_form)

    def action_visit(self) -> None:
        self._open_form(appointment_actions.progress_form)

    def action_step_status(self) -> None:
        self._open_form(actions.step_status_form)

    def action_note(self) -> None:
        self._open_form(actions.note_form)

    def action_log(self) -> None:
        self._open_form(actions.log_form)

    def action_eligibility(self) -> None:
        self._open_form(actions.eligibility_form)

    def action_prior_auth(self) -> None:
        self._open_form(actions.prior_auth_form)

    def action_reports(self) -> None:
        from pcc_tui.tui.screens.reports import ReportsScreen  # on first use: a leaner start

        mrn = self.chart.patient.mrn if self.chart is not None else None
        self.push_screen(ReportsScreen(mrn))

    def action_start_pathway(self) -> None:
        self._open_form(pathway_actions.start_pathway_form)

    def action_move_anchor(self) -> None:
        self._open_form(pathway_actions.move_anchor_form)

    def action_complete(self) -> None:
        if self.read_only():
            return
        try:
            actions.step_targets(self)
        except actions.NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        self._run_service(
            "complete the step", lambda version: actions.complete_steps(self, version)
        )

    def action_undo(self) -> None:
        if self.read_only():
            return
        self._run_service("undo", lambda _v: f"Undone: {undo_last(self.store, self.actor)}")

    @work(thread=True, group="action")
    def _run_service(
        self, what: str, call: Callable[[int | None], str], version: int | None = None
    ) -> None:
        try:
            self.post_message(ActionDone(call(version)))
        except ConflictError as exc:
            self.call_from_thread(self._conflict, what, call, exc)
        except PccError as exc:
            self.post_message(WorkFailed.of(what, exc))

    def _conflict(self, what: str, call: Callable[[int | None], str], exc: ConflictError) -> None:
        def decided(choice: str | None) -> None:
            if choice == "reapply":
                self._run_service(what, call, int(exc.theirs.get("version", 0)))
            else:
                self.action_reload()

        self.push_screen(ConflictScreen(exc), decided)

    # ---- help, privacy ------------------------------------------------------------------
    def action_help(self) -> None:
        rows: list[tuple[str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            label = binding.description or binding.action
            if (key, label) in seen:
                continue
            seen.add((key, label))
            rows.append((self.get_key_display(binding), label, binding.id or ""))
        where = self.focused_panel() or "the cockpit"
        self.push_screen(HelpScreen(sorted(rows, key=lambda r: r[2] or r[0]), where))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Locked: only the lock's own box, and quitting. Blanked: F12 and quit.
        if self.is_locked:
            return action == "quit"
        if isinstance(self.screen, PrivacyScreen):
            return action in ("privacy", "quit")
        # The cockpit's actions act on its selection: never from a screen that hides it
        # (reports, handoffs, rounds), where the same letters mean something else.
        return action in ACTIONS_ANYWHERE or len(self.screen_stack) == 1

    def action_privacy(self) -> None:
        if isinstance(self.screen, PrivacyScreen):
            self.pop_screen()
        else:
            self.push_screen(PrivacyScreen())

    # ---- privacy by construction --------------------------------------------------------
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("Screenshots are disabled: the screen holds patient data.")

    def deliver_screenshot(self, *args: object, **kwargs: object) -> str | None:
        return None

    def _fatal_error(self) -> None:
        """Crash report without local variables or the exception text (either may hold PHI)."""
        from rich.panel import Panel as RichPanel
        from rich.segment import Segments

        error = sys.exc_info()[1] or self._exception
        kind = type(error).__name__ if error else "error"
        self.bell()
        text = Text(
            f"pcc stopped after an unexpected {kind}. No patient data was written to disk.\n"
            "Run again with PCC_DEBUG=1 to see where it happened."
        )
        self._exit_renderables.append(
            Segments(self.console.render(RichPanel(text, title="pcc"), self.console.options))
        )
        self._close_messages_no_wait()

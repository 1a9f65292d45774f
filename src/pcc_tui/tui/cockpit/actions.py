"""What the cockpit's letter keys do: each takes the frozen Selection now and opens a form on
it, or runs a service in a worker; the worker posts the result. A mixin of CockpitScreen.

Each action imports its forms module itself: no form is loaded before the first paint."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.errors import ConflictError, PccError
from pcc_tui.core.services.handoffs import colleagues
from pcc_tui.core.services.patient_view import view_patient
from pcc_tui.core.services.undo import preview_undo, undo_last
from pcc_tui.tui.forms.env import FormEnv, NoTarget
from pcc_tui.tui.messages import (
    RELOAD,
    ActionDone,
    DetailsForAction,
    HistoryReady,
    IntakeLogReady,
    UndoAsk,
    WorkFailed,
)
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.selection import Selection

if TYPE_CHECKING:
    from textual.screen import Screen

    from pcc_tui.core.domain.read_models import PatientChart
    from pcc_tui.tui.host import Host
    from pcc_tui.tui.panels.queue import QueuePanel
    from pcc_tui.tui.screens.form import FormScreen

    _Base = Screen[None]
else:
    _Base = object

FormBuilder = Callable[[FormEnv, Selection], "FormScreen"]


class ActionsMixin(_Base):
    if TYPE_CHECKING:  # what the cockpit provides
        patient_id: int | None
        chart: PatientChart | None
        closed_record: int | None
        _settled_key: str | None
        _searched: PatientRef | None

        @property
        def pcc(self) -> Host: ...
        @property
        def env(self) -> FormEnv: ...
        @property
        def gone(self) -> bool: ...
        @property
        def queue_panel(self) -> QueuePanel: ...
        def selection(self) -> Selection: ...
        def action_reload(self) -> None: ...
        def open_patient(self, patient_id: int, searched: PatientRef | None = None) -> None: ...

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
        assert sel.patient is not None
        try:
            view = view_patient(self.pcc.store, self.pcc.actor, sel.patient.id, announce=False)
        except PccError as exc:
            self.post_message(WorkFailed.of("open the chart", exc))
            return
        details = sel.with_details(view.chart, view.timeline, view.coverage)
        self.post_message(DetailsForAction(details, build))

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
        from pcc_tui.tui.forms import appointments

        self._act(appointments.confirm_form)

    def action_reschedule(self) -> None:
        from pcc_tui.tui.forms import appointments

        self._act(appointments.reschedule_form)

    def action_cancel(self) -> None:
        from pcc_tui.tui.forms import appointments

        self._act(appointments.cancel_form)

    def action_book(self) -> None:
        from pcc_tui.tui.forms import appointments

        self._act(appointments.book_form)

    def action_visit(self) -> None:
        from pcc_tui.tui.forms import appointments

        self._act(appointments.progress_form)

    def action_step_status(self) -> None:
        from pcc_tui.tui.forms import plans

        self._act(plans.step_status_form)

    def action_note(self) -> None:
        from pcc_tui.tui.forms import communications

        self._act(communications.note_form)

    def action_log(self) -> None:
        from pcc_tui.tui.forms import communications

        self._act(communications.log_form)

    def action_education(self) -> None:
        from pcc_tui.tui.forms import education

        self._act(education.education_form)

    def action_eligibility(self) -> None:
        from pcc_tui.tui.forms import insurance

        self._act(insurance.eligibility_form)

    def action_prior_auth(self) -> None:
        from pcc_tui.tui.forms import insurance

        self._act(insurance.prior_auth_form)

    def action_referral(self) -> None:
        from pcc_tui.tui.forms import referrals

        self._act(referrals.referral_form)

    def action_snooze(self) -> None:
        from pcc_tui.tui.forms import snoozing

        self._act(snoozing.snooze_form)

    def action_register(self) -> None:
        from pcc_tui.tui.forms import registration

        if self.read_only():
            return
        screen = registration.register_form(self.env)

        def closed(summary: str | None) -> None:
            if screen.opened is not None:  # kept on screen, not moved by the queue's reload
                self.open_patient(screen.opened.id, searched=screen.opened)
            self._after_form(summary)

        self.app.push_screen(screen, closed)

    def action_edit_record(self) -> None:
        from pcc_tui.tui.forms import record

        self._act(record.edit_record_form)

    def action_add_contact(self) -> None:
        from pcc_tui.tui.forms import contacts

        self._act(contacts.add_contact_form)

    def action_consent(self) -> None:
        from pcc_tui.tui.forms import contacts

        self._act(contacts.consent_form)

    def action_change_contact(self) -> None:
        from pcc_tui.tui.forms import contacts

        self._act(contacts.change_contact_form)

    def action_coverage(self) -> None:
        from pcc_tui.tui.forms import coverage

        self._act(coverage.coverage_form)

    def action_care_team(self) -> None:
        from pcc_tui.tui.forms import care_team

        self._act(care_team.care_team_form)

    def action_problems(self) -> None:
        from pcc_tui.tui.forms import problems

        self._act(problems.problems_form)

    def action_record_history(self) -> None:
        sel = self.selection()
        if sel.patient is None:
            self.notify("select a patient first (queue cursor, or : to find one)")
            return
        self._load_history(sel.patient)

    @work(thread=True, exclusive=True, group="history")
    def _load_history(self, patient: PatientRef) -> None:
        from pcc_tui.core.services.record_history import record_history

        try:
            entries = record_history(self.pcc.store, self.pcc.actor, patient.id)
        except PccError as exc:
            self.post_message(WorkFailed.of("read the record's history", exc))
            return
        title = f"History of the record: {self.env.who(patient)}"
        self.post_message(HistoryReady(title, entries))

    def on_history_ready(self, message: HistoryReady) -> None:
        if self.gone:
            return
        from pcc_tui.tui.screens.history import HistoryScreen  # on first use: a leaner start

        self.app.push_screen(HistoryScreen(message.title, message.entries, self.pcc.store.clock.tz))

    def action_intake_log(self) -> None:
        self._load_intake_log()

    @work(thread=True, exclusive=True, group="intake-log")
    def _load_intake_log(self) -> None:
        from pcc_tui.core.services.intake_log import read_log

        try:
            entries = read_log(self.pcc.store, self.pcc.actor)
        except PccError as exc:
            self.post_message(WorkFailed.of("read the intake log", exc))
            return
        self.post_message(IntakeLogReady(entries))

    def on_intake_log_ready(self, message: IntakeLogReady) -> None:
        if self.gone:
            return
        from pcc_tui.tui.screens.intake_log import IntakeLogScreen

        self.app.push_screen(IntakeLogScreen(message.entries, self.pcc.store.clock.tz))

    def action_start_pathway(self) -> None:
        from pcc_tui.tui.forms import pathways

        self._act(pathways.start_pathway_form)

    def action_move_anchor(self) -> None:
        from pcc_tui.tui.forms import pathways

        self._act(pathways.move_anchor_form)

    def action_break_glass(self) -> None:
        from pcc_tui.tui.forms import glass

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
        from pcc_tui.tui.forms import handoffs

        try:
            people = colleagues(self.pcc.store)
        except PccError as exc:
            self.post_message(WorkFailed.of("list colleagues", exc))
            return
        build: FormBuilder = lambda env, s: handoffs.offer_form(env, s, people)  # noqa: E731
        self.post_message(DetailsForAction(sel, build))

    def action_complete(self) -> None:
        from pcc_tui.tui.forms import plans

        if self.read_only():
            return
        sel = self.selection()
        try:
            targets = plans.step_targets(sel)
        except NoTarget as exc:
            self.notify(str(exc), severity="warning")
            return
        waiting = plans.waiting_on(sel, targets)
        if waiting is not None:
            self.notify(f"{self.env.who(sel.patient)}: {waiting}", severity="warning")
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

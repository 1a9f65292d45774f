"""Working alongside others, on the cockpit: live updates from the change feed, who else has
the patient open, the offline banner and the break-the-glass banner. A mixin of
`CockpitScreen`, so screen.py stays about the four panels and the keys.

Database work runs in thread workers that post messages; the handlers here touch widgets.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.timer import Timer
from textual.widgets import Static

from pcc_tui.core.errors import PccError
from pcc_tui.core.services import presence
from pcc_tui.core.services.live import Change, StopSignal, follow_changes
from pcc_tui.tui.messages import Changed, Connectivity, PresenceLoaded, RecordClosed, WorkFailed

if TYPE_CHECKING:
    from textual.screen import Screen

    from pcc_tui.core.domain.read_models import CoverageChecklist, PatientChart, Timeline
    from pcc_tui.tui.host import Host

    _Base = Screen[None]
else:
    _Base = object

CHANGES_SETTLE_S = 0.1  # a burst of notices (one save touching many rows) is one reload
HEARTBEAT = "presence-heartbeat"


class LiveMixin(_Base):
    if TYPE_CHECKING:  # what the cockpit provides
        patient_id: int | None
        chart: PatientChart | None
        timeline: Timeline | None
        coverage: CoverageChecklist | None
        closed_record: int | None
        viewers: list[str]

        @property
        def pcc(self) -> Host: ...
        @property
        def gone(self) -> bool: ...
        def reload_queue(self) -> None: ...
        def _load_patient(self, patient_id: int) -> object: ...
        def action_reload(self) -> None: ...
        def show_chart(self) -> None: ...
        def _clear_details(self, reason: str) -> None: ...
        def paint_switch(self) -> None: ...

    _feed_stop: StopSignal | None = None
    _pending: list[Change]
    _settle: Timer | None = None
    _feed_offline = False
    _work_offline = False

    def start_live(self) -> None:
        self._pending = []
        if self.pcc.session.live:
            self._feed_stop = StopSignal()
            self._follow_changes(self._feed_stop)
        # Wakes the app without drawing anything: an idle screen still sends 0 bytes.
        self.set_interval(presence.HEARTBEAT_SECONDS, self._heartbeat, name=HEARTBEAT)

    def stop_live(self) -> None:
        if self._feed_stop is not None:
            self._feed_stop.set()

    # ---- live updates ---------------------------------------------------------------------
    @work(thread=True, group="feed", exit_on_error=False)
    def _follow_changes(self, stop: StopSignal) -> None:
        try:
            follow_changes(
                self.pcc.store,
                lambda found: self.post_message(Changed(found)),
                lambda online, retry: self.post_message(Connectivity(online, retry)),
                stop,
                self.pcc.session.feed_retry,
            )
        except Exception as exc:  # say so, never stop following silently (no details: PHI)
            self.post_message(
                WorkFailed(
                    "follow colleagues' changes",
                    f"live updates stopped ({type(exc).__name__}); R reloads by hand",
                )
            )
        finally:
            stop.close()

    def on_changed(self, message: Changed) -> None:
        self._pending.extend(message.changes)
        if self._settle is None:
            self._settle = self.set_timer(CHANGES_SETTLE_S, self._apply_changes)

    def _apply_changes(self) -> None:
        self._settle = None
        found, self._pending = self._pending, []
        if self.pcc.is_locked or self.gone:
            return  # the screen below refreshes on unlock
        if any(c.tables != {"presence"} for c in found):
            self.reload_queue()  # someone moving between charts changes no queue
        pid = self.patient_id
        touching = [c for c in found if pid is not None and pid in c.patient_ids]
        if not touching or pid is None:
            return
        if all(c.tables == {"presence"} for c in touching):
            self._load_presence(pid)
        else:
            self._load_patient(pid)

    @work(thread=True, exclusive=True, group="presence")
    def _load_presence(self, patient_id: int) -> None:
        try:
            viewers = presence.others_viewing(self.pcc.store, patient_id)
        except PccError as exc:
            self.post_message(WorkFailed.of("see who else is here", exc))
            return
        self.post_message(PresenceLoaded(patient_id, viewers))

    def on_presence_loaded(self, message: PresenceLoaded) -> None:
        if message.patient_id == self.patient_id and not self.gone:
            self.viewers = message.viewers
            self.show_chart()

    @work(thread=True, exclusive=True, group="heartbeat")
    def announce(self, patient_id: int | None) -> None:
        # Offline: the banner says so already; the next heartbeat tries again.
        with suppress(PccError):
            presence.announce(self.pcc.store, self.pcc.actor, patient_id)

    def _heartbeat(self) -> None:
        if not self.pcc.is_locked:
            self.announce(self.patient_id)

    # ---- offline --------------------------------------------------------------------------
    def on_connectivity(self, message: Connectivity) -> None:
        if self.gone:
            return
        was_offline = self._feed_offline
        self._feed_offline = not message.online
        if message.online and was_offline:
            self._work_offline = False
            self.notify("Back online: reloading what changed meanwhile.", timeout=4)
            self.action_reload()
        self._show_offline(message.retry)

    def went_offline(self) -> None:
        """A worker found the database unreachable (the feed may not have noticed yet)."""
        self._work_offline = True
        self._show_offline(0)

    def back_online(self) -> None:
        if self._work_offline and not self._feed_offline:
            self._work_offline = False
            self._show_offline(0)

    def _show_offline(self, retry: float) -> None:
        banner = self.query_one("#offline-banner", Static)
        offline = self._feed_offline or self._work_offline
        when = f" Retrying in {retry:.0f} s." if retry >= 1 else " Retrying."
        banner.update(
            "OFFLINE: the database is unreachable."
            + when
            + " Open forms keep what you typed; nothing saves until it is back."
        )
        banner.set_class(not offline, "hidden")

    # ---- break the glass ------------------------------------------------------------------
    def on_record_closed(self, message: RecordClosed) -> None:
        self.paint_switch()
        if message.patient_id != self.patient_id or self.gone:
            return
        self.chart = self.timeline = self.coverage = None
        self.closed_record = message.patient_id if message.can_break_glass else None
        self._clear_details(message.reason)
        self.show_glass(None)

    def show_glass(self, until: datetime | None) -> None:
        banner = self.query_one("#glass-banner", Static)
        if until is not None:
            local = until.astimezone(self.pcc.store.clock.tz).strftime("%H:%M")
            banner.update(f"BREAK THE GLASS: access to this record until {local}, audited")
        banner.set_class(until is None, "hidden")

"""Team mode in the cockpit: live updates, presence, idle lock and logoff, offline banner,
break the glass. A mixin of `PccApp`, so app.py stays about the four panels.

Database work runs in thread workers that post messages; the handlers here touch widgets.
"""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.timer import Timer
from textual.widgets import Static

from pcc_tui.core.config import AuthSettings
from pcc_tui.core.errors import AuthFailed, PccError
from pcc_tui.core.services import accounts, presence
from pcc_tui.core.services.access import break_glass
from pcc_tui.core.store.changes import Change
from pcc_tui.core.store.feed import ChangeFeed
from pcc_tui.tui.messages import (
    Changed,
    Connectivity,
    PresenceLoaded,
    RecordClosed,
    Unlocked,
    WorkFailed,
)
from pcc_tui.tui.screens.form import FormField
from pcc_tui.tui.screens.lock import LockScreen

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.screen import Screen

    from pcc_tui.core.domain.read_models import (
        CoverageChecklist,
        PatientChart,
        QueueScope,
        Timeline,
    )
    from pcc_tui.core.services.context import Actor
    from pcc_tui.core.store.database import Store

    _Base = App[int]
else:
    _Base = object

CHANGES_SETTLE_S = 0.1  # a burst of notices (one save touching many rows) is one reload
CLEAR_SCROLLBACK = "\x1b[3J"
IDLE_CHECK, HEARTBEAT = "idle-check", "presence-heartbeat"


@dataclass(frozen=True)
class SessionRules:
    method: str = "os"  # how the user signed in: os, password or pin (the lock asks again)
    lock_after_s: float = 300.0
    logoff_after_s: float = 1800.0
    max_failed: int = 5
    live: bool = True  # follow other sessions' changes

    @classmethod
    def from_settings(cls, auth: AuthSettings, method: str) -> SessionRules:
        return cls(
            method=method,
            lock_after_s=auth.idle_lock_minutes * 60,
            logoff_after_s=auth.idle_logoff_minutes * 60,
            max_failed=auth.max_failed_logins,
        )

    @property
    def check_every_s(self) -> float:
        return min(5.0, self.lock_after_s / 3)


class TeamMixin(_Base):
    """State and handlers for working alongside others; mixed into PccApp."""

    if TYPE_CHECKING:  # what the cockpit provides
        store: Store
        actor: Actor
        patient_id: int | None
        scope: QueueScope
        chart: PatientChart | None
        timeline: Timeline | None
        coverage: CoverageChecklist | None
        closed_record: int | None

        @property
        def cockpit(self) -> Screen[Any]: ...
        @property
        def shutting_down(self) -> bool: ...

        def _load_queue(self, scope: QueueScope) -> object: ...
        def _load_patient(self, patient_id: int) -> object: ...
        def action_reload(self) -> None: ...
        def _show_chart(self) -> None: ...
        def _clear_details(self, reason: str) -> None: ...
        def _open_form(self, build: Callable[[Any], Any]) -> None: ...

    session: SessionRules
    end_reason = "quit"
    _feed_stop: threading.Event
    _last_input: float
    _pending: list[Change]
    _settle: Timer | None = None
    _feed_offline = False
    _work_offline = False
    viewers: list[str]

    def _start_team(self) -> None:
        self._feed_stop = threading.Event()
        self._last_input = time.monotonic()
        self._pending = []
        self.viewers = []
        if self.session.live:
            self._follow_changes()
        # Both wake the app without drawing anything: an idle screen still sends 0 bytes.
        self.set_interval(self.session.check_every_s, self._check_idle, name=IDLE_CHECK)
        self.set_interval(presence.HEARTBEAT_SECONDS, self._heartbeat, name=HEARTBEAT)

    def _stop_team(self) -> None:
        self._feed_stop.set()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = time.monotonic()
        await super().on_event(event)

    # ---- live updates ---------------------------------------------------------------------
    @work(thread=True, group="feed", exit_on_error=False)
    def _follow_changes(self) -> None:
        feed = ChangeFeed(
            self.store,
            lambda found: self.post_message(Changed(found)),
            lambda online, retry: self.post_message(Connectivity(online, retry)),
        )
        try:
            feed.run(self._feed_stop)
        except Exception as exc:  # say so, never stop following silently (no details: PHI)
            self.post_message(
                WorkFailed(
                    "follow colleagues' changes",
                    f"live updates stopped ({type(exc).__name__}); R reloads by hand",
                )
            )

    def on_changed(self, message: Changed) -> None:
        self._pending.extend(message.changes)
        if self._settle is None:
            self._settle = self.set_timer(CHANGES_SETTLE_S, self._apply_changes)

    def _apply_changes(self) -> None:
        self._settle = None
        found, self._pending = self._pending, []
        if self.is_locked or self.shutting_down:
            return  # the screen below refreshes on unlock
        if any(c.tables != {"presence"} for c in found):
            self._load_queue(self.scope)  # someone moving between charts changes no queue
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
            viewers = presence.others_viewing(self.store, patient_id)
        except PccError as exc:
            self.post_message(WorkFailed.of("presence", exc))
            return
        self.post_message(PresenceLoaded(patient_id, viewers))

    def on_presence_loaded(self, message: PresenceLoaded) -> None:
        if message.patient_id == self.patient_id and not self.shutting_down:
            self.viewers = message.viewers
            self._show_chart()

    @work(thread=True, exclusive=True, group="heartbeat")
    def _announce(self, patient_id: int | None) -> None:
        # Offline: the banner says so already; the next heartbeat tries again.
        with suppress(PccError):
            presence.announce(self.store, self.actor, patient_id)

    def _heartbeat(self) -> None:
        if not self.is_locked:
            self._announce(self.patient_id)

    # ---- offline --------------------------------------------------------------------------
    def on_connectivity(self, message: Connectivity) -> None:
        if self.shutting_down:
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
        banner = self.cockpit.query_one("#offline-banner", Static)
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
        if message.patient_id != self.patient_id or self.shutting_down:
            return
        self.chart = self.timeline = self.coverage = None
        self.closed_record = message.patient_id if message.can_break_glass else None
        self._clear_details(message.reason)
        self._show_glass(None)

    def action_break_glass(self) -> None:
        pid = getattr(self, "closed_record", None)
        if pid is None or pid != self.patient_id:
            self.notify("Break the glass applies to a record outside your caseload.")
            return

        def submit(values: dict[str, Any], _version: int | None) -> str:
            until = break_glass(self.store, self.actor, pid, values["reason"])
            local = until.astimezone(self.store.clock.tz).strftime("%H:%M")
            return f"Access granted until {local}; audited as break the glass"

        from pcc_tui.tui.actions import form

        self._open_form(
            lambda app: form(
                app,
                "Break the glass",
                [FormField("reason", "Why you need it", "text", required=True)],
                submit,
                intro="This patient is outside your caseload and ward. Your reason, the time "
                "and your terminal are recorded; supervisors review every access.",
            )
        )

    def _show_glass(self, until: datetime | None) -> None:
        banner = self.cockpit.query_one("#glass-banner", Static)
        if until is not None:
            local = until.astimezone(self.store.clock.tz).strftime("%H:%M")
            banner.update(f"BREAK THE GLASS: access to this record until {local}, audited")
        banner.set_class(until is None, "hidden")

    # ---- idle lock and logoff -------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return any(isinstance(s, LockScreen) for s in self.screen_stack)

    def _check_idle(self) -> None:
        idle = time.monotonic() - self._last_input
        if idle >= self.session.logoff_after_s:
            self.end_session("idle logoff")
        elif idle >= self.session.lock_after_s and not self.is_locked:
            self.action_lock("idle")

    def action_lock(self, why: str = "by hand") -> None:
        if self.is_locked:
            return
        since = datetime.now().strftime("%H:%M")
        self.push_screen(LockScreen(self.actor.display_name, self.session.method, since))
        self._wipe_scrollback()
        self._record_event("lock", why)
        self._announce(None)

    def try_unlock(self, secret: str) -> None:
        self._unlock(secret)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, secret: str) -> None:
        try:
            if self.session.method == "os":
                accounts.record_session_event(self.store, self.actor, "unlock", method="os")
            else:
                accounts.unlock(
                    self.store,
                    self.actor,
                    secret,
                    method="pin" if self.session.method == "pin" else "password",
                    max_failed=self.session.max_failed,
                )
        except AuthFailed:
            self.call_from_thread(self._unlock_refused)
            return
        except PccError as exc:
            self.call_from_thread(self._lock_message, f"Could not check: {exc}")
            return
        self.post_message(Unlocked())

    def _unlock_refused(self) -> None:
        self._lock_message("Not unlocked: wrong secret. Too many tries lock the account.")

    def _lock_message(self, text: str) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, LockScreen):
                screen.refused(text)

    def on_unlocked(self, _message: Unlocked) -> None:
        while self.is_locked:
            self.pop_screen()
        self._last_input = time.monotonic()
        self._announce(self.patient_id)
        self.action_reload()

    def end_session(self, reason: str) -> None:
        """Sign out: the caller (`pcc`) audits the logout and clears the terminal."""
        self.end_reason = reason
        self._wipe_scrollback()
        self.exit(0)

    def _wipe_scrollback(self) -> None:
        driver = self._driver
        if driver is not None and not self.is_headless:
            driver.write(CLEAR_SCROLLBACK)

    @work(thread=True, group="session-events")
    def _record_event(self, event: str, why: str) -> None:
        # Offline: the lock still happens; the trail has the gap's neighbours.
        with suppress(PccError):
            accounts.record_session_event(self.store, self.actor, event, reason=why)

"""The signed-in session, App-wide: idle lock (the secret again) and logoff, the sign-out.
A mixin of `PccApp`; live updates and banners live with the cockpit (`cockpit/live.py`).

Idle time is measured on an injectable clock (`SessionRules.clock`), so tests move time on
rather than waiting for it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events, work

from pcc_tui.core.config import AuthSettings
from pcc_tui.core.errors import AuthFailed, PccError
from pcc_tui.core.services import accounts
from pcc_tui.tui.messages import Unlocked
from pcc_tui.tui.screens.lock import LockScreen

if TYPE_CHECKING:
    from textual.app import App

    from pcc_tui.core.services.context import Actor, Store

    _Base = App[int]
else:
    _Base = object

CLEAR_SCROLLBACK = "\x1b[3J"
IDLE_CHECK = "idle-check"


@dataclass(frozen=True)
class SessionRules:
    method: str = "os"  # how the user signed in: os, password or pin (the lock asks again)
    lock_after_s: float = 300.0
    logoff_after_s: float = 1800.0
    max_failed: int = 5
    live: bool = True  # follow other sessions' changes
    clock: Callable[[], float] = field(default=time.monotonic)  # idle time; tests move it on
    check_s: float = 0.0  # how often idleness is checked; 0: a third of the lock time, <= 5 s
    feed_retry: tuple[float, float] = (0.5, 15.0)  # live updates: first, longest retry wait

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
        return self.check_s or min(5.0, self.lock_after_s / 3)


class SessionMixin(_Base):
    """Idle lock and logoff for PccApp."""

    if TYPE_CHECKING:
        store: Store
        actor: Actor

        @property
        def cockpit(self) -> Any: ...  # the CockpitScreen (a higher layer: not imported)

    session: SessionRules
    end_reason = "quit"
    _last_input: float

    def start_session(self) -> None:
        self._last_input = self.session.clock()
        # Wakes the app without drawing anything: an idle screen still sends 0 bytes.
        self.set_interval(self.session.check_every_s, self.check_idle_lock, name=IDLE_CHECK)
        self._end_on_signals()

    def _end_on_signals(self) -> None:
        """A dropped SSH session (SIGHUP), `kill` (SIGTERM) or SIGINT ends the session the
        way `q` does: screen and scrollback cleared, terminal restored, sign-out audited."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.end_session, f"signal {sig.name}")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.Paste):
            self._last_input = self.session.clock()
        await super().on_event(event)

    # ---- idle lock and logoff -------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return any(isinstance(s, LockScreen) for s in self.screen_stack)

    def check_idle_lock(self) -> None:
        idle = self.session.clock() - self._last_input
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
        self.cockpit.announce(None)

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
        self._lock_message(
            "Not unlocked. After a wrong try wait a moment; too many tries lock the account."
        )

    def _lock_message(self, text: str) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, LockScreen):
                screen.refused(text)

    def on_unlocked(self, _message: Unlocked) -> None:
        while self.is_locked:
            self.pop_screen()
        self._last_input = self.session.clock()
        self.cockpit.announce(self.cockpit.patient_id)
        self.cockpit.action_reload()

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

"""The idle lock: covers everything (no patient data), asks for the user's secret again.

Screens under it, an unsaved form included, stay as they were and come back on unlock.
"""

from __future__ import annotations

from textual import on
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static


class LockScreen(Screen[None]):
    def __init__(self, display_name: str, method: str, since: str) -> None:
        super().__init__(id="lock-screen")
        self.display_name = display_name
        self.method = method  # password, pin, or os (the OS login is trusted: Enter unlocks)
        self.since = since

    def compose(self):  # type: ignore[no-untyped-def]
        ask = {"password": "password", "pin": "PIN"}.get(self.method)
        prompt = f"Enter your {ask} to return." if ask else "Press Enter to return."
        with Vertical(id="lock"):
            yield Static(f"pcc - locked since {self.since}", id="lock-title")
            yield Static(f"{self.display_name}: {prompt}", id="lock-prompt")
            secret = Input(password=True, id="lock-secret", compact=True)
            secret.cursor_blink = False
            yield secret
            yield Static("", id="lock-error", classes="error")
            yield Static("Type q and Enter to sign out instead.", id="lock-keys")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#lock-secret", Input))

    @on(Input.Submitted, "#lock-secret")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value
        event.input.value = ""
        if value == "q":
            self.app.exit(0)
            return
        self.query_one("#lock-error", Static).update("Checking...")
        self.app.try_unlock(value)  # type: ignore[attr-defined]

    def refused(self, message: str) -> None:
        self.query_one("#lock-error", Static).update(message)

"""The privacy blank: F12 hides every patient detail at once, F12 brings it back."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static


class PrivacyScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f12", "reveal", "Show", id="privacy-reveal", priority=True),
    ]

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("pcc\n\nScreen hidden.\nPress F12 to return.", id="privacy")

    def action_reveal(self) -> None:
        self.dismiss(None)

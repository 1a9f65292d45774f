"""What every panel shares: a titled border, a number key, a focus target."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widget import Widget


class Panel(Vertical):
    """A bordered panel; `focus_target` is what `1`-`4` focus inside it."""

    can_focus = False
    ALLOW_MAXIMIZE = True  # `+` zooms a panel to the full screen
    TITLE = ""
    NUMBER = 0

    def on_mount(self) -> None:
        self.border_title = f"{self.NUMBER} {self.TITLE}"

    def focus_target(self) -> Widget:
        return self

"""The record's history (`E`): each change to the patient's record, newest first, with who
made it, when, the fields and the values they had before. Esc goes back."""

from __future__ import annotations

from datetime import tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from pcc_tui.core.services.record_history import HistoryEntry
from pcc_tui.tui.widgets import ScrollBox

WORDS = {"patient.register": "registered", "patient.update": "record changed"}


def render_history(entries: list[HistoryEntry], tz: tzinfo) -> Text:
    out = Text()
    if not entries:
        out.append("No changes recorded yet.", style="dim")
    for e in entries:
        when = e.at.astimezone(tz).strftime("%a %d %b %Y %H:%M")
        out.append(f"{when}  {e.who}  ", style="bold")
        out.append(WORDS.get(e.action, e.action.replace(".", " ")))
        if e.fields:
            out.append(": " + ", ".join(f.replace("_", " ") for f in e.fields))
        out.append("\n")
        for field, old in e.before.items():
            was = "(empty)" if old in (None, "", []) else old
            out.append(f"    {field.replace('_', ' ')} was {was}\n", style="dim")
    return out


class HistoryScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="history-back"),
    ]

    def __init__(self, title: str, entries: list[HistoryEntry], tz: tzinfo) -> None:
        super().__init__(classes="form-screen")
        self.heading = title
        self.entries = entries
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.heading, id="form-title", markup=False)
            with ScrollBox(id="history-scroll"):
                yield Static(render_history(self.entries, self.tz), id="history-body")
            yield Static("j k scroll | Esc back", id="form-keys")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#history-scroll", ScrollBox))

    def action_close(self) -> None:
        self.dismiss(None)

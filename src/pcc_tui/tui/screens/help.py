"""`?`: every binding active where the focus is, with its id for the [keymap] config."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]], where: str) -> None:
        super().__init__(classes="form-screen")
        self.rows = rows
        self.where = where

    def compose(self):  # type: ignore[no-untyped-def]
        table = Table(box=None, expand=True)
        table.add_column("key")
        table.add_column("does")
        table.add_column("id ([keymap] in config.toml)", style="dim")
        for key, description, binding_id in self.rows:
            table.add_row(key, description, binding_id)
        with VerticalScroll(id="form"):
            yield Static(f"Keys in {self.where}", id="form-title")
            yield Static(table)
            yield Static("Esc close", id="form-keys")

    def action_close(self) -> None:
        self.dismiss(None)

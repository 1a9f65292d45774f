"""`?`: pcc's keys grouped by task, with the key in force now and its id for `[keymap]`."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from pcc_tui.tui.widgets import ScrollBox

Row = tuple[str, str, str]  # keys, what it does, id


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help-close"),
    ]

    def __init__(self, groups: list[tuple[str, list[Row]]], here: list[Row]) -> None:
        super().__init__(classes="form-screen")
        self.groups = groups
        self.here = here

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True)
        table.add_column("key", no_wrap=True)
        table.add_column("does")
        table.add_column(Text("id, to rebind in [keymap] of config.toml"), style="dim")
        sections = ([("On this screen", self.here)] if self.here else []) + self.groups
        for group, rows in sections:
            table.add_row(Text(group, style="bold underline"), "", "")
            for keys, description, binding_id in rows:
                table.add_row(Text(keys), Text(description), Text(binding_id))
        with VerticalScroll(id="form"):
            yield Static("pcc keys (j/k/g/G and the page keys move in every list)", id="form-title")
            with ScrollBox(id="help-body"):
                yield Static(table)
            yield Static("Esc close", id="form-keys")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#help-body", ScrollBox))

    def action_close(self) -> None:
        self.dismiss(None)

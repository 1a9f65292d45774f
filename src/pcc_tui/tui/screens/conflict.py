"""Someone changed the record since it was shown: theirs next to mine, then choose."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from pcc_tui.core.errors import ConflictError


class ConflictScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "choose('theirs')", "Take theirs", id="conflict-theirs"),
        Binding("r", "choose('reapply')", "Re-apply mine", id="conflict-reapply"),
        Binding("escape", "choose('back')", "Cancel", id="conflict-back"),
    ]

    def __init__(self, conflict: ConflictError) -> None:
        super().__init__(classes="form-screen")
        self.conflict = conflict

    def compose(self):  # type: ignore[no-untyped-def]
        c = self.conflict
        table = Table(box=None, expand=True)
        table.add_column("")
        table.add_column("theirs (saved)")
        table.add_column("mine (not saved)")
        for key, mine in c.mine.items():
            table.add_row(_words(key), _value(c.theirs.get(key)), _value(mine))
        for key, label in (("updated_by", "changed by"), ("updated_at", "changed at")):
            if key in c.theirs:
                table.add_row(label, _value(c.theirs[key]), "")
        thing = c.entity.replace("_", " ")
        with Vertical(id="form"):
            yield Static(f"Someone else changed this {thing} since you opened it", id="form-title")
            yield Static(table)
            yield Static(
                "t take theirs (drop mine) | r re-apply mine on top of theirs | Esc cancel",
                id="form-keys",
            )

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


def _words(key: str) -> str:
    return key.replace("_", " ")


def _value(value: object) -> str:
    return "" if value is None else str(value)

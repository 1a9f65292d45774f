"""A yes/no question for risky choices; the default (Enter, Esc) is No."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n", "answer(False)", "No", id="confirm-no"),
        Binding("enter", "answer(False)", "No", show=False, id="confirm-default"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm-escape"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="form-screen")
        self.question = question

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical(id="form"):
            yield Static(self.question, id="form-title")
            yield Static("y yes | n / Enter / Esc no", id="form-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

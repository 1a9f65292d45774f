"""A yes/no question for risky choices: Enter and Esc answer No, only `y` says yes."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class AskScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="ask-yes"),
        Binding("n,enter,escape", "answer(False)", "No", id="ask-no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="form-screen ask-screen")
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(self.question, id="form-title", markup=False)
            if self.detail:
                yield Static(self.detail, id="form-intro", markup=False)
            yield Static("y yes | n, Enter or Esc: no (the default)", id="form-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

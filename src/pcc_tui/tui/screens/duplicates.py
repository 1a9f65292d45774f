"""Likely matches found before a registration is saved. The safe choice is the default:
Enter opens the highlighted existing record; `n` registers a new patient anyway; Esc goes
back to the form with everything typed still there."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pcc_tui.core.services.registration import LikelyMatch
from pcc_tui.tui.widgets import KeyList


class DuplicatesScreen(ModalScreen[int | str | None]):
    """Dismissed with the chosen patient's id, "new", or None (back to the form)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "register_new", "Register new", id="duplicates-new"),
        Binding("escape", "back", "Back to the form", id="duplicates-back"),
    ]

    def __init__(self, matches: list[LikelyMatch], mask: str) -> None:
        super().__init__(classes="form-screen")
        self.matches = matches
        self.mask = mask

    def compose(self) -> ComposeResult:
        many = len(self.matches) > 1
        with Vertical(id="form"):
            yield Static(
                f"{'These patients look' if many else 'This patient looks'} like the one"
                " you are registering",
                id="form-title",
                markup=False,
            )
            yield KeyList(
                *(
                    Option(
                        f"{m.family_name}, {m.given_name}  born {m.birth_date:%Y-%m-%d}"
                        f"  MRN {m.mrn}  ({m.why})",
                        id=str(m.id),
                    )
                    for m in self.matches
                ),
                id="duplicate-list",
            )
            yield Static(
                "Enter open this record (the default) | n register a new patient anyway"
                " | Esc back to the form",
                id="form-keys",
            )

    def on_mount(self) -> None:
        options = self.query_one("#duplicate-list", OptionList)
        options.highlighted = 0  # Enter at once opens the first (most likely) match
        self.set_focus(options)

    @on(OptionList.OptionSelected, "#duplicate-list")
    def _open(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_register_new(self) -> None:
        self.dismiss("new")

    def action_back(self) -> None:
        self.dismiss(None)

"""The HL7 intake log (`O`, supervisors and admins): what the hospital feed sent, newest
first, and what became of each message; refused and held ones say the segment and field and
why. Message content is never shown here. Esc goes back."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from pcc_tui.tui.widgets import ScrollBox

OUTCOME_WORDS = {
    "AA": "applied",
    "AE": "refused (error)",
    "AR": "refused",
    "held": "held",
    "duplicate": "duplicate",
    "ignored": "ignored",
}


def render_log(entries: list[Any], tz: tzinfo) -> Text:
    out = Text()
    if not entries:
        out.append("No messages received yet.", style="dim")
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.outcome] = counts.get(e.outcome, 0) + 1
    if entries:
        summary = ", ".join(f"{OUTCOME_WORDS.get(k, k)} {v}" for k, v in sorted(counts.items()))
        out.append(f"Newest {len(entries)}: {summary}\n\n")
    for e in entries:
        when = e.received_at.astimezone(tz).strftime("%d %b %H:%M:%S")
        failed = e.outcome in ("AE", "AR", "held")
        out.append(f"{e.id:>6} {when}  {e.message_type:8} ", style="bold" if failed else "")
        out.append(f"{OUTCOME_WORDS.get(e.outcome, e.outcome):15}", style="bold" if failed else "")
        out.append(f" {e.control_id[:20]}  {e.sender[:30]}\n")
        if e.error:
            where = f"{e.error_where}: " if e.error_where else ""
            out.append(f"        {where}{e.error}\n", style="dim")
    return out


class IntakeLogScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="intake-log-back"),
    ]

    def __init__(self, entries: list[Any], tz: tzinfo) -> None:
        super().__init__(classes="form-screen")
        self.entries = entries
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static("Intake log: HL7 v2 from the hospital", id="form-title", markup=False)
            with ScrollBox(id="intake-log-scroll"):
                yield Static(render_log(self.entries, self.tz), id="intake-log-body")
            yield Static("j k scroll | Esc back | pcc hl7 replay ID re-runs one", id="form-keys")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#intake-log-scroll", ScrollBox))

    def action_close(self) -> None:
        self.dismiss(None)

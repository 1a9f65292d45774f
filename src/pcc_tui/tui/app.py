"""The pcc App. This first screen is the queue; the four-panel cockpit builds on it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.errors import PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_queue
from pcc_tui.core.store.database import Store
from pcc_tui.resources import styles_dir
from pcc_tui.tui.messages import QueueLoaded, WorkFailed
from pcc_tui.tui.privacy import masked

PRIORITY_MARK = {"stat": "!!!", "asap": "!!", "urgent": "!", "routine": ""}


class PccApp(App[int]):
    CSS_PATH = str(styles_dir() / "app.tcss")
    TITLE = "pcc"  # the terminal title never carries patient data
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("R", "reload", "Reload", id="reload"),
    ]

    def __init__(
        self, store: Store, actor: Actor, *, mouse: bool = True, ascii_only: bool = False
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.ascii_only = ascii_only
        self.mouse_enabled = mouse
        self.sub_title = actor.display_name

    def compose(self) -> ComposeResult:
        yield Static("Queue", id="queue-title")
        table: DataTable[str | Text] = DataTable(id="queue", cursor_type="row", zebra_stripes=False)
        table.add_columns("When", "Pri", "Kind", "Patient", "What is owed")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load_queue()

    @work(thread=True, exclusive=True, group="queue")
    def load_queue(self) -> None:
        try:
            queue = view_queue(self.store, self.actor, QueueScope.MINE)
        except PccError as exc:
            self.post_message(WorkFailed("queue", str(exc)))
            return
        self.post_message(QueueLoaded(queue))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        queue = message.queue
        counts = "  ".join(f"{k.value} {n}" for k, n in queue.counts.items())
        self.query_one("#queue-title", Static).update(f"Queue  {counts}")
        table = self.query_one("#queue", DataTable)
        table.clear()
        tz = self.store.clock.tz
        for item in queue.items:
            local = item.when.astimezone(tz)
            when = local.strftime("%d %b") if item.all_day else local.strftime("%d %b %H:%M")
            style = "bold" if item.overdue else ""
            table.add_row(
                Text(when, style=style),
                PRIORITY_MARK.get(item.priority, ""),
                item.kind.value,
                masked(item.patient),
                item.title,
                key=f"{item.entity_type}:{item.entity_id}",
            )

    def on_work_failed(self, message: WorkFailed) -> None:
        self.notify(message.error, title=f"Could not load the {message.what}", severity="error")

    # Privacy: nothing writes the screen to disk.
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("Screenshots are disabled: the screen holds patient data.")

    def deliver_screenshot(self, *args: object, **kwargs: object) -> str | None:
        return None

    def _fatal_error(self) -> None:
        """Crash report without local variables or the exception text (either may hold PHI)."""
        import sys

        from rich.panel import Panel
        from rich.segment import Segments

        error = sys.exc_info()[1] or self._exception
        kind = type(error).__name__ if error else "error"
        self.bell()
        text = Text(
            f"pcc stopped after an unexpected {kind}. No patient data was written to disk.\n"
            "Run again with PCC_DEBUG=1 to see where it happened."
        )
        self._exit_renderables.append(
            Segments(self.console.render(Panel(text, title="pcc"), self.console.options))
        )
        self._close_messages_no_wait()

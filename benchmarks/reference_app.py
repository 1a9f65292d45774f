"""The reference for benchmarks/tui.py: a minimal Textual app showing a 200-row DataTable."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Reference(App[None]):
    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="row")
        table.add_columns("When", "Pri", "Kind", "Patient", "What is owed")
        for i in range(200):
            table.add_row(
                f"24 Nov {8 + i % 9:02d}:00",
                "!",
                "step",
                f"AB ..{i:04d}",
                f"Follow-up call number {i}",
            )
        yield table


if __name__ == "__main__":
    Reference().run(mouse=False)

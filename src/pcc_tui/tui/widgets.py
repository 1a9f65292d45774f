"""Small shared widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.strip import Strip
from textual.widgets import DataTable, OptionList

from pcc_tui.tui.strips import merge_runs


class KeyTable(DataTable[object]):
    """A DataTable with vim keys; rows only, no cell cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("g", "scroll_top", "Top", show=False, id="cursor-top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="cursor-bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, cursor_foreground_priority="renderable"
        )
        # Called the moment a key moves the cursor to another row, before the move is
        # painted. RowHighlighted arrives only after the paint: work that follows the
        # cursor (loading a chart) can start this much earlier.
        self.moved: Callable[[], None] | None = None
        self._quiet = False

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if old.row != new.row and self.moved is not None and not self._quiet:
            self.moved()

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Move the cursor from code (a reload, a search) without calling `moved`."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def render_line(self, y: int) -> Strip:
        # Cells of one style go out as one escape sequence: a cursor move over a slow link
        # sends about half the bytes.
        return merge_runs(super().render_line(y))

    def _set_hover_cursor(self, active: bool) -> None:
        # Every cursor key hides the mouse-hover row, and DataTable repaints that row each
        # time even when it is already hidden: a third row sent per move, for nothing.
        if active != self._show_hover_cursor:
            super()._set_hover_cursor(active)

    def current_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if value is None else str(value)


# j/k/g/G on every scrolling body (the page keys come with Textual's scrolling widgets).
SCROLL_KEYS: list[BindingType] = [
    Binding("j", "scroll_down", "Down", show=False, id="scroll-down"),
    Binding("k", "scroll_up", "Up", show=False, id="scroll-up"),
    Binding("g", "scroll_home", "Top", show=False, id="scroll-top"),
    Binding("G", "scroll_end", "Bottom", show=False, id="scroll-bottom"),
]


class ScrollBox(VerticalScroll):
    """A scrolling panel body that j/k/g/G (and the page keys) move, like every list."""

    BINDINGS: ClassVar[list[BindingType]] = SCROLL_KEYS


class KeyList(OptionList):
    """An OptionList with vim keys: rows one can act on are options, the rest disabled lines
    that the cursor steps over."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="list-down"),
        Binding("k", "cursor_up", "Up", show=False, id="list-up"),
        Binding("g", "first", "Top", show=False, id="list-top"),
        Binding("G", "last", "Bottom", show=False, id="list-bottom"),
    ]

"""A scrolling block of text painted line by line, for panel bodies that change often.

A Static inside a scroll container changes size with its text, so every new text laid the
whole screen out again and painted the panel twice (and every list's scrollbar once more):
over a slow SSH link that was most of a patient switch's bytes. This pane keeps its own box:
new text is wrapped here and only the pane's own lines are painted, once. Its scroll mark is
the last cell of each line rather than a scrollbar widget, so it costs no extra cursor moves.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pcc_tui.tui.strips import merge_runs
from pcc_tui.tui.widgets import SCROLL_KEYS

THUMB = Style(reverse=True)  # a reversed space: the same in 16 colours and in --ascii


def thumb_rows(offset: int, visible: int, total: int) -> range:
    """The rows of a `visible`-row view over `total` lines, scrolled by `offset`, that show
    the scroll mark (none when everything fits)."""
    if total <= visible or visible <= 0:
        return range(0)
    size = max(1, round(visible * visible / total))
    start = round(offset * (visible - size) / (total - visible))
    return range(start, start + size)


class TextPane(ScrollView, can_focus=True):
    """Read-only wrapped text with j/k/g/G and the page keys, like every scrolling body."""

    BINDINGS: ClassVar[list[BindingType]] = SCROLL_KEYS
    DEFAULT_CSS = """
    TextPane {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 0;  /* the mark is drawn in the last column instead */
    }
    """

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text(text) if isinstance(text, str) else text
        self._lines: list[Strip] = []
        self._wrapped_at = 0

    def update(self, text: str | Text, *, top: bool = False) -> None:
        """Show `text` (from its first line if `top`); paints this pane only."""
        self._text = Text(text) if isinstance(text, str) else text
        self._wrap(self.size.width)
        if top:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def on_resize(self, _event: Resize) -> None:
        if self.size.width != self._wrapped_at:
            self._wrap(self.size.width)
            self.refresh()

    def _wrap(self, width: int) -> None:
        self._wrapped_at = width
        text_width = width - 1  # the last column is the scroll mark's
        if text_width <= 0:
            self._lines = []
            return
        console = self.app.console
        segments = console.render(self._text, console.options.update_width(text_width))
        self._lines = [
            Strip(line).adjust_cell_length(text_width) for line in Segment.split_lines(segments)
        ]
        size = Size(width, len(self._lines))
        if size != self.virtual_size:
            # Not `self.virtual_size = size`: that reactive lays the whole screen out again,
            # which repaints every list's scrollbar; this pane's own box has not changed.
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        index = self.scroll_offset.y + y
        if index >= len(self._lines) or width <= 1:
            return Strip.blank(width, base)
        thumb = y in thumb_rows(self.scroll_offset.y, self.size.height, len(self._lines))
        mark = Segment(" ", base + THUMB if thumb else base)
        line = self._lines[index].crop_extend(0, width - 1, base)
        # Runs of one style go out as one escape sequence, not one per word.
        return merge_runs(Strip([*line.apply_style(base), mark], width))

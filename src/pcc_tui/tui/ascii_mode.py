"""`--ascii`: Textual draws a few glyphs of its own (scrollbar thumb ends, toggle buttons);
swap them for ASCII while the app runs and put Textual's back when it stops."""

from __future__ import annotations

from typing import ClassVar

from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widgets._toggle_button import ToggleButton


class AsciiScrollBarRender(ScrollBarRender):
    # Thumb ends drawn as whole cells: spaces in the thumb's colour instead of eighth-blocks.
    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


_SAVED: dict[str, object] = {}


def enter_ascii_mode() -> None:
    if _SAVED:
        return
    _SAVED.update(
        renderer=ScrollBar.renderer,
        left=ToggleButton.BUTTON_LEFT,
        right=ToggleButton.BUTTON_RIGHT,
    )
    ScrollBar.renderer = AsciiScrollBarRender
    ToggleButton.BUTTON_LEFT, ToggleButton.BUTTON_RIGHT = "[", "]"


def leave_ascii_mode() -> None:
    if not _SAVED:
        return
    ScrollBar.renderer = _SAVED["renderer"]  # type: ignore[assignment]
    ToggleButton.BUTTON_LEFT = str(_SAVED["left"])
    ToggleButton.BUTTON_RIGHT = str(_SAVED["right"])
    _SAVED.clear()

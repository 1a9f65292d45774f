"""`--ascii`: Textual draws a few glyphs of its own (scrollbar thumb ends, toggle buttons);
swap them for ASCII while the app runs and put Textual's back when it stops."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
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


# Whatever still draws a non-ASCII glyph (a widget's arrow, the palette's icon, a name with an
# accent) is folded to ASCII on the way to the terminal: `--ascii` means every cell.
_GLYPHS = {
    **dict.fromkeys("─━═┄┈╌▔▁▂▃", "-"),
    **dict.fromkeys("│┃║┆┊╎▏▕", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╯╰╔╗╚╝╠╣╦╩╬┏┓┗┛", "+"),
    **dict.fromkeys("▄▀█▌▐▅▆▇░▒▓", " "),
    "▼": "v", "▲": "^", "▶": ">", "◀": "<", "►": ">", "◄": "<", "→": ">", "←": "<",
    "‼": "!!", "✓": "x", "✔": "x", "✗": "x", "✘": "x", "○": "o", "●": "*", "•": "*",
    "…": "...", "‖": "=", "⧗": "w", "🔎": ">", "⏎": "Enter", "“": '"', "”": '"',
    "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " ",
}  # fmt: skip


def to_ascii(text: str) -> str:
    if text.isascii():
        return text
    import unicodedata

    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in _GLYPHS:
            out.append(_GLYPHS[ch])
        else:
            folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(folded[:1] or "?")
    return "".join(out)


class AsciiFilter(LineFilter):
    """A line filter that keeps each cell's width: every glyph becomes one ASCII cell."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        result = []
        for seg in segments:
            text = seg.text
            if not text.isascii() and not seg.control:
                folded = to_ascii(text)
                width = cell_len(text)
                folded = (folded + " " * width)[:width] if len(folded) != width else folded
                seg = Segment(folded, seg.style, seg.control)
            result.append(seg)
        return result

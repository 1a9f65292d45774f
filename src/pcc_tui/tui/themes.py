"""Themes for every terminal a coordinator meets: dark, light, high contrast, ANSI-16."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="pcc-high-contrast",
    primary="#ffffff",
    secondary="#ffff00",
    accent="#00ffff",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#333333",
    warning="#ffff00",
    error="#ff5555",
    success="#00ff00",
    dark=True,
)

# Short names for the config file and the palette -> Textual theme names.
THEMES = {
    "dark": "textual-dark",
    "light": "textual-light",
    "high-contrast": "pcc-high-contrast",
    "ansi": "ansi-dark",  # the terminal's own 16 colours: right for thin clients
}


def theme_name(short: str | None) -> str:
    if short is None:
        return THEMES["dark"]
    return THEMES.get(short, short)

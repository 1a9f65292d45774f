"""The App: only what is global — quit, help, palette, privacy, lock, themes, the signed-in
session and the crash guard. The cockpit (`CockpitScreen`) is the default screen and owns
the four panels and the letter keys; every pushed screen binds its own keys.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.screen import Screen

from pcc_tui.core.config import DEFAULT_ROUNDS_CHECKLIST
from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.services.context import Actor, Store
from pcc_tui.resources import styles_dir
from pcc_tui.tui import keys
from pcc_tui.tui.ascii_mode import AsciiFilter, enter_ascii_mode, leave_ascii_mode
from pcc_tui.tui.cockpit.screen import CockpitScreen
from pcc_tui.tui.commands import ActionCommands, PatientCommands
from pcc_tui.tui.marks import marks_for
from pcc_tui.tui.one_paint import OnePaintScreens
from pcc_tui.tui.quiet_input import QuietInput
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.screens.help import HelpScreen
from pcc_tui.tui.screens.privacy import PrivacyScreen
from pcc_tui.tui.session import SessionMixin, SessionRules
from pcc_tui.tui.themes import HIGH_CONTRAST, theme_name

WIDE_COLUMNS, WIDE_ROWS = 120, 36
__all__ = ["PccApp", "SessionRules"]


class PccApp(SessionMixin, OnePaintScreens, QuietInput, App[int]):
    CSS_PATH = str(styles_dir() / "app.tcss")
    TITLE = "pcc"  # the terminal title never carries patient data
    COMMANDS = App.COMMANDS | {PatientCommands, ActionCommands}
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("app"))

    def __init__(
        self,
        store: Store,
        actor: Actor,
        *,
        mouse: bool = True,
        ascii_only: bool = False,
        theme: str | None = None,
        keymap: dict[str, str] | None = None,
        mask: str = "initials-mrn",
        switch_paint_ms: int = 40,
        rounds_checklist: list[str] | None = None,
        session: SessionRules | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.store = store
        self.actor = actor
        self.session = session or SessionRules()
        self.mouse_enabled = mouse
        self.ascii_only = ascii_only
        self.marks = marks_for(ascii_only)
        self.mask = mask
        self.switch_paint = switch_paint_ms / 1000
        self.demo = demo
        self.rounds_checklist = rounds_checklist or list(DEFAULT_ROUNDS_CHECKLIST)
        self.animation_level = "none"  # thin clients: nothing moves on its own
        self.register_theme(HIGH_CONTRAST)
        self.theme = theme_name(theme)
        self.sub_title = actor.display_name
        self.scope = QueueScope.MINE if actor.coordinator_id else QueueScope.ALL
        self.keymap = dict(keymap or {})
        keys.check_keymap(self.keymap)  # the CLI checks first and says so in one line
        self.crash: BaseException | None = None
        if ascii_only:
            self._filters.append(AsciiFilter())

    def get_default_screen(self) -> Screen[Any]:
        return CockpitScreen()

    @property
    def cockpit(self) -> CockpitScreen:
        """The four panels' screen, at the bottom of the stack: live updates and worker
        results reach it while a form, a report or the lock screen is on top."""
        screen = self.screen_stack[0]
        assert isinstance(screen, CockpitScreen)
        return screen

    @property
    def shutting_down(self) -> bool:
        return self._closing or not self.screen_stack

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        if os.environ.get("NO_COLOR"):
            self.add_class("no-color")
        if self.ascii_only:
            self.add_class("ascii")  # the app node: every screen, forms included, inherits it
            enter_ascii_mode()
        self._layout(self.size.width, self.size.height)
        self.start_session()

    def on_unmount(self) -> None:
        leave_ascii_mode()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int) -> None:
        wide = width >= WIDE_COLUMNS and height >= WIDE_ROWS
        self.set_class(wide, "wide")
        self.set_class(not wide, "narrow")

    # ---- global keys --------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Locked: only the lock's own box, and quitting. Blanked: only the privacy key.
        if self.is_locked:
            return action == "quit"
        if isinstance(self.screen, PrivacyScreen):
            return action == "privacy"
        return True

    async def action_quit(self) -> None:
        from pcc_tui.tui.screens.form import FormScreen  # off the start path

        typed = any(isinstance(s, FormScreen) and s.typed_in() for s in self.screen_stack)
        if not typed and not self.demo:
            self.exit(0)
            return
        detail = (
            "A form holds what you typed; it is not saved."
            if typed
            else "This is the demo: its database and your changes are deleted."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(AskScreen("Quit pcc?", detail), answered)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        local: list[tuple[str, str, str]] = []
        if not isinstance(self.screen, CockpitScreen):
            for binding in self.screen.BINDINGS:
                if isinstance(binding, Binding) and binding.id:
                    local.append((keys.display_key(binding.key), binding.description, binding.id))
        self.push_screen(HelpScreen(keys.grouped(self.keymap), local))

    def action_privacy(self) -> None:
        if isinstance(self.screen, PrivacyScreen):
            self.pop_screen()
        else:
            self.push_screen(PrivacyScreen())

    # ---- privacy by construction --------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Keys", "Quit"):
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify("Screenshots are disabled: the screen holds patient data.")

    def deliver_screenshot(self, *args: object, **kwargs: object) -> str | None:
        return None

    def _fatal_error(self) -> None:
        """Keep the error for `pcc` to report once the terminal is restored; show nothing of
        it here (the exception text or locals may hold patient data)."""
        self.crash = sys.exc_info()[1] or self._exception
        self.bell()
        self._close_messages_no_wait()


def crash_notice(error: BaseException, debug: bool) -> str:
    """The one line `pcc` prints after a crash, on the restored terminal (no patient data);
    with PCC_DEBUG=1, the traceback follows (frames and lines, no local variables)."""
    kind = type(error).__name__
    line = (
        f"pcc stopped after an unexpected {kind}. No patient data was written to disk. "
        "Run again with PCC_DEBUG=1 to see where it happened."
    )
    if not debug:
        return line
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"Traceback (the error's own text is left out):\n{frames}{kind}\n{line}"

"""End to end, as over SSH: the real `pcc --demo` in an 80x24 pseudo-terminal."""

from __future__ import annotations

import os
import sys

from tests.tui.pty_terminal import Terminal


def test_pcc_demo_confirm_and_quit() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
    term = Terminal([sys.executable, "-m", "pcc_tui", "--demo", "--no-mouse"], 80, 24, env)
    try:
        term.wait_for("1 Queue | mine", timeout=60)
        term.wait_for("What is owed")
        term.press("j", "j", "k")
        term.press("/", *"confirm", "enter")
        term.wait_for("/confirm")
        rows = [line for line in term.text().splitlines()[2:] if "..0" in line]
        assert rows and all(" appt " in line for line in rows)  # only unconfirmed appointments
        term.press("c")
        term.wait_for("Confirmed by")
        term.press("f2")
        term.wait_for("Confirmed 1 appointment(s) by phone")
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()

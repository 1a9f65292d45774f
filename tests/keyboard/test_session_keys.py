"""The App's own keys in a real terminal: ctrl+p opens the palette, `q` asks when something
would be lost, a bad keymap is refused at start in one line, and a crash leaves its notice
readable on the restored terminal (no patient data)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from tests import builders
from tests.keyboard.conftest import Cockpit, quit_cleanly
from tests.tui.pty_terminal import Terminal


def test_ctrl_p_opens_the_palette(cockpit: Cockpit) -> None:
    cockpit.key("ctrl+p")
    cockpit.wait("Search for commands")
    cockpit.type("confirm an")
    cockpit.wait("Confirm an appointment  (c)")
    cockpit.term.press("escape")
    cockpit.wait("1 Queue")
    quit_cleanly(cockpit)


def test_q_asks_when_a_form_holds_input(cockpit: Cockpit) -> None:
    cockpit.key("n")
    cockpit.wait("Add a note")
    cockpit.type("half a note")
    cockpit.term.press("escape")
    cockpit.wait("Discard what you typed?")
    cockpit.term.press("n")  # keep it
    cockpit.wait("half a note")
    assert cockpit.term.status is None
    cockpit.term.press("f2")
    cockpit.wait("note added")
    quit_cleanly(cockpit)  # nothing to lose now: q quits at once


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(TERM="xterm-256color", HOME=str(home), PCC_CONFIG=str(home / "config.toml"))
    return env


def test_q_in_the_demo_asks_first(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pcc_tui", "--demo", "--no-mouse"]
    term = Terminal(argv, 80, 24, _env(tmp_path))
    try:
        term.wait_for("1 Queue", timeout=60)
        term.press("q")
        term.wait_for("its database and your changes are deleted")
        term.press("enter")  # No, the default
        term.wait_for("1 Queue")
        assert term.status is None
        term.press("q", "y")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_a_keymap_clash_is_refused_at_start_in_one_line(seeded: Any, tmp_path: Path) -> None:
    url, _store, actor = seeded
    (tmp_path / "config.toml").write_text('[keymap]\ncomplete-step = "c"\n')
    builders.bind_os_user(url, actor.username)
    result = subprocess.run(
        [sys.executable, "-m", "pcc_tui", "--db", url, "--user", actor.username],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "complete-step and confirm-appointment both use 'c'" in lines[0]
    assert "config.toml" in lines[0]


CRASH = textwrap.dedent(
    """
    import sys
    from pcc_tui.tui.cockpit import screen

    def broken(self):  # a bug reached by a key
        raise RuntimeError(" ".join(["Jane", "Doe", "MRN" + "0000001"]))  # never shown

    screen.CockpitScreen.action_reload = broken
    from pcc_tui.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_crash_leaves_a_readable_notice_without_patient_data(seeded: Any, tmp_path: Path) -> None:
    url, _store, actor = seeded
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    builders.bind_os_user(url, actor.username)
    for debug in ("", "1"):
        env = _env(tmp_path) | ({"PCC_DEBUG": debug} if debug else {})
        argv = [sys.executable, str(script), "--db", url, "--user", actor.username]
        term = Terminal(argv, 100, 30, env)
        try:
            term.wait_for("1 Queue", timeout=60)
            term.press("R")
            assert term.wait_exit() == 2
            text = term.text()
            assert "pcc stopped after an unexpected RuntimeError" in text  # after the reset
            assert "Jane Doe" not in text and "MRN0000001" not in text
            assert ("in broken" in text) == bool(debug)  # the traceback, with PCC_DEBUG=1
        finally:
            term.kill()

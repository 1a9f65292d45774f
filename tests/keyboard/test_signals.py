"""SIGTERM, SIGHUP (a dropped SSH session) and SIGINT end the cockpit like `q`: the chart is
wiped from the screen and the scrollback, the terminal is restored, the sign-out is audited,
and `--demo` leaves no folder behind."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.keyboard.conftest import start
from tests.tui.pty_terminal import Terminal

WIPE = b"\x1b[3J"  # erase the scrollback
ALT_SCREEN_OFF = b"\x1b[?1049l"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_signs_out_and_wipes_the_screen(
    seeded: Any, tmp_path: Path, sig: signal.Signals
) -> None:
    url, store, actor = seeded
    term = start(url, actor.username, tmp_path)
    try:
        term.press("2")  # the chart: patient data on the screen
        term.read(0.5)
        shown = len(term.raw)
        os.kill(term.pid, sig)
        assert term.wait_exit() == 0
        tail = bytes(term.raw[shown:])
        assert WIPE in tail and ALT_SCREEN_OFF in tail
    finally:
        term.kill()
    with store.reading() as s:
        from sqlalchemy import select

        from pcc_tui.core.store.tables import AuditEventRow

        out = s.scalars(
            select(AuditEventRow.detail).where(AuditEventRow.action == "session.logout")
        ).all()
    assert out and f"signal {sig.name}" in out[-1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_the_demo_folder_goes_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(
        TERM="xterm-256color",
        TMPDIR=str(temp),
        HOME=str(tmp_path),
        PCC_CONFIG=str(tmp_path / "none.toml"),
    )
    term = Terminal([sys.executable, "-m", "pcc_tui", "--demo", "--no-mouse"], 80, 24, env)
    try:
        term.wait_for("What is owed", timeout=60)
        folders = list(temp.iterdir())
        assert len(folders) == 1 and folders[0].stat().st_mode & 0o777 == 0o700
        os.kill(term.pid, sig)
        assert term.wait_exit() == 0
    finally:
        term.kill()
    assert list(temp.iterdir()) == []

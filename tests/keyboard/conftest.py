"""The keyboard acceptance suite: the real `pcc` in an 80x24 pseudo-terminal (as over SSH),
driven by keystrokes only, on a seeded SQLite file; the test reads the screen, the database
and its audit trail. Keys are counted from the queue with the cursor on the row; typed text
(and the filter that puts the cursor on the row) is not counted.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.services.context import Actor, first_coordinator
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow
from tests import builders
from tests.tui.pty_terminal import KEYS, Terminal

COLS, ROWS = 80, 24
MEASURED: list[tuple[str, list[str], int]] = []  # (duty, keys pressed, budget)


def record_keys(keys: list[str], budget: int) -> None:
    """Note a duty's counted keys for the summary printed at the end of the run."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]
    MEASURED.append((test.removeprefix("test_"), list(keys), budget))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not MEASURED:
        return
    terminalreporter.section("keystrokes per duty (typed text not counted)")
    for duty, keys, budget in MEASURED:
        terminalreporter.write_line(f"{len(keys):>2} / {budget}  {duty:58} {' '.join(keys)}")


@dataclass
class Cockpit:
    """One `pcc` session in a pty, counting the keys that are not typed text."""

    term: Terminal
    store: Store
    actor: Actor
    counted: list[str] = field(default_factory=list)

    def key(self, *names: str) -> None:
        """Keys that count (commands, Tab, F2, a letter that picks an option is text)."""
        self.counted.extend(names)
        self.term.press(*names)

    def type(self, text: str) -> None:
        self.term.press(*text)

    def move_to(self, needle: str) -> None:
        """Put the queue cursor on the first row matching the filter words (not counted)."""
        self.term.press("/", *needle, "enter")
        self.wait(f"/{needle}")

    def wait(self, needle: str, timeout: float = 30.0) -> str:
        self.term.wait_for(needle, timeout)
        return self.term.text()

    def screen(self) -> str:
        self.term.read(0.2)
        return self.term.text()

    def audit(self, action: str) -> list[AuditEventRow]:
        with self.store.reading() as s:
            return list(
                s.scalars(
                    select(AuditEventRow)
                    .where(AuditEventRow.action == action)
                    .order_by(AuditEventRow.seq)
                )
            )

    @property
    def keystrokes(self) -> int:
        return len(self.counted)


@pytest.fixture
def seeded(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Store, Actor]]:
    path = tmp_path / "ward.db"
    shutil.copy(sqlite_template, path)
    os.chmod(path, 0o600)
    url = f"sqlite:///{path}"
    store = Store.open(url)  # the real clock, as the pcc under test uses
    seed_demo(store, patients=60, seed=7)
    actor = first_coordinator(store)
    assert actor is not None
    yield url, store, actor
    store.close()


def start(
    url: str,
    user: str,
    tmp_path: Path,
    *extra: str,
    settings: dict[str, str] | None = None,
    sync_output: bool = False,
) -> Terminal:
    """`pcc` in an 80x24 pseudo-terminal; `settings`: PCC_* variables for it; `sync_output`:
    see Terminal."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(
        TERM="xterm-256color",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        PCC_CONFIG=str(home / "none.toml"),
    )
    env.update(settings or {})
    if url.startswith("sqlite"):
        builders.bind_os_user(url, user)  # this OS login is that coordinator's
    argv = [sys.executable, "-m", "pcc_tui", "--db", url, "--user", user, "--no-mouse", *extra]
    term = Terminal(argv, COLS, ROWS, env, sync_output=sync_output)
    term.wait_for("1 Queue |", timeout=60)
    term.wait_for("What is owed", timeout=30)
    term.read(0.5)
    return term


@pytest.fixture
def cockpit(seeded: tuple[str, Store, Actor], tmp_path: Path) -> Iterator[Cockpit]:
    url, store, actor = seeded
    term = start(url, actor.username, tmp_path)
    try:
        yield Cockpit(term, store, actor)
    finally:
        term.kill()


def quit_cleanly(c: Cockpit) -> None:
    c.term.press("q")
    assert c.term.wait_exit() == 0


__all__ = ["KEYS", "Any", "Cockpit", "quit_cleanly", "start"]

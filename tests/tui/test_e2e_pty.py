"""End to end, as over SSH: the real `pcc --demo` in an 80x24 pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import select

from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import first_coordinator, resolve_actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.migrate import upgrade
from pcc_tui.core.store.tables import AuditEventRow
from tests.conftest import SYSTEM
from tests.tui.pty_terminal import Terminal

SECRET = "pty secret 12345"


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
        term.wait_for("Outcome")
        term.press("f2")
        term.wait_for("confirmed by phone")
        term.press("q")  # the demo asks first: its changes go with it
        term.wait_for("Quit pcc?")
        term.press("y")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_password_sign_in_lock_and_sign_out_over_a_terminal(tmp_path: Path) -> None:
    """Signing in on a terminal, locking by hand, unlocking, quitting: each audited with the
    tty, and the screen and scrollback cleared on the way out."""
    url = f"sqlite:///{tmp_path / 'team.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    seed_demo(store, patients=20, seed=3)
    accounts.add_user(
        store, SYSTEM, username="root", display_name="Root", role="admin", password=SECRET
    )
    lead = first_coordinator(store)
    assert lead is not None
    accounts.reset_secret(store, resolve_actor(store, "root"), lead.username, password=SECRET)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCC_")}
    env.update(
        TERM="xterm-256color",
        PCC_DATABASE_URL=url,
        PCC_AUTH='{"mode": "password"}',
        SSH_CONNECTION="10.1.2.3 50022 10.0.0.9 22",
    )
    argv = [sys.executable, "-m", "pcc_tui", "--user", lead.username, "--no-mouse"]
    term = Terminal(argv, 80, 24, env)
    try:
        term.wait_for(f"Password for {lead.username}", timeout=60)
        term.press(*SECRET, "enter")
        term.wait_for("1 Queue | mine", timeout=60)
        term.press("L")
        term.wait_for("locked since")
        assert "1 Queue" not in term.text()
        term.press(*SECRET, "enter")
        term.wait_for("1 Queue | mine")
        term.press("q")
        assert term.wait_exit() == 0
        assert b"\x1b[3J" in term.raw  # scrollback cleared
    finally:
        term.kill()
    with store.reading() as s:
        rows = s.execute(
            select(AuditEventRow.action, AuditEventRow.outcome, AuditEventRow.client)
            .where(AuditEventRow.action.like("session.%"), AuditEventRow.actor == lead.username)
            .order_by(AuditEventRow.seq)
        ).all()
    store.close()
    actions = [r.action for r in rows]
    assert actions == ["session.login", "session.lock", "session.unlock", "session.logout"]
    assert all(r.outcome == "0" and "ssh 10.1.2.3:50022" in r.client for r in rows)
    assert all("tty /dev/pts/" in r.client for r in rows)

"""A new user on a fresh machine, by the keyboard only: `pcc --db` on a new SQLite file makes
the schema, offers the OS user the first account, opens an empty cockpit, and `N` registers
a patient who is then owed an intake call in the queue scope "mine"."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import select

from pcc_tui.core.config import os_user
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, CoordinatorRow, PatientRow, PlanStepRow
from tests.tui.pty_terminal import Terminal

PASSWORD = "first-run-secret"


def fresh_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCC_", "XDG_"))}
    env.update(TERM="xterm-256color", HOME=str(home))
    return env


def test_first_run_to_a_registered_patient(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "mine.db"
    argv = [sys.executable, "-m", "pcc_tui", "--db", f"sqlite:///{db}", "--no-mouse"]
    term = Terminal(argv, 80, 24, fresh_env(home))
    try:
        term.wait_for("no accounts yet", timeout=60)
        assert "created a new pcc database" in term.text()
        term.press("enter")  # the default: yes, make me the first account
        term.wait_for("A password", timeout=30)
        term.press(*PASSWORD, "enter")
        term.wait_for("Again", timeout=30)
        term.press(*PASSWORD, "enter")
        term.wait_for("1 Queue |", timeout=60)
        term.wait_for("What is owed", timeout=30)
        term.read(0.5)
        assert "Intake call" not in term.text()  # an empty cockpit: nobody is owed anything
        term.press("N")
        term.wait_for("Register a patient", timeout=30)
        term.press(*"Okafor", "tab", *"Grace", "tab", *"1948-03-02", "tab")
        term.press("f")  # Sex: Female, and on to the next field
        term.press("tab")  # MRN: empty, the site assigns one
        term.press(*"(202) 555-0147")  # read as a US number by default
        term.press("f2")
        term.wait_for("Registered Grace Okafor as PCC000001", timeout=30)
        term.press("1", "m")  # the queue, scope "mine"
        term.wait_for("Intake call", timeout=30)
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
    assert db.stat().st_mode & 0o777 == 0o600
    store = Store.open(f"sqlite:///{db}")
    try:
        with store.reading() as s:
            me = s.scalar(select(CoordinatorRow))
            patient = s.scalar(select(PatientRow))
            step = s.scalar(select(PlanStepRow))
            actions = list(s.scalars(select(AuditEventRow.action).order_by(AuditEventRow.seq)))
        assert me is not None and (me.username, me.role, me.os_user) == (
            os_user(),
            "admin",
            os_user(),
        )
        assert patient is not None and patient.mrn == "PCC000001"
        assert (patient.phone, patient.sex) == ("+12025550147", "female")
        assert patient.coordinator_id == me.id
        assert step is not None and step.owner_id == me.id and step.title.startswith("Intake")
        assert "user.add" in actions and "patient.duplicate-check" in actions
        assert actions.index("patient.duplicate-check") < actions.index("patient.register")
    finally:
        store.close()


def test_no_terminal_prints_the_command(tmp_path: Path) -> None:
    import subprocess

    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "pcc_tui", "--db", url],
        env=fresh_env(home),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert f"pcc user add {os_user()} --db {url} " in line and "--role admin" in line

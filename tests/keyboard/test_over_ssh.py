"""The same cockpit over a real `ssh -t` session (a private sshd on loopback), at 80x24 and
160x48: duties by keys, the audit rows carry the SSH client. Needs Debian's openssh-server:
skipped with the reason when it is absent; `.ci/run` installs it and makes a skip a failure."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.reads import view_queue
from pcc_tui.core.store.tables import AuditEventRow
from tests import builders
from tests.tui.pty_terminal import Terminal

SSHD = Path("/usr/sbin/sshd")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    if not SSHD.exists() or shutil.which("ssh") is None:
        reason = "openssh-server not installed (apt-get install openssh-server)"
        if os.environ.get("PCC_REQUIRE_SSH") == "1":
            pytest.fail(f"PCC_REQUIRE_SSH=1 but {reason}")
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("sshd")
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)], check=True
        )
    (home / "authorized_keys").write_text((home / "client.pub").read_text())
    os.chmod(home / "authorized_keys", 0o600)
    port = _free_port()
    (home / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host'}\n"
        f"AuthorizedKeysFile {home / 'authorized_keys'}\nPidFile {home / 'sshd.pid'}\n"
        "PasswordAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\n"
        "UsePAM no\nAcceptEnv NONE\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation folder (Debian)
    server = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(home / "sshd_config")])
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield port, home
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_duties_over_ssh_t(sshd: tuple[int, Path], seeded: Any, size: tuple[int, int]) -> None:
    port, home = sshd
    url, store, actor = seeded
    builders.bind_os_user(url, actor.username)  # the SSH login is that coordinator's
    remote = (
        f"cd {ROOT} && TERM=xterm-256color PCC_CONFIG={home}/none.toml "
        f"{sys.executable} -m pcc_tui --db {url} --user {actor.username} --no-mouse"
    )
    argv = [
        "ssh", "-tt", "-i", str(home / "client"), "-p", str(port),
        "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={home / 'known_hosts'}",
        f"{getpass.getuser()}@127.0.0.1", remote,
    ]  # fmt: skip
    term = Terminal(argv, *size)
    try:
        term.wait_for("1 Queue |", timeout=60)
        term.wait_for("What is owed")
        queue = view_queue(store, actor)
        appt = next(i for i in queue.items if "confirm with patient" in i.title)
        step = next(i for i in queue.items if i.kind is QueueKind.STEP and "waiting" not in i.title)
        for needle, key, done in (
            (f"{appt.patient.mrn.lower()} appt", ["c", "f2"], "confirmed by phone"),
            (f"{step.patient.mrn.lower()} step", ["d"], "completed step"),
        ):
            term.press("/", *needle, "enter")
            term.wait_for(f"/{needle}")
            time.sleep(0.4)
            term.press(key[0])
            if len(key) > 1:
                term.wait_for("Outcome")
                term.press(*key[1:])
            term.wait_for(done)
        term.press("f12")
        term.wait_for("Screen hidden")
        term.press("f12", "ctrl+p")
        term.wait_for("Search for commands")
        term.press("escape")
        for _ in range(100):  # the palette is closed (at 160x48 the queue shows under it)
            term.read(0.05)
            if "Search for commands" not in term.text():
                break
        assert "Search for commands" not in term.text()
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
    with store.reading() as s:
        clients = s.scalars(
            select(AuditEventRow.client).where(
                AuditEventRow.action.in_(["appointment.confirm", "plan_step.complete"])
            )
        ).all()
    assert len(clients) == 2 and all(c.startswith("ssh 127.0.0.1:") for c in clients)

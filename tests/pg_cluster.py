"""A throwaway PostgreSQL cluster for the test session (Debian's postgresql package).

initdb/pg_ctl refuse to run as root, so as root they run through `runuser -u postgres`.
The cluster listens on 127.0.0.1 on a free port with its socket in its own temp folder, and
durability is switched off: these databases live for one test run. TCP connections need a
password (SCRAM), as on a real server, so person logins are tested with theirs.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_pg_bin() -> Path | None:
    explicit = os.environ.get("PCC_PG_BIN")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


OWNER_PASSWORD = "pcc-test-owner"


@dataclass
class PgCluster:
    bin_dir: Path
    root: Path
    port: int
    as_postgres: bool
    options: str = ""

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    @classmethod
    def start(cls, bin_dir: Path, *, durable: bool = False, settings: str = "") -> PgCluster:
        root = Path(tempfile.mkdtemp(prefix="pcc-pg-"))
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(bin_dir, root, _free_port(), as_postgres)
        data = root / "data"
        pwfile = root / "pw"
        pwfile.write_text(OWNER_PASSWORD + "\n")
        if as_postgres:
            shutil.chown(pwfile, "postgres", "postgres")
        cluster._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "pcc",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
        )
        options = (
            f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        if not durable:  # test databases live for one run: skip the disk flushes
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        if settings:
            options += " " + settings
        cluster.options = options
        cluster.resume()
        return cluster

    def resume(self) -> None:
        """Start the server (again) on the same data, port and options."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.root / "data"),
            "-o",
            self.options,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def pause(self) -> None:
        """Stop the server the way an outage would (connections cut), keeping its data."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://pcc:{OWNER_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """An empty database (or a copy of `template`); returns its URL."""
        from sqlalchemy import create_engine, text

        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            copy = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f"CREATE DATABASE {name}{copy}"))
        admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return (self.root / "log").read_text()[-2000:]
        except OSError:
            return ""


def _has_c_utf8() -> bool:
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    return "c.utf8" in out or "c.utf-8" in out

"""`pcc user`, sign-in as one's own database login, `pcc audit who-viewed|user`, as real
processes on PostgreSQL (the server checks each person's password)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import PatientRow
from tests.core.test_cli import _empty_database, pcc
from tests.pg_cluster import PgCluster

ROOT_PW, CASEY_PW = "root password 1", "casey password 2"


def test_accounts_and_sign_in_on_postgresql(pg_cluster: PgCluster | None, tmp_path: Path) -> None:
    url = _empty_database("postgresql", pg_cluster, tmp_path, "users")
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "20", url=url).returncode == 0
    # The first admin needs no sign-in (nobody can sign in yet); later ones do.
    first = pcc("user", "add", "root", "--name", "Root", "--role", "admin", url=url, stdin=ROOT_PW)
    assert first.returncode == 0 and "added admin root" in first.stdout, first.stderr
    add = ["user", "add", "casey", "--name", "Casey Jones", "--ward", "4 North", "--user"]
    refused = pcc(*add, "root", url=url, stdin="wrong\n" + CASEY_PW)
    assert refused.returncode == 2 and "sign-in refused" in refused.stderr
    added = pcc(*add, "root", url=url, stdin=f"{ROOT_PW}\n{CASEY_PW}\n")
    assert added.returncode == 0, added.stderr
    listed = pcc("user", "list", "--user", "root", url=url, stdin=ROOT_PW)
    assert "casey" in listed.stdout and "password" in listed.stdout
    denied = pcc("user", "list", "--user", "casey", url=url, stdin=CASEY_PW)
    assert denied.returncode == 2 and "coordinator may not manage accounts" in denied.stderr
    # A report as casey needs casey's password; without it, nothing runs.
    assert pcc("report", "caseload", "--user", "casey", url=url).returncode == 2
    ran = pcc("report", "caseload", "--user", "casey", url=url, stdin=CASEY_PW)
    assert ran.returncode == 0, ran.stderr
    trail = pcc("audit", "user", "casey", "--user", "root", url=url, stdin=ROOT_PW)
    assert trail.returncode == 0, trail.stderr
    assert "session.login" in trail.stdout and "report.run" in trail.stdout
    assert "refused" not in trail.stdout.split("session.login")[0]  # newest first: a success
    store = Store.open(url)
    with store.reading() as s:
        mrn = s.scalar(select(PatientRow.mrn).order_by(PatientRow.id))
    store.close()
    assert mrn is not None
    viewed = pcc("audit", "who-viewed", "--patient", mrn, "--user", "root", url=url, stdin=ROOT_PW)
    assert viewed.returncode == 0 and viewed.stdout.startswith("user"), viewed.stderr
    disabled = pcc("user", "disable", "casey", "--user", "root", url=url, stdin=ROOT_PW)
    assert disabled.returncode == 0
    assert pcc("report", "caseload", "--user", "casey", url=url, stdin=CASEY_PW).returncode == 2
    assert pcc("audit", "verify", url=url).returncode == 0


def test_a_remote_server_without_tls_is_warned_about(tmp_path: Path) -> None:
    plain = pcc("audit", "verify", "--db", "postgresql://alex@db.example.invalid/pcc")
    assert "without TLS" in plain.stderr and "sslmode=verify-full" in plain.stderr
    tls = "postgresql://alex@db.example.invalid/pcc?sslmode=verify-full"
    assert "without TLS" not in pcc("audit", "verify", "--db", tls).stderr
    local = "postgresql://alex@127.0.0.1:1/pcc"
    assert "without TLS" not in pcc("audit", "verify", "--db", local).stderr

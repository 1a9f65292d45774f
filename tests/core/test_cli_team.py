"""`pcc user`, password sign-in, `pcc audit who-viewed|user` and `pcc db grant-app`, as real
processes on PostgreSQL (where sign-in defaults to a password) and SQLite (OS login)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select, text

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


def test_grant_app_role_prints_what_it_granted(
    pg_cluster: PgCluster | None, tmp_path: Path
) -> None:
    url = _empty_database("postgresql", pg_cluster, tmp_path, "grants")
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pg_cluster is not None
    admin = create_engine(pg_cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE ROLE pcc_cli_app LOGIN"))
    admin.dispose()
    done = pcc("db", "grant-app", "pcc_cli_app", url=url)
    assert done.returncode == 0, done.stderr
    assert 'GRANT SELECT, INSERT ON "audit_event" TO pcc_cli_app' in done.stdout
    sqlite = f"sqlite:///{tmp_path / 's.db'}"
    assert pcc("db", "upgrade", url=sqlite).returncode == 0
    on_sqlite = pcc("db", "grant-app", "x", url=sqlite)
    assert on_sqlite.returncode == 2 and "PostgreSQL" in on_sqlite.stderr

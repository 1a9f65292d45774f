"""Getting started without reading code: hints name the `--db` given, a refused open leaves
no file, the demo says who its users are and can give them a password (on PostgreSQL their
own logins), and `pcc report user-activity --coordinator NAME` runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.store.database import Store
from tests.conftest import _require_postgres
from tests.core.test_cli import _empty_database, pcc
from tests.pg_cluster import PgCluster

PASSWORD = "demo password 1"


def test_a_read_on_a_missing_file_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nothere.db"
    url = f"sqlite:///{path}"
    for args in (("report", "caseload"), ("audit", "verify"), ("db", "current")):
        result = pcc(*args, "--db", url)
        assert result.returncode == 2, args
        assert (
            result.stderr.strip()
            == f"pcc: no pcc database at {path} yet: `pcc --db {url}` creates one"
        )
        assert not path.exists()


def test_a_write_to_a_missing_folder_is_refused_and_makes_no_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'ward.db'}"
    result = pcc("demo", "seed", "--db", url)
    assert result.returncode == 2 and "folder for the SQLite file does not exist" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_the_demo_names_its_users_and_how_to_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seeded = pcc("demo", "seed", "--db", url)
    assert seeded.returncode == 0, seeded.stderr
    rows = [line.split() for line in seeded.stdout.splitlines() if line.startswith("  ")]
    assert [(r[0], r[1]) for r in rows] == [
        ("alex", "supervisor"),
        ("sam", "coordinator"),
        ("jordan", "coordinator"),
        ("dana", "admin"),
    ]
    assert "they have no password" in seeded.stdout and f"--db {url}" in seeded.stdout


def test_a_demo_with_a_password_signs_in_and_reports_user_activity(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seeded = pcc("demo", "seed", "--password-stdin", "--db", url, stdin=PASSWORD + "\n")
    assert seeded.returncode == 0, seeded.stderr
    assert f"`pcc --db {url} --user alex`" in seeded.stdout
    listed = pcc("user", "list", "--db", url, "--user", "dana", stdin=PASSWORD + "\n")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [
        "alex",
        "dana",
        "jordan",
        "sam",
    ]
    report = pcc(
        "report", "user-activity", "--coordinator", "dana", "--db", url, "--user", "alex",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "user.list" in report.stdout and "login" in report.stdout
    short = pcc("demo", "seed", "--password-stdin", "--db", f"sqlite:///{tmp_path / 'b.db'}",
                stdin="short\n")  # fmt: skip
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert not (tmp_path / "b.db").exists()  # refused before anything was written


def test_a_seeded_team_demo_gives_each_user_a_login(
    pg_cluster: PgCluster | None, tmp_path: Path
) -> None:
    cluster = _require_postgres(pg_cluster)
    url = _empty_database("postgresql", cluster, tmp_path, "demo")
    assert pcc("db", "upgrade", "--db", url).returncode == 0
    seeded = pcc("demo", "seed", "--password-stdin", "--db", url, stdin=PASSWORD + "\n")
    assert seeded.returncode == 0, seeded.stderr
    person = make_url(url).set(username="sam", password=PASSWORD)
    store = Store.open(person.render_as_string(hide_password=False))
    try:
        assert store.person and store.login == "sam"
    finally:
        store.close()
    wrong = make_url(url).set(username="sam", password="not it at all")
    with pytest.raises(StoreUnavailable, match="password authentication failed"):
        Store.open(wrong.render_as_string(hide_password=False)).close()

"""Every bad input a user can give the CLI ends in one clear line (never "unexpected X"), and a
failed export is audited as failed and leaves no file behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import builders
from tests.core.test_cli import pcc


@pytest.fixture
def seeded(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ward.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "5", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    return url


def _one_clear_line(result, exit_code: int = 2) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == exit_code, result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    return str(result.stderr)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list, not a database\n")
    os.chmod(path, 0o600)
    out = _one_clear_line(pcc("audit", "verify", "--db", f"sqlite:///{path}"))
    assert "not a usable database" in out


@pytest.mark.parametrize("count", ["1e20", "100000000000000000000", "0", "-5"])
def test_seed_sizes_out_of_range(tmp_path: Path, count: str) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    out = _one_clear_line(pcc("demo", "seed", "--patients", count, url=url))
    assert "--patients" in out


def test_deeply_nested_and_huge_number_json(seeded: str, tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "big.json").write_text('{"resourceType": "Patient", "x": ' + "9" * 5000 + "}")
    (tmp_path / "big.ndjson").write_text('{"a": ' + "9" * 5000 + "}\n")
    done = pcc(
        "import",
        "fhir",
        *(str(tmp_path / n) for n in ("deep.json", "big.json", "big.ndjson")),
        "--user",
        "alex",
        url=seeded,
    )
    out = _one_clear_line(done, exit_code=1)  # the import's own rule: 1 when a file failed
    assert (
        "nested too deeply" in out
        and "not usable JSON" in out
        and "files 3, failed" in (done.stdout)
    )


@pytest.mark.parametrize("target", ["missing-folder/x.ics", "."])
def test_a_failed_export_is_audited_as_failed_and_leaves_no_file(
    seeded: str, tmp_path: Path, target: str
) -> None:
    out_path = tmp_path / target
    result = pcc(
        "export",
        "ics",
        "--patient",
        "MRN0000001",
        "--out",
        str(out_path),
        "--user",
        "alex",
        url=seeded,
    )
    assert "cannot write" in _one_clear_line(result)
    assert not list(tmp_path.glob("**/*.part")) and not list(tmp_path.glob("*.ics"))
    engine = create_engine(seeded)
    with engine.connect() as conn:
        rows = (
            conn.execute(
                text("SELECT outcome FROM audit_event WHERE action = 'patient.export.ics'")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert "0" not in rows  # never audited as done


def test_a_failure_while_writing_leaves_no_partial_file(seeded: str, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        result = pcc(
            "export",
            "fhir",
            "--patient",
            "MRN0000001",
            "--out",
            str(folder / "p.json"),
            "--user",
            "alex",
            url=seeded,
        )
    finally:
        os.chmod(folder, 0o700)
    if os.geteuid() == 0:
        assert result.returncode == 0  # root writes anywhere: the write itself succeeded
        assert (folder / "p.json").stat().st_mode & 0o777 == 0o600
    else:
        assert "cannot write" in _one_clear_line(result)
    assert not list(folder.glob("*.part"))


def test_on_sqlite_another_account_needs_its_secret(seeded: str, tmp_path: Path) -> None:
    """`--user` naming an account that is not this OS login's asks for that account's
    secret; one with none cannot be taken over at all."""
    root_pw, sam_pw = "root password 1", "sam password 22"
    assert (
        pcc(
            "user", "add", "root", "--name", "Root", "--role", "admin", url=seeded, stdin=root_pw
        ).returncode
        == 0
    )
    engine = create_engine(seeded)
    with engine.connect() as conn:
        other = (
            conn.execute(
                text(
                    "SELECT username FROM coordinator WHERE username NOT IN ('alex', 'root')"
                    " AND role = 'coordinator' ORDER BY id"
                )
            )
            .scalars()
            .first()
        )
    engine.dispose()
    assert other
    bare = pcc("report", "caseload", "--user", other, url=seeded)
    assert "no secret to prove it" in _one_clear_line(bare)
    # An admin gives that account a password: now it can be named, with the password only.
    builders.bind_os_user(seeded, "root")
    done = pcc("user", "reset-password", other, url=seeded, stdin=f"{sam_pw}\n")
    assert done.returncode == 0, done.stderr
    builders.bind_os_user(seeded, "alex")
    ran = pcc("report", "caseload", "--user", other, url=seeded, stdin=f"{sam_pw}\n")
    assert ran.returncode == 0, ran.stderr
    assert "sign-in refused" in _one_clear_line(
        pcc("report", "caseload", "--user", other, url=seeded, stdin="wrong one!!\n")
    )
    assert pcc("report", "caseload", "--user", "alex", url=seeded).returncode == 0

"""The `pcc` command line contract, run as a real process on both databases."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from pcc_tui.core.store.migrate import SCHEMA_HEAD
from tests.pg_cluster import PgCluster


def pcc(
    *args: str, url: str | None = None, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run `pcc` as a process; `stdin` is what a script pipes in (secrets, one per line)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PCC_DATABASE_URL", None)
    if url:
        full_env["PCC_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "pcc_tui", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        input=stdin,
    )


def _empty_database(kind: str, pg: PgCluster | None, tmp_path, name: str) -> str:  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / (name + '.db')}"
    if pg is None:
        from tests.conftest import _require_postgres

        _require_postgres(pg)
        raise AssertionError
    admin = create_engine(pg.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}_{os.getpid()}"))
    admin.dispose()
    return pg.url(f"{name}_{os.getpid()}")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_seed_verify(kind: str, pg_cluster: PgCluster | None, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = _empty_database(kind, pg_cluster, tmp_path, "cli")
    if kind == "postgresql":  # the schema owner's step, named with this database
        behind = pcc("demo", "seed", url=url)
        assert behind.returncode == 2 and "pcc db upgrade --db 'postgresql" in behind.stderr
        assert "as the schema owner" in behind.stderr and "Traceback" not in behind.stderr
        up = pcc("db", "upgrade", url=url)
        assert up.returncode == 0, up.stderr
    seeded = pcc("demo", "seed", "--patients", "40", "--seed", "3", "--db", url)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith("seeded 40 patients, 400 plan steps, 120 appointments")
    if kind == "sqlite":  # a new SQLite file: the seed made its schema
        assert "created a new pcc database" in seeded.stderr
    again = pcc("demo", "seed", url=url)
    assert again.returncode == 2 and "empty database" in again.stderr
    key = tmp_path / "audit.key"
    made = pcc("audit", "keygen", "--out", str(key))
    assert made.returncode == 0 and key.stat().st_mode & 0o777 == 0o600
    public = made.stdout.split('public_key = "')[1].split('"')[0]
    sealed = pcc("audit", "seal", "--key", str(key), url=url)
    assert sealed.returncode == 0 and "into 1 blocks" in sealed.stdout, sealed.stderr
    anchors = tmp_path / "anchors.jsonl"
    assert pcc("audit", "anchor", "--key", str(key), "--out", str(anchors), url=url).returncode == 0
    verified = pcc("audit", "verify", "--public-key", public, "--anchors", str(anchors), url=url)
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr
    assert "0 rows not sealed" in verified.stdout and "1 anchors checked" in verified.stdout
    engine = create_engine(url)
    with engine.begin() as conn:
        first = conn.execute(text("SELECT min(seq) FROM audit_event")).scalar_one()
        conn.execute(text(f"UPDATE audit_event SET action = 'x' WHERE seq = {first}"))
    engine.dispose()
    broken = pcc("audit", "verify", "--public-key", public, url=url)
    assert broken.returncode == 1 and f"broken at block 1, row {first}" in broken.stderr


def test_schema_behind_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    result = pcc("audit", "verify", url=url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"pcc: database schema is at revision 0000, this pcc needs {SCHEMA_HEAD}: run"
        f" `pcc db upgrade --db {url}` (or update pcc if the database is newer)"
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL"),
        ("mysql://x/y", "unsupported database 'mysql'"),
        ("postgresql://pcc:secret@127.0.0.1:1/none", "cannot reach the database"),
        ("sqlite:////no/such/folder/x.db", "no pcc database at /no/such/folder/x.db yet"),
    ],
)
def test_bad_database_is_one_clear_line(url: str, message: str) -> None:
    result = pcc("audit", "verify", "--db", url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_unknown_user_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", url=url).returncode == 0
    result = pcc("--user", "nobody", url=url)
    assert result.returncode == 2
    assert result.stderr.strip() == "pcc: no active coordinator named 'nobody' in this database"

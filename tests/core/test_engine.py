"""Engine settings: SQLite gets WAL, foreign keys, full sync, a busy timeout, BEGIN IMMEDIATE
for writers; settings come from CLI > env > TOML > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from pcc_tui.core.config import load_settings
from pcc_tui.core.store.database import Store


def test_sqlite_pragmas(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    path = tmp_path / "p.db"
    shutil.copy(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        with store.engine.connect() as conn:
            values = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
        assert values == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "synchronous": 2,
            "busy_timeout": 30000,
        }
        with pytest.raises(IntegrityError), store.writing() as session:
            session.execute(text("INSERT INTO contact (patient_id) VALUES (424242)"))
    finally:
        store.close()


def test_writers_take_the_lock_up_front(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    path = tmp_path / "w.db"
    shutil.copy(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    seen: list[str] = []
    from sqlalchemy import event

    @event.listens_for(store.engine, "before_cursor_execute")
    def spy(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            seen.append(statement)

    try:
        with store.writing() as session:
            session.execute(text("SELECT 1"))
        with store.reading() as session:
            session.execute(text("SELECT 1"))
    finally:
        store.close()
    assert seen == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'database_url = "sqlite:///from-file.db"\nuser = "file"\n'
        "[policy]\neligibility_stale_days = 45\n"
    )
    monkeypatch.setenv("PCC_CONFIG", str(config))
    monkeypatch.delenv("PCC_DATABASE_URL", raising=False)
    monkeypatch.delenv("PCC_USER", raising=False)
    settings = load_settings()
    assert (settings.database_url, settings.user, settings.policy.eligibility_stale_days) == (
        "sqlite:///from-file.db",
        "file",
        45,
    )
    monkeypatch.setenv("PCC_USER", "env")
    assert load_settings().user == "env"
    assert load_settings(user="cli").user == "cli"
    monkeypatch.delenv("PCC_CONFIG")
    monkeypatch.setenv("PCC_CONFIG", str(tmp_path / "missing.toml"))
    assert load_settings().database_url.endswith("pcc.db")


def test_database_errors_never_echo_values(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    path = tmp_path / "h.db"
    shutil.copy(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}")
    try:
        with pytest.raises(IntegrityError) as err, store.writing() as session:
            session.execute(
                text("INSERT INTO contact (patient_id, name) VALUES (424242, :n)"),
                {"n": "Zebulon Quartermaine"},
            )
        assert "Zebulon" not in str(err.value)
    finally:
        store.close()

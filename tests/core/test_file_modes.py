"""Local files hold patient data: pcc makes its folder 0700 and database files 0600 whatever
the umask, refuses a database file others can read, and notices one deleted mid-session."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor, first_coordinator
from pcc_tui.core.store.database import Store
from tests.conftest import fixed_clock, new_database
from tests.core.test_cli import pcc


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_default_database_and_its_folder_are_owner_only(tmp_path: Path, umask_022) -> None:  # type: ignore[no-untyped-def]
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    done = pcc("db", "upgrade", env=env)
    assert done.returncode == 0, done.stderr
    files = list((tmp_path / "data").rglob("pcc.db*"))
    assert files and all(_mode(f) == 0o600 for f in files)
    assert _mode(files[0].parent) == 0o700
    seeded = pcc("demo", "seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert all(_mode(f) == 0o600 for f in (tmp_path / "data").rglob("pcc.db*"))


def test_a_database_others_can_read_is_refused_with_the_fix(tmp_path: Path, umask_022) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "shared.db"
    url = f"sqlite:///{path}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    os.chmod(path, 0o644)
    refused = pcc("audit", "verify", url=url)
    assert refused.returncode == 2
    assert f"chmod 600 {path}" in refused.stderr and "other users" in refused.stderr
    os.chmod(path, 0o600)
    assert pcc("audit", "verify", url=url).returncode == 0


@pytest.fixture
def small_ward(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Store, Actor]]:
    """A seeded SQLite file of its own (these tests are about the file)."""
    from pcc_tui.core.demo.seed import seed_demo

    store = Store.open(new_database("sqlite", None, tmp_path, sqlite_template), clock=fixed_clock())
    try:
        seed_demo(store, patients=5, seed=1)
        actor = first_coordinator(store)
        assert actor is not None
        yield store, actor
    finally:
        store.close()


def test_a_deleted_or_replaced_database_file_is_not_written_to(
    small_ward: tuple[Store, Actor],
) -> None:
    store, actor = small_ward
    path = Path(store.engine.url.database or "")
    moved = path.with_suffix(".moved")
    os.rename(path, moved)
    with pytest.raises(StoreUnavailable, match="database file is gone"):
        add_note(store, actor, 1, "typed after the file went")
    shutil.copy(moved, path)
    with pytest.raises(StoreUnavailable, match="replaced"):
        add_note(store, actor, 1, "typed after the file was swapped")


def test_a_full_disk_is_named_and_nothing_is_lost(small_ward: tuple[Store, Actor]) -> None:
    """SQLite's own limit stands in for the disk: the same SQLITE_FULL a full disk gives."""
    from sqlalchemy import event

    from pcc_tui.core.services.reads import view_chart

    store, actor = small_ward
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    before = len(view_chart(store, actor, 1).notes)
    saved = 0
    with pytest.raises(StoreUnavailable, match="disk holding the database is full"):
        for _ in range(500):
            add_note(store, actor, 1, "x" * 3900)
            saved += 1
    store.engine.dispose()
    event.remove(store.engine, "connect", _cap)
    before += saved  # what was reported saved is there; the refused note is not
    assert len(view_chart(store, actor, 1).notes) == before
    add_note(store, actor, 1, "after space was freed")
    assert len(view_chart(store, actor, 1).notes) == before + 1

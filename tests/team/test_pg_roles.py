"""On PostgreSQL the application role may only INSERT into (and read) the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.audit import verify
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.roles import app_role_statements, grant_app_role
from tests import builders
from tests.conftest import _require_postgres, fixed_clock, new_database
from tests.pg_cluster import PgCluster

DENIED = "permission denied"


@pytest.fixture
def app_store(
    pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> Iterator[Store]:
    cluster = _require_postgres(pg_cluster)
    owner_url = new_database("postgresql", cluster, tmp_path, sqlite_template)
    role = "pcc_app_" + make_url(owner_url).database.removeprefix("t_")  # type: ignore[union-attr]
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    admin.dispose()
    owner = make_engine(owner_url)
    grant_app_role(owner, role)
    owner.dispose()
    store = Store.open(
        make_url(owner_url).set(username=role).render_as_string(hide_password=False),
        clock=fixed_clock(),
    )
    yield store
    store.close()


def test_the_app_role_works_but_cannot_rewrite_the_audit_trail(app_store: Store) -> None:
    actor = builders.coordinator(app_store)
    pid = builders.patient(app_store, actor)
    add_note(app_store, actor, pid, "written as the application role")
    assert view_chart(app_store, actor, pid).notes
    for sql in (
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "UPDATE change_log SET actor = 'x'",
        "DELETE FROM access_grant",
    ):
        with (
            pytest.raises(ProgrammingError, match="permission denied"),
            app_store.engine.begin() as c,
        ):
            c.execute(text(sql))
    # Only the owner migrates.
    with pytest.raises(ProgrammingError, match="permission denied"), app_store.engine.begin() as c:
        c.execute(text("CREATE TABLE sneaky (id int)"))
    assert verify(app_store.engine).intact


def test_roles_are_refused_on_sqlite(sqlite_template: Path) -> None:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    try:
        with pytest.raises(DomainError, match="PostgreSQL"):
            app_role_statements(engine, "pcc_app")
    finally:
        engine.dispose()

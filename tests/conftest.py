"""Fixtures: every store test runs on a real SQLite file and on a real PostgreSQL server.

PostgreSQL comes from a throwaway cluster this session starts (see pg_cluster.py). Without
PostgreSQL binaries those tests are skipped with the reason, unless PCC_REQUIRE_POSTGRES=1
(set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pcc_tui.core.clock import Clock
from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.domain.models import Coordinator
from pcc_tui.core.services.context import Actor, first_coordinator
from pcc_tui.core.services.patients import add_coordinator
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.migrate import upgrade
from tests.pg_cluster import PgCluster, find_pg_bin

# A fixed "now" (a Tuesday, 14:00 UTC) so dates in assertions never drift.
FIXED_NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SYSTEM = Actor("system", None, "admin", "System")
BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


def fixed_clock() -> Clock:
    return Clock.fixed(FIXED_NOW)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | None]:
    bin_dir = find_pg_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        yield None
        return
    cluster = PgCluster.start(bin_dir)
    try:
        template = make_engine(cluster.create_database("pcc_template"))
        upgrade(template)
        template.dispose()
        yield cluster
    finally:
        cluster.stop()


PCC_GROUPS = ("pcc_viewer", "pcc_coordinator", "pcc_supervisor", "pcc_admin")


@pytest.fixture(autouse=True)
def _drop_person_logins(request: pytest.FixtureRequest) -> Iterator[None]:
    """Person logins are cluster-wide: each test's go when it ends, so the next test can add
    its own `alex` (tests run one at a time)."""
    yield
    if "pg_cluster" not in request.fixturenames:
        return
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is not None:
        drop_person_logins(cluster)


def drop_person_logins(cluster: PgCluster) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = conn.execute(
                text(
                    "SELECT DISTINCT u.rolname FROM pg_auth_members m"
                    " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
                    " WHERE g.rolname = ANY(:groups) AND u.rolname <> ALL(:groups)"
                ),
                {"groups": list(PCC_GROUPS)},
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def _require_postgres(cluster: PgCluster | None) -> PgCluster:
    if cluster is not None:
        return cluster
    reason = "PostgreSQL binaries not found (install Debian's postgresql package)"
    if os.environ.get("PCC_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PCC_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def new_database(kind: str, pg: PgCluster | None, tmp_path: Path, template: Path) -> str:
    """A fresh, migrated, empty database of `kind`; returns its URL."""
    if kind == "sqlite":
        path = tmp_path / f"pcc-{next(_counter)}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    cluster = _require_postgres(pg)
    return cluster.create_database(f"t_{os.getpid()}_{next(_counter)}", template="pcc_template")


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    pg_cluster: PgCluster | None,
    tmp_path: Path,
    sqlite_template: Path,
) -> str:
    return new_database(request.param, pg_cluster, tmp_path, sqlite_template)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url, clock=fixed_clock())
    yield s
    s.close()


@pytest.fixture
def coordinator(store: Store) -> Actor:
    cid = add_coordinator(
        store,
        SYSTEM,
        Coordinator(username="alex", display_name="Alex Morgan", ward="4 North", pool="intake"),
    )
    return Actor("alex", cid, "coordinator", "Alex Morgan", "intake", "4 North")


@pytest.fixture
def demo(store: Store) -> tuple[Store, Actor]:
    seed_demo(store, patients=60, seed=7)
    actor = first_coordinator(store)
    assert actor is not None
    return store, actor

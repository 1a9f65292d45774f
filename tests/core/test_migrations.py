"""The ORM models and the Alembic migrations describe the same schema, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.migrate import SCHEMA_HEAD, current_revision, head_revision, upgrade
from pcc_tui.core.store.tables import Base
from tests.conftest import new_database
from tests.pg_cluster import PgCluster

COUNTED = ("patient", "plan_step", "step_dependency", "appointment", "care_plan", "audit_event")


def test_migrated_schema_matches_models(store: Store) -> None:
    assert current_revision(store.engine) == head_revision() == SCHEMA_HEAD
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_every_table_and_index_exists(store: Store) -> None:
    inspector = inspect(store.engine)
    tables = set(inspector.get_table_names())
    assert set(Base.metadata.tables) <= tables
    step_indexes = {ix["name"] for ix in inspector.get_indexes("plan_step")}
    assert "ix_plan_step_owner_status_due" in step_indexes


def test_mutable_tables_carry_version_and_stamps() -> None:
    derived = {
        "step_dependency",
        "name_token",
        "name_gram",
        "name_variant",
        "patient_name_token",
        "audit_event",
        "audit_block",  # sealed once, never edited
        "fhir_link",  # import bookkeeping, rewritten by each import, never edited by hand
        "fhir_identifier",  # import bookkeeping: identifiers of imported providers
        "fhir_sync",  # the sync's high-water mark, rewritten by each sync
        "change_log",  # append-only notices of changes
        "presence",  # each session's own heartbeat row
        "access_grant",  # append-only break-the-glass grants
        "hl7_message",  # the intake log: the listener's own bookkeeping, never edited by hand
        "patient_merge",  # append-only: two records found to be one
    }
    for name, table in Base.metadata.tables.items():
        if name in derived:
            continue
        for column in ("version", "created_at", "created_by", "updated_at", "updated_by"):
            assert column in table.c, f"{name} lacks {column}"


def test_migrations_keep_the_data_of_a_live_database(db_url: str) -> None:
    """A demo ward taken down to the first revision and up again: every migration with a
    table rebuild on SQLite (drop and alter column) runs over real rows and references."""
    from alembic import command

    from pcc_tui.core.store.migrate import alembic_config

    store = Store.open(db_url)
    seed_demo(store, patients=20, seed=3)
    store.close()
    engine = make_engine(db_url)
    try:

        def counts() -> dict[str, int]:
            with engine.connect() as conn:
                return {
                    t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
                    for t in COUNTED
                }

        before = counts()
        command.downgrade(alembic_config(engine), "0001")
        assert current_revision(engine) == "0001" and counts() == before
        upgrade(engine)
        assert current_revision(engine) == SCHEMA_HEAD and counts() == before
        assert before["patient"] == 20 and before["step_dependency"] > 0
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_intake_log_keeps_messages_lz4_compressed_on_postgresql(
    pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> None:
    """A message log row is several kilobytes: pglz cost more than any other statement of a
    backlog's intake (SQLite stores text as it is: nothing to check there)."""
    engine = make_engine(new_database("postgresql", pg_cluster, tmp_path, sqlite_template))
    try:
        with engine.connect() as conn:
            method = conn.execute(
                text(
                    "SELECT attcompression FROM pg_attribute"
                    " WHERE attrelid = 'hl7_message'::regclass AND attname = 'raw'"
                )
            ).scalar()
        assert method == "l"  # lz4 ('p' pglz, '' the server's default)
    finally:
        engine.dispose()

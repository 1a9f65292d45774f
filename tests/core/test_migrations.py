"""The ORM models and the Alembic migrations describe the same schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from pcc_tui.core.store.database import Store
from pcc_tui.core.store.migrate import SCHEMA_HEAD, current_revision, head_revision
from pcc_tui.core.store.tables import Base


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
        "audit_head",
        "fhir_link",  # import bookkeeping, rewritten by each import, never edited by hand
    }
    for name, table in Base.metadata.tables.items():
        if name in derived:
            continue
        for column in ("version", "created_at", "created_by", "updated_at", "updated_by"):
            assert column in table.c, f"{name} lacks {column}"

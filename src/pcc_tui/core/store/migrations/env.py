"""Alembic environment: the engine comes from pcc (config.attributes), never from an ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from pcc_tui.core.store.tables import Base

target_metadata = Base.metadata


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # On the driver connection, outside any transaction: inside one SQLite ignores it.
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def run() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename). With foreign keys
            # enforced, dropping a table that others point at fails on a database with data.
            # Off for the migration, then every reference is checked before it counts as done.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} broken references")
            connection.commit()
        finally:
            if sqlite:  # the pooled connection goes back enforcing them, whatever happened
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


run()

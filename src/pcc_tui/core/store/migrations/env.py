"""Alembic environment: the engine comes from pcc (config.attributes), never from an ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from pcc_tui.core.store.tables import Base

target_metadata = Base.metadata


def run() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()

"""Alembic, driven from code so the migrations ship inside the wheel.

Starting the cockpit only has to compare the database's revision with SCHEMA_HEAD, a plain
query; Alembic itself (slow to import) loads only to upgrade. A test keeps SCHEMA_HEAD equal
to the newest migration.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from pcc_tui.core.errors import SchemaOutOfDate, StoreUnavailable
from pcc_tui.core.store.engine import first_line, safe_url

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "pcc_tui.core.store:migrations"
SCHEMA_HEAD = "0017"  # the newest revision in migrations/versions (tested)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest revision according to Alembic's own reading of the scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            try:
                value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except (OperationalError, ProgrammingError):
                if _reachable(engine):
                    return None  # no alembic_version table: an empty database
                raise
            return str(value) if value is not None else None
    except OperationalError as exc:
        raise StoreUnavailable(
            f"cannot reach the database at {safe_url(engine.url)}: {first_line(exc)}"
        ) from exc


def _reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise StoreUnavailable(
            f"cannot reach the database at {safe_url(engine.url)}: {first_line(exc)}"
        ) from exc


def check_schema(engine: Engine) -> None:
    """Refuse to run against a schema that is not exactly this code's."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return
    where = safe_url(engine.url)
    # The hint names this database: `pcc db upgrade` alone would upgrade the default one.
    command = f"`pcc db upgrade --db {shlex.quote(where)}`"
    if engine.dialect.name == "postgresql":
        command += " as the schema owner"
    if current is None:
        raise SchemaOutOfDate(f"database at {where} has no pcc schema yet: run {command}")
    raise SchemaOutOfDate(
        f"database schema is at revision {current}, this pcc needs {SCHEMA_HEAD}: run "
        f"{command} (or update pcc if the database is newer)"
    )

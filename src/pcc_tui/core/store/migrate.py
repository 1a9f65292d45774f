"""Alembic, driven from code so the migrations ship inside the wheel."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from pcc_tui.core.errors import SchemaOutOfDate, StoreUnavailable
from pcc_tui.core.store.engine import safe_url

SCRIPT_LOCATION = "pcc_tui.core.store:migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise StoreUnavailable(
            f"cannot reach the database at {safe_url(engine.url)}: {_first_line(exc)}"
        ) from exc


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:
        raise StoreUnavailable(
            f"cannot reach the database at {safe_url(engine.url)}: {_first_line(exc)}"
        ) from exc


def check_schema(engine: Engine) -> None:
    """Refuse to run against a schema that is not exactly this code's."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaOutOfDate(
            f"database at {safe_url(engine.url)} has no pcc schema yet: run `pcc db upgrade`"
        )
    raise SchemaOutOfDate(
        f"database schema is at revision {current}, this pcc needs {head}: run `pcc db upgrade`"
        " (or update pcc if the database is newer)"
    )


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__

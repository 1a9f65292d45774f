"""Engine factory: a SQLite file for one laptop, PostgreSQL (psycopg 3) for a team."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.store.files import refuse_if_shared, write_private

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECT_TIMEOUT_S = 5

# Execution option read by the SQLite "begin" hook: writers take the lock up front so two
# writers queue on busy_timeout instead of failing with "database is locked" on upgrade.
BEGIN_MODE = "pcc_begin"


def parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise StoreUnavailable(f"not a database URL: {raw!r}") from exc
    if url.get_backend_name() == "postgresql":
        # psycopg 3 is the only PostgreSQL driver we ship; accept the bare scheme for it.
        url = url.set(drivername="postgresql+psycopg")
    elif url.get_backend_name() != "sqlite":
        raise StoreUnavailable(
            f"unsupported database {url.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    return url


LOOPBACK = ("localhost", "127.0.0.1", "::1")
TLS_MODES = ("require", "verify-ca", "verify-full")


def tls_warning(raw: str) -> str | None:
    """A line to show when patient data would cross a network unencrypted."""
    try:
        url = make_url(raw)
    except ArgumentError:
        return None
    if url.get_backend_name() != "postgresql":
        return None
    host = url.host or ""
    if not host or host.startswith("/") or host in LOOPBACK:
        return None  # a local socket or loopback: nothing crosses the network
    if url.query.get("sslmode") in TLS_MODES:
        return None
    return (
        f"warning: {host} is reached without TLS: patient data would cross the network"
        " in the clear; add ?sslmode=verify-full to the URL"
    )


def safe_url(url: URL | str) -> str:
    """The URL without its password, for messages."""
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


def first_line(exc: BaseException) -> str:
    """The driver's first message line: says what failed without dumping the statement."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def make_engine(raw_url: str, **kwargs: Any) -> Engine:
    url = parse_url(raw_url)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url, **kwargs)
        return create_engine(
            url,
            hide_parameters=True,
            pool_pre_ping=True,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
            **kwargs,
        )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreUnavailable(f"cannot use database URL {safe_url(url)}: {exc}") from exc


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    if url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        if not path.parent.is_dir():
            raise StoreUnavailable(f"folder for the SQLite file does not exist: {path.parent}")
        # Patient data: owner-only from the first byte (SQLite gives its -wal and -shm files
        # the database file's mode), and a file others can read is refused, not used.
        refuse_if_shared(path)
        if not path.exists():
            with suppress(FileExistsError):
                write_private(path, b"")
    engine = create_engine(
        url,
        hide_parameters=True,  # SQL errors must never echo patient data
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN IMMEDIATE is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(BEGIN_MODE, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer(engine: Engine) -> Engine:
    """The same pool, but transactions that will write (SQLite: BEGIN IMMEDIATE)."""
    return engine.execution_options(**{BEGIN_MODE: "IMMEDIATE"})

"""`Store`: one engine, the clock, and read/write transactions as context managers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pcc_tui.core.clock import Clock
from pcc_tui.core.domain.business_days import BusinessCalendar
from pcc_tui.core.errors import Forbidden, StoreUnavailable
from pcc_tui.core.store import changes
from pcc_tui.core.store.audit import client_label
from pcc_tui.core.store.engine import first_line, make_engine, safe_url, writer
from pcc_tui.core.store.migrate import check_schema


@dataclass(frozen=True)
class Policy:
    """Rules a site may tune (config file); the defaults are what most clinics use."""

    eligibility_stale_days: int = 30
    queue_limit: int = 300
    recent_items: int = 10
    # Reply due when a referral does not say: business days in-house, calendar days outside.
    referral_reply_business_days_internal: int = 3
    referral_reply_days_external: int = 7
    # Team mode: how long a break-the-glass grant lasts.
    break_glass_minutes: int = 60
    # Appointments still to confirm show in the queue this many business days ahead.
    confirm_ahead_business_days: int = 2
    break_glass_roles: tuple[str, ...] = ("coordinator", "supervisor")
    # Phone numbers typed without a country code are read as this region's (ISO 3166).
    phone_region: str = "US"
    # A patient registered without an MRN gets the next one: this prefix and a number.
    mrn_prefix: str = "PCC"
    holiday_country: str = "US"  # "none": weekends only
    holiday_subdivision: str | None = None
    closures: tuple[date, ...] = ()
    mrn_authorities: tuple[str, ...] = ()
    mrn_system: str | None = None  # FHIR: the identifier system of the site's MRNs

    @cached_property
    def calendar(self) -> BusinessCalendar:
        country = None if self.holiday_country == "none" else self.holiday_country
        return BusinessCalendar(country, self.holiday_subdivision, frozenset(self.closures))


@dataclass
class Store:
    engine: Engine
    clock: Clock = field(default_factory=Clock)
    policy: Policy = field(default_factory=Policy)
    # This session's name in the change log: its own changes are not news to it.
    origin: str = field(default_factory=lambda: secrets.token_hex(8))
    # Written on every audit row: SSH client address and tty of whoever runs this process.
    client: str = field(default_factory=client_label)

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer(self.engine), expire_on_commit=False)
        self._file = sqlite_file(self.engine)
        self._file_id = _identity(self._file) if self._file else None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        policy: Policy | None = None,
        check: bool = True,
    ) -> Store:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                if engine.dialect.name == "sqlite":
                    conn.execute(text("SELECT count(*) FROM sqlite_master"))
        except OperationalError as exc:
            engine.dispose()
            raise StoreUnavailable(
                f"cannot reach the database at {safe_url(engine.url)}: {first_line(exc)}"
            ) from exc
        except DBAPIError as exc:  # e.g. SQLite: "file is not a database"
            engine.dispose()
            raise StoreUnavailable(
                f"{safe_url(engine.url)} is not a usable database: {first_line(exc)}"
            ) from exc
        if check:
            try:
                check_schema(engine)
            except Exception:
                engine.dispose()
                raise
        return cls(engine, clock or Clock(), policy or Policy())

    @cached_property
    def person(self) -> bool:
        """PostgreSQL: this session is a person's own login (a member of a pcc group role),
        so the database scopes, audits and refuses for itself."""
        if self.dialect != "postgresql":
            return False
        with self.engine.connect() as conn:
            return bool(conn.execute(text("SELECT pcc_is_person()")).scalar())

    @cached_property
    def login(self) -> str | None:
        """The database login this store connects as (PostgreSQL; the server's word, which
        is libpq's default when the URL names nobody)."""
        if self.dialect != "postgresql":
            return None
        with self.engine.connect() as conn:
            found = conn.execute(text("SELECT session_user")).scalar()
        return None if found is None else str(found)

    @property
    def writer_engine(self) -> Engine:
        """For bulk Core writes that bypass sessions (seeding, imports)."""
        return writer(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with unreachable_as_store_error(), self._read() as session, session.begin():
            session.info["client"] = self.client
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction that will write: committed on exit, rolled back on error. What it
        changed goes to the change log in the same transaction."""
        self._check_file()
        with unreachable_as_store_error(), self._write() as session, session.begin():
            session.info["client"] = self.client
            yield session
            session.flush()
            changes.record(session, self.origin)

    def _check_file(self) -> None:
        """SQLite keeps writing to a deleted file's inode and loses it all at exit: a file
        that is gone, replaced or read-only is refused before the write, not after."""
        if self._file is None:
            return
        found = _identity(self._file)
        if found is None:
            raise StoreUnavailable("the database file is gone (deleted or moved)")
        if found != self._file_id:
            raise StoreUnavailable("the database file was replaced by another one")
        if not os.access(self._file, os.W_OK):
            raise StoreUnavailable("the database file can no longer be written")

    def close(self) -> None:
        self.engine.dispose()


def sqlite_file(engine: Engine) -> Path | None:
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:":
        return None
    return Path(name).expanduser().resolve()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


@contextmanager
def unreachable_as_store_error() -> Iterator[None]:
    """A lost connection is `StoreUnavailable` (the cockpit goes offline and retries), not a
    crash. The transaction did not commit, so nothing is reported as saved."""
    try:
        yield
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if _disk_full(exc, state):
            raise StoreUnavailable(
                "the disk holding the database is full: free some space, then save again"
            ) from exc
        if state == INSUFFICIENT_PRIVILEGE:  # PostgreSQL roles and row-level security
            raise Forbidden(
                "the database refused this: it is outside what your account may see or change"
            ) from exc
        if not (exc.connection_invalidated or _lost_connection(exc)):
            raise
        raise StoreUnavailable(f"the database is unreachable: {first_line(exc)}") from exc


INSUFFICIENT_PRIVILEGE = "42501"
DISK_FULL = "53100"


def _disk_full(exc: DBAPIError, state: str | None) -> bool:
    return state == DISK_FULL or "database or disk is full" in str(exc.orig).lower()


_SQLITE_UNREACHABLE = ("unable to open", "database is locked", "disk i/o error")


def _lost_connection(exc: DBAPIError) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    if type(exc.orig).__module__.startswith("psycopg"):
        return True  # PostgreSQL reports bad SQL as ProgrammingError; this is the link
    return str(exc.orig).lower().startswith(_SQLITE_UNREACHABLE)

"""`Store`: one engine, the clock, and read/write transactions as context managers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pcc_tui.core.clock import Clock
from pcc_tui.core.errors import StoreUnavailable
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


@dataclass
class Store:
    engine: Engine
    clock: Clock = field(default_factory=Clock)
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer(self.engine), expire_on_commit=False)

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
        except OperationalError as exc:
            engine.dispose()
            raise StoreUnavailable(
                f"cannot reach the database at {safe_url(engine.url)}: {first_line(exc)}"
            ) from exc
        if check:
            try:
                check_schema(engine)
            except Exception:
                engine.dispose()
                raise
        return cls(engine, clock or Clock(), policy or Policy())

    @property
    def writer_engine(self) -> Engine:
        """For bulk Core writes that bypass sessions (seeding, imports)."""
        return writer(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction that will write: committed on exit, rolled back on error."""
        with self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

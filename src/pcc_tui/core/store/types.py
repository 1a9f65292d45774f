"""Column types that behave the same on SQLite and PostgreSQL.

Reading never raises: SQLite stores whatever was written (another tool, a damaged file), so
a date, time or JSON value that cannot be decoded reads as None. The row then fails its
domain model and is named as unreadable by id (`queries/rows.py`), instead of failing the
whole query and, with it, the screen.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

DECODE_ERRORS = (ValueError, TypeError, OverflowError)


class _Readable:
    """Wraps the type's own result processing so a value it cannot decode reads as None."""

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        inner = super().result_processor(dialect, coltype)  # type: ignore[misc]
        if inner is None:
            return None

        def process(value: Any) -> Any:
            try:
                return inner(value)
            except DECODE_ERRORS:
                return None

        return process


class ReadableDate(_Readable, TypeDecorator[date]):
    impl = Date
    cache_ok = True


class ReadableJSON(_Readable, TypeDecorator[Any]):
    impl = JSON
    cache_ok = True


class UTCDateTime(_Readable, TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, so we never rely on one."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC)

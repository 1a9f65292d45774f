"""Several read statements of one transaction in one network round trip.

On PostgreSQL the statements go through psycopg's pipeline mode: all are sent, then all
results are read, so five queue queries cost one round trip instead of five. SQLAlchemy has no
pipeline API, so each statement is compiled once by SQLAlchemy and its SQL runs on the DBAPI
connection of the caller's transaction, with the column types' own bind and result processors
applied here. On SQLite (in-process, no round trips) the statements simply run in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True)
class _Prepared:
    sql: str
    defaults: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    results: tuple[tuple[int, Callable[[Any], Any]], ...]

    def parameters(self, params: Mapping[str, Any]) -> dict[str, Any]:
        values = {**self.defaults, **{k: v for k, v in params.items() if k in self.defaults}}
        for name, process in self.binds.items():
            values[name] = process(values[name])
        return values

    def rows(self, raw: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not self.results:
            return list(raw)
        out = []
        for row in raw:
            cells = list(row)
            for i, process in self.results:
                cells[i] = process(cells[i])
            out.append(tuple(cells))
        return out


@lru_cache(maxsize=256)
def _prepare(stmt: Select[Any], dialect: Dialect) -> _Prepared:
    compiled = stmt.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:  # expanding IN lists need per-call SQL
        raise ValueError("pipelined statements cannot use expanding parameters")
    binds: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        process = bind.type.bind_processor(dialect)
        if process is not None:
            binds[name] = process
    results = []
    for i, column in enumerate(stmt.selected_columns):
        process = column.type.result_processor(dialect, None)
        if process is not None:
            results.append((i, process))
    return _Prepared(
        compiled.string,
        dict(compiled.construct_params(_check=False)),
        binds,
        tuple(results),
    )


def fetch_all(
    conn: Connection, statements: Sequence[Select[Any]], params: Mapping[str, Any]
) -> list[list[Any]]:
    """Rows of every statement, in order; rows index like tuples."""
    if conn.dialect.name != "postgresql":
        return [list(conn.execute(stmt, dict(params)).all()) for stmt in statements]
    prepared = [_prepare(stmt, conn.dialect) for stmt in statements]
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        cursors = []
        with raw.pipeline():
            for p in prepared:
                cursor = raw.cursor()
                cursor.execute(p.sql, p.parameters(params))
                cursors.append(cursor)
        return [p.rows(cursor.fetchall()) for p, cursor in zip(prepared, cursors, strict=True)]
    except conn.dialect.loaded_dbapi.Error as exc:
        # Same contract as SQLAlchemy's own execution: a wrapped error with no parameters in
        # its text, and a dead connection thrown away rather than returned to the pool.
        if raw.closed or raw.broken:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            prepared[0].sql,
            None,
            exc,
            conn.dialect.loaded_dbapi.Error,
            hide_parameters=True,
            dialect=conn.dialect,
        ) from exc

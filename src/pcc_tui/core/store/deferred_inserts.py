"""Rows of `inserts.insert_row` written later, a statement per table, not one each; and, if
asked (`orm_rows`), ids at once for rows added through the ORM, which the caller then leaves
to be flushed with the others of their table.

A writer of many small rows (the HL7 intake applying a batch straight through) turns this
on for its transaction. Each row gets its id at once — taken ahead from the table's sequence
on PostgreSQL (a block at a time, one statement for every table that needs one), counted on
from the largest on SQLite (its writer holds the database lock) — so the caller can name it
in the next row, an audit or an undo payload; the row itself waits in the session.

Before any statement the session executes (a read must see the rows) and at `write`, what
waits is written in table order (a row's parent first): the session's own pending changes
are flushed first, since a waiting row may name a row just added through the ORM. A failed
write raises from that statement or from `write`; the caller rolls the transaction back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, event, func, insert, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from pcc_tui.core.store.tables import Base

_KEY = "pcc_deferred_inserts"
_ORDER = {t.name: n for n, t in enumerate(Base.metadata.sorted_tables)}  # parents first
# Ids from each table's sequence: [[table, id], ...] as JSON. A scalar subquery, so that a
# caller may take them in a statement it sends anyway (`:tables`, `:counts`).
PG_TAKE = (
    "(SELECT json_agg(json_build_array(v.t, nextval(pg_get_serial_sequence(v.t, 'id'))))"
    " FROM unnest(CAST(:tables AS text[]), CAST(:counts AS int[])) AS v(t, k),"
    " generate_series(1, v.k))"
)
_PG_IDS = text(f"SELECT {PG_TAKE}")


@dataclass
class _Waiting:
    block: int  # ids taken at a time on PostgreSQL
    postgresql: bool
    orm_rows: bool  # ORM rows are given ids and flushed later (`defers_orm`)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ids: dict[str, Iterator[int]] = field(default_factory=dict)
    writing: bool = False


def start(
    session: Session,
    *,
    block: int,
    taken: list[tuple[str, int]] | None = None,
    orm_rows: bool = False,
) -> None:
    """Defer this session's inserts from now on. `taken`: ids the caller took ahead from the
    sequences in a statement of its own (`PG_TAKE`, with `numbered`), as (table, id); more
    are taken `block` at a time as needed. `orm_rows`: the ORM rows too (`defers_orm`)."""
    waiting = _Waiting(max(1, block), session.get_bind().dialect.name == "postgresql", orm_rows)
    session.info[_KEY] = waiting
    if not event.contains(session, "do_orm_execute", _before_statement):
        event.listen(session, "do_orm_execute", _before_statement)
    if waiting.postgresql:
        _keep(waiting, taken or [])


def numbered(counts: dict[str, int]) -> dict[str, int]:
    """Those of `counts` (by table name) that are of tables with ids, and above 0."""
    tables = Base.metadata.tables
    return {t: n for t, n in counts.items() if n > 0 and "id" in tables[t].c}


def active(session: Session) -> bool:
    return _KEY in session.info


def defers_orm(session: Session) -> bool:
    """Whether rows added through the ORM get an id at once (`give_id`) and are flushed
    later, with the others of their table (`Tx` does so, and settles a row another action
    left unwritten before it changes it)."""
    waiting: _Waiting | None = session.info.get(_KEY)
    return waiting is not None and waiting.orm_rows


def add(session: Session, table: Table, values: dict[str, Any]) -> int:
    """Keep a row for later; returns the id it will have (0 for a table without one)."""
    waiting: _Waiting = session.info[_KEY]
    row = dict(values)
    new_id = 0
    if "id" in table.c:
        new_id = row["id"] = _next_id(session, waiting, table)
    waiting.rows.setdefault(table.name, []).append(row)
    return new_id


def give_id(session: Session, row: Base) -> None:
    """An id now for a row added to the session, so it need not be flushed to have one."""
    table = row.__table__
    if "id" in table.c and getattr(row, "id", None) is None:
        row.id = _next_id(session, session.info[_KEY], cast(Table, table))  # type: ignore[attr-defined]


def write(session: Session) -> None:
    """Write every row waiting, a statement per table and set of columns, parents first."""
    waiting: _Waiting | None = session.info.get(_KEY)
    if waiting is None or waiting.writing:
        return
    waiting.writing = True
    try:
        session.flush()
        rows, waiting.rows = waiting.rows, {}
        for name in sorted(rows, key=_ORDER.__getitem__):
            table, found = Base.metadata.tables[name], rows[name]
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in found:
                by_columns.setdefault(tuple(sorted(row)), []).append(row)
            for group in by_columns.values():
                session.execute(insert(table), group)
    finally:
        waiting.writing = False


def stop(session: Session) -> None:
    """Write what waits; inserts are immediate again."""
    write(session)
    session.info.pop(_KEY, None)


def _before_statement(state: ORMExecuteState) -> None:
    waiting: _Waiting | None = state.session.info.get(_KEY)
    if waiting is not None and waiting.rows and not waiting.writing:
        write(state.session)


def _next_id(session: Session, waiting: _Waiting, table: Table) -> int:
    ids = waiting.ids.get(table.name)
    found = next(ids, None) if ids is not None else None
    if found is not None:
        return found
    if waiting.postgresql:
        _take(session, waiting, {table.name: waiting.block})
    else:  # the writer holds the database lock: the ids after the largest are free
        last = int(session.connection().scalar(select(func.max(table.c.id))) or 0)
        waiting.ids[table.name] = iter(range(last + 1, 2**62))
    return next(waiting.ids[table.name])


def _take(session: Session, waiting: _Waiting, counts: dict[str, int]) -> None:
    """Ids from each table's sequence, in one statement (not through the session: no
    flush of what waits is needed to take a number)."""
    if not counts:
        return
    found = session.connection().scalar(
        _PG_IDS, {"tables": list(counts), "counts": list(counts.values())}
    )
    _keep(waiting, [(str(name), int(value)) for name, value in found or []])


def _keep(waiting: _Waiting, taken: list[tuple[str, int]]) -> None:
    by_table: dict[str, list[int]] = {}
    for name, value in taken:
        by_table.setdefault(name, []).append(value)
    for name, ids in by_table.items():
        rest = list(waiting.ids.get(name, iter(())))
        waiting.ids[name] = iter(rest + ids)

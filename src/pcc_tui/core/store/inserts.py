"""One cached Core INSERT per table, for writers of many rows (the HL7 intake writes about
ten per message). An ORM add costs a flush of its own per row (a unit of work, events, the
identity map) and a statement built per call costs its cache key; a statement built once
and executed with values costs a tenth of that. Rows written this way are never objects in
the session: the caller keeps what it needs (usually the id). A session may defer them
(`deferred_inserts`): they are then written a statement per table, later."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session

from pcc_tui.core.store import changes, deferred_inserts
from pcc_tui.core.store.tables import Base, PatientRow, Tracked

_CACHE: dict[str, Insert] = {}


def _statement(table: Table) -> Insert:
    found = _CACHE.get(table.name)
    if found is None:
        stmt = insert(table)
        if "id" in table.c:
            stmt = stmt.returning(table.c.id)
        found = _CACHE[table.name] = stmt
    return found


def insert_row(
    session: Session, mapped: type[Base], values: dict[str, Any], who: str, now: datetime
) -> int:
    """Insert one row of `mapped`; returns its id (0 for a table without one). Stamps who and
    when as the ORM's flush hook does, and marks the table and patient changed for the feed."""
    table = cast(Table, mapped.__table__)
    if issubclass(mapped, Tracked):
        values = {
            "created_at": now,
            "created_by": who,
            "updated_at": now,
            "updated_by": who,
            **values,
        }
    if deferred_inserts.active(session):  # written with others of its table, later
        new_id = deferred_inserts.add(session, table, values)
    else:
        result = session.execute(_statement(table), values)
        new_id = int(result.scalar_one()) if "id" in table.c else 0
    if table.name not in changes.QUIET_TABLES:
        patient = new_id if mapped is PatientRow else values.get("patient_id")
        changes.note(session, (table.name,), () if patient is None else (int(patient),))
    return new_id

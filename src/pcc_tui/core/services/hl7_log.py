"""The intake log's rows as the intake works on them: inserted when a message arrives,
saved once with what became of it. Two statements built once (Core), not an ORM object with
a flush per change: the intake writes a row per message, hundreds a second in a backlog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import Hl7MessageRow

_TABLE = cast(Table, Hl7MessageRow.__table__)
_SAVED = ("outcome", "error", "error_where", "hold_key", "patient_id", "attempts")
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_SAVE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("log_id"))
    .values({name: bindparam(f"new_{name}") for name in (*_SAVED, "processed_at")})
)


@dataclass
class LogEntry:
    id: int
    sender: str
    control_id: str
    message_type: str
    outcome: str
    raw: str
    attempts: int = 1
    error: str | None = None
    error_where: str | None = None
    hold_key: str | None = None
    patient_id: int | None = None

    @classmethod
    def of(cls, row: Hl7MessageRow) -> LogEntry:
        return cls(
            row.id,
            row.sender,
            row.control_id,
            row.message_type,
            row.outcome,
            row.raw,
            row.attempts,
            row.error,
            row.error_where,
            row.hold_key,
            row.patient_id,
        )


def add(
    session: Session,
    *,
    received_at: datetime,
    now: datetime,
    sender: str,
    control_id: str,
    message_type: str,
    event_time: str,
    outcome: str,
    raw: str,
    error: str | None = None,
    error_where: str | None = None,
) -> LogEntry:
    values = {
        "received_at": received_at,
        "processed_at": now,
        "sender": sender,
        "control_id": control_id,
        "message_type": message_type,
        "event_time": event_time,
        "outcome": outcome,
        "error": error,
        "error_where": error_where,
        "attempts": 1,
        "raw": raw,
    }
    log_id = int(session.execute(_INSERT, values).scalar_one())
    return LogEntry(log_id, sender, control_id, message_type, outcome, raw, 1, error, error_where)


def save(session: Session, log: LogEntry, now: datetime) -> None:
    """Write what became of it (the unique index on applied ones may refuse: a duplicate)."""
    values = {f"new_{name}": getattr(log, name) for name in _SAVED}
    session.execute(_SAVE, {"log_id": log.id, "new_processed_at": now, **values})

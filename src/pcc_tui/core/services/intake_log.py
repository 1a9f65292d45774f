"""The HL7 intake log for supervisors and admins: what arrived, when, and what became of it
(never the message itself). Reading it is audited like any other review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pcc_tui.core.domain.codes import CoordinatorRole
from pcc_tui.core.errors import Forbidden
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import Hl7MessageRow

FAILED = ("AE", "AR", "held")
READERS = (CoordinatorRole.SUPERVISOR, CoordinatorRole.ADMIN)


@dataclass(frozen=True)
class LogEntry:
    id: int
    received_at: datetime
    processed_at: datetime | None
    sender: str
    control_id: str
    message_type: str
    outcome: str
    error: str | None
    error_where: str | None
    attempts: int


def read_log(
    store: Store, actor: Actor, *, failed: bool = False, limit: int = 200
) -> list[LogEntry]:
    """Newest first."""
    if actor.role not in READERS:
        raise Forbidden("the intake log is for supervisors and admins")
    columns = (
        Hl7MessageRow.id,
        Hl7MessageRow.received_at,
        Hl7MessageRow.processed_at,
        Hl7MessageRow.sender,
        Hl7MessageRow.control_id,
        Hl7MessageRow.message_type,
        Hl7MessageRow.outcome,
        Hl7MessageRow.error,
        Hl7MessageRow.error_where,
        Hl7MessageRow.attempts,
    )
    with action(store, actor, "hl7.log.view") as tx:
        stmt = select(*columns).order_by(Hl7MessageRow.id.desc()).limit(limit)
        if failed:
            stmt = stmt.where(Hl7MessageRow.outcome.in_(FAILED))
        rows = tx.session.execute(stmt).all()
        tx.entity_type = "hl7_message"
        tx.detail.update(failed=failed, rows=len(rows))
        return [LogEntry(**row._asdict()) for row in rows]

"""A patient record's history: who changed what, when, and the values before, read from the
audit trail (each change's row keeps the old values for undo). Viewing it is audited.

On PostgreSQL a person may read only their own audit rows, so the history comes from
`pcc_record_history` (SECURITY DEFINER, migration 0012): it answers only for a patient the
person may open, and only the record's changes (no views, no other patients).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import AuditOutcome
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, PatientRow

# The record's own changes: what the history lists (views and searches are not changes).
CHANGES = ("patient.register", "patient.update", "contact.%", "coverage.%", "care_team.%",
           "problem.%", "consent.%")  # fmt: skip
HISTORY_CAP = 200


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    action: str
    fields: list[str]
    before: dict[str, Any]  # field -> the value before this change


def record_history(store: Store, actor: Actor, patient_id: int) -> list[HistoryEntry]:
    """Newest first. Audited as a view of the patient's record."""
    with action(store, actor, "patient.history") as tx:
        tx.get(PatientRow, patient_id)  # in scope, or refused as any other open would be
        tx.patient_id, tx.entity_type, tx.entity_id = patient_id, "patient", patient_id
        rows = _rows(tx.session, patient_id)
        tx.detail["entries"] = len(rows)
        return [_entry(*row) for row in rows]


def _rows(session: Session, patient_id: int) -> list[tuple[datetime, str, str, str]]:
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(
            text("SELECT * FROM pcc_record_history(:p)"), {"p": patient_id}
        ).all()
        # The function returns the column's UTC wall time; the ORM type would mark it UTC.
        return [(at.replace(tzinfo=UTC), who, what, detail) for at, who, what, detail in found]
    like = or_(*(AuditEventRow.action.like(a) for a in CHANGES))
    stmt = (
        select(
            AuditEventRow.recorded_at,
            AuditEventRow.actor,
            AuditEventRow.action,
            AuditEventRow.detail,
        )
        .where(
            AuditEventRow.patient_id == patient_id,
            AuditEventRow.outcome == AuditOutcome.SUCCESS,
            like,
        )
        .order_by(AuditEventRow.seq.desc())
        .limit(HISTORY_CAP)
    )
    return [(at, who, what, detail) for at, who, what, detail in session.execute(stmt)]


def _entry(at: datetime, who: str, what: str, detail: str) -> HistoryEntry:
    try:
        data = json.loads(detail or "{}")
    except ValueError:
        data = {}
    before: dict[str, Any] = {}
    for undo in data.get("undo", []) if isinstance(data, dict) else []:
        if isinstance(undo, dict) and isinstance(undo.get("before"), dict):
            before.update(undo["before"])
    fields = data.get("fields") if isinstance(data, dict) else None
    return HistoryEntry(at, who, what, list(fields or before), before)

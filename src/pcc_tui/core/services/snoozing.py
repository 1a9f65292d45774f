"""Snooze: put a queue item aside until a date, with a reason. It comes back on that date by
itself (the queue leaves out items snoozed past today); the snooze stays on record."""

from __future__ import annotations

from datetime import date

from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    Base,
    CommunicationRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
    SnoozeRow,
)

SNOOZABLE: dict[str, type[Base]] = {
    t.__tablename__: t
    for t in (AppointmentRow, PlanStepRow, CommunicationRow, PriorAuthorizationRow, ReferralRow)
}
ACTIVE = "active"


def snooze_item(
    store: Store, actor: Actor, entity_type: str, entity_id: int, until: date, reason: str
) -> int:
    table = SNOOZABLE.get(entity_type)
    if table is None:
        raise DomainError(f"a {entity_type} is not a queue item and cannot be snoozed")
    with action(store, actor, "queue.snooze") as tx:
        item = tx.get(table, entity_id)
        if until <= store.clock.today():
            raise DomainError("snooze until a day after today")
        if not reason.strip():
            raise DomainError("a snooze needs a reason")
        patient_id = int(getattr(item, "patient_id"))  # noqa: B009 - every snoozable has one
        row = tx.add(
            SnoozeRow(
                entity_type=entity_type,
                entity_id=entity_id,
                patient_id=patient_id,
                until=until,
                reason=reason.strip()[:300],
                status=ACTIVE,
            )
        )
        tx.about(row, patient_id, item=f"{entity_type} {entity_id}", until=until.isoformat())
        return row.id

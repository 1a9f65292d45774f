"""Who may open which record, and break-the-glass access (HIPAA 164.312(a)(2)(ii)).

A record is open to its coordinator, to anyone whose home ward it is on, to whoever owns one
of its open steps (themselves or their pool) or has been offered it in a handoff, and to
supervisors (who oversee and reassign every caseload). Anyone else states a reason and gets
time-limited access, audited with the HL7 purpose of use BTG; supervisors see these in the
`break-glass` report. Nobody opens their own record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pcc_tui.core.errors import DomainError, Forbidden, NotFound, OwnRecordRefused
from pcc_tui.core.services.context import Actor, Tx, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.scope import check_open, own_record, patient_exists
from pcc_tui.core.store.tables import AccessGrantRow

REASON_MIN = 10
BREAK_GLASS_PURPOSE = "BTG"  # HL7 v3 ActReason: break the glass


def open_record(tx: Tx, patient_id: int) -> datetime | None:
    """Check `tx.actor` may open this patient's record; name it in the audit row. Returns the
    end of a break-the-glass grant if that is what allows it, else None."""
    tx.patient_id, tx.entity_type, tx.entity_id = patient_id, "patient", patient_id
    until = check_open(tx.session, tx.actor, patient_id, tx.now)
    if until is not None:
        tx.detail["purpose"] = BREAK_GLASS_PURPOSE
    return until


def break_glass(store: Store, actor: Actor, patient_id: int, reason: str) -> datetime:
    """Grant `actor` access to a patient outside their caseload for the site's set time."""
    with action(store, actor, "patient.break-glass") as tx:
        tx.patient_id, tx.entity_type, tx.entity_id = patient_id, "patient", patient_id
        if actor.role not in store.policy.break_glass_roles:
            allowed = " or ".join(store.policy.break_glass_roles)
            raise Forbidden(f"a {actor.role} may not break the glass: that is for a {allowed}")
        if own_record(tx.session, actor) == patient_id:
            raise OwnRecordRefused(
                "you cannot open your own record, not even by breaking the glass"
            )
        if not patient_exists(tx.session, patient_id):
            raise NotFound("patient", patient_id)
        why = " ".join(reason.split())
        if len(why) < REASON_MIN:
            raise DomainError(f"say why you need this record (at least {REASON_MIN} characters)")
        until = tx.now + timedelta(minutes=store.policy.break_glass_minutes)
        tx.add(
            AccessGrantRow(
                username=actor.username,
                patient_id=patient_id,
                reason=why[:500],
                granted_at=tx.now,
                expires_at=until,
            )
        )
        tx.detail.update(purpose=BREAK_GLASS_PURPOSE, reason=why[:500], until=until.isoformat())
        return until

"""Who else has a patient open right now: each session's row, refreshed by a heartbeat.

Opening or leaving a patient is announced through the change log (so the other cockpits
showing that patient update their "also open" line); a heartbeat only refreshes the time.
A row unrefreshed for STALE is a session that died without saying goodbye.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store import changes
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import PresenceRow

HEARTBEAT_SECONDS = 60
STALE = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def announce(store: Store, actor: Actor, patient_id: int | None) -> None:
    """This session now has `patient_id` open (None: no patient, e.g. locked or leaving)."""
    with store.writing() as session:
        mark(session, store, actor, patient_id)


def mark(session: Session, store: Store, actor: Actor, patient_id: int | None) -> None:
    """`announce` inside a transaction the caller already has (opening a patient)."""
    row = session.get(PresenceRow, store.origin)
    before = None if row is None else row.patient_id
    if row is None:
        row = PresenceRow(session_id=store.origin, username=actor.username)
        session.add(row)
    row.username, row.display_name = actor.username, actor.display_name
    row.patient_id, row.seen_at = patient_id, store.clock.now()
    if before != patient_id:
        moved = [p for p in (before, patient_id) if p is not None]
        changes.note(session, [changes.PRESENCE], moved)


def others_viewing(store: Store, patient_id: int) -> list[str]:
    """Display names of the other sessions that have this patient open."""
    with store.reading() as session:
        return others(session, store, patient_id)


def others(session: Session, store: Store, patient_id: int) -> list[str]:
    names = session.scalars(
        select(PresenceRow.display_name)
        .where(
            PresenceRow.patient_id == patient_id,
            PresenceRow.session_id != store.origin,
            PresenceRow.seen_at > store.clock.now() - STALE,
        )
        .order_by(PresenceRow.display_name)
    )
    return list(dict.fromkeys(names))

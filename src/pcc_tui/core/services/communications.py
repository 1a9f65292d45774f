"""Calls, messages and notes: every contact attempt is logged with its outcome."""

from __future__ import annotations

from pcc_tui.core.domain.models import Communication, Note
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.consent import require_consent
from pcc_tui.core.services.context import Actor, action, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import CommunicationRow, ContactRow, NoteRow, PatientRow


def log_communication(
    store: Store,
    actor: Actor,
    new: Communication,
    *,
    closes_callback: tuple[int, int] | None = None,
) -> int:
    """Log one attempt. `closes_callback=(id, version)` marks an owed callback as made."""
    with action(store, actor, "communication.log") as tx:
        tx.get(PatientRow, new.patient_id)
        if new.contact_id is not None:
            contact = tx.get(ContactRow, new.contact_id)
            if contact.patient_id != new.patient_id:
                raise DomainError("that contact belongs to another patient")
            day = new.sent_at.astimezone(store.clock.tz).date()
            require_consent(tx, contact, new.topic, day, new.override_reason)
        if closes_callback is not None:
            cb_id, cb_version = closes_callback
            owed = tx.get(
                CommunicationRow,
                cb_id,
                expected_version=cb_version,
                mine={"next_attempt_due": None},
            )
            if owed.patient_id != new.patient_id:
                raise DomainError("that callback is for another patient")
            owed.next_attempt_due = None
        values = values_of(new)
        values["author"] = actor.username
        row = tx.add(CommunicationRow(**values))
        tx.about(
            row,
            channel=str(new.channel),
            outcome=str(new.outcome),
            topic=new.topic.value if new.topic else None,
            caller_verified=new.caller_verified,
            next_attempt=new.next_attempt_due.isoformat() if new.next_attempt_due else None,
        )
        return row.id


def add_note(store: Store, actor: Actor, patient_id: int, text: str) -> int:
    with action(store, actor, "note.add") as tx:
        tx.get(PatientRow, patient_id)
        note = Note(patient_id=patient_id, text=text, author=actor.username)
        row = tx.add(NoteRow(**values_of(note)))
        tx.about(row)
        return row.id

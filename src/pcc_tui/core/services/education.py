"""Patient education: record which plain-language explanation was given to whom.

Explaining a procedure to a family member tells them about the condition, so a contact
needs the patient's agreement to share the condition; an objection always refuses.
"""

from __future__ import annotations

from pcc_tui.core.domain.codes import Channel, RecordStatus, ShareScope
from pcc_tui.core.domain.education import EducationGiven, EducationTopic
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.consent import require_consent
from pcc_tui.core.services.context import Actor, action, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import ContactRow, EducationGivenRow, PatientRow


def record_education(
    store: Store,
    actor: Actor,
    patient_id: int,
    topic: EducationTopic,
    channel: Channel,
    *,
    contact_id: int | None = None,
    note: str | None = None,
) -> int:
    with action(store, actor, "education.given") as tx:
        tx.get(PatientRow, patient_id)
        given_to = "patient"
        if contact_id is not None:
            contact = tx.get(ContactRow, contact_id)
            if contact.patient_id != patient_id or contact.status != RecordStatus.ACTIVE:
                raise DomainError("that contact is not one of this patient's")
            # Explaining a procedure shares the condition: the consent in force must allow it.
            require_consent(tx, contact, ShareScope.CONDITION, store.clock.today(), None)
            given_to = f"{contact.name} ({contact.relationship})"
        record = EducationGiven(
            patient_id=patient_id,
            topic_id=topic.id,
            topic_title=topic.title,
            contact_id=contact_id,
            given_to=given_to,
            channel=channel,
            given_at=tx.now,
            given_by=actor.username,
            note=note or None,
        )
        row = tx.add(EducationGivenRow(**values_of(record)))
        tx.about(row, patient_id, topic=topic.id, to_contact=contact_id is not None)
        return row.id

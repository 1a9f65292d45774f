"""Consent as dated records: what the patient decided may be shared with a contact, how it
was given, until when, and how a caller proves who they are. A decision is never edited: a
new one (a withdrawal too) is a new record. What is in force on a day is the newest record
given by then that has not expired; a contact with no record yet falls back to the consent
kept on the contact itself (imports, and records made before consent records existed).

Calls and education check the consent in force at their moment (`require_consent`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pcc_tui.core.domain import consent_rules as rules
from pcc_tui.core.domain.codes import ConsentDecision, RecordStatus, ShareScope
from pcc_tui.core.domain.consent_rules import SCOPE_WORDS, InForce
from pcc_tui.core.domain.models import Consent, Contact
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, Tx, action, row_dict, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.rows import as_models
from pcc_tui.core.store.tables import ConsentRow, ContactRow


def in_force(session: Session, contact: ContactRow, day: date) -> InForce:
    rows = session.scalars(select(ConsentRow).where(ConsentRow.contact_id == contact.id)).all()
    records = as_models(Consent, [row_dict(r) for r in rows], [])
    return rules.in_force(records, Contact.model_validate(contact), day)


def require_consent(
    tx: Tx, contact: ContactRow, topic: ShareScope | None, day: date, override: str | None
) -> InForce:
    """The consent in force, or a refusal saying why; an override with a reason (a legal duty,
    safety) is let through and noted in the audit row."""
    held = in_force(tx.session, contact, day)
    tx.detail["consent"] = held.decision.value
    denied = held.decision in (ConsentDecision.OBJECTED, ConsentDecision.WITHDRAWN)
    if not denied and (topic is None or held.allows(topic)):
        return held
    if (override or "").strip():
        tx.detail["override"] = True
        return held
    who = f"{contact.name} ({contact.relationship})"
    if topic is None:
        reason = f"the patient shares nothing with {who}: {held.words()}"
    else:
        reason = f"{who} has no consent to hear about {SCOPE_WORDS[topic]}: {held.words()}"
    raise DomainError(f"{reason}. Talk to the patient first, or override with the reason")


def record_decision(store: Store, actor: Actor, new: Consent) -> int:
    """A new consent record for one of the patient's contacts (a withdrawal too)."""
    with action(store, actor, f"consent.{new.decision.value}") as tx:
        row = add_decision(tx, new)
        tx.about(row, new.patient_id, scopes=[s.value for s in new.scopes], how=new.given_how)
        return int(row.id)


def add_decision(tx: Tx, new: Consent, *, summarise: bool = True) -> ConsentRow:
    """The record, in the caller's transaction. The contact keeps the latest decision too,
    for lists that show it (`summarise`; a contact made with it has it already); what holds
    on a day is always read from the records."""
    contact = tx.get(ContactRow, new.contact_id)
    if contact.patient_id != new.patient_id:
        raise DomainError("that contact belongs to another patient")
    if contact.status != RecordStatus.ACTIVE or contact.ended_on is not None:
        raise DomainError(f"{contact.name} is no longer a contact: add them again first")
    if new.decision is ConsentDecision.WITHDRAWN:
        held = in_force(tx.session, contact, new.given_on)
        if held.decision is not ConsentDecision.AGREED or held.expired:
            raise DomainError(f"nothing to withdraw: {held.words()}")
    if new.decision is ConsentDecision.AGREED and not new.verification:
        # How a caller proves who they are carries over until the patient agrees another.
        prior = in_force(tx.session, contact, new.given_on).verification
        new = new.model_copy(update={"verification": prior})
    row = tx.add(ConsentRow(**values_of(new) | {"recorded_by": tx.actor.username}))
    if summarise:
        tx.track(contact)  # undo puts the contact's summary back, and voids the record
        for key, value in contact_summary(new, tx.actor.username).items():
            setattr(contact, key, value)
    return row


def contact_summary(new: Consent, username: str) -> dict[str, object]:
    """What the contact row keeps of its latest decision (lists and imports read it)."""
    return {
        "consent": new.decision.value,
        "share_scope": [s.value for s in new.scopes],
        "consent_on": new.given_on,
        "consent_recorded_by": username,
        "verification_method": new.verification,
    }

"""Which consent holds for a contact on a day, from their consent records (pure rules; the
services and the chart both use them). The newest record given by that day holds; an
agreement past its expiry shares nothing; a contact with no record yet falls back to the
consent kept on the contact itself (imports, records from before consent records)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pcc_tui.core.domain.codes import ConsentDecision, RecordStatus, ShareScope
from pcc_tui.core.domain.models import Consent, Contact

SCOPE_WORDS = {
    ShareScope.APPOINTMENTS: "appointments",
    ShareScope.CONDITION: "the condition",
    ShareScope.MEDICATIONS: "medications",
    ShareScope.TEST_RESULTS: "test results",
    ShareScope.DISCHARGE_PLAN: "the discharge plan",
    ShareScope.BILLING: "billing",
}


@dataclass(frozen=True)
class InForce:
    """The consent that holds for a contact on a day."""

    decision: ConsentDecision
    scopes: tuple[ShareScope, ...]
    given_on: date | None
    given_how: str | None
    expires_on: date | None
    verification: str | None
    expired: bool = False  # the last agreement ran out: nothing is shared

    def allows(self, topic: ShareScope) -> bool:
        return self.decision is ConsentDecision.AGREED and not self.expired and topic in self.scopes

    def words(self) -> str:
        """`may share: appointments (verbal, 3 Dec 2026, until 3 Jun 2027)`, and the like."""
        when = f"{self.given_on:%d %b %Y}" if self.given_on else "date unknown"
        how = f"{self.given_how}, {when}" if self.given_how else when
        if self.expired:
            return f"consent expired {self.expires_on:%d %b %Y}: share nothing"
        if self.decision is ConsentDecision.AGREED:
            until = f", until {self.expires_on:%d %b %Y}" if self.expires_on else ""
            shared = ", ".join(SCOPE_WORDS[s] for s in self.scopes)
            return f"may share: {shared} ({how}{until})"
        if self.decision is ConsentDecision.OBJECTED:
            return f"OBJECTED: share nothing ({how})"
        if self.decision is ConsentDecision.WITHDRAWN:
            return f"consent WITHDRAWN: share nothing ({how})"
        return "consent not asked"


def in_force(records: Iterable[Consent], contact: Contact, day: date) -> InForce:
    """`records`: the contact's consent records (any order; voided ones are skipped)."""
    mine = [r for r in records if r.contact_id == contact.id and r.status is RecordStatus.ACTIVE]
    given = [r for r in mine if r.given_on <= day]
    if mine and not given:  # every decision came later than that day: none was asked yet
        return InForce(ConsentDecision.NOT_ASKED, (), None, None, None, None)
    if not given:
        return InForce(
            contact.consent,
            tuple(contact.share_scope),
            contact.consent_on,
            None,
            None,
            contact.verification_method,
        )
    record = max(given, key=lambda r: (r.given_on, r.id or 0))
    expired = record.expires_on is not None and record.expires_on < day
    return InForce(
        record.decision,
        tuple(record.scopes),
        record.given_on,
        record.given_how.value,
        record.expires_on,
        record.verification,
        expired and record.decision is ConsentDecision.AGREED,
    )

"""Referrals: a ServiceRequest tracked sent -> accepted -> scheduled -> reply received."""

from __future__ import annotations

from datetime import date, timedelta

from pcc_tui.core.domain.codes import ReferralTracking, ServiceRequestStatus
from pcc_tui.core.domain.models import Referral
from pcc_tui.core.errors import DomainError, IllegalTransition
from pcc_tui.core.services.context import Actor, action, values_of
from pcc_tui.core.store.database import Policy, Store
from pcc_tui.core.store.tables import PatientRow, ReferralRow

_ORDER = [
    ReferralTracking.SENT,
    ReferralTracking.ACCEPTED,
    ReferralTracking.SCHEDULED,
    ReferralTracking.REPLY_RECEIVED,
]


def default_reply_due(sent_on: date, internal: bool, policy: Policy) -> date:
    """In-house: N business days (the site calendar); external: N calendar days (site policy)."""
    if not internal:
        return sent_on + timedelta(days=policy.referral_reply_days_external)
    return policy.calendar.add_business_days(sent_on, policy.referral_reply_business_days_internal)


def create_referral(store: Store, actor: Actor, new: Referral) -> int:
    with action(store, actor, "referral.create") as tx:
        tx.get(PatientRow, new.patient_id)
        row = tx.add(ReferralRow(**values_of(new)))
        tx.about(row, internal=new.internal, reply_due=new.reply_due.isoformat())
        return row.id


def advance_referral(
    store: Store, actor: Actor, referral_id: int, expected_version: int, to: ReferralTracking
) -> int:
    """Move the tracking forward (never back); the reply itself goes through record_reply."""
    with action(store, actor, "referral.track") as tx:
        row = tx.get(
            ReferralRow, referral_id, expected_version=expected_version, mine={"tracking": str(to)}
        )
        if to == ReferralTracking.REPLY_RECEIVED:
            raise DomainError("record the reply itself to close the loop")
        if row.status != ServiceRequestStatus.ACTIVE:
            raise DomainError(f"referral {referral_id} is {row.status}")
        if _ORDER.index(ReferralTracking(to)) <= _ORDER.index(ReferralTracking(row.tracking)):
            later = [str(t) for t in _ORDER[_ORDER.index(ReferralTracking(row.tracking)) + 1 :]]
            raise IllegalTransition("Referral tracking", row.tracking, to, later)
        tx.about(row, None, **{"from": row.tracking, "to": str(to)})
        row.tracking = ReferralTracking(to)
        tx.session.flush()
        return row.version


def record_referral_reply(
    store: Store,
    actor: Actor,
    referral_id: int,
    expected_version: int,
    received_on: date,
    reply: str,
) -> int:
    """Close the loop: the reply arrived; the ServiceRequest is completed."""
    with action(store, actor, "referral.reply") as tx:
        row = tx.get(
            ReferralRow,
            referral_id,
            expected_version=expected_version,
            mine={"reply": reply, "received_on": received_on.isoformat()},
        )
        if row.tracking == ReferralTracking.REPLY_RECEIVED:
            raise DomainError(f"referral {referral_id} already has its reply")
        if not reply.strip():
            raise DomainError("the reply needs its content or a summary of it")
        if received_on < row.sent_on:
            raise DomainError("the reply cannot arrive before the referral was sent")
        row.tracking = ReferralTracking.REPLY_RECEIVED
        row.reply_received_on = received_on
        row.reply = reply.strip()
        row.status = ServiceRequestStatus.COMPLETED
        tx.about(row)
        tx.session.flush()
        return row.version

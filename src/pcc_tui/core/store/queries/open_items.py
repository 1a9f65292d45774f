"""One patient's open items, summarised as lines of text (handoff packets, ward rounds)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    UPCOMING_APPOINTMENT_STATUSES,
    AuthDecision,
    AuthStatus,
    ReferralTracking,
    ServiceRequestStatus,
)
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
)


def open_items(session: Session, patient_id: int, today: date, now: datetime) -> list[str]:
    """The patient's open items in a few lines: a handoff packet, a ward-round prompt."""
    lines: list[str] = []
    for title, due, status in session.execute(
        select(PlanStepRow.title, PlanStepRow.due_by, PlanStepRow.status)
        .where(PlanStepRow.patient_id == patient_id, PlanStepRow.status.in_(OPEN_TASK_STATUSES))
        .order_by(PlanStepRow.due_by)
    ):
        late = " OVERDUE" if due < today else ""
        lines.append(f"Step: {title} (due {due.isoformat()}, {status}){late}")
    for start, reason, confirmed in session.execute(
        select(AppointmentRow.start, AppointmentRow.reason, AppointmentRow.patient_status)
        .where(
            AppointmentRow.patient_id == patient_id,
            AppointmentRow.start >= now,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
        )
        .order_by(AppointmentRow.start)
        .limit(5)
    ):
        mark = "" if confirmed == "accepted" else " - not confirmed"
        lines.append(f"Appointment: {start:%Y-%m-%d %H:%M} UTC {reason or ''}{mark}".rstrip())
    for service, due in session.execute(
        select(PriorAuthorizationRow.service, PriorAuthorizationRow.decision_due).where(
            PriorAuthorizationRow.patient_id == patient_id,
            PriorAuthorizationRow.status == AuthStatus.ACTIVE,
            PriorAuthorizationRow.decision == AuthDecision.PENDED,
        )
    ):
        lines.append(f"Prior auth pending: {service} (decision due {due:%Y-%m-%d})")
    for to_whom, reply_due in session.execute(
        select(ReferralRow.to_whom, ReferralRow.reply_due).where(
            ReferralRow.patient_id == patient_id,
            ReferralRow.status == ServiceRequestStatus.ACTIVE,
            ReferralRow.tracking != ReferralTracking.REPLY_RECEIVED,
        )
    ):
        lines.append(f"Referral open: {to_whom} (reply due {reply_due.isoformat()})")
    for who, by in session.execute(
        select(CommunicationRow.with_whom, CommunicationRow.next_attempt_due).where(
            CommunicationRow.patient_id == patient_id,
            CommunicationRow.next_attempt_due.is_not(None),
        )
    ):
        lines.append(f"Callback owed: {who} (by {by:%Y-%m-%d %H:%M} UTC)")
    return lines or ["No open items."]

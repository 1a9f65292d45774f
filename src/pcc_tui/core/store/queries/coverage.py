"""The coverage checklist: coverages, eligibility, prior auths, referrals and what is missing
before the patient's next appointment or open step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import BindParameter, Integer, bindparam, select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    UPCOMING_APPOINTMENT_STATUSES,
    AuthDecision,
    AuthStatus,
    CoverageStatus,
    EligibilityResult,
    ReferralTracking,
    ServiceRequestStatus,
    StepNeed,
)
from pcc_tui.core.domain.models import (
    Appointment,
    Coverage,
    EligibilityCheck,
    PlanStep,
    PriorAuthorization,
    Referral,
)
from pcc_tui.core.domain.read_models import (
    AuthEntry,
    CoverageChecklist,
    CoverageEntry,
    ReferralEntry,
)
from pcc_tui.core.store.queries.rows import fetch
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CoverageRow,
    EligibilityCheckRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
)


def _covers(c: Coverage, day: date) -> bool:
    return (
        c.status == CoverageStatus.ACTIVE
        and (c.period_start is None or c.period_start <= day)
        and (c.period_end is None or c.period_end >= day)
    )


def _auth_entry(a: PriorAuthorization, now: datetime, today: date) -> AuthEntry:
    return AuthEntry.model_construct(
        auth=a,
        units_left=a.units_left,
        decision_overdue=a.decision == AuthDecision.PENDED and a.decision_due < now,
        expired=a.valid_to is not None and a.valid_to < today,
    )


PID: BindParameter[int] = bindparam("pid", type_=Integer())
COVERAGES = (
    select(CoverageRow.__table__)
    .where(CoverageRow.patient_id == PID, CoverageRow.status != CoverageStatus.ENTERED_IN_ERROR)
    .order_by(CoverageRow.order, CoverageRow.id)
)
CHECKS = (
    select(EligibilityCheckRow.__table__)
    .join(CoverageRow, CoverageRow.id == EligibilityCheckRow.coverage_id)
    .where(
        CoverageRow.patient_id == PID,
        EligibilityCheckRow.status != CoverageStatus.ENTERED_IN_ERROR,
    )
    .order_by(EligibilityCheckRow.checked_at.desc())
)
AUTHS = (
    select(PriorAuthorizationRow.__table__)
    .where(
        PriorAuthorizationRow.patient_id == PID,
        PriorAuthorizationRow.status != AuthStatus.ENTERED_IN_ERROR,
    )
    .order_by(PriorAuthorizationRow.requested_at.desc())
)
REFERRALS = (
    select(ReferralRow.__table__)
    .where(
        ReferralRow.patient_id == PID,
        ReferralRow.status != ServiceRequestStatus.ENTERED_IN_ERROR,
    )
    .order_by(ReferralRow.sent_on.desc())
)
NEXT_APPOINTMENT = (
    select(AppointmentRow.__table__)
    .where(
        AppointmentRow.patient_id == PID,
        AppointmentRow.start >= bindparam("now", type_=AppointmentRow.start.type),
        AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
    )
    .order_by(AppointmentRow.start)
    .limit(1)
)
OPEN_STEPS = (
    select(PlanStepRow.__table__)
    .where(PlanStepRow.patient_id == PID, PlanStepRow.status.in_(OPEN_TASK_STATUSES))
    .order_by(PlanStepRow.due_by, PlanStepRow.id)
)


def load_coverage(
    session: Session, patient_id: int, *, today: date, now: datetime, stale_days: int
) -> CoverageChecklist:
    conn = session.connection()
    bad: list[str] = []
    coverages = fetch(conn, Coverage, COVERAGES, bad, pid=patient_id)
    last_checks: dict[int, EligibilityCheck] = {}
    for check in fetch(conn, EligibilityCheck, CHECKS, bad, pid=patient_id):
        last_checks.setdefault(check.coverage_id, check)
    stale_before = now - timedelta(days=stale_days)
    cov_entries = [
        CoverageEntry.model_construct(
            coverage=c,
            last_check=last_checks.get(c.id or 0),
            eligibility_stale=(
                c.id not in last_checks or last_checks[c.id].checked_at < stale_before
            ),
        )
        for c in coverages
    ]
    auths = [
        _auth_entry(a, now, today)
        for a in fetch(conn, PriorAuthorization, AUTHS, bad, pid=patient_id)
    ]
    referrals = [
        ReferralEntry.model_construct(
            referral=ref,
            reply_overdue=ref.tracking != ReferralTracking.REPLY_RECEIVED
            and ref.status == ServiceRequestStatus.ACTIVE
            and ref.reply_due < today,
        )
        for ref in fetch(conn, Referral, REFERRALS, bad, pid=patient_id)
    ]
    upcoming = fetch(conn, Appointment, NEXT_APPOINTMENT, bad, pid=patient_id, now=now)
    next_appt = upcoming[0] if upcoming else None
    open_steps = fetch(conn, PlanStep, OPEN_STEPS, bad, pid=patient_id)
    missing = _missing(cov_entries, auths, referrals, next_appt, open_steps, today=today)
    return CoverageChecklist.model_construct(
        patient_id=patient_id,
        coverages=cov_entries,
        auths=auths,
        referrals=referrals,
        next_appointment=next_appt,
        missing=missing,
        unreadable=bad,
    )


def _missing(
    coverages: list[CoverageEntry],
    auths: list[AuthEntry],
    referrals: list[ReferralEntry],
    next_appt: Appointment | None,
    open_steps: Sequence[PlanStep],
    *,
    today: date,
) -> list[str]:
    """What stands between the patient and their next appointment or open steps."""
    out: list[str] = []
    service_day = next_appt.start.date() if next_appt else today
    active = [e for e in coverages if _covers(e.coverage, service_day)]
    if not active:
        out.append(f"No active coverage on {service_day.isoformat()}")
    for e in active:
        payer = e.coverage.payer
        if e.last_check is None:
            out.append(f"Eligibility never verified: {payer}")
        elif e.eligibility_stale:
            out.append(
                f"Eligibility stale: {payer}, last verified {e.last_check.checked_at.date()}"
            )
        elif e.last_check.result != EligibilityResult.ELIGIBLE:
            out.append(f"Last eligibility check not eligible: {payer}")
    by_id = {a.auth.id: a for a in auths}
    referral_ids = {r.referral.id for r in referrals}
    for step in sorted(open_steps, key=lambda s: (s.due_by, s.id)):
        needs = set(step.needs or [])
        if StepNeed.PRIOR_AUTH in needs:
            out.extend(_auth_problems(step, by_id.get(step.prior_auth_id), today))
        if StepNeed.REFERRAL in needs and step.referral_id not in referral_ids:
            out.append(f"Referral missing for step '{step.title}'")
        if StepNeed.APPOINTMENT in needs and step.appointment_id is None:
            out.append(f"Appointment not booked for step '{step.title}'")
    linked = {s.prior_auth_id for s in open_steps}
    for a in auths:
        if a.auth.id in linked:
            continue
        if a.decision_overdue:
            out.append(f"Prior auth pending past its decision due: {a.auth.service}")
    return out


EXPIRY_WARNING_DAYS = 7


def _auth_problems(step: PlanStep, entry: AuthEntry | None, today: date) -> list[str]:
    if entry is None:
        return [f"Prior auth needed for step '{step.title}'"]
    a = entry.auth
    if a.decision == AuthDecision.DENIED:
        return [f"Prior auth denied: {a.service}"]
    if entry.decision_overdue:
        return [f"Prior auth pending past its decision due: {a.service}"]
    if entry.expired:
        return [f"Prior auth expired: {a.service}"]
    if entry.units_left is not None and entry.units_left <= 0:
        return [f"Prior auth used up: {a.service}"]
    if a.valid_to is not None and a.valid_to <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        if a.valid_to < step.due_by:
            return [f"Prior auth expires {a.valid_to.isoformat()}, before '{step.title}' is due"]
        return [f"Prior auth expires soon ({a.valid_to.isoformat()}): {a.service}"]
    return []

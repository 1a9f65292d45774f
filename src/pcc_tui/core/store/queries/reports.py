"""The coordinator's reports: each one query over the store, as column names and rows.

Rows name patients by MRN and "Family, G." — a report is a worklist someone acts on; the
service that runs it audits who ran it and with what filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, String, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    UPCOMING_APPOINTMENT_STATUSES,
    AppointmentStatus,
    AuthDecision,
    AuthStatus,
    CoverageStatus,
    ParticipationStatus,
    ReferralTracking,
    ServiceRequestStatus,
)
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    CommunicationRow,
    CoordinatorRow,
    CoverageRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    PriorAuthorizationRow,
    ReferralRow,
)

OPEN_TRACKING = (ReferralTracking.SENT, ReferralTracking.ACCEPTED, ReferralTracking.SCHEDULED)


@dataclass(frozen=True)
class ReportParams:
    today: date
    now: datetime
    day_bounds: Callable[[date], tuple[datetime, datetime]]
    since: date | None = None
    coordinator_id: int | None = None
    patient_id: int | None = None
    username: str | None = None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _patient_name() -> Any:
    initial = func.substr(PatientRow.given_name, 1, 1, type_=String)
    return PatientRow.family_name + literal(", ") + initial + literal(".")


def _mine(params: ReportParams, column: Any = PatientRow.coordinator_id) -> list[Any]:
    return [] if params.coordinator_id is None else [column == params.coordinator_id]


def _run(session: Session, columns: Sequence[str], stmt: Executable) -> Table:
    return Table(tuple(columns), [tuple(r) for r in session.execute(stmt)])


def overdue_steps(session: Session, p: ReportParams) -> Table:
    # Group on the owner's ids first (an index range), name the few groups after: grouping
    # on the display label made SQLite sort every overdue step in the hospital (5 s at 100k).
    grouped = (
        select(
            PlanStepRow.owner_id,
            PlanStepRow.owner_pool,
            func.count().label("n"),
            func.min(PlanStepRow.due_by).label("oldest"),
        )
        .where(
            PlanStepRow.status.in_(OPEN_TASK_STATUSES),
            PlanStepRow.due_by < p.today,
            *_mine(p, PlanStepRow.owner_id),
        )
        .group_by(PlanStepRow.owner_id, PlanStepRow.owner_pool)
        .subquery()
    )
    owner = func.coalesce(CoordinatorRow.display_name, literal("pool: ") + grouped.c.owner_pool)
    stmt = (
        select(owner, grouped.c.n, grouped.c.oldest)
        .select_from(grouped)
        .outerjoin(CoordinatorRow, CoordinatorRow.id == grouped.c.owner_id)
        .order_by(grouped.c.n.desc(), owner)
    )
    return _run(session, ("owner", "overdue steps", "oldest due"), stmt)


def unconfirmed_tomorrow(session: Session, p: ReportParams) -> Table:
    start, end = p.day_bounds(p.today + timedelta(days=1))
    stmt = (
        select(
            AppointmentRow.start,
            PatientRow.mrn,
            _patient_name(),
            PatientRow.phone,
            AppointmentRow.reason,
            PractitionerRow.name,
            AppointmentRow.location,
        )
        .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
        .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
        .where(
            AppointmentRow.start >= start,
            AppointmentRow.start < end,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
            AppointmentRow.patient_status == ParticipationStatus.NEEDS_ACTION,
            *_mine(p),
        )
        .order_by(AppointmentRow.start, PatientRow.mrn)
    )
    columns = ("starts", "MRN", "patient", "phone", "reason", "provider", "location")
    return _run(session, columns, stmt)


def no_show_rate(session: Session, p: ReportParams) -> Table:
    since = p.since or p.today - timedelta(days=30)
    start, _ = p.day_bounds(since)
    clinic = func.coalesce(AppointmentRow.location, literal("(no location)"))
    noshow = func.sum(case((AppointmentRow.status == AppointmentStatus.NOSHOW, 1), else_=0))
    stmt = (
        select(clinic, func.count(), noshow)
        .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
        .where(
            AppointmentRow.start >= start,
            AppointmentRow.start < p.now,
            AppointmentRow.status.in_((AppointmentStatus.FULFILLED, AppointmentStatus.NOSHOW)),
            *_mine(p),
        )
        .group_by(clinic)
        .order_by(clinic)
    )
    rows = [
        (c, int(n), int(ns or 0), f"{100 * (ns or 0) / n:.1f}%")
        for c, n, ns in session.execute(stmt)
    ]
    return Table(("clinic", "attended or missed", "no-shows", "no-show rate"), rows)


def auths_due(session: Session, p: ReportParams) -> Table:
    week = p.now + timedelta(days=7)
    pending = and_(
        PriorAuthorizationRow.decision == AuthDecision.PENDED,
        PriorAuthorizationRow.decision_due <= week,
    )
    expiring = and_(
        PriorAuthorizationRow.decision.in_((AuthDecision.APPROVED, AuthDecision.PARTIAL)),
        PriorAuthorizationRow.valid_to >= p.today,
        PriorAuthorizationRow.valid_to <= p.today + timedelta(days=7),
    )
    stmt = (
        select(
            PatientRow.mrn,
            _patient_name(),
            PriorAuthorizationRow.service,
            PriorAuthorizationRow.decision,
            PriorAuthorizationRow.decision_due,
            PriorAuthorizationRow.valid_to,
            PriorAuthorizationRow.units_approved,
            PriorAuthorizationRow.units_used,
        )
        .join(PatientRow, PatientRow.id == PriorAuthorizationRow.patient_id)
        .where(PriorAuthorizationRow.status == AuthStatus.ACTIVE, or_(pending, expiring), *_mine(p))
        .order_by(PriorAuthorizationRow.decision_due)
    )
    rows = []
    for mrn, name, service, decision, due, valid_to, approved, used in session.execute(stmt):
        if decision == AuthDecision.PENDED:
            what = "decision overdue" if due < p.now else "decision due"
            when: Any = due
        else:
            what, when = "expires", valid_to
        left = "" if approved is None else approved - (used or 0)
        rows.append((mrn, name, service, what, when, left))
    return Table(("MRN", "patient", "service", "what", "when", "units left"), rows)


def referrals_overdue(session: Session, p: ReportParams) -> Table:
    stmt = (
        select(
            PatientRow.mrn,
            _patient_name(),
            ReferralRow.to_whom,
            ReferralRow.priority,
            ReferralRow.tracking,
            ReferralRow.reply_due,
        )
        .join(PatientRow, PatientRow.id == ReferralRow.patient_id)
        .where(
            ReferralRow.status == ServiceRequestStatus.ACTIVE,
            ReferralRow.tracking.in_(OPEN_TRACKING),
            ReferralRow.reply_due < p.today,
            *_mine(p),
        )
        .order_by(ReferralRow.reply_due)
    )
    rows = [(*r, (p.today - r[-1]).days) for r in session.execute(stmt)]
    return Table(("MRN", "patient", "to", "priority", "tracking", "reply due", "days late"), rows)


def coverage_gaps(session: Session, p: ReportParams) -> Table:
    start, _ = p.day_bounds(p.today)
    _, end = p.day_bounds(p.today + timedelta(days=13))
    cov = aliased(CoverageRow)
    appt_day = func.date(AppointmentRow.start)
    covered = (
        select(cov.id)
        .where(
            cov.patient_id == AppointmentRow.patient_id,
            cov.status == CoverageStatus.ACTIVE,
            or_(cov.period_start.is_(None), cov.period_start <= appt_day),
            or_(cov.period_end.is_(None), cov.period_end >= appt_day),
        )
        .exists()
    )
    stmt = (
        select(
            AppointmentRow.start,
            PatientRow.mrn,
            _patient_name(),
            AppointmentRow.reason,
            AppointmentRow.location,
        )
        .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
        .where(
            AppointmentRow.start >= start,
            AppointmentRow.start < end,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
            ~covered,
            *_mine(p),
        )
        .order_by(AppointmentRow.start)
    )
    return _run(session, ("starts", "MRN", "patient", "reason", "location"), stmt)


def caseload(session: Session, p: ReportParams) -> Table:
    week_start, _ = p.day_bounds(p.today)
    _, week_end = p.day_bounds(p.today + timedelta(days=6))
    patients = (
        select(func.count()).where(PatientRow.coordinator_id == CoordinatorRow.id).scalar_subquery()
    )
    open_steps = (
        select(func.count())
        .where(
            PlanStepRow.owner_id == CoordinatorRow.id,
            PlanStepRow.status.in_(OPEN_TASK_STATUSES),
        )
        .scalar_subquery()
    )
    overdue = (
        select(func.count())
        .where(
            PlanStepRow.owner_id == CoordinatorRow.id,
            PlanStepRow.status.in_(OPEN_TASK_STATUSES),
            PlanStepRow.due_by < p.today,
        )
        .scalar_subquery()
    )
    appointments = (
        select(func.count())
        .select_from(AppointmentRow)
        .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
        .where(
            PatientRow.coordinator_id == CoordinatorRow.id,
            AppointmentRow.start >= week_start,
            AppointmentRow.start < week_end,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
        )
        .scalar_subquery()
    )
    stmt = (
        select(
            CoordinatorRow.username,
            CoordinatorRow.display_name,
            patients,
            open_steps,
            overdue,
            appointments,
        )
        .where(
            CoordinatorRow.active.is_(True),
            # Those who carry patients: coordinators and supervisors, and an admin or viewer
            # only with a caseload (a single-user database's first account is an admin).
            or_(CoordinatorRow.role.in_(("coordinator", "supervisor")), patients > 0),
            *_mine(p, CoordinatorRow.id),
        )
        .order_by(CoordinatorRow.username)
    )
    columns = ("user", "name", "patients", "open steps", "overdue", "appointments next 7 days")
    return _run(session, columns, stmt)


def patient_access(session: Session, p: ReportParams) -> Table:
    if p.patient_id is None:
        raise ValueError("patient_access needs a patient")
    since = p.since or p.today - timedelta(days=90)
    start, _ = p.day_bounds(since)
    stmt = (
        select(
            AuditEventRow.recorded_at,
            AuditEventRow.actor,
            AuditEventRow.action,
            AuditEventRow.outcome,
        )
        .where(AuditEventRow.patient_id == p.patient_id, AuditEventRow.recorded_at >= start)
        .order_by(AuditEventRow.seq.desc())
    )
    words = {"0": "success", "4": "refused", "8": "failed"}
    rows = [(at, who, what, words.get(o, o)) for at, who, what, o in session.execute(stmt)]
    return Table(("when", "who", "action", "outcome"), rows)


def shift_handoff(session: Session, p: ReportParams) -> Table:
    """One coordinator's patients with something owed by tomorrow: what the next shift
    must know. Needs `coordinator_id` (the service defaults it to the person asking)."""
    if p.coordinator_id is None:
        raise ValueError("shift_handoff needs a coordinator")
    tomorrow = p.today + timedelta(days=1)
    _, horizon = p.day_bounds(tomorrow)

    def steps(*cond: Any) -> Any:
        return (
            select(func.count())
            .where(
                PlanStepRow.patient_id == PatientRow.id,
                PlanStepRow.status.in_(OPEN_TASK_STATUSES),
                *cond,
            )
            .scalar_subquery()
        )

    overdue = steps(PlanStepRow.due_by < p.today)
    due_soon = steps(PlanStepRow.due_by >= p.today, PlanStepRow.due_by <= tomorrow)
    callbacks = (
        select(func.count())
        .where(
            CommunicationRow.patient_id == PatientRow.id,
            CommunicationRow.next_attempt_due < horizon,
        )
        .scalar_subquery()
    )
    next_visit = (
        select(func.min(AppointmentRow.start))
        .where(
            AppointmentRow.patient_id == PatientRow.id,
            AppointmentRow.start >= p.now,
            AppointmentRow.start < horizon,
            AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
        )
        .scalar_subquery()
    )
    inner = (
        select(
            PatientRow.ward,
            PatientRow.bed,
            PatientRow.mrn,
            _patient_name().label("name"),
            overdue.label("overdue"),
            due_soon.label("due_soon"),
            callbacks.label("callbacks"),
            next_visit.label("next_visit"),
        )
        .where(PatientRow.coordinator_id == p.coordinator_id)
        .subquery()
    )
    stmt = (
        select(
            inner.c.mrn,
            inner.c.name,
            inner.c.ward,
            inner.c.bed,
            inner.c.overdue,
            inner.c.due_soon,
            inner.c.callbacks,
            inner.c.next_visit,
        )
        .where(
            or_(
                inner.c.overdue > 0,
                inner.c.due_soon > 0,
                inner.c.callbacks > 0,
                inner.c.next_visit.is_not(None),
            )
        )
        .order_by(inner.c.overdue.desc(), inner.c.ward, inner.c.bed)
    )
    columns = (
        "MRN",
        "patient",
        "ward",
        "bed",
        "overdue steps",
        "steps due by tomorrow",
        "callbacks owed",
        "next visit",
    )
    return _run(session, columns, stmt)


def steps_due_per_day(session: Session, p: ReportParams, days: int) -> list[int]:
    """Open steps due on each of the next `days` days (the workload sparkline)."""
    stmt = (
        select(PlanStepRow.due_by, func.count())
        .where(
            PlanStepRow.status.in_(OPEN_TASK_STATUSES),
            PlanStepRow.due_by >= p.today,
            PlanStepRow.due_by < p.today + timedelta(days=days),
            *_mine(p, PlanStepRow.owner_id),
        )
        .group_by(PlanStepRow.due_by)
    )
    per_day = {d: n for d, n in session.execute(stmt)}
    return [int(per_day.get(p.today + timedelta(days=i), 0)) for i in range(days)]

"""Reading the audit trail for reviewers: who viewed a patient, what a user did, and every
break-the-glass access. Columns carry the client (SSH address, tty) each row recorded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pcc_tui.core.store.queries.reports import ReportParams, Table, _patient_name
from pcc_tui.core.store.tables import AccessGrantRow, AuditEventRow, PatientRow

OUTCOME_WORDS = {"0": "success", "4": "refused", "8": "failed"}
DEFAULT_DAYS = 90


def _start(p: ReportParams) -> object:
    start, _ = p.day_bounds(p.since or p.today - timedelta(days=DEFAULT_DAYS))
    return start


def who_viewed(session: Session, p: ReportParams) -> Table:
    """One line per person who viewed, searched to, or exported the patient: how often, when."""
    if p.patient_id is None:
        raise ValueError("who_viewed needs a patient")
    views = AuditEventRow.action.like("%view%") | AuditEventRow.action.like("%export%")
    stmt = (
        select(
            AuditEventRow.actor,
            func.count(),
            func.min(AuditEventRow.recorded_at),
            func.max(AuditEventRow.recorded_at),
            func.max(AuditEventRow.client),
        )
        .where(
            AuditEventRow.patient_id == p.patient_id,
            AuditEventRow.recorded_at >= _start(p),
            views | AuditEventRow.action.like("%break-glass%"),
        )
        .group_by(AuditEventRow.actor)
        .order_by(func.max(AuditEventRow.recorded_at).desc())
    )
    rows = [tuple(r) for r in session.execute(stmt)]
    return Table(("user", "times", "first", "last", "client"), rows)


def user_activity(session: Session, p: ReportParams) -> Table:
    """Everything one user name did (sign-ins and refusals included), newest first."""
    if not p.username:
        raise ValueError("user_activity needs a user name")
    stmt = (
        select(
            AuditEventRow.recorded_at,
            AuditEventRow.action,
            AuditEventRow.outcome,
            AuditEventRow.patient_id,
            AuditEventRow.client,
        )
        .where(AuditEventRow.actor == p.username, AuditEventRow.recorded_at >= _start(p))
        .order_by(AuditEventRow.seq.desc())
        .limit(5000)
    )
    rows = [
        (at, what, OUTCOME_WORDS.get(o, o), pid, client)
        for at, what, o, pid, client in session.execute(stmt)
    ]
    return Table(("when", "action", "outcome", "patient id", "client"), rows)


def break_glass(session: Session, p: ReportParams) -> Table:
    """Every break-the-glass grant in the period: who, which patient, why, until when."""
    stmt = (
        select(
            AccessGrantRow.granted_at,
            AccessGrantRow.username,
            PatientRow.mrn,
            _patient_name(),
            AccessGrantRow.reason,
            AccessGrantRow.expires_at,
        )
        .join(PatientRow, PatientRow.id == AccessGrantRow.patient_id)
        .where(AccessGrantRow.granted_at >= _start(p))
        .order_by(AccessGrantRow.granted_at.desc())
    )
    rows = [tuple(r) for r in session.execute(stmt)]
    return Table(("granted", "user", "mrn", "patient", "reason", "until"), rows)

"""The transitions report: discharges in a period and how their transitional-care clocks
went (interactive contact within 2 business days, face-to-face within 7 or 14 days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pcc_tui.core.domain.codes import TaskStatus
from pcc_tui.core.store.queries.reports import ReportParams, Table, _patient_name
from pcc_tui.core.store.tables import PatientRow, PlanStepRow, TransitionRow

COLUMNS = (
    "patient",
    "mrn",
    "discharged",
    "complexity",
    "contact due",
    "contacted",
    "face-to-face due",
    "seen",
    "open: time left",
)
DEFAULT_DAYS = 30


def transitions(session: Session, p: ReportParams) -> Table:
    since = p.since or p.today - timedelta(days=DEFAULT_DAYS)
    contact, visit = aliased(PlanStepRow, name="c"), aliased(PlanStepRow, name="v")
    stmt = (
        select(
            _patient_name(),
            PatientRow.mrn,
            TransitionRow.discharged_on,
            TransitionRow.complexity,
            TransitionRow.contact_due,
            contact.status,
            contact.completed_at,
            TransitionRow.visit_due,
            visit.status,
            visit.completed_at,
        )
        .join(PatientRow, PatientRow.id == TransitionRow.patient_id)
        .join(contact, contact.id == TransitionRow.contact_step_id)
        .join(visit, visit.id == TransitionRow.visit_step_id)
        .where(
            TransitionRow.status != "entered-in-error",
            TransitionRow.discharged_on >= since,
            TransitionRow.discharged_on <= p.today,
        )
        .order_by(TransitionRow.discharged_on, TransitionRow.id)
    )
    if p.coordinator_id is not None:
        stmt = stmt.where(contact.owner_id == p.coordinator_id)
    rows: list[tuple[Any, ...]] = []
    contacted = seen = 0
    for (
        name,
        mrn,
        left,
        complexity,
        c_due,
        c_status,
        c_at,
        v_due,
        v_status,
        v_at,
    ) in session.execute(stmt):
        c_on_time = _on_time(c_status, c_at, c_due, p)
        v_on_time = _on_time(v_status, v_at, v_due, p)
        contacted += c_on_time == "on time"
        seen += v_on_time == "on time"
        rows.append(
            (
                name,
                mrn,
                left,
                complexity,
                c_due,
                c_on_time,
                v_due,
                v_on_time,
                _left(c_status, c_due, v_status, v_due, p.today),
            )
        )
    n = len(rows)
    rows.append(
        (
            f"ALL: {n} discharges",
            "",
            f"since {since.isoformat()}",
            "",
            "",
            _percent(contacted, n),
            "",
            _percent(seen, n),
            "",
        )
    )
    return Table(COLUMNS, rows)


def _local_day(at: datetime | None, p: ReportParams) -> date | None:
    if at is None:
        return None
    for offset in (0, -1, 1):  # the local day whose bounds hold `at`
        day = at.date() + timedelta(days=offset)
        start, end = p.day_bounds(day)
        if start <= at < end:
            return day
    return at.date()


def _on_time(status: str, at: datetime | None, due: date, p: ReportParams) -> str:
    if status == TaskStatus.COMPLETED:
        done = _local_day(at, p)
        return "on time" if done is not None and done <= due else f"late ({done})"
    if status in (TaskStatus.CANCELLED, TaskStatus.FAILED, TaskStatus.ENTERED_IN_ERROR):
        return status
    return "open" if due >= p.today else "missed"


def _left(c_status: str, c_due: date, v_status: str, v_due: date, today: date) -> str:
    finished = (
        TaskStatus.COMPLETED,
        TaskStatus.CANCELLED,
        TaskStatus.FAILED,
        TaskStatus.ENTERED_IN_ERROR,
    )
    if c_status not in finished:
        return f"contact {(c_due - today).days} d"
    if v_status not in finished:
        return f"face-to-face {(v_due - today).days} d"
    return ""


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% on time" if whole else "-"

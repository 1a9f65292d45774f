"""Reports by name, for `pcc report` and the reports screen; every run is audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.services.permissions import REVIEWERS, require
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries import audit_trail, transitions
from pcc_tui.core.store.queries import reports as q
from pcc_tui.core.store.queries.mrn import patient_id_by_mrn
from pcc_tui.core.store.tables import CoordinatorRow


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    run: Callable[[Session, q.ReportParams], q.Table]
    needs_patient: bool = False
    for_one_coordinator: bool = False  # without --coordinator: the person asking
    needs_user: bool = False
    roles: frozenset[str] | None = None  # who may run it; None: everyone


REPORTS = {
    r.name: r
    for r in (
        # First: the worklist a coordinator opens most (Enter on a row opens the patient).
        ReportKind(
            "shift-handoff",
            "Shift handoff: my patients with something owed by tomorrow",
            q.shift_handoff,
            for_one_coordinator=True,
        ),
        ReportKind("overdue-steps", "Overdue plan steps by owner", q.overdue_steps),
        ReportKind(
            "unconfirmed-tomorrow",
            "Tomorrow's appointments not yet confirmed",
            q.unconfirmed_tomorrow,
        ),
        ReportKind(
            "no-show-rate", "No-show rate by clinic (default: last 30 days)", q.no_show_rate
        ),
        ReportKind("auths-due", "Prior auths deciding or expiring within 7 days", q.auths_due),
        ReportKind("referrals-overdue", "Referrals past their reply date", q.referrals_overdue),
        ReportKind(
            "coverage-gaps",
            "Appointments in the next 14 days without active coverage",
            q.coverage_gaps,
        ),
        ReportKind("caseload", "Caseload per coordinator", q.caseload),
        ReportKind(
            "transitions",
            "Discharges and their transitional-care clocks (default: last 30 days)",
            transitions.transitions,
        ),
        ReportKind(
            "patient-access",
            "Who viewed or changed a patient (from the audit trail)",
            q.patient_access,
            needs_patient=True,
        ),
        ReportKind(
            "who-viewed",
            "Who viewed or exported a patient, with their client (reviewers)",
            audit_trail.who_viewed,
            needs_patient=True,
            roles=REVIEWERS,
        ),
        ReportKind(
            "user-activity",
            "Everything one user did, sign-ins included (reviewers)",
            audit_trail.user_activity,
            needs_user=True,
            roles=REVIEWERS,
        ),
        ReportKind(
            "break-glass",
            "Break-the-glass accesses and their reasons (reviewers)",
            audit_trail.break_glass,
            roles=REVIEWERS,
        ),
    )
}


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]  # cells as text, datetimes in the site's time zone

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()

    def as_text(self) -> str:
        widths = [len(c) for c in self.columns]
        for row in self.rows:
            widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)).rstrip(),
            "  ".join("-" * w for w in widths),
        ]
        for row in self.rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)


def _cell(value: Any, store: Store) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(store.clock.tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _params(store: Store, since: date | None, coordinator_id: int | None) -> q.ReportParams:
    return q.ReportParams(
        today=store.clock.today(),
        now=store.clock.now(),
        day_bounds=store.clock.day_bounds,
        since=since,
        coordinator_id=coordinator_id,
    )


def run_report(
    store: Store,
    actor: Actor,
    name: str,
    *,
    since: date | None = None,
    coordinator: str | None = None,
    patient_mrn: str | None = None,
    username: str | None = None,
) -> Report:
    kind = REPORTS.get(name)
    if kind is None:
        raise DomainError(f"no report called {name!r}; `pcc report --list` names them")
    with action(store, actor, "report.run") as tx:
        tx.detail.update(report=name, since=since.isoformat() if since else None)
        if kind.roles is not None:
            require(actor, kind.roles, f"run the {name} report")
        if kind.needs_user:  # any name the trail may hold, an account or not
            username, coordinator = username or coordinator, None
        coordinator_id = None
        if coordinator:
            coordinator_id = tx.session.scalar(
                select(CoordinatorRow.id).where(CoordinatorRow.username == coordinator)
            )
            if coordinator_id is None:
                raise DomainError(f"no coordinator called {coordinator!r}")
            tx.detail["coordinator"] = coordinator
        if coordinator_id is None and kind.for_one_coordinator:
            if actor.coordinator_id is None:
                raise DomainError(f"report {name} needs --coordinator NAME")
            coordinator_id = actor.coordinator_id
        params = _params(store, since, coordinator_id)
        if kind.needs_patient:
            if not patient_mrn:
                raise DomainError(f"report {name} needs --patient MRN")
            if kind.roles == REVIEWERS and store.person:
                # An access review names the patient without opening their record.
                pid = tx.session.scalar(text("SELECT pcc_review_patient(:m)"), {"m": patient_mrn})
            else:
                pid = tx.session.scalar(patient_id_by_mrn(patient_mrn))
            if pid is None:
                raise DomainError("no patient has that MRN")
            tx.patient_id, tx.entity_type, tx.entity_id = pid, "patient", pid
            params = replace(params, patient_id=pid)
        if kind.needs_user:
            if not username:
                raise DomainError(f"report {name} needs --coordinator NAME (the user name)")
            tx.detail["user"] = username
            params = replace(params, username=username)
        table = kind.run(tx.session, params)
        tx.detail["rows"] = len(table.rows)
        rows = [tuple(_cell(v, store) for v in row) for row in table.rows]
        return Report(kind, table.columns, rows)


def workload(store: Store, actor: Actor, days: int = 14) -> list[int]:
    """Open steps I own due on each of the next `days` days."""
    with action(store, actor, "report.workload") as tx:
        params = _params(store, None, actor.coordinator_id)
        return q.steps_due_per_day(tx.session, params, days)

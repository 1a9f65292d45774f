"""Coverage, eligibility checks and prior authorisations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pcc_tui.core.domain.codes import AuthDecision, AuthStatus, EligibilityResult
from pcc_tui.core.domain.models import Coverage, EligibilityCheck, PriorAuthorization
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action, apply_changes, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    CoverageRow,
    EligibilityCheckRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
)

# CMS Interoperability and Prior Authorization rule (CMS-0057-F): 72 h expedited, 7 days standard.
EXPEDITED_DECISION = timedelta(hours=72)
STANDARD_DECISION = timedelta(days=7)


def decision_due(requested_at: datetime, expedited: bool) -> datetime:
    return requested_at + (EXPEDITED_DECISION if expedited else STANDARD_DECISION)


def add_coverage(store: Store, actor: Actor, new: Coverage) -> int:
    with action(store, actor, "coverage.add") as tx:
        tx.get(PatientRow, new.patient_id)
        row = tx.add(CoverageRow(**values_of(new)))
        tx.about(row, order=new.order)
        return row.id


def record_eligibility_check(
    store: Store,
    actor: Actor,
    coverage_id: int,
    result: EligibilityResult,
    note: str | None = None,
    checked_at: datetime | None = None,
) -> int:
    with action(store, actor, "eligibility.check") as tx:
        cov = tx.get(CoverageRow, coverage_id)
        check = EligibilityCheck(
            coverage_id=coverage_id,
            checked_at=checked_at or tx.now,
            result=result,
            checked_by=actor.username,
            note=note,
        )
        row = tx.add(EligibilityCheckRow(**values_of(check)))
        tx.about(row, cov.patient_id, result=str(result))
        return row.id


def request_prior_auth(
    store: Store,
    actor: Actor,
    patient_id: int,
    service: str,
    *,
    coverage_id: int | None = None,
    expedited: bool = False,
    requested_at: datetime | None = None,
    for_step: tuple[int, int] | None = None,
) -> int:
    """Request an auth; `for_step=(id, version)` links the plan step that needs it, so the
    visits booked for that step use its units."""
    with action(store, actor, "prior_auth.request") as tx:
        tx.get(PatientRow, patient_id)
        if coverage_id is not None:
            cov = tx.get(CoverageRow, coverage_id)
            if cov.patient_id != patient_id:
                raise DomainError("that coverage belongs to another patient")
        at = requested_at or tx.now
        auth = PriorAuthorization(
            patient_id=patient_id,
            coverage_id=coverage_id,
            service=service,
            expedited=expedited,
            requested_at=at,
            decision_due=decision_due(at, expedited),
        )
        row = tx.add(PriorAuthorizationRow(**values_of(auth)))
        if for_step is not None:
            step = tx.get(
                PlanStepRow, for_step[0], expected_version=for_step[1], mine={"prior_auth": "new"}
            )
            if step.patient_id != patient_id:
                raise DomainError("that plan step is for another patient")
            step.prior_auth_id = row.id
        tx.about(row, patient_id, expedited=expedited, decision_due=auth.decision_due.isoformat())
        return row.id


def decide_prior_auth(
    store: Store,
    actor: Actor,
    auth_id: int,
    expected_version: int,
    *,
    decision: AuthDecision,
    auth_number: str | None = None,
    units_approved: int | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> int:
    with action(store, actor, "prior_auth.decide") as tx:
        mine = {
            "decision": str(decision),
            "auth_number": auth_number,
            "units_approved": units_approved,
        }
        row = tx.get(PriorAuthorizationRow, auth_id, expected_version=expected_version, mine=mine)
        if row.status != AuthStatus.ACTIVE:
            raise DomainError(f"prior auth {auth_id} is {row.status}")
        if decision == AuthDecision.PENDED:
            raise DomainError("a decision must approve, partly approve or deny")
        apply_changes(
            row,
            PriorAuthorization,
            {
                "decision": decision,
                "decided_at": tx.now,
                "auth_number": auth_number,
                "units_approved": units_approved,
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
        tx.about(row, decision=str(decision), units_approved=units_approved)
        tx.session.flush()
        return row.version


def use_auth_units(
    store: Store, actor: Actor, auth_id: int, expected_version: int, units: int = 1
) -> int:
    with action(store, actor, "prior_auth.use") as tx:
        row = tx.get(
            PriorAuthorizationRow,
            auth_id,
            expected_version=expected_version,
            mine={"units_used": f"+{units}"},
        )
        if row.decision not in (AuthDecision.APPROVED, AuthDecision.PARTIAL):
            raise DomainError(f"prior auth {auth_id} is {row.decision}, not approved")
        if row.units_approved is not None and row.units_used + units > row.units_approved:
            raise DomainError(
                f"prior auth {auth_id} has {row.units_approved - row.units_used} unit(s) left"
            )
        row.units_used += units
        tx.about(row, units=units, used=row.units_used)
        tx.session.flush()
        return row.version

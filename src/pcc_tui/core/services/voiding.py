"""Voiding: a record entered in error is marked so, with a reason; nothing is deleted."""

from __future__ import annotations

from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    Base,
    CarePlanRow,
    CareTeamMemberRow,
    CommunicationRow,
    ConsentRow,
    ContactRow,
    CoverageRow,
    EducationGivenRow,
    EligibilityCheckRow,
    HandoffRow,
    NoteRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ProblemRow,
    ReferralRow,
    SnoozeRow,
)

VOIDABLE: dict[str, type[Base]] = {
    t.__tablename__: t
    for t in (
        PatientRow,
        ContactRow,
        ConsentRow,
        CareTeamMemberRow,
        ProblemRow,
        AppointmentRow,
        CarePlanRow,
        PlanStepRow,
        ReferralRow,
        CoverageRow,
        EligibilityCheckRow,
        PriorAuthorizationRow,
        CommunicationRow,
        NoteRow,
        SnoozeRow,
        EducationGivenRow,
        HandoffRow,
    )
}
ENTERED_IN_ERROR = "entered-in-error"


def void(
    store: Store, actor: Actor, entity: str, entity_id: int, expected_version: int, reason: str
) -> int:
    table = VOIDABLE.get(entity)
    if table is None:
        raise DomainError(f"{entity} records cannot be voided; voidable: {', '.join(VOIDABLE)}")
    with action(store, actor, f"{entity}.void") as tx:
        row = tx.get(
            table,
            entity_id,
            expected_version=expected_version,
            mine={"status": ENTERED_IN_ERROR, "void_reason": reason},
        )
        if not reason.strip():
            raise DomainError("voiding needs a reason")
        if isinstance(row, ProblemRow):
            if row.entered_in_error:
                raise DomainError(f"{entity} {entity_id} is already voided")
            row.entered_in_error = True
        else:
            if getattr(row, "status", None) == ENTERED_IN_ERROR:
                raise DomainError(f"{entity} {entity_id} is already voided")
            tx.detail["from"] = row.status  # type: ignore[attr-defined]
            row.status = ENTERED_IN_ERROR  # type: ignore[attr-defined]
        if isinstance(row, CommunicationRow):
            row.next_attempt_due = None
        row.void_reason = reason.strip()  # type: ignore[attr-defined]
        tx.about(row, reason=reason.strip())
        tx.session.flush()
        return row.version  # type: ignore[attr-defined,no-any-return]

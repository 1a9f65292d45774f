"""Changing and ending the people and facts around a patient: contacts (with their first
consent), coverages, care-team members and problems. Each is one audited change with the
version check, its old values kept for undo and the record's history; nothing is deleted
(ending sets a date and a status; a mistake is marked entered-in-error)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select

from pcc_tui.core.domain.codes import (
    CareTeamStatus,
    ConditionClinicalStatus,
    CoverageStatus,
    RecordStatus,
)
from pcc_tui.core.domain.models import (
    CareTeamMember,
    Consent,
    Contact,
    Coverage,
    Model,
    Problem,
)
from pcc_tui.core.domain.phones import PHONE_FIELDS, phone_fields
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.consent import add_decision, contact_summary
from pcc_tui.core.services.context import Actor, action, apply_changes, values_of
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    Base,
    CareTeamMemberRow,
    ContactRow,
    CoverageRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
)

R = TypeVar("R", bound=Base)


def change(
    store: Store,
    actor: Actor,
    name: str,
    table: type[R],
    model: type[Model],
    entity_id: int,
    version: int,
    changes: dict[str, Any],
) -> int:
    """One record's fields changed (the whole record re-validated); returns its version."""
    if not changes:
        raise DomainError("nothing changed")
    with action(store, actor, name) as tx:
        row = tx.get(table, entity_id, expected_version=version, mine=changes)
        apply_changes(row, model, changes)
        tx.about(row, fields=sorted(changes))
        tx.session.flush()
        return int(getattr(row, "version", 0))


# ---- contacts -------------------------------------------------------------------------


def add_contact(store: Store, actor: Actor, new: Contact, consent: Consent | None = None) -> int:
    """A family member or other contact; with `consent`, the patient's first decision about
    them is recorded at once (its own record, as every later one)."""
    phones = {f: getattr(new, f) for f in PHONE_FIELDS}
    new = new.model_copy(update=phone_fields(phones, store.policy.phone_region))
    with action(store, actor, "contact.add") as tx:
        tx.get(PatientRow, new.patient_id)
        values = values_of(new)
        if consent is not None:
            values |= contact_summary(consent, actor.username)
        row = tx.add(ContactRow(**values))
        if consent is not None:  # the same change: one transaction, one audit row
            decision = consent.model_copy(update={"contact_id": row.id})
            add_decision(tx, decision, summarise=False)
        tx.about(row, relationship=new.relationship, consent=consent.decision if consent else None)
        return int(row.id)


def edit_contact(
    store: Store, actor: Actor, contact_id: int, version: int, changes: dict[str, Any]
) -> int:
    changes = phone_fields(changes, store.policy.phone_region)
    return change(store, actor, "contact.edit", ContactRow, Contact, contact_id, version, changes)


def end_contact(store: Store, actor: Actor, contact_id: int, version: int, on: date) -> int:
    """No longer a contact from `on` (kept, with what they were told)."""
    changes = {"ended_on": on, "status": RecordStatus.INACTIVE}
    return change(store, actor, "contact.end", ContactRow, Contact, contact_id, version, changes)


# ---- coverage -------------------------------------------------------------------------


def edit_coverage(
    store: Store, actor: Actor, coverage_id: int, version: int, changes: dict[str, Any]
) -> int:
    return change(
        store, actor, "coverage.edit", CoverageRow, Coverage, coverage_id, version, changes
    )


def end_coverage(store: Store, actor: Actor, coverage_id: int, version: int, on: date) -> int:
    """The coverage stops on `on` (its period ends; FHIR keeps it active with an end)."""
    changes: dict[str, Any] = {"period_end": on}
    return change(
        store, actor, "coverage.end", CoverageRow, Coverage, coverage_id, version, changes
    )


def cancel_coverage(store: Store, actor: Actor, coverage_id: int, version: int) -> int:
    changes: dict[str, Any] = {"status": CoverageStatus.CANCELLED}
    return change(
        store, actor, "coverage.cancel", CoverageRow, Coverage, coverage_id, version, changes
    )


# ---- care team ------------------------------------------------------------------------


def add_care_team_member(store: Store, actor: Actor, new: CareTeamMember) -> int:
    """A practitioner pcc knows, or an outside provider by name (free text; a name that is
    a known practitioner's, in any case, links to them)."""
    with action(store, actor, "care_team.add") as tx:
        tx.get(PatientRow, new.patient_id)
        if new.practitioner_id is None and new.provider_name:
            known = tx.session.scalar(
                select(PractitionerRow.id).where(
                    func.lower(PractitionerRow.name) == new.provider_name.strip().lower()
                )
            )
            if known is not None:
                new = new.model_copy(update={"practitioner_id": known, "provider_name": None})
        if new.practitioner_id is not None:
            tx.get(PractitionerRow, new.practitioner_id)
        row = tx.add(CareTeamMemberRow(**values_of(new)))
        tx.about(row, role=new.role, outside=new.practitioner_id is None)
        return int(row.id)


def end_care_team_member(store: Store, actor: Actor, member_id: int, version: int, on: date) -> int:
    changes: dict[str, Any] = {"end": on, "status": CareTeamStatus.INACTIVE}
    return change(
        store, actor, "care_team.end", CareTeamMemberRow, CareTeamMember, member_id, version,
        changes,
    )  # fmt: skip


# ---- problems -------------------------------------------------------------------------


def resolve_problem(store: Store, actor: Actor, problem_id: int, version: int, on: date) -> int:
    changes: dict[str, Any] = {
        "clinical_status": ConditionClinicalStatus.RESOLVED,
        "resolved_on": on,
    }
    return change(
        store, actor, "problem.resolve", ProblemRow, Problem, problem_id, version, changes
    )


def problem_entered_in_error(
    store: Store, actor: Actor, problem_id: int, version: int, reason: str
) -> int:
    if not reason.strip():
        raise DomainError("say why the problem was entered in error")
    changes: dict[str, Any] = {"entered_in_error": True, "void_reason": reason.strip()}
    return change(store, actor, "problem.error", ProblemRow, Problem, problem_id, version, changes)

"""Registering patients and the people around them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.models import (
    Coordinator,
    Patient,
    Practitioner,
    Problem,
)
from pcc_tui.core.domain.phones import phone_fields
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.context import Actor, action, apply_changes, values_of
from pcc_tui.core.services.permissions import ADMINS, require, require_caseload_owner
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.mrn import site_mrn
from pcc_tui.core.store.queries.names import index_patient_names
from pcc_tui.core.store.tables import (
    CoordinatorRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
)


def add_coordinator(store: Store, actor: Actor, new: Coordinator) -> int:
    with action(store, actor, "coordinator.add") as tx:
        require(actor, ADMINS, "add accounts")
        row = tx.add(CoordinatorRow(**values_of(new)))
        tx.about(row)
        return row.id


def add_practitioner(store: Store, actor: Actor, new: Practitioner) -> int:
    with action(store, actor, "practitioner.add") as tx:
        row = tx.add(PractitionerRow(**values_of(new)))
        tx.about(row)
        return row.id


def register_patient(store: Store, actor: Actor, new: Patient) -> int:
    with action(store, actor, "patient.register") as tx:
        if tx.session.scalar(select(PatientRow.id).where(site_mrn(new.mrn))):
            raise DomainError(f"MRN {new.mrn} is already registered")
        row = tx.add(PatientRow(**values_of(new)))
        index_patient_names(tx.session, row.id, row.family_name, row.given_name)
        tx.about(row, row.id)
        return row.id


def update_patient(
    store: Store, actor: Actor, patient_id: int, expected_version: int, changes: dict[str, Any]
) -> int:
    """Change demographic fields; the whole record is re-validated before it is saved. A
    phone is parsed into E.164 (refused at its field when it cannot exist); the old values
    stay in the audit row (its undo entry), which the record's history shows."""
    changes = phone_fields(changes, store.policy.phone_region)
    with action(store, actor, "patient.update") as tx:
        row = tx.get(PatientRow, patient_id, expected_version=expected_version, mine=changes)
        if "coordinator_id" in changes and changes["coordinator_id"] != row.coordinator_id:
            require_caseload_owner(actor, row.coordinator_id, "reassign")
        apply_changes(row, Patient, changes)
        if {"family_name", "given_name"} & changes.keys():
            index_patient_names(tx.session, row.id, row.family_name, row.given_name)
        tx.about(row, row.id, fields=sorted(changes))
        tx.session.flush()
        return row.version


def add_problem(store: Store, actor: Actor, new: Problem) -> int:
    with action(store, actor, "problem.add") as tx:
        tx.get(PatientRow, new.patient_id)
        row = tx.add(ProblemRow(**values_of(new)))
        tx.about(row)
        return row.id

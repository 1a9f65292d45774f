"""HL7 v2 PID, NK1, IN1 and DG1 into the record: find the patient by MRN or register them,
update demographics (A08/A31, as an audited change with the values before), add contacts
(consent "not asked"), coverage and problems, change an identifier (A47), merge two records
into one (A40/A41).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import ConditionClinicalStatus, CoverageStatus, RecordStatus
from pcc_tui.core.domain.models import Contact, Coverage, Patient, Problem
from pcc_tui.core.interop.hl7_map import ContactData, CoverageData, DiagnosisData, PatientData
from pcc_tui.core.interop.hl7_message import Refusal
from pcc_tui.core.services import hl7_batch
from pcc_tui.core.services.context import Tx, values_of
from pcc_tui.core.store import changes
from pcc_tui.core.store.queries.mrn import SITE, site_mrn
from pcc_tui.core.store.queries.names import index_patient_names
from pcc_tui.core.store.tables import (
    Base,
    ContactRow,
    CoverageRow,
    PatientMergeRow,
    PatientNameTokenRow,
    PatientRow,
    ProblemRow,
)

# Rows that stay where they are when two records merge: the audit trail (append-only and
# sealed: it says what happened to which record then), who has which record open now, the
# merged record's search keys (dropped), the merge itself, and the intake log.
NOT_MOVED = frozenset(
    {"audit_event", "presence", "patient_name_token", "patient_merge", "hl7_message"}
)


def patient_tables() -> tuple[type[Base], ...]:
    """Every mapped table holding one patient's rows, from the schema itself: a table added
    later is moved by merges without a list to remember."""
    found = [
        m.class_
        for m in Base.registry.mappers
        if "patient_id" in m.local_table.c and m.class_.__tablename__ not in NOT_MOVED
    ]
    return tuple(sorted(found, key=lambda t: t.__tablename__))


DEMOGRAPHICS = (
    "family_name",
    "given_name",
    "birth_date",
    "sex",
    "phone",
    "address",
    "preferred_language",
)


# The intake's lookups, built once (a statement built per call costs its cache key each time).
_BY_MRN = select(PatientRow).where(site_mrn(bindparam("mrn")))
_CONTACT_NAMES = select(ContactRow.name).where(ContactRow.patient_id == bindparam("patient"))
_COVERAGES = select(CoverageRow.payer, CoverageRow.member_id).where(
    CoverageRow.patient_id == bindparam("patient")
)
_PROBLEMS = select(ProblemRow.code, ProblemRow.display).where(
    ProblemRow.patient_id == bindparam("patient")
)


def find_patient(tx: Tx, mrn: str) -> PatientRow | None:
    """The patient of the site's MRN `mrn`. A batch looks its patients up together
    (`hl7_batch.look_ahead`) and keeps those met since; those are checked against the MRN
    and not asked for again, nor is an MRN no patient had."""
    known = hl7_batch.cache(tx.session)
    row = known.by_mrn.get(mrn)
    if row is not None and row in tx.session and row.mrn == mrn and row.mrn_system == SITE:
        return row
    if row is None and mrn in known.absent:
        return None
    row = tx.session.scalar(_BY_MRN, {"mrn": mrn})
    if row is not None:
        known.by_mrn[mrn] = row
    return row


def forget_patients(session: Session) -> None:
    """After a rollback, a merge or a change of identifier: look each MRN up again."""
    hl7_batch.forget(session)


def _values(data: PatientData) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mrn": data.mrn,
        "family_name": data.family_name,
        "given_name": data.given_name,
        "birth_date": data.birth_date,
        "sex": data.sex,
        "phone": data.phone,
        "address": data.address,
        "preferred_language": data.language,
    }
    return values


def _valid_patient(values: dict[str, Any]) -> Patient:
    try:
        return Patient.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        where = {
            "mrn": "PID-3",
            "family_name": "PID-5",
            "given_name": "PID-5",
            "birth_date": "PID-7",
            "sex": "PID-8",
        }.get(name, "PID")
        raise Refusal("AE", f"{where}: {first['msg']}", where, "102") from None


def _optional(values: dict[str, Any]) -> dict[str, Any]:
    """Optional details that do not validate are left out, never a reason to refuse."""
    out = dict(values)
    probe = {**out, "birth_date": out.get("birth_date") or date(1900, 1, 1)}
    for _ in OPTIONAL:
        try:
            Patient.model_validate(probe)
            break
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors(include_input=False) if e["loc"]}
            dropped = bad & set(OPTIONAL)
            if not dropped:
                break  # a required field: the caller's validation names it
            for name in dropped:
                out[name] = probe[name] = None
    return out


OPTIONAL = ("phone", "address", "preferred_language")


def patient_for(tx: Tx, data: PatientData, *, create: bool = True) -> PatientRow:
    """The patient this MRN names; registered from PID if new (a name and birth date needed)."""
    row = find_patient(tx, data.mrn)
    if row is not None:
        if row.status == RecordStatus.INACTIVE and row.void_reason and "merged" in row.void_reason:
            raise Refusal("AE", "PID-3 names a record merged into another", "PID-3", "204")
        return row
    if not create:
        raise Refusal("AE", "PID-3 names no patient pcc knows", "PID-3", "204")
    if not data.family_name:
        raise Refusal("AE", "PID-5 (family name) is empty: a new patient needs one", "PID-5", "101")
    if data.birth_date is None:
        raise Refusal("AE", "PID-7 (birth date) is empty: a new patient needs one", "PID-7", "101")
    patient = _valid_patient(_optional(_values(data)))
    row = tx.add(PatientRow(**values_of(patient)))
    index_patient_names(tx.session, row.id, row.family_name, row.given_name, new=True)
    hl7_batch.registered(tx.session, row)
    return row


def update_demographics(tx: Tx, row: PatientRow, data: PatientData) -> list[str]:
    """A08/A31: what the message states replaces what is stored (an empty field is "not
    sent", not "erase"); returns the fields that changed."""
    given = {k: v for k, v in _optional(_values(data)).items() if k in DEMOGRAPHICS and v}
    current = {k: getattr(row, k) for k in DEMOGRAPHICS}
    changed = [k for k, v in given.items() if current.get(k) != v]
    if not changed:
        return []
    merged = Patient.model_validate(row, from_attributes=True).model_dump() | given
    _valid_patient(merged)
    tx.track(row)
    for key in changed:
        setattr(row, key, given[key])
    if {"family_name", "given_name"} & set(changed):
        index_patient_names(tx.session, row.id, row.family_name, row.given_name)
    return changed


def add_contacts(tx: Tx, patient_id: int, found: list[ContactData]) -> int:
    """NK1: new contacts only (matched by name), with consent "not asked": the feed says who
    they are, never what the patient agreed to share with them."""
    if not found:
        return 0  # nothing sent: nothing to look up
    known = (
        set()
        if hl7_batch.none_yet(tx.session, patient_id, "contact")
        else {n.casefold() for n in tx.session.scalars(_CONTACT_NAMES, {"patient": patient_id})}
    )
    added = 0
    for contact in found:
        if contact.name.casefold() in known:
            continue
        try:
            model = Contact(
                patient_id=patient_id,
                name=contact.name,
                relationship=contact.relationship,
                phone=contact.phone,
            )
        except ValidationError:
            model = Contact(
                patient_id=patient_id, name=contact.name, relationship=contact.relationship
            )
        tx.insert(ContactRow, **values_of(model))
        hl7_batch.added(tx.session, patient_id, "contact")
        known.add(contact.name.casefold())
        added += 1
    return added


def add_coverages(tx: Tx, patient_id: int, found: list[CoverageData]) -> int:
    """IN1: coverage not yet on file (payer + member id)."""
    if not found:
        return 0  # nothing sent: nothing to look up
    known = (
        set()
        if hl7_batch.none_yet(tx.session, patient_id, "coverage")
        else {
            (payer.casefold(), member)
            for payer, member in tx.session.execute(_COVERAGES, {"patient": patient_id})
        }
    )
    added = 0
    for cov in found:
        if (cov.payer.casefold(), cov.member_id) in known:
            continue
        try:
            model = Coverage(
                patient_id=patient_id,
                payer=cov.payer,
                plan=cov.plan,
                member_id=cov.member_id,
                order=cov.order,
                period_start=cov.period_start,
                period_end=cov.period_end,
                status=CoverageStatus.ACTIVE,
                group_id=cov.group_id,
                subscriber=cov.subscriber,
                relationship=cov.relationship,
            )
        except ValidationError:
            continue  # an optional detail that does not hold: the coverage is left for a person
        tx.insert(CoverageRow, **values_of(model))
        hl7_batch.added(tx.session, patient_id, "coverage")
        known.add((cov.payer.casefold(), cov.member_id))
        added += 1
    return added


def add_problems(tx: Tx, patient_id: int, found: list[DiagnosisData]) -> int:
    """DG1: diagnoses not yet on the problem list (by code, else by name)."""
    if not found:
        return 0  # nothing sent: nothing to look up
    known = hl7_batch.problems_of(tx.session, patient_id)
    if known is None:
        rows = tx.session.execute(_PROBLEMS, {"patient": patient_id}).all()
        known = {key for code, display in rows for key in hl7_batch.problem_keys(code, display)}
    added = 0
    for dx in found:
        if (dx.code and dx.code in known) or dx.display.casefold() in known:
            continue
        try:
            model = Problem(
                patient_id=patient_id,
                display=dx.display,
                code=dx.code,
                clinical_status=ConditionClinicalStatus.ACTIVE,
                onset=dx.onset,
            )
        except ValidationError:
            continue
        tx.insert(ProblemRow, **values_of(model))
        known.update(hl7_batch.problem_keys(model.code, model.display))  # as if read back
        added += 1
    return added


def change_identifier(tx: Tx, prior_mrn: str, new_mrn: str) -> PatientRow:
    """A47: the record known by `prior_mrn` is known by `new_mrn` from now on."""
    row = find_patient(tx, prior_mrn)
    if row is None:
        raise NothingToChange("no patient has the prior identifier (MRG-1)")
    if find_patient(tx, new_mrn) is not None:
        raise Refusal("AE", "PID-3 already names another patient: merge them (A40)", "PID-3", "205")
    tx.track(row)
    row.mrn = new_mrn
    forget_patients(tx.session)
    return row


class NothingToChange(Exception):
    """The record a message changes is not (yet) here: the message is held, then re-tried
    when an earlier event for the same patient arrives."""


def merge(tx: Tx, survivor: PatientRow, prior_mrn: str, message_id: int) -> dict[str, int]:
    """A40/A41: every row of the patient known by `prior_mrn` moves to `survivor`; that record
    stays, inactive, saying where it went. Returns rows moved per table."""
    merged = find_patient(tx, prior_mrn)
    if merged is None:
        raise NothingToChange("no patient has the prior identifier (MRG-1)")
    if merged.id == survivor.id:
        return {}
    moved: dict[str, int] = {}
    session = tx.session
    session.flush()
    forget_patients(session)
    for table in patient_tables():
        column = getattr(table, "patient_id")  # noqa: B009 - every table listed has one
        result = session.execute(
            update(table).where(column == merged.id).values(patient_id=survivor.id)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            moved[table.__tablename__] = count
    session.execute(delete(PatientNameTokenRow).where(PatientNameTokenRow.patient_id == merged.id))
    tx.track(merged)
    merged.status = RecordStatus.INACTIVE
    merged.void_reason = f"merged into MRN {survivor.mrn}"
    merged.ward = merged.bed = None
    if survivor.coordinator_id is None and merged.coordinator_id is not None:
        tx.track(survivor)
        survivor.coordinator_id = merged.coordinator_id
    session.add(
        PatientMergeRow(
            patient_id=survivor.id,
            merged_patient_id=merged.id,
            merged_mrn=merged.mrn,
            merged_at=tx.now,
            message_id=message_id,
            moved=moved,
        )
    )
    session.flush()
    session.expire_all()  # rows loaded before the Core UPDATE still name the old patient
    changes.note(session, [*moved, "patient"], [survivor.id, merged.id])
    return moved

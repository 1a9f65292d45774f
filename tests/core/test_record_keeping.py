"""Keeping the record (both databases): contacts with consent as dated records (the one in
force at a moment decides what a call may be about; withdrawing is a new record), edits and
ends with the version check, coverage with group and subscriber, outside providers on the
care team, problems resolved or marked in error; undo and the FHIR export carry it all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from pcc_tui.core.domain.models import (
    CareTeamMember,
    Communication,
    Consent,
    Contact,
    Coverage,
    Problem,
)
from pcc_tui.core.errors import BadField, ConflictError, DomainError
from pcc_tui.core.interop.fhir_export import resources
from pcc_tui.core.services import communications, insurance, record_changes
from pcc_tui.core.services.consent import record_decision
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, ConsentRow, ContactRow
from tests import builders
from tests.conftest import FIXED_NOW

TODAY = FIXED_NOW.date()


def _daughter(store: Store, actor: Actor, pid: int, **consent: object) -> int:
    agreed = Consent.model_validate(
        {
            "patient_id": pid,
            "contact_id": 0,
            "decision": "agreed",
            "scopes": ["appointments"],
            "given_how": "verbal",
            "given_on": TODAY,
            "verification": "date of birth and postcode",
            "recorded_by": actor.username,
        }
        | consent
    )
    return record_changes.add_contact(
        store,
        actor,
        Contact(patient_id=pid, name="Maria K", relationship="daughter", phone="202 555 0143"),
        agreed,
    )


def _call(pid: int, contact: int, topic: str | None, at: object = FIXED_NOW) -> Communication:
    return Communication.model_validate(
        {
            "patient_id": pid,
            "contact_id": contact,
            "with_whom": "Maria K (daughter)",
            "channel": "phone",
            "outcome": "reached",
            "sent_at": at,
            "topic": topic,
        }
    )


def test_a_daughter_with_consent_for_appointments_only(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    maria = _daughter(store, coordinator, pid)
    with store.reading() as s:
        adds = s.scalars(select(AuditEventRow).where(AuditEventRow.action == "contact.add")).all()
        row = s.get(ContactRow, maria)
    assert len(adds) == 1 and row is not None and row.phone == "+12025550143"
    with pytest.raises(DomainError) as refused:
        communications.log_communication(store, coordinator, _call(pid, maria, "test-results"))
    assert str(refused.value).startswith(
        "Maria K (daughter) has no consent to hear about test results: may share: appointments"
        f" (verbal, {TODAY:%d %b %Y})"
    )
    communications.log_communication(store, coordinator, _call(pid, maria, "appointments"))
    chart = view_chart(store, coordinator, pid)
    assert [c.decision.value for c in chart.consents] == ["agreed"]


def test_withdrawing_is_a_new_record_and_ends_what_was_shared(
    store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    maria = _daughter(store, coordinator, pid)
    withdrawn = Consent(
        patient_id=pid,
        contact_id=maria,
        decision="withdrawn",
        given_how="written",
        given_on=TODAY,
        recorded_by="alex",
    )
    record_decision(store, coordinator, withdrawn)
    with pytest.raises(DomainError, match="consent WITHDRAWN: share nothing"):
        communications.log_communication(store, coordinator, _call(pid, maria, "appointments"))
    with store.reading() as s:
        records = s.scalars(select(ConsentRow).order_by(ConsentRow.id)).all()
    assert [(r.decision, r.version, r.scopes) for r in records] == [
        ("agreed", 1, ["appointments"]),  # never edited
        ("withdrawn", 1, []),
    ]
    with pytest.raises(DomainError, match="nothing to withdraw"):
        record_decision(store, coordinator, withdrawn)
    undo_last(store, coordinator, "mrn")  # the withdrawal, undone: the agreement holds again
    communications.log_communication(store, coordinator, _call(pid, maria, "appointments"))


def test_the_consent_in_force_at_a_moment(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    maria = _daughter(store, coordinator, pid, expires_on=TODAY + timedelta(days=30))
    later = FIXED_NOW + timedelta(days=10)
    communications.log_communication(store, coordinator, _call(pid, maria, "appointments", later))
    expired = FIXED_NOW + timedelta(days=31)
    with pytest.raises(DomainError, match="consent expired"):
        communications.log_communication(
            store, coordinator, _call(pid, maria, "appointments", expired)
        )
    before = FIXED_NOW - timedelta(days=1)  # before it was given: nothing was agreed yet
    with pytest.raises(DomainError, match="consent not asked"):
        communications.log_communication(
            store, coordinator, _call(pid, maria, "appointments", before)
        )


def test_edit_and_end_a_contact(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    maria = _daughter(store, coordinator, pid)
    with pytest.raises(BadField, match="digits"):
        record_changes.edit_contact(store, coordinator, maria, 1, {"phone": "12"})
    v = record_changes.edit_contact(
        store, coordinator, maria, 1, {"phone": "+44 20 7946 0018", "preferred_channel": "sms"}
    )
    with pytest.raises(ConflictError):
        record_changes.edit_contact(store, coordinator, maria, 1, {"name": "Maria Kowalska"})
    record_changes.end_contact(store, coordinator, maria, v, TODAY)
    assert view_chart(store, coordinator, pid).contacts == []
    with pytest.raises(DomainError, match="no longer a contact"):
        record_decision(
            store,
            coordinator,
            Consent(
                patient_id=pid,
                contact_id=maria,
                decision="objected",
                given_how="verbal",
                given_on=TODAY,
                recorded_by="alex",
            ),
        )


def test_coverage_care_team_and_problems_and_their_fhir(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    cov = insurance.add_coverage(
        store,
        coordinator,
        Coverage(
            patient_id=pid,
            payer="Aetna",
            plan="Choice POS II",
            member_id="W123456789",
            group_id="GRP-77",
            subscriber="Jan Kowalski",
            relationship="spouse",
            period_start=date(2026, 1, 1),
        ),
    )
    v = record_changes.edit_coverage(store, coordinator, cov, 1, {"member_id": "W123456780"})
    record_changes.end_coverage(store, coordinator, cov, v, TODAY)
    with pytest.raises(ValidationError, match="ends before it starts"):
        record_changes.end_coverage(store, coordinator, cov, v + 1, date(2025, 1, 1))
    outside = record_changes.add_care_team_member(
        store,
        coordinator,
        CareTeamMember(patient_id=pid, provider_name="Dr Ines Duarte (outside GP)", role="GP"),
    )
    assert [m.practitioner_name for m in view_chart(store, coordinator, pid).care_team] == [
        "Dr Ines Duarte (outside GP)"
    ]
    record_changes.end_care_team_member(store, coordinator, outside, 1, TODAY)
    assert view_chart(store, coordinator, pid).care_team == []
    with pytest.raises(ValueError, match="known practitioner or a named provider"):
        CareTeamMember(patient_id=pid, role="GP")
    from pcc_tui.core.services.patients import add_problem

    copd = add_problem(
        store, coordinator, Problem(patient_id=pid, display="COPD", onset=date(2020, 3, 1))
    )
    flu = add_problem(store, coordinator, Problem(patient_id=pid, display="Influenza"))
    record_changes.resolve_problem(store, coordinator, flu, 1, TODAY)
    with pytest.raises(DomainError, match="say why"):
        record_changes.problem_entered_in_error(store, coordinator, copd, 1, " ")
    record_changes.problem_entered_in_error(store, coordinator, copd, 1, "wrong patient")
    assert view_chart(store, coordinator, pid).problems == []
    _daughter(store, coordinator, pid)
    with store.reading() as s:
        out = {r["resourceType"]: r for r in resources(s, [pid])}
        assert s.scalar(select(func.count()).select_from(ConsentRow)) == 1
    assert out["Coverage"]["class"][0]["value"] == "GRP-77"
    assert out["Coverage"]["relationship"]["coding"][0]["code"] == "spouse"
    assert out["CareTeam"]["participant"][0]["member"] == {"display": "Dr Ines Duarte (outside GP)"}
    assert out["Condition"]["abatementDateTime"] == TODAY.isoformat()
    assert out["Consent"]["provision"]["type"] == "permit"
    assert out["Consent"]["provision"]["code"] == [{"text": "appointments"}]

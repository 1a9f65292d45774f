"""Domain models refuse bad input with a message that names the problem."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from pcc_tui.core.domain.models import (
    Appointment,
    Contact,
    Patient,
    PlanStep,
    PriorAuthorization,
    Referral,
)

NOW = datetime(2026, 3, 10, 14, tzinfo=UTC)


def test_patient_rules() -> None:
    ok = Patient(mrn="MRN1", family_name=" Nowak ", given_name="Ana", birth_date=date(1950, 1, 2))
    assert ok.family_name == "Nowak"
    with pytest.raises(ValidationError, match="birth date is in the future"):
        Patient(
            mrn="MRN1", family_name="N", given_name="A", birth_date=date.today() + timedelta(days=1)
        )
    with pytest.raises(ValidationError, match="mrn"):
        Patient(
            mrn="no spaces allowed", family_name="N", given_name="A", birth_date=date(1950, 1, 2)
        )
    with pytest.raises(ValidationError, match="a bed needs a ward"):
        Patient(mrn="MRN1", family_name="N", given_name="A", birth_date=date(1950, 1, 2), bed="3")


def test_contact_consent_rules() -> None:
    with pytest.raises(ValidationError, match="needs the date"):
        Contact(patient_id=1, name="B", relationship="son", consent="agreed")
    with pytest.raises(ValidationError, match="objected to cannot have a share scope"):
        Contact(
            patient_id=1,
            name="B",
            relationship="son",
            consent="objected",
            consent_on=date(2026, 1, 1),
            share_scope=["appointments"],
        )
    with pytest.raises(ValidationError, match="needs the patient's agreement"):
        Contact(patient_id=1, name="B", relationship="son", share_scope=["appointments"])


def test_appointment_rules() -> None:
    with pytest.raises(ValidationError, match="end after it starts"):
        Appointment(patient_id=1, start=NOW, end=NOW)
    with pytest.raises(ValidationError, match="needs a reason"):
        Appointment(patient_id=1, start=NOW, end=NOW + timedelta(minutes=30), status="noshow")


def test_step_needs_an_owner_and_a_sane_window() -> None:
    with pytest.raises(ValidationError, match="needs an owner"):
        PlanStep(care_plan_id=1, patient_id=1, title="x", due_by=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="due window starts after it ends"):
        PlanStep(
            care_plan_id=1,
            patient_id=1,
            title="x",
            owner_pool="intake",
            due_from=date(2026, 3, 2),
            due_by=date(2026, 3, 1),
        )


def test_referral_and_auth_rules() -> None:
    with pytest.raises(ValidationError, match="reply cannot be due before"):
        Referral(
            patient_id=1,
            to_whom="Cardiology",
            reason="r",
            sent_on=date(2026, 3, 2),
            reply_due=date(2026, 3, 1),
        )
    with pytest.raises(ValidationError, match="number of units approved"):
        PriorAuthorization(
            patient_id=1,
            service="MRI",
            requested_at=NOW,
            decision_due=NOW,
            decision="approved",
            decided_at=NOW,
        )
    auth = PriorAuthorization(
        patient_id=1,
        service="MRI",
        requested_at=NOW,
        decision_due=NOW,
        decision="approved",
        decided_at=NOW,
        units_approved=5,
        units_used=2,
    )
    assert auth.units_left == 3

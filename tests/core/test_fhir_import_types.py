"""The resource types Synthea does not write, mapped from small hand-made R4 resources:
RelatedPerson and Patient.contact, PractitionerRole, Appointment, Task, ServiceRequest,
Communication, Coverage - on both databases, and re-imported without change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pcc_tui.core.interop.fhir_files import read
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_import import import_unit
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    ContactRow,
    CoverageRow,
    PlanStepRow,
    PractitionerRow,
    ReferralRow,
)

PATIENT = "urn:uuid:p-1"
DOCTOR = "urn:uuid:d-1"


def _bundle() -> dict[str, Any]:
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "p-1",
            "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "EHR-0001"}],
            "name": [{"family": "Okoye", "given": ["Ada"]}],
            "birthDate": "1950-04-02",
            "contact": [
                {
                    "relationship": [{"text": "son"}],
                    "name": {"family": "Okoye", "given": ["Chidi"]},
                    "telecom": [{"system": "phone", "value": "555-123-4567"}],
                }
            ],
        },
        {
            "resourceType": "Practitioner",
            "id": "d-1",
            "name": [{"family": "Park", "given": ["Min"]}],
        },
        {
            "resourceType": "PractitionerRole",
            "id": "r-1",
            "practitioner": {"reference": DOCTOR},
            "organization": {"display": "City Cardiology"},
            "specialty": [{"text": "Cardiology"}],
        },
        {
            "resourceType": "RelatedPerson",
            "id": "rp-1",
            "patient": {"reference": PATIENT},
            "relationship": [{"text": "daughter"}],
            "name": [{"family": "Okoye", "given": ["Ngozi"]}],
        },
        {
            "resourceType": "Appointment",
            "id": "a-1",
            "status": "booked",
            "start": "2026-03-12T09:00:00Z",
            "end": "2026-03-12T09:30:00Z",
            "description": "Echo review",
            "participant": [
                {"actor": {"reference": PATIENT}, "status": "accepted"},
                {"actor": {"reference": DOCTOR}, "status": "accepted"},
            ],
        },
        {
            "resourceType": "Task",
            "id": "t-1",
            "status": "requested",
            "intent": "order",
            "description": "Arrange home oxygen assessment",
            "for": {"reference": PATIENT},
            "restriction": {"period": {"end": "2026-03-14"}},
        },
        {
            "resourceType": "ServiceRequest",
            "id": "s-1",
            "status": "active",
            "intent": "order",
            "subject": {"reference": PATIENT},
            "authoredOn": "2026-03-01",
            "performer": [{"display": "Pulmonology"}],
            "reasonCode": [{"text": "Breathless on exertion"}],
        },
        {
            "resourceType": "Communication",
            "id": "c-1",
            "status": "completed",
            "subject": {"reference": PATIENT},
            "sent": "2026-03-02T10:00:00Z",
            "medium": [{"coding": [{"code": "PHONE"}]}],
            "payload": [{"contentString": "Explained the referral"}],
        },
        {
            "resourceType": "Coverage",
            "id": "cov-1",
            "status": "active",
            "beneficiary": {"reference": PATIENT},
            "payor": [{"display": "Acme Health"}],
            "subscriberId": "ACME-77",
        },
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def test_every_mapped_type(store: Store, coordinator: Actor, tmp_path: Path) -> None:
    path = tmp_path / "ehr.json"
    path.write_text(json.dumps(_bundle()))
    [unit], problems = read(path)
    assert problems == []
    result = import_unit(store, coordinator, "ehr", unit)
    assert result.warnings == []
    assert dict(result.created) == {
        "Patient": 1,
        "Patient (contact)": 1,
        "Practitioner": 1,
        "RelatedPerson": 1,
        "Appointment": 1,
        "Task": 1,
        "ServiceRequest": 1,
        "Communication": 1,
        "Coverage": 1,
    }
    with store.reading() as s:
        contacts = sorted(s.scalars(select(ContactRow.relationship)))
        appt = s.scalars(select(AppointmentRow)).one()
        doctor = s.scalars(select(PractitionerRow)).one()
        step = s.scalars(select(PlanStepRow)).one()
        referral = s.scalars(select(ReferralRow)).one()
        comm = s.scalars(select(CommunicationRow)).one()
        coverage = s.scalars(select(CoverageRow)).one()
    assert contacts == ["daughter", "son"]
    assert (appt.patient_status, appt.practitioner_id, appt.reason) == (
        "accepted",
        doctor.id,
        "Echo review",
    )
    assert (doctor.specialty, doctor.organization) == ("Cardiology", "City Cardiology")
    assert (step.title, str(step.due_by), step.owner_id) == (
        "Arrange home oxygen assessment",
        "2026-03-14",
        coordinator.coordinator_id,
    )
    assert (referral.to_whom, referral.reason, str(referral.sent_on)) == (
        "Pulmonology",
        "Breathless on exertion",
        "2026-03-01",
    )
    assert (comm.channel, comm.note) == ("phone", "Explained the referral")
    assert (coverage.payer, coverage.member_id) == ("Acme Health", "ACME-77")

    again = import_unit(store, coordinator, "ehr", unit)
    assert not again.created and not again.updated


def test_an_unresolvable_reference_is_reported_not_fatal(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    bundle = _bundle()
    orphan = {
        "resourceType": "Condition",
        "id": "orphan",
        "code": {"text": "Asthma"},
        "subject": {"reference": "Patient/not-in-this-import"},
    }
    bundle["entry"].append({"fullUrl": "urn:uuid:orphan", "resource": orphan})
    path = tmp_path / "ehr.json"
    path.write_text(json.dumps(bundle))
    [unit], _ = read(path)
    result = import_unit(store, coordinator, "ehr", unit)
    assert result.created["Patient"] == 1  # the rest of the bundle went in
    assert result.warnings == []
    [left_out] = result.left_out  # clinical data not kept: the CLI makes this a failure
    assert (left_out.entry, left_out.resource_type) == (len(bundle["entry"]) - 1, "Condition")
    assert "patient reference cannot be resolved" in left_out.what

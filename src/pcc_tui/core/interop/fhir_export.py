"""pcc records as FHIR R4 resources, each validated with fhir.resources (R4B) before it
leaves: Patient, RelatedPerson, Consent, Practitioner, CareTeam, Appointment, CarePlan,
Task, ServiceRequest, Coverage, Communication, Condition.

Ids are "<table>-<id>", stable for a database; plan steps go out as Tasks based on their
CarePlan, so that importing an export reproduces the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import (
    AppointmentRow,
    CarePlanRow,
    CareTeamMemberRow,
    CommunicationRow,
    ConsentRow,
    ContactRow,
    CoverageRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    ProblemRow,
    ReferralRow,
)

TYPES = (
    "Patient",
    "RelatedPerson",
    "Consent",
    "Practitioner",
    "CareTeam",
    "Appointment",
    "CarePlan",
    "Task",
    "ServiceRequest",
    "Coverage",
    "Communication",
    "Condition",
)
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
MEDIUM = {"phone": "PHONE", "sms": "SMSWRIT", "email": "EMAILWRIT", "letter": "MAILWRIT"}


def _ref(kind: str, entity_id: int | None) -> dict[str, str] | None:
    return {"reference": f"{kind}/{kind.lower()}-{entity_id}"} if entity_id else None


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _phones(*numbers: str | None) -> list[dict[str, Any]]:
    return [
        {"system": "phone", "value": n, "rank": i} for i, n in enumerate(filter(None, numbers), 1)
    ]


def _name(text: str) -> dict[str, Any]:
    *given, family = text.split() or [text]
    return (
        {"text": text, "family": family, "given": given}
        if given
        else {"text": text, "family": family}
    )


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    """Drop empty elements: FHIR forbids empty strings, lists and objects."""
    out = {}
    for key, value in resource.items():
        if isinstance(value, dict):
            value = _clean(value)
        elif isinstance(value, list):
            value = [_clean(v) if isinstance(v, dict) else v for v in value if v not in (None, "")]
        if value not in (None, "", [], {}):
            out[key] = value
    return out


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as JSON-ready data, after fhir.resources accepted it (else it raises)."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"]).model_validate(_clean(resource))
    return dict(model.model_dump(mode="json", exclude_none=True))


def patient(p: PatientRow) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": f"patient-{p.id}",
        "identifier": [{"type": MR, "value": p.mrn}],
        "name": [{"use": "official", "family": p.family_name, "given": p.given_name.split()}],
        "gender": p.sex,
        "birthDate": _when(p.birth_date),
        "telecom": _phones(p.phone, p.phone_other),
        "address": [{"text": p.address, "line": [p.address]}] if p.address else [],
        "communication": (
            [{"language": {"text": p.preferred_language}}] if p.preferred_language else []
        ),
        "deceasedBoolean": True if "deceased" in (p.flags or []) else None,
    }


def related_person(c: ContactRow) -> dict[str, Any]:
    return {
        "resourceType": "RelatedPerson",
        "id": f"relatedperson-{c.id}",
        "patient": _ref("Patient", c.patient_id),
        "relationship": [{"text": c.relationship}],
        "name": [_name(c.name)],
        "telecom": _phones(c.phone, c.phone_other),
    }


def practitioner(pr: PractitionerRow) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": f"practitioner-{pr.id}",
        "name": [_name(pr.name)],
        "telecom": [{"system": "phone", "value": pr.phone}] if pr.phone else [],
    }


def care_team(m: CareTeamMemberRow) -> dict[str, Any]:
    return {
        "resourceType": "CareTeam",
        "id": f"careteam-{m.id}",
        "status": m.status,
        "subject": _ref("Patient", m.patient_id),
        "period": {"start": _when(m.start), "end": _when(m.end)},
        "participant": [
            {
                "role": [{"text": m.role}],
                # An outside provider pcc does not know as a Practitioner: named only.
                "member": _ref("Practitioner", m.practitioner_id)
                if m.practitioner_id is not None
                else {"display": m.provider_name},
            }
        ],
    }


def consent(c: ConsentRow) -> dict[str, Any]:
    """One decision about one contact: permit the listed scopes, or deny everything."""
    permit = c.decision == "agreed"
    return {
        "resourceType": "Consent",
        "id": f"consent-{c.id}",
        "status": "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],  # consent document
        "patient": _ref("Patient", c.patient_id),
        "dateTime": _when(c.given_on),
        "performer": [_ref("Patient", c.patient_id)],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN" if permit else "OPTOUT"}]},
        "sourceAttachment": {"title": f"given {c.given_how}; recorded by {c.recorded_by}"},
        "provision": {
            "type": "permit" if permit else "deny",
            "period": {"start": _when(c.given_on), "end": _when(c.expires_on)},
            "actor": [
                {
                    "role": {"coding": [{"system": PARTICIPATION, "code": "IRCP"}]},
                    "reference": _ref("RelatedPerson", c.contact_id),
                }
            ],
            "code": [{"text": scope} for scope in c.scopes or []],
        },
    }


def appointment(a: AppointmentRow) -> dict[str, Any]:
    participants = [{"actor": _ref("Patient", a.patient_id), "status": a.patient_status}]
    if a.practitioner_id:
        participants.append(
            {"actor": _ref("Practitioner", a.practitioner_id), "status": "accepted"}
        )
    return {
        "resourceType": "Appointment",
        "id": f"appointment-{a.id}",
        "status": a.status,
        "start": _when(a.start),
        "end": _when(a.end),
        "description": a.reason,
        "cancelationReason": {"text": a.cancel_reason} if a.cancel_reason else None,
        "participant": participants,
    }


def care_plan(cp: CarePlanRow) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": f"careplan-{cp.id}",
        "status": cp.status,
        "intent": "plan",
        "title": cp.title,
        "category": [{"text": cp.title}],
        "subject": _ref("Patient", cp.patient_id),
        "period": {"start": _when(cp.period_start), "end": _when(cp.period_end)},
    }


def task(s: PlanStepRow) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "id": f"task-{s.id}",
        "status": s.status,
        "businessStatus": {"text": s.business_status} if s.business_status else None,
        "intent": "plan",
        "priority": s.priority,
        "description": s.title,
        "for": _ref("Patient", s.patient_id),
        "basedOn": [_ref("CarePlan", s.care_plan_id)],
        "restriction": {"period": {"start": _when(s.due_from), "end": _when(s.due_by)}},
    }


def service_request(r: ReferralRow) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": f"servicerequest-{r.id}",
        "status": r.status,
        "intent": "order",
        "priority": r.priority,
        "subject": _ref("Patient", r.patient_id),
        "authoredOn": _when(r.sent_on),
        "occurrencePeriod": {"start": _when(r.sent_on), "end": _when(r.reply_due)},
        "performer": [{"display": r.to_whom}],
        "reasonCode": [{"text": r.reason}],
    }


def coverage(c: CoverageRow) -> dict[str, Any]:
    return {
        "resourceType": "Coverage",
        "id": f"coverage-{c.id}",
        "status": c.status,
        "beneficiary": _ref("Patient", c.patient_id),
        "payor": [{"display": c.payer}],
        "subscriberId": c.member_id,
        "subscriber": {"display": c.subscriber} if c.subscriber else None,
        "relationship": {"coding": [{"system": SUBSCRIBER_RELATIONSHIP, "code": c.relationship}]}
        if c.relationship
        else None,
        "class": [
            {
                "type": {"coding": [{"system": COVERAGE_CLASS, "code": "group"}]},
                "value": c.group_id,
            }
        ]
        if c.group_id
        else [],
        "order": c.order,
        "period": {"start": _when(c.period_start), "end": _when(c.period_end)},
    }


def communication(c: CommunicationRow) -> dict[str, Any]:
    medium = MEDIUM.get(c.channel)
    return {
        "resourceType": "Communication",
        "id": f"communication-{c.id}",
        "status": "completed",
        "subject": _ref("Patient", c.patient_id),
        "sent": _when(c.sent_at),
        "medium": [{"coding": [{"code": medium}], "text": c.channel}]
        if medium
        else [{"text": c.channel}],
        "recipient": [{"display": c.with_whom}],
        "payload": [{"contentString": c.note}] if c.note else [],
    }


def condition(p: ProblemRow) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"condition-{p.id}",
        "clinicalStatus": {"coding": [{"code": p.clinical_status}]},
        "code": {
            "text": p.display,
            "coding": [{"code": p.code, "display": p.display}] if p.code else [],
        },
        "subject": _ref("Patient", p.patient_id),
        "onsetDateTime": _when(p.onset),
        "abatementDateTime": _when(p.resolved_on),
    }


def _rows(session: Session, table: Any, patient_ids: list[int] | None, column: Any) -> Any:
    stmt = select(table).order_by(table.id)
    if patient_ids is not None:
        stmt = stmt.where(column.in_(patient_ids))
    return session.scalars(stmt)


def _gone(row: Any) -> bool:
    return getattr(row, "status", None) == "entered-in-error" or bool(
        getattr(row, "entered_in_error", False)
    )


# What goes out, in TYPES order: (table, its patient column, builder). Practitioners are
# chosen apart: for one patient, only those who saw them or are on their team.
Step = tuple[Any, Any, Callable[[Any], dict[str, Any]]]
PER_PATIENT: tuple[tuple[Step, ...], tuple[Step, ...]] = (
    (
        (PatientRow, PatientRow.id, patient),
        (ContactRow, ContactRow.patient_id, related_person),
        (ConsentRow, ConsentRow.patient_id, consent),
    ),
    (
        (CareTeamMemberRow, CareTeamMemberRow.patient_id, care_team),
        (AppointmentRow, AppointmentRow.patient_id, appointment),
        (CarePlanRow, CarePlanRow.patient_id, care_plan),
        (PlanStepRow, PlanStepRow.patient_id, task),
        (ReferralRow, ReferralRow.patient_id, service_request),
        (CoverageRow, CoverageRow.patient_id, coverage),
        (CommunicationRow, CommunicationRow.patient_id, communication),
        (ProblemRow, ProblemRow.patient_id, condition),
    ),
)


def _doctors(session: Session, patient_ids: list[int] | None) -> Any:
    stmt = select(PractitionerRow).order_by(PractitionerRow.id)
    if patient_ids is None:
        return session.scalars(stmt)
    seen = select(AppointmentRow.practitioner_id).where(AppointmentRow.patient_id.in_(patient_ids))
    team = select(CareTeamMemberRow.practitioner_id).where(
        CareTeamMemberRow.patient_id.in_(patient_ids)
    )
    return session.scalars(stmt.where(PractitionerRow.id.in_(seen.union(team).scalar_subquery())))


def resources(session: Session, patient_ids: list[int] | None) -> Iterator[dict[str, Any]]:
    """Every exported resource of these patients (None: everyone), validated, in TYPES order.
    Voided records (entered in error) stay behind."""
    people, care = PER_PATIENT
    yield from _each(session, people, patient_ids)
    for pr in _doctors(session, patient_ids):
        yield validated(practitioner(pr))
    yield from _each(session, care, patient_ids)


def _each(
    session: Session, steps: tuple[Step, ...], patient_ids: list[int] | None
) -> Iterator[dict[str, Any]]:
    for table, column, build in steps:
        for row in _rows(session, table, patient_ids, column):
            if not _gone(row):
                yield validated(build(row))

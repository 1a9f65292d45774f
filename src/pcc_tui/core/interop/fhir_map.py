"""FHIR R4 resources (fhir.resources R4B models) to pcc's domain values.

Each function returns the values of one domain model, or raises MappingProblem with what
is missing; it never quotes values (they may be patient data). References are returned as
keys ("Patient/123" or "urn:uuid:...") for the importer to resolve.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pcc_tui.core.domain.codes import (
    NO_MEMBER_ID,
    AdministrativeGender,
    AppointmentStatus,
    ConditionClinicalStatus,
    ParticipationStatus,
)

PHONE = re.compile(r"^\+?[0-9 ()./-]{5,24}$")
MRN_CHARS = re.compile(r"[^A-Za-z0-9-]")
CLINICAL = {s.value for s in ConditionClinicalStatus}
ENCOUNTER_STATUS = {
    "planned": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "in-progress": AppointmentStatus.ARRIVED,
    "finished": AppointmentStatus.FULFILLED,
    "cancelled": AppointmentStatus.CANCELLED,
}


class MappingProblem(Exception):
    """The resource cannot become a record; the message says which element is missing."""


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _text(concept: Any) -> str | None:
    if concept is None:
        return None
    if concept.text:
        return str(concept.text)
    for coding in concept.coding or []:
        if coding.display:
            return str(coding.display)
    return None


def concept_text(concept: Any) -> str | None:
    return _text(concept)


def _code(concept: Any) -> str | None:
    for coding in (concept.coding or []) if concept is not None else []:
        if coding.code:
            return str(coding.code)
    return None


def reference(ref: Any) -> str | None:
    return str(ref.reference) if ref is not None and ref.reference else None


def _person_name(names: Any) -> tuple[str, str] | None:
    if not names:
        return None
    official = next((n for n in names if n.use == "official"), names[0])
    family = official.family or ""
    given = " ".join(official.given or [])
    if not family and not given:
        return None
    return family or given, given or family


def _phones(telecom: Any) -> list[str]:
    """The usable phone numbers, best-ranked first (pcc keeps two)."""
    found = [t for t in telecom or [] if t.system == "phone" and t.value and PHONE.match(t.value)]
    found.sort(key=lambda t: t.rank or 99)
    return [str(t.value) for t in found]


def _phone(telecom: Any) -> str | None:
    return next(iter(_phones(telecom)), None)


def _other_phone(telecom: Any) -> str | None:
    return next(iter(_phones(telecom)[1:]), None)


def patient_mrn(p: Any, site_system: str | None) -> tuple[str, str]:
    """(MRN, its system): an identifier of the site's own MRN system (stored as system ""),
    else the one of type MR, else the first, else the resource id - each with its system,
    so equal numbers from different systems stay different patients."""
    found = [i for i in p.identifier or [] if i.value]
    if site_system:
        own = next((i for i in found if i.system == site_system), None)
        if own is not None:
            return str(own.value), ""
    ident = next((i for i in found if i.type is not None and _code(i.type) == "MR"), None)
    ident = ident or next(iter(found), None)
    if ident is None:
        return str(p.id), ""
    return str(ident.value), str(ident.system or "")[:255]


def patient_values(p: Any, site_system: str | None = None) -> dict[str, Any]:
    name = _person_name(p.name)
    if name is None:
        raise MappingProblem("Patient.name is missing")
    if p.birthDate is None:
        raise MappingProblem("Patient.birthDate is missing")
    mrn, mrn_system = patient_mrn(p, site_system)
    address = None
    if p.address:
        a = p.address[0]
        parts = [*(a.line or []), a.city, a.state, a.postalCode]
        address = ", ".join(str(x) for x in parts if x)[:300] or None
    language = None
    if p.communication:
        language = (_text(p.communication[0].language) or "")[:40] or None
    gender = p.gender if p.gender in {g.value for g in AdministrativeGender} else "unknown"
    deceased = bool(p.deceasedBoolean) or p.deceasedDateTime is not None
    return {
        "mrn": MRN_CHARS.sub("", str(mrn))[:64],
        "mrn_system": mrn_system,
        "family_name": name[0][:200],
        "given_name": name[1][:200],
        "birth_date": p.birthDate,
        "sex": gender,
        "phone": _phone(p.telecom),
        "phone_other": _other_phone(p.telecom),
        "address": address,
        "preferred_language": language,
        "flags": ["deceased"] if deceased else [],
    }


def practitioner_values(pr: Any) -> dict[str, Any]:
    name = _person_name(pr.name)
    if name is None:
        raise MappingProblem("Practitioner.name is missing")
    official = next((n for n in pr.name if n.use == "official"), pr.name[0])
    prefix = " ".join(official.prefix or [])
    full = " ".join(x for x in (prefix, name[1], name[0]) if x)
    phone = next(
        (
            t.value
            for t in pr.telecom or []
            if t.system == "phone" and t.value and PHONE.match(t.value)
        ),
        None,
    )
    return {"name": full[:200], "phone": phone}


def condition_values(c: Any) -> dict[str, Any]:
    display = _text(c.code)
    if not display:
        raise MappingProblem("Condition.code has no text or display")
    status = _code(c.clinicalStatus) or "active"
    onset = _day(c.onsetDateTime) or (_day(c.onsetPeriod.start) if c.onsetPeriod else None)
    return {
        "display": display[:200],
        "code": (_code(c.code) or None) and str(_code(c.code))[:40],
        "clinical_status": status if status in CLINICAL else "active",
        "onset": onset,
    }


def encounter_values(e: Any) -> dict[str, Any]:
    start = _utc(e.period.start) if e.period else None
    if start is None:
        raise MappingProblem("Encounter.period.start is missing")
    end = _utc(e.period.end) if e.period else None
    if end is None or end <= start:
        end = start + timedelta(minutes=30)
    reason = _text(e.type[0]) if e.type else None
    location = None
    if e.location:
        location = e.location[0].location.display if e.location[0].location else None
    if not location and e.serviceProvider is not None:
        location = e.serviceProvider.display
    visit_class = e.class_fhir.code if e.class_fhir is not None else None
    return {
        "visit_class": str(visit_class).upper()[:10] if visit_class else None,
        "start": start,
        "end": end,
        "status": ENCOUNTER_STATUS.get(str(e.status), AppointmentStatus.FULFILLED),
        "patient_status": ParticipationStatus.ACCEPTED,
        "reason": (reason or "Encounter")[:300],
        "location": (str(location)[:120] if location else None),
    }


def encounter_practitioner(e: Any) -> str | None:
    for participant in e.participant or []:
        ref = reference(participant.individual)
        if ref:
            return ref
    return None


CARE_TEAM_STATUS = {"proposed", "active", "suspended", "inactive", "entered-in-error"}
PLAN_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
# CarePlan.activity.detail.status -> Task.status
ACTIVITY_STATUS = {
    "not-started": "requested",
    "scheduled": "accepted",
    "in-progress": "in-progress",
    "on-hold": "on-hold",
    "completed": "completed",
    "cancelled": "cancelled",
    "stopped": "cancelled",
    "entered-in-error": "entered-in-error",
}


def care_team_members(t: Any) -> list[tuple[str, dict[str, Any]]]:
    """(member reference, membership values) for each participant."""
    status = str(t.status) if str(t.status) in CARE_TEAM_STATUS else "active"
    start = _day(t.period.start) if t.period else None
    end = _day(t.period.end) if t.period else None
    out = []
    for participant in t.participant or []:
        ref = reference(participant.member)
        if ref is None:
            continue
        role = (_text(participant.role[0]) if participant.role else None) or "care team member"
        out.append((ref, {"role": role[:200], "start": start, "end": end, "status": status}))
    return out


def care_plan_values(cp: Any) -> dict[str, Any]:
    start = _day(cp.period.start) if cp.period else None
    if start is None:
        raise MappingProblem("CarePlan.period.start is missing")
    end = _day(cp.period.end) if cp.period else None
    title = (_text(cp.category[-1]) if cp.category else None) or cp.title or "Care plan"
    status = str(cp.status) if str(cp.status) in PLAN_STATUS else "active"
    return {
        "title": str(title)[:200],
        "status": status,
        "period_start": start,
        "period_end": end if end and end >= start else None,
    }


def care_plan_steps(cp: Any, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One step per activity with a detail; due at the plan's end (or start, if open)."""
    due = plan["period_end"] or plan["period_start"]
    steps = []
    for activity in cp.activity or []:
        detail = activity.detail
        if detail is None:
            continue
        title = _text(detail.code) or "Care plan activity"
        steps.append(
            {
                "title": title[:200],
                "status": ACTIVITY_STATUS.get(str(detail.status), "requested"),
                "due_by": due,
            }
        )
    return steps


def coverage_values(c: Any, payer: str | None) -> dict[str, Any]:
    """`payer`: the payor's name as the importer found it (a display, or the Organization
    referred to); without one, the coverage type, else "payer not named" (an optional
    detail never refuses the coverage)."""
    payer = payer or _text(c.type) or "payer not named"
    status = str(c.status) if str(c.status) in {"active", "cancelled", "draft"} else "active"
    return {
        "payer": str(payer)[:200],
        "member_id": str(c.subscriberId or NO_MEMBER_ID)[:200],
        "order": int(c.order) if c.order and 1 <= int(c.order) <= 9 else 1,
        "period_start": _day(c.period.start) if c.period else None,
        "period_end": _day(c.period.end) if c.period else None,
        "status": status,
    }


def claim_payer_json(claim: dict[str, Any]) -> tuple[str, date | None, date | None] | None:
    """Payer and billable period of an ExplanationOfBenefit or Claim (where Synthea states
    coverage when no Coverage resource is exported), read from its JSON."""
    payer = (claim.get("insurer") or {}).get("display")
    if not payer:
        for ins in claim.get("insurance") or []:
            payer = (ins.get("coverage") or {}).get("display")
            if payer:
                break
    if not payer:
        return None
    period = claim.get("billablePeriod") or {}
    return str(payer), _iso_day(period.get("start")), _iso_day(period.get("end"))


def _iso_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


APPOINTMENT_STATUS = {s.value for s in AppointmentStatus}
PARTICIPATION = {s.value for s in ParticipationStatus}
TASK_STATUS = {
    "draft",
    "requested",
    "received",
    "accepted",
    "rejected",
    "ready",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
}
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
PRIORITY = {"routine", "urgent", "asap", "stat"}
MEDIUM = {"PHONE": "phone", "SMSWRIT": "sms", "EMAILWRIT": "email", "MAILWRIT": "letter"}


def related_person_values(rp: Any) -> dict[str, Any]:
    name = _person_name(rp.name)
    if name is None:
        raise MappingProblem("RelatedPerson.name is missing")
    relationship = (_text(rp.relationship[0]) if rp.relationship else None) or "related person"
    return {
        "name": f"{name[1]} {name[0]}".strip()[:200],
        "relationship": relationship[:200],
        "phone": _phone(rp.telecom),
        "phone_other": _other_phone(rp.telecom),
    }


def patient_contacts(p: Any) -> list[dict[str, Any]]:
    """Patient.contact entries that name a person (consent is never assumed: not asked)."""
    out = []
    for contact in p.contact or []:
        if contact.name is None:
            continue
        name = " ".join([*(contact.name.given or []), contact.name.family or ""]).strip()
        if not name:
            continue
        relationship = (
            _text(contact.relationship[0]) if contact.relationship else None
        ) or "contact"
        out.append(
            {
                "name": name[:200],
                "relationship": relationship[:200],
                "phone": _phone(contact.telecom),
            }
        )
    return out


def appointment_values(a: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(values, [(participant reference, participant status)]): the importer tells the
    patient from the practitioner by resolving each reference."""
    start, end = _utc(a.start), _utc(a.end)
    if start is None:
        raise MappingProblem("Appointment.start is missing")
    if end is None or end <= start:
        end = start + timedelta(minutes=int(a.minutesDuration or 30))
    participants = [
        (ref, str(p.status)) for p in a.participant or [] if (ref := reference(p.actor))
    ]
    status = str(a.status) if str(a.status) in APPOINTMENT_STATUS else "booked"
    why = (
        (_text(a.cancelationReason) or "cancelled in the EHR")
        if status in ("cancelled", "noshow")
        else None
    )
    values = {
        "start": start,
        "end": end,
        "status": status,
        "reason": (_text(a.reasonCode[0]) if a.reasonCode else None) or a.description,
        "cancel_reason": why,
    }
    return values, participants


def task_values(t: Any) -> dict[str, Any]:
    title = t.description or _text(t.code)
    if not title:
        raise MappingProblem("Task has neither description nor code")
    due = start = None
    if t.restriction is not None and t.restriction.period is not None:
        start = _day(t.restriction.period.start)
        due = _day(t.restriction.period.end) or start
    due = due or _day(t.authoredOn) or _day(t.lastModified)
    if due is None:
        raise MappingProblem("Task has no due date (restriction.period) or authoredOn")
    return {
        "title": str(title)[:200],
        "status": str(t.status) if str(t.status) in TASK_STATUS else "requested",
        "business_status": _text(t.businessStatus),
        "priority": str(t.priority) if str(t.priority) in PRIORITY else "routine",
        "due_from": start if start and due and start < due else None,
        "due_by": due,
    }


def _reply_due(sr: Any, sent: date) -> date:
    """occurrencePeriod.end when the sender set one (pcc's own exports do), else a week."""
    period = getattr(sr, "occurrencePeriod", None)
    end = _day(period.end) if period is not None else None
    return end if end is not None and end >= sent else sent + timedelta(days=7)


def service_request_values(sr: Any) -> dict[str, Any]:
    sent = _day(sr.authoredOn) or (_day(sr.occurrenceDateTime) if sr.occurrenceDateTime else None)
    if sent is None:
        raise MappingProblem("ServiceRequest.authoredOn is missing")
    to_whom = next((p.display for p in sr.performer or [] if p.display), None)
    reason = (_text(sr.reasonCode[0]) if sr.reasonCode else None) or _text(sr.code)
    status = str(sr.status) if str(sr.status) in REQUEST_STATUS else "active"
    return {
        "to_whom": str(to_whom or _text(sr.code) or "not named")[:200],
        "reason": str(reason or "referral")[:200],
        "priority": str(sr.priority) if str(sr.priority) in PRIORITY else "routine",
        "status": status,
        "sent_on": sent,
        "reply_due": _reply_due(sr, sent),
        "internal": False,
    }


def communication_values(c: Any) -> dict[str, Any]:
    sent = _utc(c.sent) or _utc(c.received)
    if sent is None:
        raise MappingProblem("Communication.sent is missing")
    medium = next((_code(mm) for mm in c.medium or [] if _code(mm)), None)
    note = " ".join(str(p.contentString) for p in c.payload or [] if p.contentString) or None
    who = next((r.display for r in c.recipient or [] if r.display), None) or "patient"
    return {
        "with_whom": str(who)[:200],
        "channel": MEDIUM.get(str(medium), "phone"),
        "direction": "outbound",
        "status": "completed",
        "outcome": "reached" if str(c.status) == "completed" else "message-sent",
        "note": note[:4000] if note else None,
        "sent_at": sent,
    }


def organization_values(o: Any) -> dict[str, Any]:
    """A provider organisation (hospital, clinic) kept as a provider record."""
    if not o.name:
        raise MappingProblem("Organization.name is missing")
    kind = (_text(o.type[0]) if o.type else None) or "organisation"
    return {
        "name": str(o.name)[:200],
        "organization": str(o.name)[:200],
        "specialty": kind[:120],
        "phone": _phone(o.telecom),
    }

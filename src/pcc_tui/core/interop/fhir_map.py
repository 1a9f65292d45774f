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


def _phone(telecom: Any) -> str | None:
    for t in telecom or []:
        if t.system == "phone" and t.value and PHONE.match(t.value):
            return str(t.value)
    return None


def patient_values(p: Any) -> dict[str, Any]:
    name = _person_name(p.name)
    if name is None:
        raise MappingProblem("Patient.name is missing")
    if p.birthDate is None:
        raise MappingProblem("Patient.birthDate is missing")
    mrn = (
        next(
            (
                i.value
                for i in p.identifier or []
                if i.value and i.type is not None and _code(i.type) == "MR"
            ),
            None,
        )
        or next((i.value for i in p.identifier or [] if i.value), None)
        or p.id
    )
    phone = next(
        (
            t.value
            for t in p.telecom or []
            if t.system == "phone" and t.value and PHONE.match(t.value)
        ),
        None,
    )
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
        "family_name": name[0][:200],
        "given_name": name[1][:200],
        "birth_date": p.birthDate,
        "sex": gender,
        "phone": phone,
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
    return {
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

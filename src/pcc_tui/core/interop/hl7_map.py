"""What pcc reads from HL7 v2 segments: PID, PV1, NK1, IN1, DG1, MRG, and SCH/AIS/AIL/AIP/TQ1.

Plain values only (no database here). A field pcc needs that cannot be read is a `Refusal`
(AE) naming the segment and field; an optional detail that cannot be read is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import hl7

from pcc_tui.core.domain.codes import NO_MEMBER_ID
from pcc_tui.core.interop.hl7_message import Message, Refusal

P = ParamSpec("P")
T = TypeVar("T")
_NOT_READ = object()


def _kept(read: Callable[P, T]) -> Callable[P, T]:
    """Read once per message: a batch reads what its messages name before it applies them
    (`Intake._named`), and applying reads it again. A list comes back as a copy of its own;
    what cannot be read is read (and refused) again."""

    @wraps(read)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        msg: Message = args[0]  # type: ignore[assignment]
        key = (read.__name__, *args[1:], *sorted(kwargs.items()))
        found: Any = msg.kept.get(key, _NOT_READ)
        if found is _NOT_READ:
            found = msg.kept[key] = read(*args, **kwargs)
        return list(found) if isinstance(found, list) else found  # type: ignore[return-value]

    return once


SEX = {"M": "male", "F": "female", "O": "other", "A": "other", "N": "unknown", "U": "unknown"}
# HL7 table 0004 patient class -> what the rules and the chart call it.
CLASS_NAMES = {
    "I": "inpatient",
    "O": "outpatient",
    "E": "emergency",
    "P": "preadmit",
    "R": "recurring",
    "B": "obstetrics",
    "C": "commercial",
    "N": "not applicable",
    "U": "unknown",
}


def timestamp(
    msg: Message, where: str, value: str, tz: tzinfo, *, required: bool = False
) -> datetime | None:
    """An HL7 DTM as UTC; without an offset it is the site's local time."""
    if not value:
        if required:
            raise Refusal("AE", f"{where} (a date/time) is empty", where, "101")
        return None
    try:
        parsed = hl7.parse_datetime(value)
    except (ValueError, TypeError):
        raise Refusal("AE", f"{where} is not an HL7 date/time", where, "102") from None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    found: datetime = parsed.astimezone(UTC)
    return found


@dataclass(frozen=True)
class Identifier:
    value: str
    authority: str  # PID-3.4 namespace id
    type_code: str  # PID-3.5: MR, PI, SS...


@dataclass(frozen=True)
class PatientData:
    mrn: str
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str
    phone: str | None
    address: str | None
    language: str | None


@dataclass(frozen=True)
class VisitData:
    visit_number: str | None
    patient_class: str
    ward: str | None
    room: str | None
    bed: str | None
    attending: str | None
    hospital_service: str | None
    admitted_at: datetime | None
    discharged_at: datetime | None
    disposition: str | None  # PV1-36 code, else its text
    patient_type: str | None = None  # PV1-18 (observation stays are often told here)

    @property
    def place(self) -> str:
        return " ".join(p for p in (self.ward, self.bed or self.room) if p) or "a bed not named"


@dataclass(frozen=True)
class ContactData:
    name: str
    relationship: str
    phone: str | None


@dataclass(frozen=True)
class CoverageData:
    payer: str
    plan: str | None
    member_id: str
    group_id: str | None
    subscriber: str | None
    relationship: str | None
    period_start: date | None
    period_end: date | None
    order: int


@dataclass(frozen=True)
class DiagnosisData:
    code: str | None
    display: str
    onset: date | None


@dataclass(frozen=True)
class AppointmentData:
    key: str  # SCH-2 filler id, else SCH-1 placer id
    start: datetime | None
    minutes: int
    reason: str | None
    location: str | None
    provider: str | None
    status: str  # SCH-25 filler status code, as sent


@dataclass(frozen=True)
class Parsed:
    """Everything one message says that pcc keeps."""

    patient: PatientData | None
    visit: VisitData | None
    contacts: list[ContactData] = field(default_factory=list)
    coverages: list[CoverageData] = field(default_factory=list)
    diagnoses: list[DiagnosisData] = field(default_factory=list)
    prior_mrn: str | None = None  # MRG-1
    appointment: AppointmentData | None = None
    occurred_at: datetime | None = None  # EVN-6, else EVN-2, else MSH-7


@_kept
def identifiers(msg: Message, segment: str = "PID", field_no: int = 3) -> list[Identifier]:
    out = []
    for rep in range(1, msg.repetitions(segment, field_no) + 1):
        value = msg.value(segment, field_no, 1, rep=rep)
        if value:
            out.append(
                Identifier(
                    value,
                    msg.value(segment, field_no, 4, rep=rep),
                    msg.value(segment, field_no, 5, rep=rep).upper(),
                )
            )
    return out


def choose_mrn(found: list[Identifier], authorities: tuple[str, ...]) -> str | None:
    """Site policy: an identifier of the first listed authority, else the first of type MR,
    else the first given."""
    for authority in authorities:
        for ident in found:
            if ident.authority == authority:
                return ident.value
    if authorities:
        return None  # the site named its MRN issuers: another number is not an MRN here
    for ident in found:
        if ident.type_code == "MR":
            return ident.value
    return found[0].value if found else None


def _person_name(msg: Message, segment: str, field_no: int, nth: int = 1) -> tuple[str, str]:
    family = msg.value(segment, field_no, 1, 1, nth=nth)
    given = " ".join(
        p
        for p in (
            msg.value(segment, field_no, 2, nth=nth),
            msg.value(segment, field_no, 3, nth=nth),
        )
        if p
    )
    return family, given


def _clinician_name(msg: Message, segment: str, field_no: int) -> str:
    """An XCN (PV1-7 attending, AIP-3 provider): ID^family^given^middle, shown as "given
    middle family"; a sender that puts only a name in the first component is taken at its
    word."""
    parts = (msg.value(segment, field_no, n) for n in (3, 4, 2))
    return " ".join(p for p in parts if p) or msg.value(segment, field_no, 1)


@_kept
def patient(msg: Message, authorities: tuple[str, ...]) -> PatientData:
    if not msg.has("PID"):
        raise Refusal("AE", "the message has no PID segment", "PID", "100")
    mrn = choose_mrn(identifiers(msg), authorities)
    if not mrn:
        raise Refusal("AE", "PID-3 holds no patient identifier pcc takes as an MRN", "PID-3", "101")
    if len(mrn) > 64:
        raise Refusal("AE", "PID-3 identifier is longer than 64 characters", "PID-3", "102")
    family, given = _person_name(msg, "PID", 5)
    birth: date | None = None
    raw_birth = msg.value("PID", 7)
    if raw_birth:
        try:
            birth = hl7.parse_datetime(raw_birth).date()
        except (ValueError, TypeError, AttributeError):
            raise Refusal("AE", "PID-7 (birth date) is not an HL7 date", "PID-7", "102") from None
    address = ", ".join(p for p in (msg.value("PID", 11, n) for n in (1, 2, 3, 4, 5)) if p)
    phone = msg.value("PID", 13, 1) or msg.value("PID", 13, 12)
    language = msg.value("PID", 15, 2) or msg.value("PID", 15, 1)
    return PatientData(
        mrn=mrn,
        family_name=family[:200],
        given_name=given[:200],
        birth_date=birth,
        sex=SEX.get(msg.value("PID", 8).upper()[:1], "unknown"),
        phone=phone[:32] or None,
        address=address[:300] or None,
        language=language[:40] or None,
    )


@_kept
def visit(msg: Message, tz: tzinfo) -> VisitData | None:
    if not msg.has("PV1"):
        return None
    attending = _clinician_name(msg, "PV1", 7)
    disposition = msg.value("PV1", 36, 1) or msg.value("PV1", 36, 2)
    return VisitData(
        visit_number=msg.value("PV1", 19)[:60] or None,
        patient_class=msg.value("PV1", 2).upper()[:10] or "U",
        ward=msg.value("PV1", 3, 1)[:40] or None,
        room=msg.value("PV1", 3, 2)[:20] or None,
        bed=msg.value("PV1", 3, 3)[:20] or None,
        attending=attending[:200] or None,
        hospital_service=msg.value("PV1", 10)[:40] or None,
        admitted_at=timestamp(msg, "PV1-44", msg.value("PV1", 44), tz),
        discharged_at=timestamp(msg, "PV1-45", msg.value("PV1", 45), tz),
        disposition=disposition[:80] or None,
        patient_type=msg.value("PV1", 18).upper()[:10] or None,
    )


@_kept
def contacts(msg: Message) -> list[ContactData]:
    out = []
    for nth in range(1, msg.count("NK1") + 1):
        family, given = _person_name(msg, "NK1", 2, nth)
        name = " ".join(p for p in (given, family) if p)
        if not name:
            continue  # an NK1 for an organisation or an empty one: nobody to call
        relationship = msg.value("NK1", 3, 2, nth=nth) or msg.value("NK1", 3, 1, nth=nth)
        phone = msg.value("NK1", 5, 1, nth=nth) or msg.value("NK1", 5, 12, nth=nth)
        out.append(
            ContactData(name[:200], (relationship or "not stated")[:200], phone[:32] or None)
        )
    return out


def _date(msg: Message, where: str, value: str) -> date | None:
    if not value:
        return None
    try:
        found: date = hl7.parse_datetime(value).date()
    except (ValueError, TypeError, AttributeError):
        return None  # an optional date that cannot be read is left out
    return found


@_kept
def coverages(msg: Message) -> list[CoverageData]:
    out = []
    for nth in range(1, msg.count("IN1") + 1):
        payer = msg.value("IN1", 4, 1, nth=nth) or msg.value("IN1", 3, 1, nth=nth)
        member = msg.value("IN1", 36, nth=nth) or msg.value("IN1", 49, 1, nth=nth)
        if not payer:
            continue
        family, given = _person_name(msg, "IN1", 16, nth)
        out.append(
            CoverageData(
                payer=payer[:200],
                plan=(msg.value("IN1", 2, 2, nth=nth) or msg.value("IN1", 2, 1, nth=nth))[:120]
                or None,
                member_id=(member or NO_MEMBER_ID)[:200],
                group_id=msg.value("IN1", 8, nth=nth)[:60] or None,
                subscriber=" ".join(p for p in (given, family) if p)[:200] or None,
                relationship=_relationship(msg.value("IN1", 17, 1, nth=nth)),
                period_start=_date(msg, "IN1-12", msg.value("IN1", 12, nth=nth)),
                period_end=_date(msg, "IN1-13", msg.value("IN1", 13, nth=nth)),
                order=nth,
            )
        )
    return out


_RELATIONSHIP = {
    "SEL": "self",
    "SPO": "spouse",
    "CHD": "child",
    "PAR": "parent",
    "MTH": "parent",
    "FTH": "parent",
}


def _relationship(code: str) -> str | None:
    if not code:
        return None
    return _RELATIONSHIP.get(code.upper()[:3], "other")


@_kept
def diagnoses(msg: Message) -> list[DiagnosisData]:
    out = []
    for nth in range(1, msg.count("DG1") + 1):
        code = msg.value("DG1", 3, 1, nth=nth)
        display = msg.value("DG1", 3, 2, nth=nth) or msg.value("DG1", 4, nth=nth) or code
        if not display:
            continue
        onset = _date(msg, "DG1-5", msg.value("DG1", 5, nth=nth))
        out.append(DiagnosisData(code[:40] or None, display[:200], onset))
    return out


@_kept
def appointment(msg: Message, tz: tzinfo) -> AppointmentData:
    if not msg.has("SCH"):
        raise Refusal("AE", "the message has no SCH segment", "SCH", "100")
    key = msg.value("SCH", 2) or msg.value("SCH", 1)
    if not key:
        raise Refusal("AE", "SCH-1 and SCH-2 (appointment ids) are both empty", "SCH-2", "101")
    raw_start = msg.value("AIS", 4) or msg.value("TQ1", 7) or msg.value("SCH", 11, 4)
    where = "AIS-4" if msg.value("AIS", 4) else "TQ1-7" if msg.value("TQ1", 7) else "SCH-11"
    start = timestamp(msg, where, raw_start, tz)
    minutes = 30
    raw_minutes = msg.value("AIS", 7) or msg.value("SCH", 9)
    if raw_minutes.isdigit():
        minutes = max(5, min(int(raw_minutes), 24 * 60))
    end = timestamp(msg, "TQ1-8", msg.value("TQ1", 8), tz) if msg.has("TQ1") else None
    if start is not None and end is not None and end > start:
        minutes = min(int((end - start) / timedelta(minutes=1)), 24 * 60)
    reason = msg.value("SCH", 7, 2) or msg.value("SCH", 7, 1) or msg.value("AIS", 3, 2)
    location = msg.value("AIL", 3, 4) or msg.value("AIL", 3, 1) or msg.value("PV1", 3, 1)
    provider = _clinician_name(msg, "AIP", 3) or None
    return AppointmentData(
        key=key[:100],
        start=start,
        minutes=minutes,
        reason=reason[:300] or None,
        location=location[:120] or None,
        provider=provider[:200] if provider else None,
        status=msg.value("SCH", 25, 1).lower()[:20],
    )


@_kept
def occurred_at(msg: Message, tz: tzinfo) -> datetime | None:
    for where, value in (
        ("EVN-6", msg.value("EVN", 6)),
        ("EVN-2", msg.value("EVN", 2)),
        ("MSH-7", msg.value("MSH", 7)),
    ):
        if value:
            try:
                return timestamp(msg, where, value, tz)
            except Refusal:
                continue  # the event time is a convenience: another field will do
    return None

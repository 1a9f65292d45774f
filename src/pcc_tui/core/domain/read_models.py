"""What queries return: plain pydantic views the TUI and CLI render. No ORM object leaves core."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from pcc_tui.core.domain.codes import AnchorKind
from pcc_tui.core.domain.education import EducationGiven
from pcc_tui.core.domain.models import (
    Appointment,
    CareTeamMember,
    Communication,
    Consent,
    Contact,
    Coverage,
    EligibilityCheck,
    Note,
    Patient,
    PlanStep,
    PriorAuthorization,
    Problem,
    Referral,
)


class QueueKind(StrEnum):
    APPOINTMENT = "appointment"
    STEP = "step"
    CALLBACK = "callback"
    AUTH = "auth"
    REFERRAL = "referral"
    TRANSITION = "transition"  # transitional care after a discharge: its clocks


class QueueScope(StrEnum):
    MINE = "mine"
    WARD = "ward"
    ALL = "all"


class PatientRef(BaseModel):
    """Just enough to name a patient in a list; the TUI masks it by policy."""

    id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    ward: str | None = None
    bed: str | None = None


class QueueItem(BaseModel):
    kind: QueueKind
    patient: PatientRef
    when: datetime
    all_day: bool
    priority: str
    title: str
    entity_type: str
    entity_id: int
    entity_version: int
    overdue: bool


class QueuePage(BaseModel):
    """Where a page of the "everyone" queue ends: the next page starts after this item (its
    priority rank, time, kind and id: its place in the queue)."""

    model_config = ConfigDict(frozen=True)

    rank: int
    when: datetime
    kind: QueueKind
    entity_id: int


class Queue(BaseModel):
    scope: QueueScope
    day: date
    items: list[QueueItem]
    counts: dict[QueueKind, int]
    capped: list[QueueKind] = []  # kinds with more than the counted maximum (shown as "N+")
    truncated: bool
    unreadable: list[str] = []  # stored rows that could not be read: "plan_step #12"
    next_page: QueuePage | None = None  # "everyone": more follow after this item


class CareTeamEntry(BaseModel):
    member: CareTeamMember
    practitioner_name: str
    specialty: str | None = None


class AppointmentEntry(BaseModel):
    appointment: Appointment
    practitioner_name: str | None = None


class StayEventView(BaseModel):
    event: str  # the HL7 trigger: A01, A02, A03...
    at: datetime
    summary: str
    voided: bool


class StayView(BaseModel):
    """A hospital stay from the feed, with what happened to it, newest event first."""

    patient_class: str
    ward: str | None
    bed: str | None
    attending: str | None
    admitted_at: datetime | None
    discharged_at: datetime | None
    disposition: str | None
    status: str
    events: list[StayEventView]


class MergeView(BaseModel):
    merged_mrn: str
    merged_at: datetime


class PatientChart(BaseModel):
    patient: Patient
    age: int
    coordinator_name: str | None
    contacts: list[Contact]
    consents: list[Consent] = []  # the contacts' consent records: what holds is read from them
    care_team: list[CareTeamEntry]
    problems: list[Problem]
    upcoming: list[AppointmentEntry]
    past: list[AppointmentEntry] = []  # the latest visits, newest first
    past_count: int = 0  # all past visits on file
    communications: list[Communication]
    notes: list[Note]
    education: list[EducationGiven] = []
    stays: list[StayView] = []  # the latest hospital stays (HL7 ADT), newest first
    merges: list[MergeView] = []  # records found to be this patient and joined to it
    # Set when the record is open only by breaking the glass: the banner shows until when.
    break_glass_until: datetime | None = None
    unreadable: list[str] = []  # stored rows that could not be read: "note #12"


class TimelineEntry(BaseModel):
    step: PlanStep
    plan_title: str
    plan_version: int = 1
    plan_anchor_kind: AnchorKind | None = None
    plan_anchor_date: date | None = None
    owner_name: str | None
    overdue: bool
    finished: bool
    blocked_by: list[int]


class Timeline(BaseModel):
    patient_id: int
    today: date
    entries: list[TimelineEntry]
    unreadable: list[str] = []

    @property
    def now_index(self) -> int:
        """Where the "now" marker goes: before the first entry due after today."""
        for i, entry in enumerate(self.entries):
            if entry.step.due_by > self.today:
                return i
        return len(self.entries)


class CoverageEntry(BaseModel):
    coverage: Coverage
    last_check: EligibilityCheck | None
    eligibility_stale: bool


class AuthEntry(BaseModel):
    auth: PriorAuthorization
    units_left: int | None
    decision_overdue: bool
    expired: bool


class ReferralEntry(BaseModel):
    referral: Referral
    reply_overdue: bool


class CoverageChecklist(BaseModel):
    patient_id: int
    coverages: list[CoverageEntry]
    auths: list[AuthEntry]
    referrals: list[ReferralEntry]
    next_appointment: Appointment | None
    missing: list[str]
    unreadable: list[str] = []


class SearchMatch(StrEnum):
    MRN = "mrn"
    BIRTH_DATE = "birth-date"
    EXACT = "exact"
    PREFIX = "prefix"
    SUBSTRING = "substring"
    FUZZY = "fuzzy"


class SearchHit(BaseModel):
    patient: PatientRef
    match: SearchMatch

"""Domain records as pydantic models: what services accept and what queries return.

Each model validates on its own (field rules and cross-field rules), so a form, an importer
and a script get the same messages. Models carry ids and versions but never ORM objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pcc_tui.core.domain.codes import (
    AdministrativeGender,
    AnchorKind,
    AppointmentStatus,
    AuditOutcome,
    AuthDecision,
    AuthStatus,
    CarePlanStatus,
    CareTeamStatus,
    Channel,
    CommunicationStatus,
    ConditionClinicalStatus,
    ConsentDecision,
    ConsentGiven,
    ContactOutcome,
    CoordinatorRole,
    CoverageStatus,
    Direction,
    EligibilityResult,
    NoteStatus,
    ParticipationStatus,
    RecordStatus,
    ReferralTracking,
    RequestPriority,
    ServiceRequestStatus,
    ShareScope,
    StepNeed,
    SubscriberRelationship,
    TaskStatus,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{5,24}$")]
Mrn = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{3,64}$")]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_][a-z0-9_.-]{0,63}$")
]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True, frozen=False)


class Record(Model):
    """Fields every stored, mutable record has."""

    id: int | None = None
    version: int = 1
    created_at: datetime | None = None
    created_by: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


class Coordinator(Record):
    username: Username
    display_name: Text
    role: CoordinatorRole = CoordinatorRole.COORDINATOR
    pool: str | None = None
    ward: str | None = None
    active: bool = True


class Practitioner(Record):
    name: Text
    specialty: str | None = None
    organization: str | None = None
    phone: Phone | None = None
    status: RecordStatus = RecordStatus.ACTIVE


class Patient(Record):
    mrn: Mrn
    mrn_system: str = Field(default="", max_length=255)  # "": the site's own MRNs
    family_name: Text
    given_name: Text
    birth_date: date
    sex: AdministrativeGender = AdministrativeGender.UNKNOWN
    preferred_language: str | None = Field(default=None, max_length=40)
    phone: Phone | None = None
    phone_other: Phone | None = None
    address: str | None = Field(default=None, max_length=300)
    ward: str | None = Field(default=None, max_length=40)
    bed: str | None = Field(default=None, max_length=20)
    flags: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = []
    coordinator_id: int | None = None
    status: RecordStatus = RecordStatus.ACTIVE
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.birth_date > date.today():
            raise ValueError("birth date is in the future")
        if self.bed and not self.ward:
            raise ValueError("a bed needs a ward")
        return self


class Contact(Record):
    """A family member or caregiver (RelatedPerson) and what the patient consented to share."""

    patient_id: int
    name: Text
    relationship: Text
    phone: Phone | None = None
    phone_other: Phone | None = None
    consent: ConsentDecision = ConsentDecision.NOT_ASKED
    share_scope: list[ShareScope] = []
    consent_on: date | None = None
    consent_recorded_by: str | None = None
    verification_method: str | None = Field(default=None, max_length=200)
    status: RecordStatus = RecordStatus.ACTIVE
    void_reason: str | None = None
    preferred_channel: Channel | None = None
    ended_on: date | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.consent is not ConsentDecision.NOT_ASKED and self.consent_on is None:
            raise ValueError("a consent decision needs the date it was given")
        if self.consent is ConsentDecision.OBJECTED and self.share_scope:
            raise ValueError("a contact the patient objected to cannot have a share scope")
        if self.consent is ConsentDecision.NOT_ASKED and self.share_scope:
            raise ValueError("a share scope needs the patient's agreement")
        return self


class Consent(Record):
    """What the patient decided may be shared with one contact, as given on a day."""

    patient_id: int
    contact_id: int
    decision: ConsentDecision
    scopes: list[ShareScope] = []
    given_how: ConsentGiven
    given_on: date
    expires_on: date | None = None
    verification: str | None = Field(default=None, max_length=200)  # how a caller proves it
    recorded_by: str
    status: RecordStatus = RecordStatus.ACTIVE
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.decision is ConsentDecision.NOT_ASKED:
            raise ValueError("a consent record is a decision: agreed, objected or withdrawn")
        if self.decision is ConsentDecision.AGREED and not self.scopes:
            raise ValueError("an agreement names what may be shared")
        if self.decision is not ConsentDecision.AGREED and self.scopes:
            raise ValueError("nothing is shared when the patient objected or withdrew")
        if self.expires_on and self.expires_on < self.given_on:
            raise ValueError("consent expires before it was given")
        return self


class CareTeamMember(Record):
    patient_id: int
    practitioner_id: int | None = None
    provider_name: str | None = Field(default=None, max_length=200)  # an outside provider
    role: Text
    start: date | None = None
    end: date | None = None
    status: CareTeamStatus = CareTeamStatus.ACTIVE
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.start and self.end and self.end < self.start:
            raise ValueError("care team membership ends before it starts")
        if (self.practitioner_id is None) == (not (self.provider_name or "").strip()):
            raise ValueError("a care team member is a known practitioner or a named provider")
        return self


class Problem(Record):
    """A Condition on the patient's problem list."""

    patient_id: int
    display: Text
    code: str | None = Field(default=None, max_length=40)
    clinical_status: ConditionClinicalStatus = ConditionClinicalStatus.ACTIVE
    onset: date | None = None
    resolved_on: date | None = None
    entered_in_error: bool = False
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.resolved_on and self.onset and self.resolved_on < self.onset:
            raise ValueError("a problem cannot resolve before its onset")
        return self


class Appointment(Record):
    patient_id: int
    practitioner_id: int | None = None
    location: str | None = Field(default=None, max_length=120)
    start: datetime
    end: datetime
    status: AppointmentStatus = AppointmentStatus.BOOKED
    patient_status: ParticipationStatus = ParticipationStatus.NEEDS_ACTION
    confirmation_method: Channel | None = None
    reason: str | None = Field(default=None, max_length=300)
    cancel_reason: str | None = Field(default=None, max_length=300)
    void_reason: str | None = None
    # A past visit's class (FHIR Encounter.class / HL7 PV1-2: AMB, EMER, IMP...).
    visit_class: str | None = Field(default=None, max_length=10)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.end <= self.start:
            raise ValueError("an appointment must end after it starts")
        if self.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NOSHOW) and not (
            self.cancel_reason
        ):
            raise ValueError(f"a {self.status} appointment needs a reason")
        return self


class CarePlan(Record):
    patient_id: int
    title: Text
    template: str | None = Field(default=None, max_length=80)
    status: CarePlanStatus = CarePlanStatus.ACTIVE
    period_start: date
    period_end: date | None = None
    # A pathway's steps are timed from this event; moving it moves every unfinished step.
    anchor_kind: AnchorKind | None = None
    anchor_date: date | None = None
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.period_end and self.period_end < self.period_start:
            raise ValueError("a care plan cannot end before it starts")
        if (self.anchor_kind is None) != (self.anchor_date is None):
            raise ValueError("an anchor needs both its kind and its date")
        return self


class PlanStep(Record):
    """A Task in a care plan."""

    care_plan_id: int
    patient_id: int
    title: Text
    status: TaskStatus = TaskStatus.REQUESTED
    business_status: str | None = Field(default=None, max_length=120)
    status_reason: str | None = Field(default=None, max_length=300)
    priority: RequestPriority = RequestPriority.ROUTINE
    owner_id: int | None = None
    owner_pool: str | None = Field(default=None, max_length=60)
    due_from: date | None = None
    due_by: date
    anchor_offset: int | None = None  # days from the plan's anchor; None: a fixed date
    offset_business: bool = False  # the offset counts business days (site calendar)
    transition_id: int | None = None  # a transitional-care clock this step keeps
    depends_on: list[int] = []
    needs: list[StepNeed] = []
    appointment_id: int | None = None
    referral_id: int | None = None
    prior_auth_id: int | None = None
    completed_at: datetime | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.owner_id is None and not self.owner_pool:
            raise ValueError("a step needs an owner: a coordinator or a pool")
        if self.due_from and self.due_from > self.due_by:
            raise ValueError("the due window starts after it ends")
        if self.id is not None and self.id in self.depends_on:
            raise ValueError("a step cannot depend on itself")
        return self


class Referral(Record):
    """A ServiceRequest plus its tracking Task."""

    patient_id: int
    to_whom: Text
    reason: Text
    priority: RequestPriority = RequestPriority.ROUTINE
    internal: bool = True
    status: ServiceRequestStatus = ServiceRequestStatus.ACTIVE
    tracking: ReferralTracking = ReferralTracking.SENT
    sent_on: date
    reply_due: date
    reply_received_on: date | None = None
    reply: str | None = Field(default=None, max_length=4000)
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.reply_due < self.sent_on:
            raise ValueError("the reply cannot be due before the referral is sent")
        if self.tracking is ReferralTracking.REPLY_RECEIVED and not self.reply_received_on:
            raise ValueError("a received reply needs the date it arrived")
        return self


class Coverage(Record):
    patient_id: int
    payer: Text
    plan: str | None = Field(default=None, max_length=120)
    member_id: Text
    order: int = Field(default=1, ge=1, le=9)
    period_start: date | None = None
    period_end: date | None = None
    status: CoverageStatus = CoverageStatus.ACTIVE
    void_reason: str | None = None
    group_id: str | None = Field(default=None, max_length=60)
    subscriber: str | None = Field(default=None, max_length=200)  # when not the patient
    relationship: SubscriberRelationship | None = None
    # Coverage derived from claims: the last day a claim billed this payer (it decides which
    # payer is the current one when later claims arrive).
    last_billed: date | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("coverage ends before it starts")
        return self


class EligibilityCheck(Record):
    coverage_id: int
    checked_at: datetime
    result: EligibilityResult
    checked_by: str | None = None
    note: str | None = Field(default=None, max_length=1000)
    status: CoverageStatus = CoverageStatus.ACTIVE  # CoverageEligibilityResponse.status
    void_reason: str | None = None


class PriorAuthorization(Record):
    patient_id: int
    coverage_id: int | None = None
    service: Text
    status: AuthStatus = AuthStatus.ACTIVE
    decision: AuthDecision = AuthDecision.PENDED
    expedited: bool = False
    requested_at: datetime
    decision_due: datetime
    decided_at: datetime | None = None
    auth_number: str | None = Field(default=None, max_length=60)
    units_approved: int | None = Field(default=None, ge=0)
    units_used: int = Field(default=0, ge=0)
    valid_from: date | None = None
    valid_to: date | None = None
    void_reason: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.decision_due < self.requested_at:
            raise ValueError("the decision cannot be due before the request")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("the authorisation expires before it starts")
        if self.decision in (AuthDecision.APPROVED, AuthDecision.PARTIAL):
            if self.units_approved is None:
                raise ValueError("an approval needs the number of units approved")
            if self.decided_at is None:
                raise ValueError("an approval needs the time it was decided")
        return self

    @property
    def units_left(self) -> int | None:
        if self.units_approved is None:
            return None
        return self.units_approved - self.units_used


class Communication(Record):
    patient_id: int
    contact_id: int | None = None
    with_whom: Text
    channel: Channel
    direction: Direction = Direction.OUTBOUND
    status: CommunicationStatus = CommunicationStatus.COMPLETED
    outcome: ContactOutcome
    note: str | None = Field(default=None, max_length=4000)
    sent_at: datetime
    author: str | None = None
    next_attempt_due: datetime | None = None
    void_reason: str | None = None
    # How the person on the line was checked (the contact's agreed method) and whether it held.
    caller_verified: bool | None = None
    verified_how: str | None = Field(default=None, max_length=200)
    # Why the coordinator spoke to a contact the patient objected to (a legal duty, safety).
    override_reason: str | None = Field(default=None, max_length=300)
    topic: ShareScope | None = None  # what was discussed: checked against consent in force

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.next_attempt_due and self.next_attempt_due <= self.sent_at:
            raise ValueError("the next attempt must come after this one")
        return self


class Note(Record):
    patient_id: int
    text: LongText
    author: str | None = None
    status: NoteStatus = NoteStatus.CURRENT
    void_reason: str | None = None


class AuditEvent(Model):
    seq: int
    recorded_at: datetime
    actor: str
    action: str
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    patient_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    detail: dict[str, object] = {}
    client: str | None = None
    db_user: str | None = None
    block: int | None = None

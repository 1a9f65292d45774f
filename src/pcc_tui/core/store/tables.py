"""The schema as typed SQLAlchemy 2 ORM classes. Alembic migrations must match it (tested).

Every mutable table carries `version` (optimistic locking through `version_id_col`) and
created/updated at/by. Nothing is deleted: records are voided to `entered-in-error`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from pcc_tui.core.store.types import ReadableDate, ReadableJSON, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Tracked:
    """Version and who/when columns for every mutable table."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The UPDATE carries "WHERE version = :seen": a concurrent writer loses, never silently.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class CoordinatorRow(Tracked, Base):
    __tablename__ = "coordinator"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    pool: Mapped[str | None] = mapped_column(String(60))
    ward: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sign-in: argon2 hashes only. `os_user` binds PIN sign-in to the SSH login name.
    # Deferred: on PostgreSQL only admins may read them (column grants, migration 0010).
    password_hash: Mapped[str | None] = mapped_column(String(200), deferred=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200), deferred=True)
    os_user: Mapped[str | None] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    # The user's own record, if they are also a patient here: they may never open it.
    own_patient_id: Mapped[int | None] = mapped_column(Integer)


class PractitionerRow(Tracked, Base):
    __tablename__ = "practitioner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    specialty: Mapped[str | None] = mapped_column(String(120))
    organization: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))


class PatientRow(Tracked, Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(64))  # EHR MRNs may be UUIDs
    # Who issued the MRN: "" for the site's own (registration, HL7 feeds, [policy]
    # mrn_system), else the FHIR identifier system. Unique per system, not across systems.
    mrn_system: Mapped[str] = mapped_column(String(255), server_default="")
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(ReadableDate, index=True)
    sex: Mapped[str] = mapped_column(String(10))
    preferred_language: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_other: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    ward: Mapped[str | None] = mapped_column(String(40))
    bed: Mapped[str | None] = mapped_column(String(20))
    flags: Mapped[list[str]] = mapped_column(ReadableJSON, default=list)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id"))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (
        Index("ix_patient_ward_bed", "ward", "bed", "id"),
        # "My patients" as an index-only scan: the queue asks for it once per kind.
        Index("ix_patient_coordinator_id", "coordinator_id", "id"),
        Index("ix_patient_mrn", "mrn"),  # searched without its system
        UniqueConstraint("mrn_system", "mrn"),
    )


class ContactRow(Tracked, Base):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_other: Mapped[str | None] = mapped_column(String(32))
    consent: Mapped[str] = mapped_column(String(20))
    share_scope: Mapped[list[str]] = mapped_column(ReadableJSON, default=list)
    consent_on: Mapped[date | None] = mapped_column(ReadableDate)
    consent_recorded_by: Mapped[str | None] = mapped_column(String(64))
    verification_method: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    ended_on: Mapped[date | None] = mapped_column(ReadableDate)


class ConsentRow(Tracked, Base):
    """One decision of the patient about one contact (FHIR Consent). Never edited: a new
    decision (a withdrawal too) is a new row; the newest given by a day, unexpired, is the
    one in force that day."""

    __tablename__ = "consent"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    scopes: Mapped[list[str]] = mapped_column(ReadableJSON, default=list)
    given_how: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[date] = mapped_column(ReadableDate)
    expires_on: Mapped[date | None] = mapped_column(ReadableDate)
    verification: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))


class CareTeamMemberRow(Tracked, Base):
    __tablename__ = "care_team_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"), index=True)
    provider_name: Mapped[str | None] = mapped_column(String(200))  # outside, free text
    role: Mapped[str] = mapped_column(String(200))
    start: Mapped[date | None] = mapped_column(ReadableDate)
    end: Mapped[date | None] = mapped_column(ReadableDate)
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))


class ProblemRow(Tracked, Base):
    __tablename__ = "problem"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    display: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(40))
    clinical_status: Mapped[str] = mapped_column(String(20))
    onset: Mapped[date | None] = mapped_column(ReadableDate)
    resolved_on: Mapped[date | None] = mapped_column(ReadableDate)
    entered_in_error: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[str | None] = mapped_column(String(300))


class AppointmentRow(Tracked, Base):
    __tablename__ = "appointment"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("practitioner.id"))
    location: Mapped[str | None] = mapped_column(String(120))
    start: Mapped[datetime] = mapped_column(index=True)
    end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    patient_status: Mapped[str] = mapped_column(String(20))
    confirmation_method: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    visit_class: Mapped[str | None] = mapped_column(String(10))
    __table_args__ = (
        Index("ix_appointment_patient_start", "patient_id", "start"),
        Index("ix_appointment_practitioner_start", "practitioner_id", "start"),
    )


class CarePlanRow(Tracked, Base):
    __tablename__ = "care_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    template: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(ReadableDate)
    period_end: Mapped[date | None] = mapped_column(ReadableDate)
    anchor_kind: Mapped[str | None] = mapped_column(String(30))
    anchor_date: Mapped[date | None] = mapped_column(ReadableDate)
    void_reason: Mapped[str | None] = mapped_column(String(300))


class PlanStepRow(Tracked, Base):
    __tablename__ = "plan_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    care_plan_id: Mapped[int] = mapped_column(ForeignKey("care_plan.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    business_status: Mapped[str | None] = mapped_column(String(120))
    status_reason: Mapped[str | None] = mapped_column(String(300))
    priority: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id"))
    owner_pool: Mapped[str | None] = mapped_column(String(60))
    due_from: Mapped[date | None] = mapped_column(ReadableDate)
    due_by: Mapped[date] = mapped_column(ReadableDate)
    anchor_offset: Mapped[int | None]
    offset_business: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Steps of a transitional-care episode show in the queue as its `transition` item.
    transition_id: Mapped[int | None] = mapped_column(Integer)
    needs: Mapped[list[str]] = mapped_column(ReadableJSON, default=list)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    prior_auth_id: Mapped[int | None] = mapped_column(ForeignKey("prior_authorization.id"))
    completed_at: Mapped[datetime | None]
    __table_args__ = (
        # Queue: "my open steps due by today" is a few index range seeks, one per status.
        Index("ix_plan_step_owner_status_due", "owner_id", "status", "due_by"),
        Index("ix_plan_step_pool_status_due", "owner_pool", "status", "due_by"),
        Index("ix_plan_step_status_priority_due", "status", "priority", "due_by"),
        Index("ix_plan_step_patient_due", "patient_id", "due_by"),
    )


class StepDependencyRow(Base):
    """Step `step_id` cannot complete before `depends_on_id`. Changed only with its step."""

    __tablename__ = "step_dependency"
    step_id: Mapped[int] = mapped_column(ForeignKey("plan_step.id"), primary_key=True)
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("plan_step.id"), primary_key=True, index=True
    )


class ReferralRow(Tracked, Base):
    __tablename__ = "referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    to_whom: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    internal: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    tracking: Mapped[str] = mapped_column(String(20))
    sent_on: Mapped[date] = mapped_column(ReadableDate)
    reply_due: Mapped[date] = mapped_column(ReadableDate)
    reply_received_on: Mapped[date | None] = mapped_column(ReadableDate)
    reply: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (
        Index("ix_referral_tracking_priority_due", "tracking", "priority", "reply_due"),
    )


class CoverageRow(Tracked, Base):
    __tablename__ = "coverage"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    payer: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(120))
    member_id: Mapped[str] = mapped_column(String(200))
    order: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date | None] = mapped_column(ReadableDate)
    period_end: Mapped[date | None] = mapped_column(ReadableDate)
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    group_id: Mapped[str | None] = mapped_column(String(60))
    subscriber: Mapped[str | None] = mapped_column(String(200))
    relationship: Mapped[str | None] = mapped_column(String(20))
    last_billed: Mapped[date | None] = mapped_column(ReadableDate)


class EligibilityCheckRow(Tracked, Base):
    __tablename__ = "eligibility_check"
    id: Mapped[int] = mapped_column(primary_key=True)
    coverage_id: Mapped[int] = mapped_column(ForeignKey("coverage.id"))
    checked_at: Mapped[datetime]
    result: Mapped[str] = mapped_column(String(20))
    checked_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_eligibility_check_coverage_at", "coverage_id", "checked_at"),)


class PriorAuthorizationRow(Tracked, Base):
    __tablename__ = "prior_authorization"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    coverage_id: Mapped[int | None] = mapped_column(ForeignKey("coverage.id"))
    service: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    expedited: Mapped[bool] = mapped_column(Boolean)
    requested_at: Mapped[datetime]
    decision_due: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    auth_number: Mapped[str | None] = mapped_column(String(60))
    units_approved: Mapped[int | None] = mapped_column(Integer)
    units_used: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[date | None] = mapped_column(ReadableDate)
    valid_to: Mapped[date | None] = mapped_column(ReadableDate)
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_prior_authorization_decision_due", "decision", "decision_due"),)


class CommunicationRow(Tracked, Base):
    __tablename__ = "communication"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    with_whom: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime]
    author: Mapped[str | None] = mapped_column(String(64))
    # Cleared when the callback is made, so the index holds only callbacks still owed.
    next_attempt_due: Mapped[datetime | None]
    void_reason: Mapped[str | None] = mapped_column(String(300))
    caller_verified: Mapped[bool | None]
    verified_how: Mapped[str | None] = mapped_column(String(200))
    override_reason: Mapped[str | None] = mapped_column(String(300))
    topic: Mapped[str | None] = mapped_column(String(20))  # what was discussed (a scope)
    __table_args__ = (
        Index("ix_communication_patient_sent", "patient_id", "sent_at"),
        Index("ix_communication_author_next", "author", "next_attempt_due"),
        Index("ix_communication_next", "next_attempt_due"),
    )


class NoteRow(Tracked, Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_note_patient_created", "patient_id", "created_at"),)


class NameTokenRow(Base):
    """Distinct normalised name words; search works on these, then joins to patients."""

    __tablename__ = "name_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(200), unique=True)


class NameGramRow(Base):
    """Trigrams of each token: substring and typo-tolerant search on any database."""

    __tablename__ = "name_gram"
    gram: Mapped[str] = mapped_column(String(3), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("name_token.id"), primary_key=True)


class NameVariantRow(Base):
    """Each token with one letter deleted (and the token itself): equal variants mean the
    words are at most one edit apart, so a typo finds the name with plain index lookups."""

    __tablename__ = "name_variant"
    variant: Mapped[str] = mapped_column(String(200), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("name_token.id"), primary_key=True)


class PatientNameTokenRow(Base):
    __tablename__ = "patient_name_token"
    token_id: Mapped[int] = mapped_column(ForeignKey("name_token.id"), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), primary_key=True, index=True)


class EducationGivenRow(Tracked, Base):
    __tablename__ = "education_given"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    topic_id: Mapped[str] = mapped_column(String(60))
    topic_title: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    given_to: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime]
    given_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_education_given_patient_at", "patient_id", "given_at"),)


class HandoffRow(Tracked, Base):
    """Work offered to a colleague or a pool; it changes hands only when they accept."""

    __tablename__ = "handoff"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    scope: Mapped[str] = mapped_column(String(20))  # patient, care_plan or plan_step
    entity_id: Mapped[int] = mapped_column(Integer)
    from_coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id"))
    to_coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinator.id"))
    to_pool: Mapped[str | None] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(300))
    packet: Mapped[str] = mapped_column(Text)  # JSON list of lines: the open items, summarised
    status: Mapped[str] = mapped_column(String(20))
    offered_at: Mapped[datetime]
    offered_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decline_reason: Mapped[str | None] = mapped_column(String(300))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (
        Index("ix_handoff_to_status", "to_coordinator_id", "status"),
        Index("ix_handoff_pool_status", "to_pool", "status"),
    )


class SnoozeRow(Tracked, Base):
    """A queue item put aside until a date, with the reason; it returns on that date."""

    __tablename__ = "snooze"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    until: Mapped[date] = mapped_column(ReadableDate)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    # The queue asks "is this item snoozed today?" once per candidate row.
    __table_args__ = (Index("ix_snooze_entity_until", "entity_type", "entity_id", "until"),)


class Hl7MessageRow(Base):
    """The intake log: every HL7 v2 message received, what became of it and why. `error`
    names the segment and field at fault and never quotes the message (no patient data);
    `raw` keeps the message, normalised, for `pcc hl7 replay`."""

    __tablename__ = "hl7_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    sender: Mapped[str] = mapped_column(String(200))  # MSH-3 and MSH-4
    control_id: Mapped[str] = mapped_column(String(200))  # MSH-10
    message_type: Mapped[str] = mapped_column(String(20))  # MSH-9: ADT^A01
    event_time: Mapped[str] = mapped_column(String(40))  # EVN-2, else MSH-7, as sent
    # AA applied, AE/AR refused, held (waits for an earlier event), duplicate, ignored.
    outcome: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(String(300))
    error_where: Mapped[str | None] = mapped_column(String(20))  # "PID-3"
    patient_id: Mapped[int | None] = mapped_column(Integer)
    hold_key: Mapped[str | None] = mapped_column(String(200))  # the MRN a held one waits on
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    raw: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        # A message is applied once: the same sender, control id, type and event time again
        # is a duplicate (control ids alone are reused by real senders across events).
        Index(
            "ix_hl7_message_applied",
            "sender",
            "control_id",
            "message_type",
            "event_time",
            unique=True,
            sqlite_where=text("outcome IN ('AA', 'held')"),
            postgresql_where=text("outcome IN ('AA', 'held')"),
        ),
        Index("ix_hl7_message_outcome_id", "outcome", "id"),
        # The duplicate check looks a message up by its control id (bound values cannot use
        # the partial index above on every database).
        Index("ix_hl7_message_control_id", "control_id"),
        Index("ix_hl7_message_hold_key", "hold_key"),
    )


class StayRow(Tracked, Base):
    """A hospital stay or visit from the feed (FHIR Encounter): PV1's class, place, attending,
    admission, discharge and disposition."""

    __tablename__ = "stay"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    visit_number: Mapped[str | None] = mapped_column(String(60))  # PV1-19
    patient_class: Mapped[str] = mapped_column(String(10))  # PV1-2, HL7 table 0004
    ward: Mapped[str | None] = mapped_column(String(40))
    room: Mapped[str | None] = mapped_column(String(20))
    bed: Mapped[str | None] = mapped_column(String(20))
    attending: Mapped[str | None] = mapped_column(String(200))
    hospital_service: Mapped[str | None] = mapped_column(String(40))
    admitted_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    disposition: Mapped[str | None] = mapped_column(String(80))  # PV1-36
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_stay_patient_visit", "patient_id", "visit_number"),)


class StayEventRow(Tracked, Base):
    """One event of a stay (admitted, transferred, discharged, cancelled...). `before` is the
    stay and patient as they were, so a cancel restores them; `made` lists what the event's
    rules created (table, id), so a cancel voids exactly that."""

    __tablename__ = "stay_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(ForeignKey("stay.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    event: Mapped[str] = mapped_column(String(10))  # trigger event: A01, A02, A03...
    at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any]] = mapped_column(ReadableJSON, default=dict)
    made: Mapped[list[Any]] = mapped_column(ReadableJSON, default=list)
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))


class TransitionRow(Tracked, Base):
    """A transitional-care episode after a discharge (EpisodeOfCare): its clocks and the
    plan steps that stop them."""

    __tablename__ = "transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stay.id"))
    care_plan_id: Mapped[int] = mapped_column(ForeignKey("care_plan.id"))
    discharged_on: Mapped[date] = mapped_column(ReadableDate)
    complexity: Mapped[str] = mapped_column(String(10))  # moderate (14 days) or high (7)
    contact_due: Mapped[date] = mapped_column(ReadableDate)
    visit_due: Mapped[date] = mapped_column(ReadableDate)
    contact_step_id: Mapped[int] = mapped_column(Integer)
    visit_step_id: Mapped[int] = mapped_column(Integer)
    medrec_step_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    void_reason: Mapped[str | None] = mapped_column(String(300))
    __table_args__ = (Index("ix_transition_status_contact_due", "status", "contact_due"),)


class PatientMergeRow(Base):
    """Two records found to be one patient (ADT A40/A41): the merged one's rows moved to the
    survivor, which shows this in its chart."""

    __tablename__ = "patient_merge"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    merged_patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    merged_mrn: Mapped[str] = mapped_column(String(64))
    merged_at: Mapped[datetime]
    message_id: Mapped[int | None] = mapped_column(Integer)
    moved: Mapped[dict[str, Any]] = mapped_column(ReadableJSON, default=dict)


class FhirLinkRow(Base):
    """Which record a FHIR resource became, per source: re-importing the same resource finds
    it here (unchanged: nothing to do; changed content: an audited update, no duplicate)."""

    __tablename__ = "fhir_link"
    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    fhir_id: Mapped[str] = mapped_column(String(100), primary_key=True)  # id + "/part"
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]


class FhirIdentifierRow(Base):
    """An imported provider's or organisation's identifier, for conditional references."""

    __tablename__ = "fhir_identifier"
    __table_args__ = (
        UniqueConstraint(
            "source",
            "resource_type",
            "system",
            "value",
            "entity_id",
        ),
        Index("ix_fhir_identifier_value", "resource_type", "value"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    resource_type: Mapped[str] = mapped_column(String(40))
    system: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    entity_id: Mapped[int] = mapped_column(Integer)


class FhirSyncRow(Base):
    """Per source: the server's transactionTime of the last complete `pcc sync fhir`."""

    __tablename__ = "fhir_sync"
    source: Mapped[str] = mapped_column(String(60), primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))
    transaction_time: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[datetime]
    resources: Mapped[int] = mapped_column(Integer)


class AuditEventRow(Base):
    """Append-only. Rows are numbered as they are written (no lock, gaps allowed) and later
    sealed, in number order, into signed hash-linked blocks (`audit_block`, `audit_seal.py`).
    On PostgreSQL the server writes them: time from its clock, `db_user` its session user."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(2))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    entity_type: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    # Where the user sat: SSH client address and tty.
    client: Mapped[str | None] = mapped_column(String(200))
    # The database login that wrote the row (PostgreSQL; None on SQLite).
    db_user: Mapped[str | None] = mapped_column(String(64))
    block: Mapped[int | None] = mapped_column(BigInteger, index=True)
    __table_args__ = (
        Index("ix_audit_event_patient_at", "patient_id", "recorded_at"),
        Index("ix_audit_event_actor_at", "actor", "recorded_at"),
    )


class AuditBlockRow(Base):
    """A sealed run of audit rows: their digest, the hash of the block before, and a
    signature by the sealer's key (which no cockpit role can read)."""

    __tablename__ = "audit_block"
    block: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    rows_digest: Mapped[str] = mapped_column(String(64))
    # Where to look when the digest fails: the row numbers ("1-40,42-99") and the first 8
    # hex digits of each row's hash, in order. Covered by the digest, never trusted alone.
    row_seqs: Mapped[str] = mapped_column(Text)
    row_marks: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(String(100))
    signature: Mapped[str] = mapped_column(String(200))
    sealed_at: Mapped[datetime]


class ChangeLogRow(Base):
    """One row per committed change: which patients and tables it touched. Sessions catch up
    from here after a reconnect; PostgreSQL also NOTIFYs the sequence number. Rows are
    numbered in commit order (the writer holds the change-log lock when it takes its number).
    """

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(40))  # the session that made the change
    patients: Mapped[str] = mapped_column(Text)  # comma-separated patient ids
    tables: Mapped[str] = mapped_column(String(400))


class PresenceRow(Base):
    """Which patient each running session has open (kept fresh by a heartbeat)."""

    __tablename__ = "presence"
    session_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    seen_at: Mapped[datetime]


class AccessGrantRow(Base):
    """Break-the-glass: time-limited access to a patient outside one's caseload, with why."""

    __tablename__ = "access_grant"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    __table_args__ = (Index("ix_access_grant_user_patient", "username", "patient_id"),)

"""HL7 FHIR R4 codes, stored as they are (value sets named in each docstring)."""

from __future__ import annotations

from enum import StrEnum


class AppointmentStatus(StrEnum):
    """http://hl7.org/fhir/R4/valueset-appointmentstatus.html"""

    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"
    CHECKED_IN = "checked-in"
    WAITLIST = "waitlist"


class ParticipationStatus(StrEnum):
    """Appointment.participant.status — the patient's confirmation."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    NEEDS_ACTION = "needs-action"


class TaskStatus(StrEnum):
    """http://hl7.org/fhir/R4/valueset-task-status.html — a plan step."""

    DRAFT = "draft"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    READY = "ready"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    FAILED = "failed"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class RequestPriority(StrEnum):
    """http://hl7.org/fhir/R4/valueset-request-priority.html"""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


# Lower rank = more pressing; the queue sorts on it.
PRIORITY_RANK: dict[str, int] = {"stat": 0, "asap": 1, "urgent": 2, "routine": 3}


class CarePlanStatus(StrEnum):
    """http://hl7.org/fhir/R4/valueset-request-status.html"""

    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    REVOKED = "revoked"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"
    UNKNOWN = "unknown"


# ServiceRequest.status uses the same request-status value set.
ServiceRequestStatus = CarePlanStatus


class ReferralTracking(StrEnum):
    """The tracking Task's business status for a referral (the loop closes on reply)."""

    SENT = "sent"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    REPLY_RECEIVED = "reply-received"


# A coverage whose member id the source did not send (HL7 IN1-36, FHIR subscriberId):
# stored as this, shown as it is rather than masked like a real id.
NO_MEMBER_ID = "no member id"
WITHOUT_MEMBER_ID = frozenset({NO_MEMBER_ID, "not given"})  # "not given": older imports


def show_member_id(member_id: str | None) -> str:
    """A member id masked to its last four characters, or "no member id"."""
    if not member_id or member_id in WITHOUT_MEMBER_ID:
        return NO_MEMBER_ID
    return f"#{member_id[-4:]}"


class CoverageStatus(StrEnum):
    """http://hl7.org/fhir/R4/valueset-fm-status.html"""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    DRAFT = "draft"
    ENTERED_IN_ERROR = "entered-in-error"


class EligibilityResult(StrEnum):
    """CoverageEligibilityResponse.outcome + inforce, folded into what a coordinator needs."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not-eligible"
    ERROR = "error"


class AuthStatus(StrEnum):
    """Claim.status (use = preauthorization): fm-status."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    DRAFT = "draft"
    ENTERED_IN_ERROR = "entered-in-error"


class AuthDecision(StrEnum):
    """ClaimResponse review action (X12 278 / Da Vinci PAS): pended until decided."""

    PENDED = "pended"
    APPROVED = "approved"
    PARTIAL = "partial"
    DENIED = "denied"


class CommunicationStatus(StrEnum):
    """http://hl7.org/fhir/R4/valueset-event-status.html"""

    PREPARATION = "preparation"
    IN_PROGRESS = "in-progress"
    NOT_DONE = "not-done"
    ON_HOLD = "on-hold"
    STOPPED = "stopped"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"
    UNKNOWN = "unknown"


class Channel(StrEnum):
    """Communication.medium (v3 ParticipationMode), the ones a coordinator uses."""

    PHONE = "phone"
    SMS = "sms"
    PORTAL = "portal"
    EMAIL = "email"
    IN_PERSON = "in-person"
    LETTER = "letter"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no-answer"
    WRONG_NUMBER = "wrong-number"
    BUSY = "busy"
    DECLINED = "declined"
    MESSAGE_SENT = "message-sent"


class ConsentDecision(StrEnum):
    """Consent.provision.type (permit/deny) as agreed/objected, or not yet asked."""

    AGREED = "agreed"
    OBJECTED = "objected"
    NOT_ASKED = "not-asked"
    WITHDRAWN = "withdrawn"  # an earlier agreement taken back (a new record, never an edit)


class ConsentGiven(StrEnum):
    """How the patient gave a consent decision (kept with it, as FHIR Consent's source)."""

    VERBAL = "verbal"
    WRITTEN = "written"
    PORTAL = "portal"
    PROXY = "proxy"  # by someone with legal authority for the patient


class SubscriberRelationship(StrEnum):
    """http://terminology.hl7.org/CodeSystem/subscriber-relationship (Coverage.relationship)"""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    COMMON = "common"
    OTHER = "other"


class ShareScope(StrEnum):
    """What the patient agreed may be shared with a contact."""

    APPOINTMENTS = "appointments"
    CONDITION = "condition"
    MEDICATIONS = "medications"
    TEST_RESULTS = "test-results"
    DISCHARGE_PLAN = "discharge-plan"
    BILLING = "billing"


class AdministrativeGender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class RecordStatus(StrEnum):
    """For records FHIR gives only an `active` flag (Patient, RelatedPerson, Practitioner)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class CareTeamStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class ConditionClinicalStatus(StrEnum):
    ACTIVE = "active"
    RECURRENCE = "recurrence"
    RELAPSE = "relapse"
    INACTIVE = "inactive"
    REMISSION = "remission"
    RESOLVED = "resolved"


class NoteStatus(StrEnum):
    """DocumentReference.status"""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    ENTERED_IN_ERROR = "entered-in-error"


class EncounterStatus(StrEnum):
    """Encounter.status: a hospital stay or visit that arrived by an HL7 v2 feed."""

    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class EpisodeStatus(StrEnum):
    """EpisodeOfCare.status: a transitional-care episode after a discharge."""

    ACTIVE = "active"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class CoordinatorRole(StrEnum):
    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    VIEWER = "viewer"
    ADMIN = "admin"


class AnchorKind(StrEnum):
    """The event a care pathway is timed from; its steps are day offsets from it."""

    DISCHARGE = "discharge"
    SURGERY = "surgery"
    DIAGNOSIS = "diagnosis"
    TREATMENT_START = "treatment-start"
    CONFIRMATION = "confirmation"


class StepNeed(StrEnum):
    """What a plan step needs in place before it can happen."""

    APPOINTMENT = "appointment"
    REFERRAL = "referral"
    PRIOR_AUTH = "prior-auth"


class AuditOutcome(StrEnum):
    """AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure."""

    SUCCESS = "0"
    MINOR_FAILURE = "4"
    SERIOUS_FAILURE = "8"


OPEN_TASK_STATUSES: tuple[str, ...] = (
    TaskStatus.DRAFT,
    TaskStatus.REQUESTED,
    TaskStatus.RECEIVED,
    TaskStatus.ACCEPTED,
    TaskStatus.READY,
    TaskStatus.IN_PROGRESS,
    TaskStatus.ON_HOLD,
)
FINISHED_TASK_STATUSES: tuple[str, ...] = (
    TaskStatus.COMPLETED,
    TaskStatus.CANCELLED,
    TaskStatus.FAILED,
    TaskStatus.REJECTED,
    TaskStatus.ENTERED_IN_ERROR,
)
UPCOMING_APPOINTMENT_STATUSES: tuple[str, ...] = (
    AppointmentStatus.PROPOSED,
    AppointmentStatus.PENDING,
    AppointmentStatus.BOOKED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.CHECKED_IN,
)

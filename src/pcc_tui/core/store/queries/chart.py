"""The patient chart: banner, contacts, care team, problems, appointments, contacts log, notes."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Integer, Select, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from pcc_tui.core.clock import age_on
from pcc_tui.core.domain.codes import (
    UPCOMING_APPOINTMENT_STATUSES,
    AppointmentStatus,
    CareTeamStatus,
    CommunicationStatus,
    ConditionClinicalStatus,
    NoteStatus,
    RecordStatus,
)
from pcc_tui.core.domain.education import EducationGiven
from pcc_tui.core.domain.models import (
    Appointment,
    CareTeamMember,
    Communication,
    Consent,
    Contact,
    Note,
    Patient,
    Problem,
)
from pcc_tui.core.domain.read_models import PatientChart
from pcc_tui.core.errors import NotFound, UnreadableRecord
from pcc_tui.core.store.queries.rows import as_models, readable
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CareTeamMemberRow,
    CommunicationRow,
    ConsentRow,
    ContactRow,
    CoordinatorRow,
    EducationGivenRow,
    NoteRow,
    PatientMergeRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
    StayEventRow,
    StayRow,
)
from pcc_tui.core.store.types import UTCDateTime

ACTIVE_PROBLEM = (
    ConditionClinicalStatus.ACTIVE,
    ConditionClinicalStatus.RECURRENCE,
    ConditionClinicalStatus.RELAPSE,
)
PID: BindParameter[int] = bindparam("pid", type_=Integer())

PATIENT = (
    select(PatientRow.__table__, CoordinatorRow.display_name.label("coordinator_name"))
    .outerjoin(CoordinatorRow, CoordinatorRow.id == PatientRow.coordinator_id)
    .where(PatientRow.id == PID)
)
CONTACTS = (
    select(ContactRow.__table__)
    .where(ContactRow.patient_id == PID, ContactRow.status == RecordStatus.ACTIVE)
    .order_by(ContactRow.id)
)
CONSENTS = (
    select(ConsentRow.__table__)
    .where(ConsentRow.patient_id == PID, ConsentRow.status == RecordStatus.ACTIVE)
    .order_by(ConsentRow.id)
)
CARE_TEAM = (
    select(
        CareTeamMemberRow.__table__,
        # A practitioner pcc knows, or an outside provider named in free text.
        func.coalesce(PractitionerRow.name, CareTeamMemberRow.provider_name).label(
            "practitioner_name"
        ),
        PractitionerRow.specialty.label("practitioner_specialty"),
    )
    .outerjoin(PractitionerRow, PractitionerRow.id == CareTeamMemberRow.practitioner_id)
    .where(
        CareTeamMemberRow.patient_id == PID,
        CareTeamMemberRow.status.in_((CareTeamStatus.ACTIVE, CareTeamStatus.PROPOSED)),
    )
    .order_by(CareTeamMemberRow.id)
)
PROBLEMS = (
    select(ProblemRow.__table__)
    .where(
        ProblemRow.patient_id == PID,
        ProblemRow.clinical_status.in_(ACTIVE_PROBLEM),
        ProblemRow.entered_in_error.is_(False),
    )
    .order_by(ProblemRow.onset.desc())
)
UPCOMING = (
    select(AppointmentRow.__table__, PractitionerRow.name.label("practitioner_name"))
    .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
    .where(
        AppointmentRow.patient_id == PID,
        AppointmentRow.start >= bindparam("now", type_=AppointmentRow.start.type),
        AppointmentRow.status.in_(UPCOMING_APPOINTMENT_STATUSES),
    )
    .order_by(AppointmentRow.start)
    .limit(5)
)
PAST_SHOWN = 5
PAST_STATUSES = (AppointmentStatus.FULFILLED, AppointmentStatus.ARRIVED, AppointmentStatus.NOSHOW)
_PAST_WHERE = (
    AppointmentRow.patient_id == PID,
    AppointmentRow.start < bindparam("now", type_=AppointmentRow.start.type),
    AppointmentRow.status.in_(PAST_STATUSES),
)
PAST = (
    select(AppointmentRow.__table__, PractitionerRow.name.label("practitioner_name"))
    .outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id)
    .where(*_PAST_WHERE)
    .order_by(AppointmentRow.start.desc())
    .limit(PAST_SHOWN)
)
PAST_COUNT = select(func.count()).select_from(AppointmentRow).where(*_PAST_WHERE)
COMMUNICATIONS = (
    select(CommunicationRow.__table__)
    .where(
        CommunicationRow.patient_id == PID,
        CommunicationRow.status != CommunicationStatus.ENTERED_IN_ERROR,
    )
    .order_by(CommunicationRow.sent_at.desc())
    .limit(bindparam("recent"))
)
EDUCATION = (
    select(EducationGivenRow.__table__)
    .where(EducationGivenRow.patient_id == PID, EducationGivenRow.status == RecordStatus.ACTIVE)
    .order_by(EducationGivenRow.given_at.desc())
    .limit(bindparam("recent"))
)
NOTES = (
    select(NoteRow.__table__)
    .where(NoteRow.patient_id == PID, NoteRow.status == NoteStatus.CURRENT)
    .order_by(NoteRow.created_at.desc())
    .limit(bindparam("recent"))
)


# On PostgreSQL the whole chart is one statement: each list is a json_agg of its query, so a
# chart costs one round trip instead of seven. SQLite, in-process, needs no such trick.
def _as_json_list(stmt: Any, order: Any) -> Any:
    sub = stmt.subquery()
    agg = func.json_agg(aggregate_order_by(sub.table_valued(), *order(sub.c)))
    return select(func.coalesce(agg, literal_column("'[]'::json"))).scalar_subquery()


@cache
def _pg_chart() -> Select[Any]:
    return (
        select(
            *PATIENT.selected_columns,
            _as_json_list(CONTACTS, lambda c: [c.id]).label("contacts"),
            _as_json_list(CONSENTS, lambda c: [c.id]).label("consents"),
            _as_json_list(CARE_TEAM, lambda c: [c.id]).label("care_team"),
            _as_json_list(PROBLEMS, lambda c: [c.onset.desc()]).label("problems"),
            _as_json_list(UPCOMING, lambda c: [c.start]).label("upcoming"),
            _as_json_list(PAST, lambda c: [c.start.desc()]).label("past"),
            PAST_COUNT.scalar_subquery().label("past_count"),
            _as_json_list(COMMUNICATIONS, lambda c: [c.sent_at.desc()]).label("communications"),
            _as_json_list(NOTES, lambda c: [c.created_at.desc()]).label("notes"),
            _as_json_list(EDUCATION, lambda c: [c.given_at.desc()]).label("education"),
        )
        .select_from(PATIENT.get_final_froms()[0])
        .where(PatientRow.id == PID)
    )


def _utc(rows: list[dict[str, Any]], table: Any) -> list[dict[str, Any]]:
    """JSON carries stored (naive UTC) timestamps without a zone: say which zone they are in."""
    names = [c.name for c in table.__table__.c if isinstance(c.type, UTCDateTime)]
    for row in rows:
        for name in names:
            if isinstance(row.get(name), str):
                row[name] += "+00:00"
    return rows


def load_chart(
    session: Session, patient_id: int, *, today: date, now: datetime, recent: int = 10
) -> PatientChart:
    conn = session.connection()
    params = {"pid": patient_id, "now": now, "recent": recent}
    if conn.dialect.name == "postgresql":
        row = conn.execute(_pg_chart(), params).mappings().first()
        if row is None:
            raise NotFound("patient", patient_id)
        banner = dict(row)
        lists = {
            "contacts": _utc(banner.pop("contacts"), ContactRow),
            "consents": _utc(banner.pop("consents"), ConsentRow),
            "care_team": _utc(banner.pop("care_team"), CareTeamMemberRow),
            "problems": _utc(banner.pop("problems"), ProblemRow),
            "upcoming": _utc(banner.pop("upcoming"), AppointmentRow),
            "past": _utc(banner.pop("past"), AppointmentRow),
            "communications": _utc(banner.pop("communications"), CommunicationRow),
            "notes": _utc(banner.pop("notes"), NoteRow),
            "education": _utc(banner.pop("education"), EducationGivenRow),
        }
    else:
        first = conn.execute(PATIENT, params).mappings().first()
        if first is None:
            raise NotFound("patient", patient_id)
        banner = dict(first)
        banner["past_count"] = conn.execute(PAST_COUNT, params).scalar_one()
        lists = {
            name: [dict(m) for m in conn.execute(stmt, params).mappings()]
            for name, stmt in (
                ("contacts", CONTACTS),
                ("consents", CONSENTS),
                ("care_team", CARE_TEAM),
                ("problems", PROBLEMS),
                ("upcoming", UPCOMING),
                ("past", PAST),
                ("communications", COMMUNICATIONS),
                ("notes", NOTES),
                ("education", EDUCATION),
            )
        }
    bad: list[str] = []
    found = as_models(Patient, [banner], bad)
    if not found:
        raise UnreadableRecord("patient", patient_id)
    patient = found[0]
    return PatientChart.model_validate(
        {
            "patient": patient,
            "age": age_on(patient.birth_date, today),
            "coordinator_name": banner["coordinator_name"],
            "contacts": as_models(Contact, lists["contacts"], bad),
            "consents": as_models(Consent, lists["consents"], bad),
            "care_team": [
                {
                    "member": m,
                    "practitioner_name": row["practitioner_name"],
                    "specialty": row["practitioner_specialty"],
                }
                for row, m in readable(CareTeamMember, lists["care_team"], bad)
            ],
            "problems": as_models(Problem, lists["problems"], bad),
            "upcoming": [
                {"appointment": a, "practitioner_name": row["practitioner_name"]}
                for row, a in readable(Appointment, lists["upcoming"], bad)
            ],
            "past": [
                {"appointment": a, "practitioner_name": row["practitioner_name"]}
                for row, a in readable(Appointment, lists["past"], bad)
            ],
            "past_count": banner["past_count"],
            "communications": as_models(Communication, lists["communications"], bad),
            "notes": as_models(Note, lists["notes"], bad),
            "education": as_models(EducationGiven, lists["education"], bad),
            "stays": hospital_stays(conn, patient_id),
            "merges": [
                {"merged_mrn": mrn, "merged_at": at} for mrn, at in conn.execute(MERGES, params)
            ],
            "unreadable": bad,
        }
    )


STAYS_SHOWN = 3
STAYS = (
    select(StayRow)
    .where(StayRow.patient_id == PID, StayRow.status != "entered-in-error")
    .order_by(StayRow.id.desc())
    .limit(STAYS_SHOWN)
)
MERGES = (
    select(PatientMergeRow.merged_mrn, PatientMergeRow.merged_at)
    .where(PatientMergeRow.patient_id == PID)
    .order_by(PatientMergeRow.id)
)


def hospital_stays(conn: Any, patient_id: int) -> list[dict[str, Any]]:
    """The latest stays and their events (a cancelled stay is left out; a voided event is
    shown as voided: the chart says what the hospital took back)."""
    stays = conn.execute(STAYS, {"pid": patient_id}).mappings().all()
    if not stays:
        return []
    events: dict[int, list[dict[str, Any]]] = {}
    rows = conn.execute(
        select(
            StayEventRow.stay_id,
            StayEventRow.event,
            StayEventRow.at,
            StayEventRow.summary,
            StayEventRow.status,
        )
        .where(StayEventRow.stay_id.in_([s["id"] for s in stays]))
        .order_by(StayEventRow.id.desc())
    )
    for stay_id, event, at, summary, status in rows:
        events.setdefault(stay_id, []).append(
            {"event": event, "at": at, "summary": summary, "voided": status != "active"}
        )
    return [{**dict(s), "events": events.get(s["id"], [])} for s in stays]

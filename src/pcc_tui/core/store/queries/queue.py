"""Today's queue: what a coordinator, a ward or everyone owes today, ranked.

Six kinds of item, each one indexed query with a row cap plus an exact count, merged and
ranked by priority then time. The UI shows the few hundred rows a person can act on; the
whole hospital's ("everyone") comes a page at a time (see queue_keyset.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from heapq import merge
from itertools import islice
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from pcc_tui.core.domain.codes import (
    PRIORITY_RANK,
    AppointmentStatus,
    AuthDecision,
    AuthStatus,
    CommunicationStatus,
    ParticipationStatus,
    ReferralTracking,
    ServiceRequestStatus,
    TaskStatus,
)
from pcc_tui.core.domain.read_models import Queue, QueueItem, QueueKind, QueuePage, QueueScope
from pcc_tui.core.store.queries.pipelined import fetch_all
from pcc_tui.core.store.queries.queue_keyset import (
    KIND_ORDER,
    PageShape,
    Stream,
    after,
    page_of,
    page_params,
)
from pcc_tui.core.store.queries.rows import left_out, patient_ref, patient_ref_columns
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CommunicationRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    PriorAuthorizationRow,
    ReferralRow,
    SnoozeRow,
    TransitionRow,
)

ACTIONABLE_STEP = (
    TaskStatus.REQUESTED,
    TaskStatus.RECEIVED,
    TaskStatus.ACCEPTED,
    TaskStatus.READY,
    TaskStatus.IN_PROGRESS,
)
TO_CONFIRM = (AppointmentStatus.PROPOSED, AppointmentStatus.PENDING, AppointmentStatus.BOOKED)
OPEN_TRACKING = (ReferralTracking.SENT, ReferralTracking.ACCEPTED, ReferralTracking.SCHEDULED)
URGENT, ROUTINE = PRIORITY_RANK["urgent"], PRIORITY_RANK["routine"]
APPOINTMENT_TODAY = (
    AppointmentStatus.PROPOSED,
    AppointmentStatus.PENDING,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.ARRIVED,
)


@dataclass(frozen=True)
class QueueRequest:
    scope: QueueScope
    today: date
    day_start: datetime
    day_end: datetime
    now: datetime
    coordinator_id: int | None = None
    # End of the last day whose unconfirmed appointments show (confirm 24-72 h ahead).
    confirm_until: datetime | None = None
    username: str | None = None
    pool: str | None = None
    ward: str | None = None
    limit: int = 300
    after: QueuePage | None = None  # "everyone": the page after this item


def _const(value: str | int) -> ColumnElement[Any]:
    """A code written into the SQL text, not bound: PostgreSQL's cached generic plans can then
    prove a partial index's predicate (`decision = 'pended'`) and use that index."""
    if isinstance(value, int):
        return literal_column(str(int(value)), Integer)
    if not _CODE.fullmatch(value):  # our own FHIR codes only; never user input
        raise ValueError(f"not a code: {value!r}")
    return literal_column(f"'{value}'", String)


_CODE = re.compile(r"[a-z][a-z0-9_-]*")


def _one_of(column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    return column.in_([_const(v) for v in values])  # type: ignore[no-any-return]


def _not_snoozed(entity_type: str, entity_id: Any) -> ColumnElement[bool]:
    """Items snoozed past today stay out of the queue (and its counts) until that day."""
    return ~(
        select(SnoozeRow.id)
        .where(
            SnoozeRow.entity_type == _const(entity_type),
            SnoozeRow.entity_id == entity_id,
            SnoozeRow.until > bindparam("today"),
            SnoozeRow.status == _const("active"),
        )
        .exists()
    )


def _priority_order(column: Any) -> ColumnElement[int]:
    return case(*((column == _const(p), _const(r)) for p, r in PRIORITY_RANK.items()), else_=9)


def _patient_scope(req: QueueRequest) -> list[ColumnElement[bool]]:
    if req.scope is QueueScope.MINE:
        return [PatientRow.coordinator_id == bindparam("coordinator_id")]
    if req.scope is QueueScope.WARD:
        return [PatientRow.ward == bindparam("ward")]
    return []


def _bare(table: Any, req: QueueRequest) -> FromClause | None:
    """Count on the item's own table when the scope does not filter on the patient."""
    return table.__table__ if req.scope is QueueScope.ALL else None


def _by_priority(
    req: QueueRequest,
    status: Any,
    statuses: Sequence[str],
    priority: Any,
    when: Any,
    ident: Any,
    *,
    by_day: bool = False,
) -> list[Stream]:
    """One stream per status and priority: the (status, priority, time) index reads each in
    queue order."""
    if req.scope is not QueueScope.ALL:
        return []
    return [
        Stream((status == _const(st), priority == _const(p)), rank, when, ident, by_day)
        for p, rank in PRIORITY_RANK.items()
        for st in statuses
    ]


def _two_ranks(
    req: QueueRequest,
    first: ColumnElement[bool],
    rest: ColumnElement[bool],
    ranks: tuple[str, str],
    when: Any,
    ident: Any,
    *,
    by_day: bool = False,
) -> list[Stream]:
    """Kinds whose priority follows from a condition: `first` rows rank as ranks[0], `rest`
    (which must be its exact complement, NULLs included) as ranks[1]."""
    if req.scope is not QueueScope.ALL:
        return []
    return [
        Stream((first,), PRIORITY_RANK[ranks[0]], when, ident, by_day),
        Stream((rest,), PRIORITY_RANK[ranks[1]], when, ident, by_day),
    ]


@dataclass(frozen=True)
class KindQuery:
    """One kind of queue item: where to look, what to fetch and how to turn a row into an item.

    `streams` ("everyone" only) split the fetch into index-ordered queries, each in queue
    order: across a whole hospital that beats sorting every open row to keep a page.
    """

    kind: QueueKind
    source: FromClause
    where: list[ColumnElement[bool]]
    columns: tuple[Any, ...]
    order: tuple[Any, ...]
    build: Callable[[Sequence[Any], QueueRequest, dict[str, Any]], dict[str, Any]]
    count_source: FromClause | None = None
    streams: list[Stream] = field(default_factory=list)
    # For "mine" and "my ward": the item table alone, filtered by a patient-id subquery; the
    # patients' names come from one query for the whole set instead of a join per item row.
    item_source: FromClause | None = None
    patient_fk: Any = None
    patient_where: list[ColumnElement[bool]] = field(default_factory=list)
    unjoined: bool = False

    def statement(self, limit: int, ids_as_array: bool = False) -> Select[Any]:
        """The statement of a caseload or ward (the kind's rows, capped at `limit`)."""
        if self.unjoined:
            conds = list(self.where)
            if self.patient_where:
                ids = select(PatientRow.id).where(*self.patient_where)
                if ids_as_array:
                    # PostgreSQL: `= ANY(ARRAY(subquery))` runs the subquery once as an
                    # InitPlan and probes the item's patient index with the ids. A plain IN
                    # subquery leaves the cached generic plan guessing how many patients match,
                    # and it guesses a hash join over every open item in the hospital.
                    conds.append(self.patient_fk == any_(func.array(ids.scalar_subquery())))
                else:
                    conds.append(self.patient_fk.in_(ids))
            source = self.item_source if self.item_source is not None else self.source
            base = select(*self.columns, self.patient_fk).select_from(source).where(*conds)
        else:
            base = (
                select(*self.columns, *patient_ref_columns())
                .select_from(self.source)
                .where(*self.where, *self.patient_where)
            )
        return base.order_by(*self.order).limit(limit)

    def pages(self, shape: PageShape | None) -> list[tuple[Stream, Select[Any]]]:
        """ "Everyone": each stream's next rows after the page `shape` describes (as many as
        the `rows_wanted` parameter says)."""
        base = (
            select(*self.columns, *patient_ref_columns())
            .select_from(self.source)
            .where(*self.where)
        )
        out = []
        for stream in self.streams:
            conds = after(stream, self.kind, shape)
            if conds is None:  # wholly before the page
                continue
            stmt = base.where(*stream.where, *conds)
            ordered = stmt.order_by(stream.when, stream.ident)
            out.append((stream, ordered.limit(bindparam("rows_wanted", type_=Integer))))
        return out

    def count(self, cap: int) -> Select[int]:
        """Exact up to `cap`: a supervisor's "everyone" view must not count a million rows."""
        matching = (
            select(literal(1))
            .select_from(self.count_source if self.count_source is not None else self.source)
            .where(*self.where, *self.patient_where)
            .limit(cap + 1)
            .subquery()
        )
        return select(func.count()).select_from(matching)


def _appointments(req: QueueRequest) -> KindQuery:
    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        aid, version, start, reason, patient_status, prac = row[:6]
        what = reason or "Appointment"
        if prac:
            what += f" with {prac}"
        to_confirm = (
            patient_status == ParticipationStatus.NEEDS_ACTION and row[6] in TO_CONFIRM
        )  # checked in, arrived: nothing left to confirm
        if to_confirm:
            what += " - confirm with patient"
        return dict(
            kind=QueueKind.APPOINTMENT,
            patient=patient,
            when=start,
            all_day=False,
            priority="urgent" if to_confirm else "routine",
            title=what,
            entity_type="appointment",
            entity_id=aid,
            entity_version=version,
            overdue=False,
        )

    return KindQuery(
        QueueKind.APPOINTMENT,
        AppointmentRow.__table__.join(
            PatientRow, PatientRow.id == AppointmentRow.patient_id
        ).outerjoin(PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id),
        [
            AppointmentRow.start >= bindparam("day_start"),
            AppointmentRow.start < bindparam("confirm_until"),
            or_(
                and_(
                    AppointmentRow.start < bindparam("day_end"),
                    _one_of(AppointmentRow.status, APPOINTMENT_TODAY),
                ),
                and_(
                    AppointmentRow.patient_status == _const(ParticipationStatus.NEEDS_ACTION),
                    _one_of(AppointmentRow.status, TO_CONFIRM),
                ),
            ),
            _not_snoozed("appointment", AppointmentRow.id),
        ],
        (
            AppointmentRow.id,
            AppointmentRow.version,
            AppointmentRow.start,
            AppointmentRow.reason,
            AppointmentRow.patient_status,
            PractitionerRow.name,
            AppointmentRow.status,
        ),
        (AppointmentRow.start,),
        build,
        count_source=_bare(AppointmentRow, req),
        streams=_two_ranks(
            req,
            and_(
                AppointmentRow.patient_status == _const(ParticipationStatus.NEEDS_ACTION),
                _one_of(AppointmentRow.status, TO_CONFIRM),
            ),
            or_(
                AppointmentRow.patient_status.is_(None),
                AppointmentRow.patient_status != _const(ParticipationStatus.NEEDS_ACTION),
                AppointmentRow.status.not_in([_const(v) for v in TO_CONFIRM]),
            ),
            ("urgent", "routine"),
            AppointmentRow.start,
            AppointmentRow.id,
        ),
        item_source=AppointmentRow.__table__.outerjoin(
            PractitionerRow, PractitionerRow.id == AppointmentRow.practitioner_id
        ),
        patient_fk=AppointmentRow.patient_id,
        patient_where=_patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _steps(req: QueueRequest) -> KindQuery:
    owned: list[ColumnElement[bool]] = []
    if req.scope is QueueScope.MINE:  # my steps are the ones I own, whoever the patient
        mine = [PlanStepRow.owner_id == bindparam("coordinator_id")]
        if req.pool:
            mine.append(PlanStepRow.owner_pool == bindparam("pool"))
        owned = [or_(*mine)]

    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        sid, version, title, priority, due_by, business = row[:6]
        return dict(
            kind=QueueKind.STEP,
            patient=patient,
            when=datetime.combine(due_by, time.min, tzinfo=UTC),
            all_day=True,
            priority=priority,
            title=f"{title} ({business})" if business else title,
            entity_type="plan_step",
            entity_id=sid,
            entity_version=version,
            overdue=due_by < req.today,
        )

    return KindQuery(
        QueueKind.STEP,
        PlanStepRow.__table__.join(PatientRow, PatientRow.id == PlanStepRow.patient_id),
        [
            _one_of(PlanStepRow.status, ACTIONABLE_STEP),
            PlanStepRow.due_by <= bindparam("today"),
            PlanStepRow.transition_id.is_(None),  # shown as their transition instead
            _not_snoozed("plan_step", PlanStepRow.id),
            *owned,
        ],
        (
            PlanStepRow.id,
            PlanStepRow.version,
            PlanStepRow.title,
            PlanStepRow.priority,
            PlanStepRow.due_by,
            PlanStepRow.business_status,
        ),
        (_priority_order(PlanStepRow.priority), PlanStepRow.due_by),
        build,
        count_source=_bare(PlanStepRow, req),
        streams=_by_priority(
            req,
            PlanStepRow.status,
            ACTIONABLE_STEP,
            PlanStepRow.priority,
            PlanStepRow.due_by,
            PlanStepRow.id,
            by_day=True,
        ),
        item_source=PlanStepRow.__table__,
        patient_fk=PlanStepRow.patient_id,
        patient_where=[] if owned else _patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _callbacks(req: QueueRequest) -> KindQuery:
    mine = req.scope is QueueScope.MINE  # my callbacks are the ones I promised
    owed_by_me = [CommunicationRow.author == bindparam("username")] if mine else []

    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        cid, version, due, who, channel = row[:5]
        return dict(
            kind=QueueKind.CALLBACK,
            patient=patient,
            when=due,
            all_day=False,
            priority="urgent" if due < req.now else "routine",
            title=f"Call back {who} ({channel})",
            entity_type="communication",
            entity_id=cid,
            entity_version=version,
            overdue=due < req.now,
        )

    return KindQuery(
        QueueKind.CALLBACK,
        CommunicationRow.__table__.join(PatientRow, PatientRow.id == CommunicationRow.patient_id),
        [
            CommunicationRow.next_attempt_due < bindparam("day_end"),
            CommunicationRow.status != _const(CommunicationStatus.ENTERED_IN_ERROR),
            _not_snoozed("communication", CommunicationRow.id),
            *owed_by_me,
        ],
        (
            CommunicationRow.id,
            CommunicationRow.version,
            CommunicationRow.next_attempt_due,
            CommunicationRow.with_whom,
            CommunicationRow.channel,
        ),
        (CommunicationRow.next_attempt_due,),
        build,
        count_source=CommunicationRow.__table__ if req.scope is not QueueScope.WARD else None,
        streams=_two_ranks(
            req,
            CommunicationRow.next_attempt_due < bindparam("now"),
            CommunicationRow.next_attempt_due >= bindparam("now"),
            ("urgent", "routine"),
            CommunicationRow.next_attempt_due,
            CommunicationRow.id,
        ),
        item_source=CommunicationRow.__table__,
        patient_fk=CommunicationRow.patient_id,
        patient_where=[] if mine else _patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _auths(req: QueueRequest) -> KindQuery:
    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        pid, version, due, service, expedited = row[:5]
        return dict(
            kind=QueueKind.AUTH,
            patient=patient,
            when=due,
            all_day=False,
            priority="asap" if expedited else "urgent",
            title=f"Prior auth decision due: {service}" + (" (expedited)" if expedited else ""),
            entity_type="prior_authorization",
            entity_id=pid,
            entity_version=version,
            overdue=due < req.now,
        )

    return KindQuery(
        QueueKind.AUTH,
        PriorAuthorizationRow.__table__.join(
            PatientRow, PatientRow.id == PriorAuthorizationRow.patient_id
        ),
        [
            PriorAuthorizationRow.decision == _const(AuthDecision.PENDED),
            PriorAuthorizationRow.status == _const(AuthStatus.ACTIVE),
            PriorAuthorizationRow.decision_due < bindparam("day_end"),
            _not_snoozed("prior_authorization", PriorAuthorizationRow.id),
        ],
        (
            PriorAuthorizationRow.id,
            PriorAuthorizationRow.version,
            PriorAuthorizationRow.decision_due,
            PriorAuthorizationRow.service,
            PriorAuthorizationRow.expedited,
        ),
        (PriorAuthorizationRow.decision_due,),
        build,
        count_source=_bare(PriorAuthorizationRow, req),
        streams=_two_ranks(
            req,
            PriorAuthorizationRow.expedited.is_(True),
            PriorAuthorizationRow.expedited.is_not(True),
            ("asap", "urgent"),
            PriorAuthorizationRow.decision_due,
            PriorAuthorizationRow.id,
        ),
        item_source=PriorAuthorizationRow.__table__,
        patient_fk=PriorAuthorizationRow.patient_id,
        patient_where=_patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _referrals(req: QueueRequest) -> KindQuery:
    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        rid, version, due, to_whom, priority = row[:5]
        return dict(
            kind=QueueKind.REFERRAL,
            patient=patient,
            when=datetime.combine(due, time.min, tzinfo=UTC),
            all_day=True,
            priority=priority,
            title=f"Referral reply overdue from {to_whom}",
            entity_type="referral",
            entity_id=rid,
            entity_version=version,
            overdue=True,
        )

    return KindQuery(
        QueueKind.REFERRAL,
        ReferralRow.__table__.join(PatientRow, PatientRow.id == ReferralRow.patient_id),
        [
            _one_of(ReferralRow.tracking, OPEN_TRACKING),
            ReferralRow.status == _const(ServiceRequestStatus.ACTIVE),
            ReferralRow.reply_due < bindparam("today"),
            _not_snoozed("referral", ReferralRow.id),
        ],
        (
            ReferralRow.id,
            ReferralRow.version,
            ReferralRow.reply_due,
            ReferralRow.to_whom,
            ReferralRow.priority,
        ),
        (_priority_order(ReferralRow.priority), ReferralRow.reply_due),
        build,
        count_source=_bare(ReferralRow, req),
        streams=_by_priority(
            req,
            ReferralRow.tracking,
            OPEN_TRACKING,
            ReferralRow.priority,
            ReferralRow.reply_due,
            ReferralRow.id,
            by_day=True,
        ),
        item_source=ReferralRow.__table__,
        patient_fk=ReferralRow.patient_id,
        patient_where=_patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _transitions(req: QueueRequest) -> KindQuery:
    """One item per open transitional-care episode, from the discharge on (its clocks run
    from then, not from the day a step falls due); it stands for its steps, which the step
    kind leaves out. Acting on it acts on the step whose clock runs first."""
    contact, visit, medrec = (aliased(PlanStepRow, name=n) for n in ("tc", "tv", "tm"))
    open_ = {a: _one_of(a.status, ACTIONABLE_STEP) for a in (contact, visit, medrec)}
    current = case((open_[contact], contact.id), (open_[visit], visit.id), else_=medrec.id)
    current_version = case(
        (open_[contact], contact.version), (open_[visit], visit.version), else_=medrec.version
    )
    owned: list[ColumnElement[bool]] = []
    if req.scope is QueueScope.MINE:
        mine = [contact.owner_id == bindparam("coordinator_id")]
        if req.pool:
            mine.append(contact.owner_pool == bindparam("pool"))
        owned = [or_(*mine)]
    source = (
        TransitionRow.__table__.join(contact, contact.id == TransitionRow.contact_step_id)
        .join(visit, visit.id == TransitionRow.visit_step_id)
        .outerjoin(medrec, medrec.id == TransitionRow.medrec_step_id)
    )

    def build(row: Sequence[Any], req: QueueRequest, patient: dict[str, Any]) -> dict[str, Any]:
        step_id, version, left, contact_due, visit_due, c_open, v_open, m_open = row[:8]
        # What still runs comes first (a narrow screen shows the start); then what is done.
        running = [
            _clock(what, due, req.today)
            for what, due, still in (
                ("contact", contact_due, c_open),
                ("face-to-face", visit_due, v_open),
            )
            if still
        ]
        if m_open:
            running.append("med rec open")
        done = [
            w
            for w, still in (("contact", c_open), ("face-to-face", v_open), ("med rec", m_open))
            if still is False
        ]
        parts = [*running, *(["done: " + ", ".join(done)] if done else [])]
        parts.append(f"discharged {_day(left, req.today)}")
        due = contact_due if c_open else visit_due
        return dict(
            kind=QueueKind.TRANSITION,
            patient=patient,
            when=datetime.combine(due, time.min, tzinfo=UTC),
            all_day=True,
            priority="urgent" if c_open else "routine",
            title="Transitional care: " + "; ".join(parts),
            entity_type="plan_step",
            entity_id=step_id,
            entity_version=version,
            overdue=(c_open and contact_due < req.today) or (v_open and visit_due < req.today),
        )

    return KindQuery(
        QueueKind.TRANSITION,
        source.join(PatientRow, PatientRow.id == TransitionRow.patient_id),
        [
            TransitionRow.status == _const("active"),
            or_(*open_.values()),
            _not_snoozed("plan_step", current),
            *owned,
        ],
        (
            current,
            current_version,
            TransitionRow.discharged_on,
            TransitionRow.contact_due,
            TransitionRow.visit_due,
            open_[contact],
            open_[visit],
            case((medrec.id.is_(None), None), else_=open_[medrec]),
        ),
        (TransitionRow.contact_due,),
        build,
        # Urgent while the contact clock runs (its time is the contact's), then routine
        # (its time is the face-to-face visit's).
        streams=[
            Stream((open_[contact],), URGENT, TransitionRow.contact_due, current, by_day=True),
            Stream((~open_[contact],), ROUTINE, TransitionRow.visit_due, current, by_day=True),
        ]
        if req.scope is QueueScope.ALL
        else [],
        item_source=source,
        patient_fk=TransitionRow.patient_id,
        patient_where=[] if owned else _patient_scope(req),
        unjoined=req.scope is not QueueScope.ALL,
    )


def _clock(what: str, due: date, today: date) -> str:
    days = (due - today).days
    left = "due today" if days == 0 else f"{days} d left" if days > 0 else f"{-days} d overdue"
    return f"{what} by {_day(due, today)} ({left})"


def _day(day: date, today: date) -> str:
    """ "Mon 30 Nov" this year; "30 Nov 2015" in another."""
    return f"{day:%a %d %b}" if day.year == today.year else f"{day:%d %b %Y}"


KINDS = (_appointments, _steps, _callbacks, _auths, _referrals, _transitions)
COUNT_CAP = 9999
EVERYONE_PAGE = 100  # items per page of "everyone" (the screen shows a few dozen)
EVERYONE_COUNT_CAP = EVERYONE_PAGE  # counted to "more than a page" (100+), not beyond


@dataclass(frozen=True)
class _Compiled:
    kind: QueueKind
    statement: Select[Any]
    count: Select[int]
    build: Callable[[Sequence[Any], QueueRequest, dict[str, Any]], dict[str, Any]]
    width: int  # item columns; after them come the patient's columns, or just its id
    unjoined: bool


@lru_cache(maxsize=32)
def _queries(
    scope: QueueScope, has_pool: bool, limit: int, ids_as_array: bool
) -> tuple[_Compiled, ...]:
    """Statements depend only on the scope's shape; values travel as bound parameters, so
    each statement is built once per process and its compiled form is reused."""
    shape = _shape(scope, has_pool)
    out = []
    for make in KINDS:
        q = make(shape)
        out.append(
            _Compiled(
                q.kind,
                q.statement(limit, ids_as_array),
                q.count(COUNT_CAP),
                q.build,
                len(q.columns),
                q.unjoined,
            )
        )
    return tuple(out)


def _shape(scope: QueueScope, has_pool: bool) -> QueueRequest:
    return QueueRequest(
        scope,
        date.min,
        datetime.min,
        datetime.min,
        datetime.min,
        pool="pool" if has_pool else None,
    )


@dataclass(frozen=True)
class _StreamPlan:
    stream: Stream
    statement: Select[Any]
    when_at: int  # where the stream's time and id are in its rows
    ident_at: int


@dataclass(frozen=True)
class _KindPages:
    kind: QueueKind
    streams: tuple[_StreamPlan, ...]
    count: Select[int]
    build: Callable[[Sequence[Any], QueueRequest, dict[str, Any]], dict[str, Any]]
    width: int


@lru_cache(maxsize=64)
def _pages(shape: PageShape | None) -> tuple[_KindPages, ...]:
    out = []
    for make in KINDS:
        q = make(_shape(QueueScope.ALL, False))
        plans = []
        for stream, stmt in q.pages(shape):
            when_at, ident_at = _at(q.columns, stream.when), _at(q.columns, stream.ident)
            plans.append(_StreamPlan(stream, stmt, when_at, ident_at))
        out.append(
            _KindPages(
                q.kind,
                tuple(plans),
                q.count(EVERYONE_COUNT_CAP),
                q.build,
                len(q.columns),
            )
        )
    return tuple(out)


def _at(columns: tuple[Any, ...], column: Any) -> int:
    """Where `column` is among the selected columns (by identity: `==` builds SQL)."""
    return next(i for i, c in enumerate(columns) if c is column)


def _rank(item: dict[str, Any]) -> tuple[int, datetime, int, int]:
    """The item's place in the queue: priority, time, kind, id."""
    rank = PRIORITY_RANK.get(item["priority"], 9)
    return rank, item["when"], KIND_ORDER[item["kind"]], item["entity_id"]


# Validating plain dicts in pydantic-core is about 3x faster than model_construct.
_ITEMS = TypeAdapter(list[QueueItem])


@lru_cache(maxsize=4)
def _scope_patients(scope: QueueScope) -> Select[Any]:
    """Names of the scope's patients (mine, my ward), fetched once for all kinds of item."""
    shape = QueueRequest(scope, date.min, datetime.min, datetime.min, datetime.min)
    return select(*patient_ref_columns()).where(*_patient_scope(shape))


def _add_other_refs(
    conn: Any,
    refs: dict[int, dict[str, Any]],
    plan: tuple[_Compiled, ...],
    fetched: dict[QueueKind, list[Any]],
) -> None:
    """Names for patients outside the scope that still reach my queue (a step I own for a
    colleague's patient, a callback I promised)."""
    wanted = {row[q.width] for q in plan if q.unjoined for row in fetched[q.kind]}
    missing = sorted(wanted - refs.keys())
    for first in range(0, len(missing), 500):
        chunk = missing[first : first + 500]
        others = select(*patient_ref_columns()).where(PatientRow.id.in_(chunk))
        refs.update({row[0]: patient_ref(row) for row in conn.execute(others)})


def _valid_items(found: list[dict[str, Any]], unreadable: list[str]) -> list[QueueItem]:
    try:
        return _ITEMS.validate_python(found)
    except ValidationError:
        items = []
        for item in found:
            try:
                items.append(QueueItem.model_validate(item))
            except ValidationError as exc:
                if any(err["loc"][:1] == ("patient",) for err in exc.errors()):
                    left_out(unreadable, "patient", (item.get("patient") or {}).get("id"))
                else:
                    left_out(unreadable, str(item.get("entity_type")), item.get("entity_id"))
        return items


def load_queue(session: Session, req: QueueRequest) -> Queue:
    params = {
        "coordinator_id": req.coordinator_id,
        "username": req.username,
        "pool": req.pool,
        "ward": req.ward,
        "today": req.today,
        "now": req.now,
        "day_start": req.day_start,
        "day_end": req.day_end,
        "confirm_until": req.confirm_until or req.day_end,
        **page_params(req.after),
    }
    conn = session.connection()
    if req.scope is QueueScope.ALL:
        return _load_everyone(conn, req, params)
    ids_as_array = conn.dialect.name == "postgresql"
    plan = _queries(req.scope, req.pool is not None, req.limit, ids_as_array)
    statements = [*(q.statement for q in plan), _scope_patients(req.scope)]
    results = iter(fetch_all(conn, statements, params))
    fetched = {q.kind: next(results) for q in plan}
    refs = {row[0]: patient_ref(row) for row in next(results, [])}
    _add_other_refs(conn, refs, plan, fetched)
    found: list[dict[str, Any]] = []
    counts: dict[QueueKind, int] = {}
    capped: list[QueueKind] = []
    for query in plan:
        n = query.width
        kind_items = [
            query.build(row, req, refs[row[n]] if query.unjoined else patient_ref(row[n:]))
            for row in fetched[query.kind]
        ]
        if len(kind_items) < req.limit:
            counts[query.kind] = len(kind_items)  # everything fitted: no need to count again
        else:
            n_all = conn.execute(query.count, params).scalar_one()
            counts[query.kind] = _capped(query.kind, n_all, COUNT_CAP, capped)
        found.extend(kind_items[: req.limit])
    found.sort(key=_rank)
    unreadable: list[str] = []
    return Queue.model_construct(
        scope=req.scope,
        day=req.today,
        items=_valid_items(found[: req.limit], unreadable),
        unreadable=unreadable,
        counts=counts,
        capped=capped,
        truncated=sum(counts.values()) > min(len(found), req.limit),
        next_page=None,
    )


def _capped(kind: QueueKind, n: int, cap: int, capped: list[QueueKind]) -> int:
    """A count as shown: at most `cap`, the kind noted in `capped` when there were more."""
    if n > cap:
        capped.append(kind)
        return cap
    return n


def _load_everyone(conn: Any, req: QueueRequest, params: dict[str, Any]) -> Queue:
    """One page of the whole hospital's queue, after `req.after` (see queue_keyset.py).

    Priorities are read in turn, most pressing first, each stream for only as many rows as
    the page still lacks: across a hospital the first priority or two fill it."""
    page = min(req.limit, EVERYONE_PAGE)
    plan = _pages(PageShape.of(req.after))
    ranks: dict[int, list[tuple[_KindPages, _StreamPlan]]] = {}
    for kp in plan:
        for sp in kp.streams:
            ranks.setdefault(sp.stream.rank, []).append((kp, sp))
    counting = [kp.count for kp in plan]  # in the first round trip
    taken: list[tuple[Any, _KindPages, Any]] = []
    counted: list[Any] = []
    more = False
    order = sorted(ranks)
    for at, rank in enumerate(order):
        need = page - len(taken)
        if need <= 0:  # full, and nothing more of the priorities read: any after them?
            rest = [sp.statement for r in order[at:] for _kp, sp in ranks[r]]
            more = any(fetch_all(conn, rest, {**params, "rows_wanted": 1}))
            break
        group = ranks[rank]
        statements = [*counting, *(sp.statement for _kp, sp in group)]
        # One row over what the page lacks: a row left over proves there is a next page.
        results = fetch_all(conn, statements, {**params, "rows_wanted": need + 1})
        counted, results = counted + results[: len(counting)], results[len(counting) :]
        counting = []
        keyed = [
            [(sp.stream.key(kp.kind, r[sp.when_at], r[sp.ident_at]), kp, r) for r in rows]
            for (kp, sp), rows in zip(group, results, strict=True)
        ]
        taken += islice(merge(*keyed, key=lambda entry: entry[0]), need)
        if sum(map(len, results)) > need:
            more = True
            break
    if counting:  # nothing after the page to read
        counted = fetch_all(conn, counting, params)
    counts: dict[QueueKind, int] = {}
    capped: list[QueueKind] = []
    for kp, rows in zip(plan, counted, strict=True):
        counts[kp.kind] = _capped(kp.kind, rows[0][0], EVERYONE_COUNT_CAP, capped)
    found = [kp.build(row, req, patient_ref(row[kp.width :])) for _key, kp, row in taken]
    unreadable: list[str] = []
    return Queue.model_construct(
        scope=req.scope,
        day=req.today,
        items=_valid_items(found, unreadable),
        unreadable=unreadable,
        counts=counts,
        capped=capped,
        truncated=more or req.after is not None,
        next_page=page_of(taken[-1][0]) if more and taken else None,
    )

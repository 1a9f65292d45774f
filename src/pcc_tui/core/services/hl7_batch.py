"""What one intake batch's transaction knows of the patients and stays its messages name.

A listener's batch mostly holds one message each for a handful of patients; asking for each
patient, stay, appointment and provider as its message comes costs a statement (and on
PostgreSQL a round trip) apiece. So the batch asks once for all the patients its messages
name, their stays, the problem lists of those with diagnoses, their plans of tasks made from
events, the appointments its SIU messages name and their providers; what was not found is
remembered too, and a patient the batch registers is known to have none of these (nor
contacts or coverage) until the batch adds some.

Kept in `session.info`, so it lives exactly as long as the batch's transaction. Anything
that changes rows behind the ORM's back (a merge's Core UPDATEs, a changed identifier) or
takes changes back (a message's savepoint rolled back) calls `forget`: from then on each
message looks up what it needs again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import CarePlanStatus, EncounterStatus
from pcc_tui.core.store.queries.mrn import SITE
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CarePlanRow,
    FhirLinkRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
    StayRow,
)

_KEY = "pcc_hl7_batch"
_CHUNK = 500  # bound an IN list
SIU_LINK = "SIU"  # fhir_link.resource_type of an appointment booked by SIU


@dataclass
class BatchCache:
    by_mrn: dict[str, PatientRow] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # site MRNs no patient had
    # Patients this batch created, and which of their kinds of rows (contacts, ...) it added.
    registered: dict[int, set[str]] = field(default_factory=dict)
    stays: dict[int, list[StayRow]] = field(default_factory=dict)  # by patient, oldest first
    # SIU: (link source, appointment id) -> the appointment's id, None if not booked yet;
    # the rows themselves held here so the session's map keeps them.
    links: dict[tuple[str, str], int | None] = field(default_factory=dict)
    appointments: list[AppointmentRow] = field(default_factory=list)
    practitioners: dict[str, int | None] = field(default_factory=dict)  # by name
    # Problem-list keys (codes, names folded) of patients whose messages carry DG1.
    problems: dict[int, set[str]] = field(default_factory=dict)
    # The active plan holding tasks made from hospital events, by patient (None: none yet).
    holders: dict[int, int | None] = field(default_factory=dict)


def cache(session: Session) -> BatchCache:
    found: BatchCache | None = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = BatchCache()
    return found


def forget(session: Session) -> None:
    """After a rollback, a merge or a change of identifier: look everything up again."""
    session.info.pop(_KEY, None)


def look_ahead(
    session: Session,
    mrns: Iterable[str],
    links: Iterable[tuple[str, str]] = (),
    practitioners: Iterable[str] = (),
    diagnosed: Iterable[str] = (),
    holder_template: str | None = None,
    with_stays: bool = True,
) -> None:
    """The patients of these site MRNs and (`with_stays`: ADT events need them) their stays
    that are not void, the problem lists of the `diagnosed` MRNs, the patients' active plans
    of `holder_template` (where tasks made from events go), the appointments of these (link
    source, appointment id) pairs, the practitioners of these names: a statement each for a
    batch (per 500), instead of one or more for each message."""
    known = cache(session)
    _patients(session, known, mrns, with_stays)
    _problems(session, known, diagnosed)
    if holder_template:
        _holders(session, known, holder_template)
    _links(session, known, links)
    _practitioners(session, known, practitioners)


def _patients(session: Session, known: BatchCache, mrns: Iterable[str], stays: bool) -> None:
    """The patients, each with its stays not void if `stays` (one statement: a join)."""
    wanted = sorted(set(mrns) - known.by_mrn.keys() - known.absent)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = select(PatientRow).where(PatientRow.mrn_system == SITE, PatientRow.mrn.in_(chunk))
        rows: list[tuple[PatientRow, StayRow | None]]
        if stays:
            rows = [
                (row, stay)
                for row, stay in session.execute(
                    query.add_columns(StayRow)
                    .outerjoin(
                        StayRow,
                        and_(
                            StayRow.patient_id == PatientRow.id,
                            StayRow.status != EncounterStatus.ENTERED_IN_ERROR,
                        ),
                    )
                    .order_by(StayRow.id)
                )
            ]
        else:
            rows = [(row, None) for row in session.scalars(query)]
        for row, stay in rows:
            known.by_mrn[row.mrn] = row
            found = known.stays.setdefault(row.id, []) if stays else None
            if stay is not None and found is not None:
                found.append(stay)
        known.absent.update(set(chunk) - {row.mrn for row, _ in rows})


def registered(session: Session, row: PatientRow) -> None:
    """A patient this batch created: nothing of theirs is stored but what it adds."""
    known = cache(session)
    known.by_mrn[row.mrn] = row
    known.absent.discard(row.mrn)
    known.registered[row.id] = set()
    known.stays[row.id] = []
    known.problems[row.id] = set()
    known.holders[row.id] = None


def none_yet(session: Session, patient_id: int, kind: str) -> bool:
    """Whether the patient surely has no rows of `kind`: registered by this batch, which
    added none since."""
    known: BatchCache | None = session.info.get(_KEY)
    return known is not None and kind not in known.registered.get(patient_id, {kind})


def added(session: Session, patient_id: int, kind: str) -> None:
    known: BatchCache | None = session.info.get(_KEY)
    if known is not None and patient_id in known.registered:
        known.registered[patient_id].add(kind)


def stays_of(session: Session, patient_id: int) -> list[StayRow] | None:
    """The patient's stays not void when looked up (or made since), oldest first; None
    when this batch does not know them."""
    known: BatchCache | None = session.info.get(_KEY)
    return None if known is None else known.stays.get(patient_id)


def stay_added(session: Session, stay: StayRow) -> None:
    found = stays_of(session, stay.patient_id)
    if found is not None:
        found.append(stay)


def _links(session: Session, known: BatchCache, pairs: Iterable[tuple[str, str]]) -> None:
    wanted = sorted(set(pairs) - known.links.keys())
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found = session.execute(
            select(FhirLinkRow.source, FhirLinkRow.fhir_id, AppointmentRow)
            .join(AppointmentRow, AppointmentRow.id == FhirLinkRow.entity_id)
            .where(
                FhirLinkRow.resource_type == SIU_LINK,
                FhirLinkRow.fhir_id.in_({key for _, key in chunk}),
                FhirLinkRow.source.in_({source for source, _ in chunk}),
            )
        ).all()
        known.links.update(dict.fromkeys(chunk))
        for source, key, row in found:
            if (source, key) in known.links:
                known.links[(source, key)] = row.id
                known.appointments.append(row)


def _practitioners(session: Session, known: BatchCache, names: Iterable[str]) -> None:
    wanted = sorted(set(names) - known.practitioners.keys())
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found = session.execute(
            select(PractitionerRow.name, PractitionerRow.id)
            .where(PractitionerRow.name.in_(chunk))
            .order_by(PractitionerRow.id.desc())
        ).all()
        known.practitioners.update(dict.fromkeys(chunk))
        known.practitioners.update({name: pid for name, pid in found})  # the oldest of a name


def link(session: Session, pair: tuple[str, str]) -> tuple[bool, int | None]:
    """(whether this batch knows, the appointment's id) for an SIU link."""
    known: BatchCache | None = session.info.get(_KEY)
    if known is None or pair not in known.links:
        return False, None
    return True, known.links[pair]


def linked(session: Session, pair: tuple[str, str], row: AppointmentRow) -> None:
    """An appointment booked in this batch (held, so a later message finds it at once)."""
    known: BatchCache | None = session.info.get(_KEY)
    if known is not None:
        known.links[pair] = row.id
        known.appointments.append(row)


def practitioner(session: Session, name: str) -> tuple[bool, int | None]:
    """(whether this batch knows, the practitioner's id) for a provider's name."""
    known: BatchCache | None = session.info.get(_KEY)
    if known is None or name not in known.practitioners:
        return False, None
    return True, known.practitioners[name]


def _problems(session: Session, known: BatchCache, mrns: Iterable[str]) -> None:
    ids = [row.id for mrn in mrns if (row := known.by_mrn.get(mrn)) is not None]
    ids = [pid for pid in ids if pid not in known.problems]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for pid in chunk:
            known.problems[pid] = set()
        for pid, code, display in session.execute(
            select(ProblemRow.patient_id, ProblemRow.code, ProblemRow.display).where(
                ProblemRow.patient_id.in_(chunk)
            )
        ):
            known.problems[pid].update(problem_keys(code, display))


def problem_keys(code: str | None, display: str) -> set[str]:
    """What makes a problem already listed: its code, and its name whatever the case."""
    return {code, display.casefold()} if code else {display.casefold()}


def problems_of(session: Session, patient_id: int) -> set[str] | None:
    """The patient's problem-list keys (kept up to date by the caller as it adds), or None
    when this batch does not know them."""
    known: BatchCache | None = session.info.get(_KEY)
    return None if known is None else known.problems.get(patient_id)


def _holders(session: Session, known: BatchCache, template: str) -> None:
    ids = [row.id for row in known.by_mrn.values() if row.id not in known.holders]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        known.holders.update(dict.fromkeys(chunk))
        for pid, plan_id in session.execute(
            select(CarePlanRow.patient_id, func.min(CarePlanRow.id))
            .where(
                CarePlanRow.patient_id.in_(chunk),
                CarePlanRow.template == template,
                CarePlanRow.status == CarePlanStatus.ACTIVE,
            )
            .group_by(CarePlanRow.patient_id)
        ):
            known.holders[pid] = plan_id


def holder(session: Session, patient_id: int) -> tuple[bool, int | None]:
    """(whether this batch knows, the id of the patient's holder plan or None if none yet)."""
    known: BatchCache | None = session.info.get(_KEY)
    if known is None or patient_id not in known.holders:
        return False, None
    return True, known.holders[patient_id]


def holder_made(session: Session, patient_id: int, plan_id: int) -> None:
    known: BatchCache | None = session.info.get(_KEY)
    if known is not None:
        known.holders[patient_id] = plan_id

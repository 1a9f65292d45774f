"""ADT events on a hospital stay: admit / register / pre-admit, transfer, discharge, class
changes, and their cancels, which restore the stay and the patient's place as they were and
void what the cancelled event's rules made (entered-in-error, with the reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, select

from pcc_tui.core.domain.codes import (
    OPEN_TASK_STATUSES,
    CarePlanStatus,
    EncounterStatus,
    EpisodeStatus,
    TaskStatus,
)
from pcc_tui.core.interop.hl7_map import CLASS_NAMES, VisitData
from pcc_tui.core.services import hl7_batch
from pcc_tui.core.services.context import Tx
from pcc_tui.core.services.hl7_patients import NothingToChange
from pcc_tui.core.store.tables import (
    CarePlanRow,
    PatientRow,
    PlanStepRow,
    StayEventRow,
    StayRow,
    TransitionRow,
)

ACTIVE, VOIDED = "active", "entered-in-error"
ADMITS = ("A01", "A04", "A05")
# The event a cancel undoes (A11 an admission or registration, A27 a pre-admission).
CANCELS = {"A11": ("A01", "A04"), "A12": ("A02",), "A13": ("A03",), "A27": ("A05",)}


_LATEST = (
    select(StayRow)
    .where(StayRow.patient_id == bindparam("patient"), StayRow.status != VOIDED)
    .order_by(StayRow.id.desc())
    .limit(1)
)
_OF_VISIT = _LATEST.where(StayRow.visit_number == bindparam("visit"))  # built once, as above


def find_stay(tx: Tx, patient_id: int, visit: VisitData | None) -> StayRow | None:
    """The stay this message is about: by visit number (PV1-19), else the patient's latest
    (from the stays the batch looked up, where it did)."""
    number = visit.visit_number if visit is not None else None
    known = hl7_batch.stays_of(tx.session, patient_id)
    if known is not None:
        for stay in reversed(known):
            if stay.status != VOIDED and (not number or stay.visit_number == number):
                return stay
        return None
    if visit is not None and visit.visit_number:
        return tx.session.scalar(_OF_VISIT, {"patient": patient_id, "visit": visit.visit_number})
    return tx.session.scalar(_LATEST, {"patient": patient_id})


def _place(patient: PatientRow) -> dict[str, Any]:
    return {"ward": patient.ward, "bed": patient.bed}


def _set_place(tx: Tx, patient: PatientRow, ward: str | None, bed: str | None) -> None:
    if (patient.ward, patient.bed) == (ward, bed if ward else None):
        return
    tx.track(patient)
    patient.ward, patient.bed = ward, (bed if ward else None)


def record_event(
    tx: Tx,
    stay: StayRow,
    event: str,
    at: datetime,
    message_id: int,
    summary: str,
    before: dict[str, Any] | None = None,
    made: list[dict[str, Any]] | None = None,
) -> int:
    """The event on the stay's history, with what was there before (for a cancel) and what
    its rules made (voided with it)."""
    return tx.insert(
        StayEventRow,
        stay_id=stay.id,
        patient_id=stay.patient_id,
        event=event,
        at=at,
        message_id=message_id,
        summary=summary[:200],
        before=before or {},
        made=made or [],
        status=ACTIVE,
    )


def admit(
    tx: Tx, patient: PatientRow, visit: VisitData | None, trigger: str, at: datetime
) -> tuple[StayRow, dict[str, Any], str]:
    """A01 admit, A04 register (outpatient, emergency), A05 pre-admit: the stay (new, or the
    one of the same visit number), the patient placed in its bed. Returns the stay, what was
    there before, and the summary."""
    visit = visit or VisitData(None, "U", None, None, None, None, None, None, None, None)
    stay = find_stay(tx, patient.id, visit) if visit.visit_number else None
    status = EncounterStatus.PLANNED if trigger == "A05" else EncounterStatus.IN_PROGRESS
    before = {"patient": _place(patient)}
    values = {
        "visit_number": visit.visit_number,
        "patient_class": visit.patient_class,
        "ward": visit.ward,
        "room": visit.room,
        "bed": visit.bed,
        "attending": visit.attending,
        "hospital_service": visit.hospital_service,
        "admitted_at": visit.admitted_at or at,
        "discharged_at": None,
        "disposition": None,
        "status": status,
    }
    if stay is None:
        stay = tx.add(StayRow(patient_id=patient.id, **values))
        hl7_batch.stay_added(tx.session, stay)
    else:
        before["stay"] = _stay_state(stay)
        tx.track(stay)
        for key, value in values.items():
            setattr(stay, key, value)
    if status == EncounterStatus.IN_PROGRESS and visit.patient_class in ("I", "E", "B", "U"):
        _set_place(tx, patient, visit.ward, visit.bed or visit.room)
    kind = CLASS_NAMES.get(visit.patient_class, visit.patient_class)
    verb = {"A01": "admitted", "A04": "registered", "A05": "pre-admitted"}[trigger]
    return stay, before, f"{verb} ({kind}) to {visit.place}"


def _stay_state(stay: StayRow) -> dict[str, Any]:
    return {
        "status": stay.status,
        "ward": stay.ward,
        "room": stay.room,
        "bed": stay.bed,
        "patient_class": stay.patient_class,
        "discharged_at": stay.discharged_at.isoformat() if stay.discharged_at else None,
        "disposition": stay.disposition,
    }


def _restore_stay(tx: Tx, stay: StayRow, state: dict[str, Any]) -> None:
    tx.track(stay)
    for key, value in state.items():
        if key == "discharged_at":
            value = datetime.fromisoformat(value) if value else None
        setattr(stay, key, value)


def transfer(
    tx: Tx, patient: PatientRow, visit: VisitData | None, at: datetime
) -> tuple[StayRow, dict[str, Any], str]:
    """A02: the stay and the patient move to PV1-3."""
    stay = find_stay(tx, patient.id, visit)
    if stay is None or visit is None:
        raise NothingToChange("no stay to transfer (its admission has not arrived)")
    before = {"stay": _stay_state(stay), "patient": _place(patient)}
    tx.track(stay)
    old = " ".join(p for p in (stay.ward, stay.bed or stay.room) if p) or "?"
    stay.ward, stay.room, stay.bed = visit.ward, visit.room, visit.bed
    _set_place(tx, patient, visit.ward, visit.bed or visit.room)
    return stay, before, f"transferred from {old} to {visit.place}"


def discharge(
    tx: Tx, patient: PatientRow, visit: VisitData | None, at: datetime
) -> tuple[StayRow, dict[str, Any], str]:
    """A03: the stay ends (PV1-45, else the event time); the patient leaves the bed. A
    discharge whose admission never arrived still records the stay, from PV1."""
    stay = find_stay(tx, patient.id, visit)
    before: dict[str, Any] = {"patient": _place(patient)}
    if stay is None:
        stay, _, _ = admit(tx, patient, visit, "A01", at)
        before["created"] = True
    else:
        before["stay"] = _stay_state(stay)
    tx.track(stay)
    stay.status = EncounterStatus.FINISHED
    stay.discharged_at = (visit.discharged_at if visit else None) or at
    stay.disposition = visit.disposition if visit else None
    if visit is not None:
        stay.patient_class = visit.patient_class or stay.patient_class
    _set_place(tx, patient, None, None)
    where = f" ({stay.disposition})" if stay.disposition else ""
    return stay, before, f"discharged{where}"


def change_class(
    tx: Tx, patient: PatientRow, visit: VisitData | None, trigger: str, at: datetime
) -> tuple[StayRow, dict[str, Any], str]:
    """A06 outpatient to inpatient, A07 inpatient to outpatient."""
    stay = find_stay(tx, patient.id, visit)
    if stay is None:
        stay, before, _ = admit(tx, patient, visit, "A01", at)
    else:
        before = {"stay": _stay_state(stay), "patient": _place(patient)}
    tx.track(stay)
    stay.patient_class = (visit.patient_class if visit else None) or (
        "I" if trigger == "A06" else "O"
    )
    if visit is not None and visit.ward:
        stay.ward, stay.room, stay.bed = visit.ward, visit.room, visit.bed
        if stay.patient_class == "I":
            _set_place(tx, patient, visit.ward, visit.bed or visit.room)
    kind = CLASS_NAMES.get(stay.patient_class, stay.patient_class)
    return stay, before, f"now {kind}"


def cancel(
    tx: Tx, patient: PatientRow, visit: VisitData | None, trigger: str, reason: str
) -> tuple[StayRow, str]:
    """A11/A12/A13/A27: undo the latest active event of the kind cancelled. Nothing to undo
    (the cancel came first): held until that event arrives."""
    stay = find_stay(tx, patient.id, visit)
    targets = CANCELS[trigger]
    event = None
    if stay is not None:
        event = tx.session.scalars(
            select(StayEventRow)
            .where(
                StayEventRow.stay_id == stay.id,
                StayEventRow.status == ACTIVE,
                StayEventRow.event.in_(targets),
            )
            .order_by(StayEventRow.id.desc())
            .limit(1)
        ).first()
    if stay is None or event is None:
        raise NothingToChange(f"nothing to cancel yet ({'/'.join(targets)} not received)")
    before = event.before or {}
    place = before.get("patient") or {}
    _set_place(tx, patient, place.get("ward"), place.get("bed"))
    void_made(tx, event.made or [], reason)
    tx.track(event)
    event.status, event.void_reason = VOIDED, reason
    if trigger in ("A11", "A27") and "stay" not in before:
        # The admission made this stay: it is void, and every later event with it.
        for other in tx.session.scalars(
            select(StayEventRow).where(
                StayEventRow.stay_id == stay.id, StayEventRow.status == ACTIVE
            )
        ):
            void_made(tx, other.made or [], reason)
            tx.track(other)
            other.status, other.void_reason = VOIDED, reason
        tx.track(stay)
        stay.status, stay.void_reason = VOIDED, reason
    elif "stay" in before:
        _restore_stay(tx, stay, before["stay"])
    what = {"A11": "admission", "A12": "transfer", "A13": "discharge", "A27": "pending admission"}
    return stay, f"{what[trigger]} cancelled"


def void_made(tx: Tx, made: list[dict[str, Any]], reason: str) -> int:
    """Void what an event's rules made; steps already finished are kept (they happened)."""
    count = 0
    tables: dict[str, type[TransitionRow | CarePlanRow | PlanStepRow]] = {
        "transition": TransitionRow,
        "care_plan": CarePlanRow,
        "plan_step": PlanStepRow,
    }
    for entry in made:
        table = tables.get(str(entry.get("table")))
        row = cast(
            "TransitionRow | CarePlanRow | PlanStepRow | None",
            tx.session.get(table, int(entry.get("id", 0))) if table else None,
        )
        if row is None or row.status == VOIDED:
            continue
        if isinstance(row, PlanStepRow) and row.status not in OPEN_TASK_STATUSES:
            continue
        tx.track(row)
        if isinstance(row, PlanStepRow):
            row.status, row.status_reason = TaskStatus.ENTERED_IN_ERROR, reason[:300]
        elif isinstance(row, CarePlanRow):
            row.status, row.void_reason = CarePlanStatus.ENTERED_IN_ERROR, reason[:300]
        else:
            row.status, row.void_reason = EpisodeStatus.ENTERED_IN_ERROR, reason[:300]
        count += 1
    return count

"""`z`: undo my last action, as its own audited change.

Every audited change records what it did (`detail.undo`): the fields it changed with their
values before, and the records it created. Undo puts those values back (a correction, so it
may step back along a lifecycle) and voids what was created. If someone changed the record
since, undo refuses with a conflict rather than overwrite their work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.codes import AuditOutcome
from pcc_tui.core.errors import ConflictError, DomainError
from pcc_tui.core.services.context import Actor, Tx, action, row_dict
from pcc_tui.core.services.voiding import ENTERED_IN_ERROR, VOIDABLE
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.names import index_patient_names
from pcc_tui.core.store.tables import AuditEventRow, Base, PatientRow, ProblemRow
from pcc_tui.core.store.types import ReadableDate, UTCDateTime

# What each undoable change did, in the words a toast uses ("Undone: step completed for ...").
WORDS = {
    "appointment.book": "appointment booked",
    "appointment.confirm": "appointment confirmation",
    "appointment.reschedule": "appointment moved",
    "appointment.confirm_attempt": "confirmation attempt logged",
    "appointment.cancelled": "appointment cancelled",
    "appointment.noshow": "no-show recorded",
    "appointment.checked-in": "check-in",
    "appointment.arrived": "arrival",
    "appointment.fulfilled": "visit marked fulfilled",
    "care_plan.move_anchor": "pathway anchor moved",
    "care_plan.start": "care plan started",
    "care_plan.start_pathway": "pathway started",
    "care_team.add": "care-team member added",
    "care_team.end": "care-team member ended",
    "consent.agreed": "consent recorded",
    "consent.objected": "objection recorded",
    "consent.withdrawn": "consent withdrawal",
    "communication.log": "call or message logged",
    "contact.add": "contact added",
    "contact.edit": "contact change",
    "contact.end": "contact ended",
    "coverage.add": "coverage added",
    "coverage.cancel": "coverage cancelled",
    "coverage.edit": "coverage change",
    "coverage.end": "coverage ended",
    "education.given": "explanation recorded",
    "eligibility.check": "eligibility check",
    "handoff.accept": "handoff accepted",
    "handoff.decline": "handoff declined",
    "handoff.offer": "handoff offered",
    "note.add": "note added",
    "patient.register": "patient registered",
    "patient.update": "patient record change",
    "plan_step.add": "step added",
    "plan_step.complete": "step completed",
    "plan_step.reassign": "step reassigned",
    "plan_step.status": "step status change",
    "prior_auth.decide": "prior auth decision",
    "prior_auth.request": "prior auth requested",
    "prior_auth.use": "prior auth unit used",
    "problem.add": "problem added",
    "problem.error": "problem marked entered in error",
    "problem.resolve": "problem resolved",
    "queue.snooze": "snooze",
    "referral.create": "referral sent",
    "referral.reply": "referral reply",
    "referral.track": "referral progress",
    "rounds.checklist": "rounds checklist",
    "rounds.quick_task": "rounds task added",
}


@dataclass(frozen=True)
class UndoPreview:
    seq: int  # the audit row of the change undo would take back
    patient_id: int | None
    words: str  # "step completed for AB ..0033"


TABLES: dict[str, type[Base]] = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
LOOK_BACK = 200


def _restore(table: type[Base], key: str, value: Any) -> Any:
    """Values were stored as JSON; give dates and times their types back."""
    if value is None:
        return None
    column_type = table.__table__.c[key].type
    if isinstance(column_type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, ReadableDate):  # every date column (store/tables.py)
        return date.fromisoformat(value)
    return value


def _last_undoable(tx: Tx) -> tuple[AuditEventRow, list[dict[str, Any]]]:
    undone: set[int] = set()
    events = tx.session.scalars(
        select(AuditEventRow)
        .where(
            AuditEventRow.actor == tx.actor.username,
            AuditEventRow.outcome == AuditOutcome.SUCCESS,
        )
        .order_by(AuditEventRow.seq.desc())
        .limit(LOOK_BACK)
    )
    for event in events:
        detail = json.loads(event.detail)
        if event.action == "undo":
            undone.add(int(detail["undoes"]))
            continue
        if event.seq not in undone and detail.get("undo"):
            return event, detail["undo"]
    raise DomainError("nothing of yours to undo")


def _apply(tx: Tx, entry: dict[str, Any]) -> None:
    table = TABLES[entry["table"]]
    row = tx.session.get(table, entry["id"])
    if row is None:
        raise DomainError(f"{entry['table']} {entry['id']} no longer exists")
    current = getattr(row, "version", None)
    if current != entry["version"]:
        raise ConflictError(
            entry["table"], entry["id"], entry["version"], row_dict(row), entry.get("before", {})
        )
    tx.track(row)
    if entry.get("created"):
        if entry["table"] not in VOIDABLE:
            raise DomainError(f"adding a {entry['table']} cannot be undone here")
        if isinstance(row, ProblemRow):
            row.entered_in_error = True
        else:
            row.status = ENTERED_IN_ERROR  # type: ignore[attr-defined]
        row.void_reason = f"undone by {tx.actor.username}"  # type: ignore[attr-defined]
        return
    for key, value in entry["before"].items():
        setattr(row, key, _restore(table, key, value))
    if isinstance(row, PatientRow) and {"family_name", "given_name"} & entry["before"].keys():
        index_patient_names(tx.session, row.id, row.family_name, row.given_name)


def _words(tx: Tx, event: AuditEventRow, mask: str) -> str:
    what = WORDS.get(event.action, event.action.split(".")[0].replace("_", " ") + " change")
    if event.patient_id is None:
        return what
    patient = tx.session.get(PatientRow, event.patient_id)
    if patient is None:
        return what
    if mask == "name":
        who = f"{patient.given_name} {patient.family_name}"
    else:
        who = (
            f"{patient.given_name[:1]}{patient.family_name[:1]}".upper() + f" ..{patient.mrn[-4:]}"
        )
    return f"{what} for {who}"


def preview_undo(store: Store, actor: Actor, mask: str = "initials-mrn") -> UndoPreview:
    """What `z` would undo now, in words (reads only; nothing is audited or changed)."""
    with store.reading() as session:
        tx = Tx(session=session, actor=actor, now=store.clock.now(), store=store)
        event, _entries = _last_undoable(tx)
        return UndoPreview(event.seq, event.patient_id, _words(tx, event, mask))


def undo_last(
    store: Store, actor: Actor, mask: str = "initials-mrn", *, expect_seq: int | None = None
) -> str:
    """Undo the acting user's most recent change that is not undone yet; returns what was
    undone in words. `expect_seq`: refuse if the last change is no longer the one previewed."""
    with action(store, actor, "undo") as tx:
        event, entries = _last_undoable(tx)
        if expect_seq is not None and event.seq != expect_seq:
            raise DomainError("your last change is not the one shown any more: press z again")
        for entry in entries:
            _apply(tx, entry)
        tx.patient_id, tx.entity_type, tx.entity_id = (
            event.patient_id,
            event.entity_type,
            event.entity_id,
        )
        tx.detail.update(undoes=event.seq, action=event.action)
        tx.session.flush()
        return _words(tx, event, mask)

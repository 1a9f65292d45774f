"""The frame every service runs in: who acts, one transaction, one audit row, conflicts.

`action(...)` opens a write transaction, lets the service do its work through `Tx`, then
appends the audit row and commits. A refused action (illegal transition, conflict, missing
record) is rolled back and audited as a failure in its own transaction, then re-raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pcc_tui.core.domain.codes import AuditOutcome, CoordinatorRole
from pcc_tui.core.errors import (
    ConflictError,
    Forbidden,
    NotFound,
    PccError,
    StoreUnavailable,
    UnknownUser,
)
from pcc_tui.core.store import audit, changes, deferred_inserts, inserts
from pcc_tui.core.store.database import Store as Store  # re-exported: the TUI holds one
from pcc_tui.core.store.queries import scope
from pcc_tui.core.store.tables import Base, CoordinatorRow, PatientRow, Tracked

R = TypeVar("R", bound=Base)
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Actor:
    username: str
    coordinator_id: int | None
    role: str
    display_name: str
    pool: str | None = None
    ward: str | None = None
    own_patient_id: int | None = None  # their own record as a patient: never theirs to open


def _scoped(actor: Actor) -> bool:
    """A person's account works within their scope; the system and admins (imports) do not
    (PostgreSQL's row-level security still applies to an admin's own login)."""
    return actor.coordinator_id is not None and actor.role != CoordinatorRole.ADMIN


def actor_of(row: CoordinatorRow) -> Actor:
    return Actor(
        row.username, row.id, row.role, row.display_name, row.pool, row.ward, row.own_patient_id
    )


def resolve_actor(store: Store, username: str) -> Actor:
    with store.reading() as session:
        row = session.scalar(select(CoordinatorRow).where(CoordinatorRow.username == username))
    if row is None or not row.active:
        raise UnknownUser(f"no active coordinator named {username!r} in this database")
    if row.locked_at is not None:
        raise UnknownUser(f"the account {username!r} is locked: an admin resets it")
    return actor_of(row)


def first_coordinator(store: Store) -> Actor | None:
    with store.reading() as session:
        row = session.scalar(
            select(CoordinatorRow)
            .where(CoordinatorRow.active.is_(True))
            .order_by(CoordinatorRow.id)
        )
    return None if row is None else actor_of(row)


_RECORD_FIELDS = {"id", "version", "created_at", "created_by", "updated_at", "updated_by"}


def values_of(model: Any, *skip: str) -> dict[str, Any]:
    """A domain model's fields as column values, minus what the store fills in itself."""
    data: dict[str, Any] = model.model_dump(exclude=_RECORD_FIELDS | set(skip))
    return data


def revalidated(model: type[M], row: Base, changes: dict[str, Any]) -> M:
    """The stored record with `changes` applied, validated as a whole by the domain model."""
    current = model.model_validate(row, from_attributes=True)
    return model.model_validate(current.model_dump() | changes)


def apply_changes(row: Base, model: type[M], changes: dict[str, Any]) -> M:
    """Validate the whole record with `changes`, then write just those fields to the row."""
    merged = revalidated(model, row, changes)
    for key in changes:
        setattr(row, key, getattr(merged, key))
    return merged


def row_dict(row: Base) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in row.__table__.columns:
        value = getattr(row, column.key)
        out[column.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


@dataclass
class Tx:
    session: Session
    store: Store
    actor: Actor
    now: datetime
    patient_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    mine: dict[str, Any] = field(default_factory=dict)
    guarded: tuple[type[Base], int, int] | None = None
    # What `undo` needs: rows changed (with their values before) and rows created.
    _before: dict[tuple[str, int], tuple[Base, dict[str, Any]]] = field(default_factory=dict)
    # Rows created: objects (`add`), or (table, id, versioned) for rows written by `insert`.
    _created: list[Base | tuple[str, int, bool]] = field(default_factory=list)

    def get(
        self,
        table: type[R],
        entity_id: int,
        *,
        expected_version: int | None = None,
        mine: dict[str, Any] | None = None,
    ) -> R:
        """Load a row; with `expected_version`, refuse if someone changed it since."""
        if self.entity_type is None:
            self.entity_type, self.entity_id = table.__tablename__, entity_id
        row = self.session.get(table, entity_id)
        if row is None:
            raise NotFound(table.__tablename__, entity_id)
        if self.patient_id is None:
            self.patient_id = (
                row.id if isinstance(row, PatientRow) else getattr(row, "patient_id", None)
            )
            if self.patient_id is not None and _scoped(self.actor):
                # Acting on a patient's record needs the same access as opening it.
                scope.check_open(self.session, self.actor, self.patient_id, self.now)
        if expected_version is not None:
            self.mine = mine or {}
            self.guarded = (table, entity_id, expected_version)
            current = getattr(row, "version", None)
            if current != expected_version:
                raise ConflictError(
                    table.__tablename__, entity_id, expected_version, row_dict(row), self.mine
                )
            self.track(row)
        return row

    def track(self, row: Base) -> None:
        """Remember a row's values before this action changes it (for undo)."""
        key = (row.__tablename__, int(getattr(row, "id", 0)))
        if key not in self._before and deferred_inserts.defers_orm(self.session):
            self._settle(row)
        self._before.setdefault(key, (row, row_dict(row)))

    def _settle(self, row: Base) -> None:
        """A session that defers its writes flushes a row another action of it changed or
        added and left unwritten, before this one changes it: each action's changes then
        give the row a version of their own, as its undo payload says."""
        state = inspect(row)
        theirs = state.pending or (state.persistent and self.session.is_modified(row))
        if theirs and not any(made is row for made in self._created):
            self.session.flush()

    def add(self, row: R) -> R:
        self.session.add(row)
        if deferred_inserts.defers_orm(self.session):  # an id now, the row flushed later
            deferred_inserts.give_id(self.session, row)
        else:
            self.session.flush()
        self._created.append(row)
        return row

    def add_later(self, row: R) -> R:
        """Like `add`, without the flush: the caller flushes many rows in one statement."""
        self.session.add(row)
        self._created.append(row)
        return row

    def insert(self, table: type[Base], **values: Any) -> int:
        """A row written by one cached Core INSERT (`store.inserts`), for writers of many rows
        whose objects are not needed afterwards; returns its id. Counted for undo like `add`."""
        new_id = inserts.insert_row(self.session, table, values, self.actor.username, self.now)
        self._created.append((table.__tablename__, new_id, "version" in table.__table__.c))
        return new_id

    def undo_payload(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        unwritten = deferred_inserts.defers_orm(self.session)  # this action's changes not flushed
        for (table, entity_id), (row, before) in self._before.items():
            after = row_dict(row)
            changed = {
                k: v for k, v in before.items() if k not in _RECORD_FIELDS and after.get(k) != v
            }
            if changed:
                version = after["version"]
                if unwritten:  # what the flush will make it (a new row is inserted as 1)
                    version = 1 if version is None else version + self.session.is_modified(row)
                entries.append(
                    {"table": table, "id": entity_id, "before": changed, "version": version}
                )
        for made in self._created:
            if isinstance(made, tuple):
                table, new_id, versioned = made
                if versioned:
                    entries.append({"table": table, "id": new_id, "created": True, "version": 1})
            elif "version" in made.__table__.c:
                entries.append(
                    {
                        "table": made.__tablename__,
                        "id": int(getattr(made, "id", 0)),
                        "created": True,
                        "version": getattr(made, "version", None) or 1,  # 1 if unwritten
                    }
                )
        return entries

    def about(self, entity: Base, patient_id: int | None = None, /, **detail: object) -> None:
        """Name what the audit row is about."""
        self.entity_type = entity.__tablename__
        self.entity_id = getattr(entity, "id", None)
        if patient_id is not None:
            self.patient_id = patient_id
        elif hasattr(entity, "patient_id"):
            self.patient_id = entity.patient_id
        self.detail.update(detail)

    def about_new(
        self, table: type[Base], entity_id: int, patient_id: int, /, **detail: object
    ) -> None:
        """Name what the audit row is about: a row written by `insert`."""
        self.entity_type, self.entity_id, self.patient_id = (
            table.__tablename__,
            entity_id,
            patient_id,
        )
        self.detail.update(detail)


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _ctx: Any, _instances: Any) -> None:
    who = session.info.get("actor")
    now = session.info.get("now")
    if who is None or now is None:
        return
    for obj in session.new:
        if isinstance(obj, Tracked):
            obj.created_at = obj.created_at or now
            obj.created_by = obj.created_by or who
            obj.updated_at, obj.updated_by = now, who
    for obj in session.dirty:
        if isinstance(obj, Tracked) and session.is_modified(obj):
            obj.updated_at, obj.updated_by = now, who


@contextmanager
def action(store: Store, actor: Actor, name: str) -> Iterator[Tx]:
    now = store.clock.now()
    tx: Tx | None = None
    try:
        with store.writing() as session:
            session.info.update(actor=actor.username, now=now)
            tx = Tx(session, store, actor, now)
            yield tx
            session.flush()
            # Presence (who has a patient open) is a viewer's too: it changes no one's care.
            cared = changes.changed_tables(session) - {changes.PRESENCE}
            if actor.role == CoordinatorRole.VIEWER and cared:
                raise Forbidden(f"a viewer changes nothing: {name} refused")
            undo = tx.undo_payload()
            if undo:
                tx.detail["undo"] = undo
            audit.append(
                session,
                audit.row(
                    at=now,
                    actor=actor.username,
                    action=name,
                    outcome=AuditOutcome.SUCCESS,
                    patient_id=tx.patient_id,
                    entity_type=tx.entity_type,
                    entity_id=tx.entity_id,
                    detail=tx.detail,
                ),
            )
    except StaleDataError as exc:
        conflict = _conflict_from_stale(store, tx)
        _audit_failure(store, actor, name, tx, conflict)
        raise conflict from exc
    except StoreUnavailable:
        raise  # nothing to write the refusal to; nothing was done either
    except PccError as exc:
        _audit_failure(store, actor, name, tx, exc)
        raise


def _conflict_from_stale(store: Store, tx: Tx | None) -> ConflictError:
    if tx is None or tx.guarded is None:
        return ConflictError("record", 0, 0, {}, {})
    table, entity_id, expected = tx.guarded
    with store.reading() as session:
        row = session.get(table, entity_id)
        theirs = row_dict(row) if row is not None else {}
    return ConflictError(table.__tablename__, entity_id, expected, theirs, tx.mine)


def _audit_failure(store: Store, actor: Actor, name: str, tx: Tx | None, exc: Exception) -> None:
    outcome = AuditOutcome.MINOR_FAILURE
    with store.writing() as session:
        audit.append(
            session,
            audit.row(
                at=store.clock.now(),
                actor=actor.username,
                action=name,
                outcome=outcome,
                patient_id=tx.patient_id if tx else None,
                entity_type=tx.entity_type if tx else None,
                entity_id=tx.entity_id if tx else None,
                detail={"error": type(exc).__name__, "message": str(exc)},
            ),
        )

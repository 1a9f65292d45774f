"""What a transaction changed, written to `change_log` just before it commits.

A session-level hook collects the tables and patient ids of every row flushed; `record` then
adds one change-log row (and on PostgreSQL a NOTIFY carrying its number, delivered only if
the transaction commits). Sessions watching the feed (`feed.py`) reload just those patients.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import String, bindparam, cast, event, func, insert, select
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import ChangeLogRow, PatientRow

CHANNEL = "pcc_changes"
PRESENCE = "presence"
# Bookkeeping that is not a change to anyone's care (presence is announced on its own).
QUIET_TABLES = frozenset(
    {"audit_event", "audit_block", "change_log", "access_grant", "fhir_link", PRESENCE}
    | {"name_token", "name_gram", "name_variant", "patient_name_token"}
)
_TABLES, _PATIENTS = "pcc_changed_tables", "pcc_changed_patients"
CHANGE_LOCK = 7_320_002  # pg_advisory_xact_lock key: change numbers follow commit order


@dataclass(frozen=True)
class Change:
    seq: int
    at: datetime
    actor: str
    origin: str
    patient_ids: frozenset[int]
    tables: frozenset[str]

    @classmethod
    def from_row(cls, row: Any) -> Change:
        ids = frozenset(int(p) for p in row.patients.split(",") if p)
        return cls(row.seq, row.at, row.actor, row.origin, ids, frozenset(row.tables.split(",")))


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _ctx: Any) -> None:
    # Still the pre-flush view here: new, dirty and deleted are what this flush wrote.
    for obj in chain(session.new, session.dirty, session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is None or table in QUIET_TABLES:
            continue
        note(session, (table,), ())
        patient = obj.id if isinstance(obj, PatientRow) else getattr(obj, "patient_id", None)
        if patient is not None:
            session.info.setdefault(_PATIENTS, set()).add(int(patient))


def note(session: Session, tables: Iterable[str], patient_ids: Iterable[int]) -> None:
    """Mark changes the ORM cannot see (Core UPDATEs, presence) as part of this transaction."""
    session.info.setdefault(_TABLES, set()).update(tables)
    session.info.setdefault(_PATIENTS, set()).update(patient_ids)


def changed_tables(session: Session) -> set[str]:
    found: set[str] = session.info.get(_TABLES, set())
    return found


def record(session: Session, origin: str) -> int | None:
    """Add the change-log row for this transaction, if it changed anything; returns its seq."""
    tables: set[str] = session.info.pop(_TABLES, set())
    patients: set[int] = session.info.pop(_PATIENTS, set())
    if not tables:
        return None
    values = {
        "at": datetime.now(UTC),  # wall time, whatever the store's clock: latency is measured
        "actor": str(session.info.get("actor", "system")),
        "origin": origin,
        "patients": ",".join(str(p) for p in sorted(patients)),
        "tables": ",".join(sorted(tables))[:400],
    }
    # Numbered under a lock held to commit, so numbers follow commit order across sessions
    # (a reader asking for "after 41" can never miss a 41 that commits late). Only writes
    # of care data take it; audited reads do not. SQLite: the write lock already does this.
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(_PG_RECORD, values).scalar_one())  # one round trip
    row = ChangeLogRow(**values)
    session.add(row)
    session.flush()
    return int(row.seq)


def _pg_record() -> Any:
    """Lock, number, insert and NOTIFY in one statement: the row is read from the lock's
    CTE, so its number is taken only once the lock is held."""
    columns = ChangeLogRow.__table__.c
    names = ("at", "actor", "origin", "patients", "tables")
    locked = select(func.pg_advisory_xact_lock(CHANGE_LOCK).label("locked")).cte("locked")
    added = (
        insert(ChangeLogRow)
        .from_select(
            names,
            select(*(bindparam(n, type_=columns[n].type) for n in names)).select_from(locked),
        )
        .returning(ChangeLogRow.seq)
        .cte("added")
    )
    return select(added.c.seq, func.pg_notify(CHANNEL, cast(added.c.seq, String)))


_PG_RECORD = _pg_record()


def since(session: Session, seq: int, limit: int = 1000) -> list[Change]:
    rows = session.scalars(
        select(ChangeLogRow).where(ChangeLogRow.seq > seq).order_by(ChangeLogRow.seq).limit(limit)
    )
    return [Change.from_row(r) for r in rows]


def last_seq(session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.coalesce(func.max(ChangeLogRow.seq), 0))) or 0)

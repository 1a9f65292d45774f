"""The intake log's rows as the intake works on them: an entry per message, kept in memory
while it is applied and written once with what became of it. Ids are handed out up front
for a whole batch, so the entries (and the audit rows that name them) can be written
together at the batch's end, one statement for all, rather than an INSERT and an UPDATE
per message: the intake writes a row per message, hundreds a second in a backlog."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from pcc_tui.core.store import deferred_inserts
from pcc_tui.core.store.tables import Hl7MessageRow

_TABLE = cast(Table, Hl7MessageRow.__table__)
_SAVED = ("outcome", "error", "error_where", "hold_key", "patient_id", "attempts")
_INSERT = insert(_TABLE)
_SAVE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("log_id"))
    .values({name: bindparam(f"new_{name}") for name in (*_SAVED, "processed_at")})
)
# A batch's start on PostgreSQL, one round trip: one audit row per message, not one per
# table changed (the database honours it only for the intake's service login), whether any
# message is held, the batch's log ids, and ids for the rows its messages will add.
_PG_START = text(
    "SELECT set_config('pcc.bulk', :bulk, true),"
    " EXISTS (SELECT 1 FROM hl7_message WHERE outcome = 'held'),"
    " ARRAY(SELECT nextval(pg_get_serial_sequence('hl7_message', 'id'))"
    f" FROM generate_series(1, :n)), {deferred_inserts.PG_TAKE},"
    " (SELECT json_agg(json_build_array(sender, control_id, message_type, event_time, outcome))"
    "  FROM hl7_message WHERE control_id = ANY (CAST(:control_ids AS text[])))"
)
_SQLITE_LAST = select(func.max(_TABLE.c.id))
APPLIED, HELD = "AA", "held"  # outcomes that make a later copy of a message a duplicate
_HELD = select(_TABLE.c.id).where(_TABLE.c.outcome == HELD).limit(1)
_LOGGED = select(
    _TABLE.c.sender,
    _TABLE.c.control_id,
    _TABLE.c.message_type,
    _TABLE.c.event_time,
    _TABLE.c.outcome,
)


@dataclass
class LogEntry:
    id: int
    sender: str
    control_id: str
    message_type: str
    outcome: str
    raw: str
    attempts: int = 1
    error: str | None = None
    error_where: str | None = None
    hold_key: str | None = None
    patient_id: int | None = None
    received_at: datetime | None = None
    event_time: str = ""
    stored: bool = True  # its row exists (a held or failed one run again); else inserted

    @classmethod
    def of(cls, row: Hl7MessageRow) -> LogEntry:
        return cls(**{name: getattr(row, name) for name in _COLUMNS})


_COLUMNS = tuple(f.name for f in fields(LogEntry) if f.name != "stored")  # as on the row


Key = tuple[str, str, str, str]  # sender, control id, type, event time: a duplicate's


@dataclass(frozen=True)
class BatchStart:
    holding: bool  # whether any message is held
    log_ids: Iterator[int]  # for new entries, in order of arrival
    seen: set[Key]  # of the keys asked about, those applied or held before: duplicates
    taken: list[tuple[str, int]]  # ids taken ahead for other tables, as (table, id)


def start_batch(
    session: Session,
    n: int,
    *,
    bulk: bool,
    keys: set[Key],
    ahead: dict[str, int] | None = None,
) -> BatchStart:
    """What a batch needs before it applies anything: whether any message is held, which
    of `keys` were applied (or held) before, and `n` ids for new entries. PostgreSQL takes
    the ids from the table's sequence (other writers take theirs from it too), with those
    `ahead` asks of other tables, all in one round trip; SQLite's writer holds the database
    lock for the whole transaction, so the ids after the largest one are this batch's (and
    `ahead` is not needed)."""
    control_ids = sorted({k[1] for k in keys})
    if session.get_bind().dialect.name == "postgresql":
        counts = deferred_inserts.numbered(ahead or {})
        _, holding, ids, taken, logged = session.execute(
            _PG_START,
            {
                "bulk": "on" if bulk else "off",
                "n": n,
                "tables": list(counts),
                "counts": list(counts.values()),
                "control_ids": control_ids,
            },
        ).one()
        pairs = [(str(t), int(i)) for t, i in taken or []]
        found = _applied(keys, (tuple(r) for r in logged or []))
        return BatchStart(bool(holding), iter([int(i) for i in ids]), found, pairs)
    holding = session.scalar(_HELD) is not None
    last = int(session.scalar(_SQLITE_LAST) or 0)
    seen: set[Key] = set()
    for start in range(0, len(control_ids), 500):  # bound the IN list
        rows = session.execute(
            _LOGGED.where(_TABLE.c.control_id.in_(control_ids[start : start + 500]))
        )
        seen |= _applied(keys, (tuple(r) for r in rows))
    return BatchStart(holding, iter(range(last + 1, last + 1 + n)), seen, [])


def _applied(keys: set[Key], logged: Iterable[tuple[Any, ...]]) -> set[Key]:
    """Of `keys`, those logged as applied or held. The outcome is checked here, not in SQL:
    with it there, SQLite would walk the index of outcomes (every applied message) instead of
    the one on control ids."""
    found: set[Key] = set()
    for *key, outcome in logged:
        k = (str(key[0]), str(key[1]), str(key[2]), str(key[3]))
        if outcome in (APPLIED, HELD) and k in keys:
            found.add(k)
    return found


def write(session: Session, entries: Sequence[LogEntry], now: datetime) -> None:
    """Write what became of each entry: new ones inserted, stored ones updated, each kind in
    one statement. The unique index on applied ones may refuse: a duplicate applied by
    another listener first (IntegrityError, for the caller)."""
    new = [_row(e, now) for e in entries if not e.stored]
    old = [_saved(e, now) for e in entries if e.stored]
    if new:
        session.execute(_INSERT, new)
    if old:
        session.execute(_SAVE, old)
    for e in entries:
        e.stored = True


def _row(e: LogEntry, now: datetime) -> dict[str, Any]:
    return {
        "id": e.id,
        "received_at": e.received_at or now,
        "processed_at": now,
        "sender": e.sender,
        "control_id": e.control_id,
        "message_type": e.message_type,
        "event_time": e.event_time,
        "outcome": e.outcome,
        "error": e.error,
        "error_where": e.error_where,
        "hold_key": e.hold_key,
        "patient_id": e.patient_id,
        "attempts": e.attempts,
        "raw": e.raw,
    }


def _saved(e: LogEntry, now: datetime) -> dict[str, Any]:
    return {"log_id": e.id, "new_processed_at": now, **{f"new_{n}": getattr(e, n) for n in _SAVED}}

"""Sign-in attempts counted so that parallel tries cannot outrun the count.

Each try first *claims* a slot: one atomic UPDATE ... RETURNING that adds one failure, locks
the account at the limit, and is refused while the account is locked or while the delay
after the last failure (1, 2, 4 ... s, at most 5 min) has not passed. Only then is the
secret checked; a right one forgives the slot. So 100 parallel tries make at most one claim
per delay window, and never more than the limit. On PostgreSQL the same rule runs in
`pcc_claim_attempt` (a person may only claim on their own account; migration 0010).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import CoordinatorRow

MAX_DELAY_S = 300


def delay_after(failures: int) -> timedelta:
    if failures <= 0:
        return timedelta(0)
    return timedelta(seconds=min(2 ** (failures - 1), MAX_DELAY_S))


@dataclass(frozen=True)
class Claim:
    slot: int | None  # the failure count this try holds; None: refused before the check
    locked: bool = False


def claim(session: Session, username: str, max_failed: int, now: datetime) -> Claim:
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(
            text("SELECT claimed, locked FROM pcc_claim_attempt(:u, :m, :now)"),
            {"u": username, "m": max_failed, "now": now},
        ).first()
        return Claim(None) if found is None else Claim(int(found.claimed), bool(found.locked))
    # SQLite: this is the only writer (BEGIN IMMEDIATE), so read-then-update is atomic.
    row = session.execute(
        select(
            CoordinatorRow.id,
            CoordinatorRow.failed_logins,
            CoordinatorRow.last_failed_at,
            CoordinatorRow.locked_at,
            CoordinatorRow.active,
        ).where(CoordinatorRow.username == username)
    ).first()
    if row is None or not row.active or row.locked_at is not None:
        return Claim(None)
    if row.failed_logins >= max_failed:
        return Claim(None)
    if row.last_failed_at is not None and now < row.last_failed_at + delay_after(row.failed_logins):
        return Claim(None)
    slot = row.failed_logins + 1
    locked = slot >= max_failed
    session.execute(
        update(CoordinatorRow)
        .where(CoordinatorRow.id == row.id)
        .values(failed_logins=slot, last_failed_at=now, locked_at=now if locked else None)
        .execution_options(synchronize_session=False)
    )
    return Claim(slot, locked)


def forgive(session: Session, username: str) -> bool:
    """The secret was right: clear the count (and a lock this very try set)."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(session.scalar(text("SELECT pcc_attempt_right(:u)"), {"u": username}))
    done = session.execute(
        update(CoordinatorRow)
        .where(CoordinatorRow.username == username, CoordinatorRow.active.is_(True))
        .values(failed_logins=0, locked_at=None, last_failed_at=None)
        .returning(CoordinatorRow.id)
        .execution_options(synchronize_session=False)
    ).first()
    return done is not None


def secret_hash(session: Session, username: str, method: str, person: bool) -> str | None:
    """The stored hash to check against. A person's database login reads only their own
    (through `pcc_my_secret`); the column itself is not granted to them."""
    if person:
        me = session.scalar(text("SELECT session_user"))
        if me != username:
            return None
        found = session.scalar(text("SELECT pcc_my_secret(:k)"), {"k": method})
        return None if found is None else str(found)
    column = CoordinatorRow.pin_hash if method == "pin" else CoordinatorRow.password_hash
    found = session.scalar(select(column).where(CoordinatorRow.username == username))
    return None if found is None else str(found)

"""The audit trail: rows appended inside each action's transaction, with no shared lock.

Sealing them into a signed, hash-linked chain is a separate step (`audit_seal.py`), and
checking it another (`audit_verify.py`); CONTRIBUTING "The audit chain" states the design.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import AuditEventRow

# Built once: a statement built per call costs more than running it (its cache key).
_PG_APPEND = text(
    "SELECT pcc_audit_append(:actor, :at, :action, :outcome, :patient_id,"
    " :entity_type, :entity_id, :detail, :client)"
)
_TABLE = cast(Table, AuditEventRow.__table__)
_INSERT = insert(_TABLE).returning(_TABLE.c.seq)
_INSERT_MANY = insert(_TABLE)


def canonical_detail(detail: Mapping[str, object]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)


def client_label() -> str:
    """Where this process's user sits: the SSH client address and the terminal, if any."""
    parts: list[str] = []
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if len(ssh) >= 2:
        parts.append(f"ssh {ssh[0]}:{ssh[1]}")
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                parts.append(f"tty {os.ttyname(fd)}")
                break
        except OSError:
            continue
    return " ".join(parts) or "local, no tty"


def row(
    *,
    at: datetime,
    actor: str,
    action: str,
    outcome: str,
    patient_id: int | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    detail: Mapping[str, object] | None = None,
    client: str | None = None,
) -> dict[str, object]:
    """One audit row's values, for `append` or, many at once, `append_many`; without a
    `client`, the session's (who runs this process) is written."""
    return {
        "actor": actor[:64],
        "action": action[:64],
        "outcome": outcome,
        "patient_id": patient_id,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "detail": canonical_detail(detail or {}),
        "client": client[:200] if client else None,
        "at": at.astimezone(UTC),
    }


def append(session: Session, values: dict[str, object]) -> int:
    """Add one audit row (`row`) inside the caller's transaction; returns its number. No
    lock is taken: rows are sealed into the chain later (`audit_seal.seal`). On PostgreSQL
    the row goes through `pcc_audit_append`, which writes the server's time and, for a
    person's login, their name whatever `actor` says; only the schema owner's own tools
    (imports, seeding) name the actor themselves."""
    one = _with_client(session, values)
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(_PG_APPEND, one).scalar_one())
    # A Core insert: the row is never read back as an object, and an ORM add would cost a
    # flush of its own per row (the HL7 intake writes one per message).
    return int(session.execute(_INSERT, _for_sqlite(one)).scalar_one())


def append_many(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Add `row`s in one statement (a batch's: the HL7 intake writes one per message)."""
    if not rows:
        return
    full = [_with_client(session, r) for r in rows]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_APPEND, full)
    else:
        session.execute(_INSERT_MANY, [_for_sqlite(r) for r in full])


def _with_client(session: Session, values: dict[str, object]) -> dict[str, object]:
    if values.get("client"):
        return values
    return {**values, "client": (session.info.get("client") or client_label())[:200]}


def _for_sqlite(values: dict[str, object]) -> dict[str, object]:
    out = dict(values)
    out["recorded_at"] = out.pop("at")
    return out

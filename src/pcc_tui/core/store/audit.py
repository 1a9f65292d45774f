"""The audit trail: append-only rows, each holding the hash of the one before.

Appends lock the single `audit_head` row, so concurrent sessions on PostgreSQL cannot fork the
chain; on SQLite the write lock already serialises them. `verify` walks the chain in order and
names the first row that does not fit: a changed row breaks its own hash, a removed or
re-ordered row breaks the link, a cut tail no longer matches the head.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from pcc_tui.core.store.tables import AuditEventRow, AuditHeadRow

GENESIS = "0" * 64


def canonical_detail(detail: Mapping[str, object]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(
    *,
    seq: int,
    recorded_at: datetime,
    actor: str,
    action: str,
    outcome: str,
    patient_id: int | None,
    entity_type: str | None,
    entity_id: int | None,
    detail: str,
    prev_hash: str,
    client: str | None = None,
) -> str:
    stamp = recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    fields: list[object] = [
        seq,
        stamp,
        actor,
        action,
        outcome,
        patient_id,
        entity_type,
        entity_id,
        detail,
        prev_hash,
    ]
    if client is not None:  # rows written before 0007 have none and keep their hashes
        fields.append(client)
    payload = json.dumps(fields, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


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


def append(
    session: Session,
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
) -> int:
    """Add one audit row inside the caller's transaction; returns its sequence number.
    `client` defaults to the session's (set by the store) or this process's."""
    client = (client or session.info.get("client") or client_label())[:200]
    head = session.execute(
        select(AuditHeadRow.last_seq, AuditHeadRow.last_hash)
        .where(AuditHeadRow.id == 1)
        .with_for_update()
    ).one()
    seq = head.last_seq + 1
    # Stored precision is microseconds on both databases; hash exactly what is stored.
    at = at.astimezone(UTC).replace(tzinfo=UTC)
    text = canonical_detail(detail or {})
    digest = row_hash(
        seq=seq,
        recorded_at=at,
        actor=actor,
        action=action,
        outcome=outcome,
        patient_id=patient_id,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=text,
        prev_hash=head.last_hash,
        client=client,
    )
    session.add(
        AuditEventRow(
            seq=seq,
            recorded_at=at,
            actor=actor,
            action=action,
            outcome=outcome,
            patient_id=patient_id,
            entity_type=entity_type,
            entity_id=entity_id,
            detail=text,
            prev_hash=head.last_hash,
            hash=digest,
            client=client,
        )
    )
    session.execute(
        update(AuditHeadRow).where(AuditHeadRow.id == 1).values(last_seq=seq, last_hash=digest)
    )
    return int(seq)


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None and self.problem is None


def verify(engine: Engine, batch: int = 5000) -> ChainReport:
    expected_seq = 1
    prev = GENESIS
    checked = 0
    with Session(engine) as session:
        rows = session.execute(
            select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=batch)
        ).scalars()
        for row in rows:
            if row.seq != expected_seq:
                return ChainReport(
                    checked,
                    row.seq,
                    f"expected row {expected_seq} next, found row {row.seq}"
                    " (a row was removed or re-numbered)",
                )
            if row.prev_hash != prev:
                return ChainReport(
                    checked, row.seq, "does not link to the row before it (removed or re-ordered)"
                )
            digest = row_hash(
                seq=row.seq,
                recorded_at=row.recorded_at,
                actor=row.actor,
                action=row.action,
                outcome=row.outcome,
                patient_id=row.patient_id,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                detail=row.detail,
                prev_hash=row.prev_hash,
                client=row.client,
            )
            if digest != row.hash:
                return ChainReport(checked, row.seq, "its content was changed after it was written")
            prev = row.hash
            expected_seq += 1
            checked += 1
        head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        if head.last_seq != checked or head.last_hash != prev:
            return ChainReport(
                checked,
                checked + 1 if head.last_seq > checked else head.last_seq,
                f"the chain ends at row {checked} but its head says {head.last_seq}"
                " (rows were removed from the end, or the head was changed)",
            )
    return ChainReport(checked)

"""Checking the sealed audit trail: every block, every row in it, and the anchors kept outside.

Walks the blocks in order and stops at the first thing that does not fit, naming the block
and, where the block's marks allow, the row: a changed row no longer matches its mark, a
removed row leaves a number missing, an inserted row is not in the block it claims, a block
re-computed without the key fails its signature, a block removed breaks the numbering or
the link. With anchors (`pcc audit anchor`) a trail cut short or wiped is caught too: it no
longer reaches the newest anchor. Rows not sealed yet are counted, with the oldest one's age.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from pcc_tui.core.store.audit_seal import (
    GENESIS,
    MARK,
    Anchor,
    block_hash,
    expand_ranges,
    key_id,
    load_public,
    public_text,
    row_digest,
    rows_digest,
    signature_ok,
)
from pcc_tui.core.store.tables import AuditBlockRow, AuditEventRow


@dataclass
class ChainReport:
    rows_checked: int = 0
    blocks_checked: int = 0
    broken_block: int | None = None
    broken_seq: int | None = None
    problem: str | None = None
    unsealed: int = 0
    unsealed_age: timedelta | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.problem is None

    def fail(self, block: int | None, seq: int | None, problem: str) -> ChainReport:
        self.broken_block, self.broken_seq, self.problem = block, seq, problem
        return self

    @property
    def position(self) -> str:
        where = [f"block {self.broken_block}"] if self.broken_block is not None else []
        if self.broken_seq is not None:
            where.append(f"row {self.broken_seq}")
        return ", ".join(where) or "the trail"


def verify(
    engine: Engine,
    *,
    public_key: str | None = None,
    anchors: Sequence[Anchor] = (),
    now: datetime | None = None,
) -> ChainReport:
    report = ChainReport()
    pinned = load_public(public_key) if public_key else None
    with Session(engine) as session:
        last = _walk_blocks(session, report, pinned)
        if report.intact:
            _stray_rows(session, report, last)
        if report.intact:
            _check_anchors(session, report, anchors, pinned, last)
        _unsealed(session, report, now or datetime.now(UTC))
    if pinned is None:
        report.notes.append(
            "signatures checked with the key stored beside them: pin [audit] public_key"
            " to tell a re-signed trail"
        )
    if not anchors:
        report.notes.append(
            "no anchors given: a trail cut short or wiped cannot be told from a young one"
        )
    return report


def _walk_blocks(session: Session, report: ChainReport, pinned: Ed25519PublicKey | None) -> int:
    expected, prev = 1, GENESIS
    blocks = session.execute(select(AuditBlockRow).order_by(AuditBlockRow.block)).scalars()
    for b in blocks:
        if b.block != expected:
            report.fail(expected, None, f"block {expected} is missing (removed or re-numbered)")
            return expected - 1
        if b.prev_hash != prev:
            report.fail(b.block, None, "does not link to the block before (removed or replaced)")
            return expected - 1
        digest = block_hash(
            b.block, b.prev_hash, b.first_seq, b.last_seq, b.row_count, b.rows_digest, b.sealed_at
        )
        if digest != b.hash:
            report.fail(b.block, None, "its header was changed after sealing")
            return expected - 1
        key = pinned or load_public(b.public_key)
        if pinned is not None and key_id(b.public_key) != _pinned_id(pinned):
            report.fail(b.block, None, "signed by another key than the pinned one (re-signed)")
            return expected - 1
        if not signature_ok(key, b.signature, b.hash):
            report.fail(b.block, None, "its signature does not match (re-computed without the key)")
            return expected - 1
        if not _rows_fit(session, report, b):
            return expected - 1
        report.blocks_checked += 1
        report.rows_checked += b.row_count
        prev, expected = b.hash, expected + 1
    return expected - 1


def _pinned_id(pinned: Ed25519PublicKey) -> str:
    return key_id(public_text(pinned))


def _rows_fit(session: Session, report: ChainReport, b: AuditBlockRow) -> bool:
    rows = list(
        session.execute(
            select(AuditEventRow).where(AuditEventRow.block == b.block).order_by(AuditEventRow.seq)
        ).scalars()
    )
    digests = [row_digest(r) for r in rows]
    if len(rows) == b.row_count and rows_digest(digests) == b.rows_digest:
        return True
    sealed = expand_ranges(b.row_seqs)
    marks = [b.row_marks[i : i + MARK] for i in range(0, len(b.row_marks), MARK)]
    by_seq = {int(r.seq): d for r, d in zip(rows, digests, strict=True)}
    for seq, mark in zip(sealed, marks, strict=False):
        if seq not in by_seq:
            report.fail(b.block, seq, "was removed (or moved out of its block)")
            return False
        if by_seq[seq][:MARK] != mark:
            report.fail(b.block, seq, "its content was changed after it was sealed")
            return False
    extra = sorted(set(by_seq) - set(sealed))
    if extra:
        report.fail(b.block, extra[0], "was not in this block when it was sealed (inserted)")
        return False
    report.fail(b.block, None, "its rows do not match the sealed digest")
    return False


def _stray_rows(session: Session, report: ChainReport, last: int) -> None:
    stray = session.scalar(select(func.min(AuditEventRow.seq)).where(AuditEventRow.block > last))
    if stray is not None:
        report.fail(None, int(stray), f"claims a block after the last one ({last}): inserted")


def _check_anchors(
    session: Session,
    report: ChainReport,
    anchors: Sequence[Anchor],
    pinned: Ed25519PublicKey | None,
    last: int,
) -> None:
    for anchor in sorted(anchors, key=lambda a: a.block):
        key = pinned
        if key is None:
            stored = session.scalar(
                select(AuditBlockRow.public_key).where(AuditBlockRow.key_id == anchor.key_id)
            )
            if stored is None:
                report.fail(
                    anchor.block, None, f"the anchor of {anchor.at} names a key the trail lacks"
                )
                return
            key = load_public(stored)
        if not signature_ok(key, anchor.signature, anchor.message()):
            report.fail(anchor.block, None, f"the anchor of {anchor.at} is not validly signed")
            return
        if anchor.block > last:
            report.fail(
                last + 1,
                None,
                f"the trail ends at block {last} but the anchor of {anchor.at} saw block"
                f" {anchor.block}: cut short or wiped",
            )
            return
        stored_hash = session.scalar(
            select(AuditBlockRow.hash).where(AuditBlockRow.block == anchor.block)
        )
        if stored_hash != anchor.hash:
            report.fail(anchor.block, None, f"differs from the anchor of {anchor.at} (rewritten)")
            return


def _unsealed(session: Session, report: ChainReport, now: datetime) -> None:
    count, oldest = session.execute(
        select(func.count(), func.min(AuditEventRow.recorded_at)).where(
            AuditEventRow.block.is_(None)
        )
    ).one()
    report.unsealed = int(count or 0)
    if oldest is not None:
        report.unsealed_age = max(timedelta(0), now - oldest.astimezone(UTC))

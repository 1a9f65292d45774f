"""The sealed audit chain tells a modified, deleted, inserted, re-ordered, re-computed,
truncated and wiped trail, naming the first bad position; anchors catch what needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import search, view_chart
from pcc_tui.core.store import audit_seal
from pcc_tui.core.store.audit_seal import (
    BLOCK_ROWS,
    append_anchor,
    block_hash,
    make_anchor,
    public_text,
    read_anchors,
    row_digest,
    rows_digest,
    seal,
)
from pcc_tui.core.store.audit_verify import verify
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditBlockRow, AuditEventRow
from tests import builders
from tests.conftest import FIXED_NOW


@dataclass
class Chain:
    store: Store
    key: Ed25519PrivateKey
    public: str
    anchors: Path

    def verify(self, *, anchored: bool = True):  # type: ignore[no-untyped-def]
        found = read_anchors(self.anchors) if anchored else []
        return verify(self.store.engine, public_key=self.public, anchors=found)

    def sql(self, *statements: str) -> None:
        with self.store.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))


@pytest.fixture
def chain(store: Store, coordinator: Actor, tmp_path: Path, monkeypatch) -> Chain:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(audit_seal, "BLOCK_ROWS", 3)  # several blocks from a few rows
    pid = builders.patient(store, coordinator)
    for i in range(5):
        add_note(store, coordinator, pid, f"note {i}")
    view_chart(store, coordinator, pid)
    search(store, coordinator, "kowal")
    key = Ed25519PrivateKey.generate()
    sealed = seal(store.engine, key)
    assert sealed.blocks >= 3
    anchors = tmp_path / "anchors.jsonl"
    anchor = make_anchor(store.engine, key)
    assert anchor is not None
    append_anchor(anchors, anchor)
    assert anchors.stat().st_mode & 0o777 == 0o600
    made = Chain(store, key, public_text(key.public_key()), anchors)
    report = made.verify()
    assert report.intact, report
    assert report.rows_checked == sealed.rows and report.unsealed == 0
    return made


def _seq_in_block(chain: Chain, block: int, index: int = 0) -> int:
    with chain.store.engine.connect() as conn:
        seqs = conn.execute(
            text("SELECT seq FROM audit_event WHERE block = :b ORDER BY seq"), {"b": block}
        ).scalars()
        return int(list(seqs)[index])


def test_reads_are_audited(chain: Chain) -> None:
    with chain.store.reading() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_event ORDER BY seq"))]
    assert [a for a in actions if not a.startswith("db.")][-2:] == [
        "patient.chart.view",
        "patient.search",
    ]


@pytest.mark.parametrize("anchored", [True, False])
def test_modified_row_is_named(chain: Chain, anchored: bool) -> None:
    seq = _seq_in_block(chain, 2, 1)
    chain.sql(f"UPDATE audit_event SET actor = 'mallory' WHERE seq = {seq}")
    report = chain.verify(anchored=anchored)
    assert (report.broken_block, report.broken_seq) == (2, seq)
    assert "changed" in (report.problem or "")


@pytest.mark.parametrize("anchored", [True, False])
def test_deleted_row_is_named(chain: Chain, anchored: bool) -> None:
    seq = _seq_in_block(chain, 2, 0)
    chain.sql(f"DELETE FROM audit_event WHERE seq = {seq}")
    report = chain.verify(anchored=anchored)
    assert (report.broken_block, report.broken_seq) == (2, seq)
    assert "removed" in (report.problem or "")


@pytest.mark.parametrize("anchored", [True, False])
def test_inserted_row_is_named(chain: Chain, anchored: bool) -> None:
    chain.sql(
        "INSERT INTO audit_event (seq, recorded_at, actor, action, outcome, detail, block)"
        " VALUES (100000, '2026-03-01 09:00:00', 'sam', 'patient.chart.view', '0', '{}', 2)"
    )
    report = chain.verify(anchored=anchored)
    assert (report.broken_block, report.broken_seq) == (2, 100000)
    assert "inserted" in (report.problem or "")


@pytest.mark.parametrize("anchored", [True, False])
def test_reordered_rows_are_named(chain: Chain, anchored: bool) -> None:
    a, b = _seq_in_block(chain, 1, 0), _seq_in_block(chain, 1, 1)
    chain.sql(
        f"UPDATE audit_event SET seq = -1 WHERE seq = {a}",
        f"UPDATE audit_event SET seq = {a} WHERE seq = {b}",
        f"UPDATE audit_event SET seq = {b} WHERE seq = -1",
    )
    report = chain.verify(anchored=anchored)
    assert (report.broken_block, report.broken_seq) == (1, a)


@pytest.mark.parametrize("anchored", [True, False])
def test_recomputed_trail_fails_its_signature(chain: Chain, anchored: bool) -> None:
    """Change a row, then re-seal everything with another key: the pinned key tells."""
    chain.sql(
        "UPDATE audit_event SET actor = 'mallory', block = NULL",
        "DELETE FROM audit_block",
    )
    seal(chain.store.engine, Ed25519PrivateKey.generate())
    report = chain.verify(anchored=anchored)
    assert report.broken_block == 1 and "another key" in (report.problem or "")


def test_recomputed_hash_without_the_key_fails(chain: Chain) -> None:
    """Change a row and re-compute its block's digest and hash as the code does: only the
    signature, which needs the key, is left wrong."""
    seq = _seq_in_block(chain, 2)
    chain.sql(f"UPDATE audit_event SET actor = 'mallory' WHERE seq = {seq}")
    with Session(chain.store.engine) as s, s.begin():
        rows = s.scalars(select(AuditEventRow).where(AuditEventRow.block == 2)).all()
        b = s.get(AuditBlockRow, 2)
        assert b is not None
        digests = [row_digest(r) for r in sorted(rows, key=lambda r: r.seq)]
        b.rows_digest = rows_digest(digests)
        b.row_marks = "".join(d[:8] for d in digests)
        b.hash = block_hash(
            2, b.prev_hash, b.first_seq, b.last_seq, b.row_count, b.rows_digest, b.sealed_at
        )
    report = chain.verify(anchored=False)
    assert report.broken_block == 2 and "signature" in (report.problem or "")


def test_removed_block_breaks_the_numbering(chain: Chain) -> None:
    chain.sql("DELETE FROM audit_event WHERE block = 2", "DELETE FROM audit_block WHERE block = 2")
    report = chain.verify(anchored=False)
    assert report.broken_block == 2 and "missing" in (report.problem or "")


def test_truncated_trail_is_caught_by_the_anchor(chain: Chain) -> None:
    with chain.store.engine.connect() as conn:
        last = int(conn.execute(text("SELECT max(block) FROM audit_block")).scalar_one())
    chain.sql(
        f"DELETE FROM audit_event WHERE block = {last}",
        f"DELETE FROM audit_block WHERE block = {last}",
    )
    report = chain.verify()
    assert report.broken_block == last and "cut short or wiped" in (report.problem or "")
    # Without the anchor a cut at a block boundary looks like a younger trail: it says so.
    bare = chain.verify(anchored=False)
    assert bare.intact and any("cut short or wiped" in n for n in bare.notes)


def test_wiped_trail_is_caught_by_the_anchor(chain: Chain) -> None:
    chain.sql("DELETE FROM audit_event", "DELETE FROM audit_block")
    report = chain.verify()
    assert report.broken_block == 1 and "cut short or wiped" in (report.problem or "")


def test_forged_anchor_is_refused(chain: Chain) -> None:
    anchor = read_anchors(chain.anchors)[0]
    forged = audit_seal.Anchor(**(anchor.__dict__ | {"block": anchor.block - 1}))
    chain.anchors.write_text(forged.as_line() + "\n")
    report = chain.verify()
    assert not report.intact and "not validly signed" in (report.problem or "")


def test_unsealed_tail_is_counted_with_its_age(chain: Chain, coordinator: Actor) -> None:
    chain.store.clock = type(chain.store.clock).fixed(FIXED_NOW)
    add_note(chain.store, coordinator, 1, "after the seal")
    report = verify(
        chain.store.engine, public_key=chain.public, now=FIXED_NOW + timedelta(minutes=7)
    )
    assert report.intact and report.unsealed >= 1
    assert report.unsealed_age is not None


def test_a_late_row_goes_into_the_next_block(chain: Chain) -> None:
    """A row that commits after higher numbers were sealed is sealed in the next block."""
    chain.sql(
        "INSERT INTO audit_event (seq, recorded_at, actor, action, outcome, detail)"
        " VALUES (0, '2026-03-10 13:59:00', 'alex', 'patient.search', '0', '{}')"
    )
    assert seal(chain.store.engine, chain.key).rows == 1
    assert chain.verify().intact


def test_blocks_hold_at_most_block_rows() -> None:
    assert BLOCK_ROWS >= 1000

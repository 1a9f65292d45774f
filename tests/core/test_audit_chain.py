"""The audit chain notices a changed, a removed, a re-ordered and a cut-off row."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import search, view_chart
from pcc_tui.core.store.audit import verify
from pcc_tui.core.store.database import Store
from tests import builders


@pytest.fixture
def chained(store: Store, coordinator: Actor) -> Store:
    pid = builders.patient(store, coordinator)
    for i in range(3):
        add_note(store, coordinator, pid, f"note {i}")
    view_chart(store, coordinator, pid)
    search(store, coordinator, "kowal")
    report = verify(store.engine)
    assert report.intact and report.rows_checked == 7
    return store


def _exec(store: Store, sql: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql))


def test_reads_are_audited(chained: Store) -> None:
    with chained.reading() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_event ORDER BY seq"))]
    assert actions[-2:] == ["patient.chart.view", "patient.search"]


def test_modified_row_is_detected(chained: Store) -> None:
    _exec(chained, "UPDATE audit_event SET actor = 'mallory' WHERE seq = 3")
    report = verify(chained.engine)
    assert (report.broken_seq, report.rows_checked) == (3, 2)
    assert "changed" in (report.problem or "")


def test_deleted_row_is_detected(chained: Store) -> None:
    _exec(chained, "DELETE FROM audit_event WHERE seq = 4")
    report = verify(chained.engine)
    assert report.broken_seq == 5 and "expected row 4" in (report.problem or "")


def test_reordered_rows_are_detected(chained: Store) -> None:
    # Swap the numbers of rows 3 and 4, keeping each row's own content and hash.
    _exec(chained, "UPDATE audit_event SET seq = -3 WHERE seq = 3")
    _exec(chained, "UPDATE audit_event SET seq = 3 WHERE seq = 4")
    _exec(chained, "UPDATE audit_event SET seq = 4 WHERE seq = -3")
    report = verify(chained.engine)
    assert report.broken_seq == 3 and not report.intact


def test_cut_tail_is_detected(chained: Store) -> None:
    _exec(chained, "DELETE FROM audit_event WHERE seq = 7")
    report = verify(chained.engine)
    assert not report.intact and "head says 7" in (report.problem or "")

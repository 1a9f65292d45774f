"""Deferred inserts: a row gets its id at once, is written with the others of its table, and
is there for any read the session makes before that. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from pcc_tui.core.domain.models import Contact, Problem
from pcc_tui.core.services.context import Actor, values_of
from pcc_tui.core.store import deferred_inserts
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.inserts import insert_row
from pcc_tui.core.store.tables import ContactRow, ProblemRow
from tests import builders

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def contact(patient_id: int, name: str) -> dict[str, object]:
    return values_of(Contact(patient_id=patient_id, name=name, relationship="spouse"))


def test_rows_wait_are_read_back_and_written_a_statement_per_table(
    store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator, mrn="MRN1")
    inserts: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO contact") or statement.startswith(
            "INSERT INTO problem"
        ):
            inserts.append(statement.split()[2])

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.writing() as s:
            deferred_inserts.start(s, block=2)  # more ids taken as they run out
            ids = [insert_row(s, ContactRow, contact(pid, f"C{n}"), "t", NOW) for n in range(3)]
            problem = insert_row(
                s,
                ProblemRow,
                values_of(Problem(patient_id=pid, display="Asthma", clinical_status="active")),
                "t",
                NOW,
            )
            assert len(set(ids)) == 3 and problem > 0
            assert inserts == []  # nothing written yet
            # A read sees them, with the ids given out.
            found = s.execute(select(ContactRow.id, ContactRow.name).order_by(ContactRow.id)).all()
            assert [tuple(r) for r in found] == [(i, f"C{n}") for n, i in enumerate(ids)]
            assert sorted(inserts) == ["contact", "problem"]  # one statement each
            more = insert_row(s, ContactRow, contact(pid, "C3"), "t", NOW)
            deferred_inserts.stop(s)
            assert not deferred_inserts.active(s)
        # Taken from the sequence (or after the largest): an ordinary insert never collides.
        with store.writing() as s:
            after = insert_row(s, ContactRow, contact(pid, "C4"), "t", NOW)
        assert after not in {*ids, more}
        with store.reading() as s:
            names = s.scalars(select(ContactRow.name).order_by(ContactRow.id)).all()
        assert names == ["C0", "C1", "C2", "C3", "C4"]
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def test_a_row_that_does_not_hold_fails_the_statement_that_writes_it(store: Store) -> None:
    with pytest.raises(IntegrityError), store.writing() as s:
        deferred_inserts.start(s, block=2)
        insert_row(s, ContactRow, contact(999_999, "Nobody's"), "t", NOW)  # no such patient
        s.execute(select(ContactRow.id))  # the read writes what waits first: refused here
    with store.reading() as s:
        assert s.scalars(select(ContactRow.id)).all() == []

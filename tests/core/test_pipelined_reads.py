"""Reads sent in one round trip (psycopg pipeline on PostgreSQL) behave like plain execution."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.exc import DBAPIError

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_queue
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.pipelined import fetch_all
from pcc_tui.core.store.tables import AppointmentRow, PatientRow
from tests import builders
from tests.conftest import FIXED_NOW


def test_same_rows_as_plain_execution(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(hours=2))
    appointments = select(AppointmentRow.id, AppointmentRow.start, AppointmentRow.patient_id).where(
        AppointmentRow.patient_id == bindparam("pid")
    )
    names = select(PatientRow.mrn, PatientRow.birth_date).where(PatientRow.id == bindparam("pid"))
    with store.reading() as s:
        conn = s.connection()
        piped = fetch_all(conn, [appointments, names], {"pid": pid, "unused": 1})
        plain = [list(conn.execute(st, {"pid": pid}).all()) for st in (appointments, names)]
    assert [[tuple(r) for r in part] for part in piped] == [[tuple(r) for r in p] for p in plain]
    start = piped[0][0][1]
    assert start == FIXED_NOW + timedelta(hours=2) and start.tzinfo is UTC


def test_a_failing_statement_names_no_values_and_leaves_the_store_usable(
    store: Store, coordinator: Actor
) -> None:
    secret = "Kowalski-7f3a"
    broken = select(literal_column("no_such_column")).where(
        PatientRow.family_name == bindparam("name")
    )
    with pytest.raises(DBAPIError) as caught, store.reading() as s:
        fetch_all(s.connection(), [broken], {"name": secret})
    assert secret not in str(caught.value)
    builders.patient(store, coordinator)  # the pool hands out a working connection again
    with store.reading() as s:
        assert fetch_all(s.connection(), [select(PatientRow.mrn)], {}) == [[("MRN100",)]]


def test_my_step_for_a_colleagues_patient_is_named(store: Store, coordinator: Actor) -> None:
    """Steps I own reach my queue whoever coordinates the patient; the name is looked up."""
    theirs = builders.patient(
        store, coordinator, "MRN300", family_name="Osei", given_name="Kofi", coordinator_id=None
    )
    builders.plan(store, coordinator, theirs, store.clock.today())
    queue = view_queue(store, coordinator)
    steps = [i for i in queue.items if i.kind is QueueKind.STEP]
    assert steps and {i.patient.mrn for i in steps} == {"MRN300"}
    assert {i.patient.family_name for i in steps} == {"Osei"}

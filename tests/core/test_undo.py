"""`z` undo: restores what my last change altered, voids what it created, audited, and
refuses when someone else changed the record since."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.codes import Channel
from pcc_tui.core.errors import ConflictError, DomainError
from pcc_tui.core.services import appointments, communications, patients, plans
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    NoteRow,
    PatientRow,
    PlanStepRow,
)
from tests import builders
from tests.conftest import FIXED_NOW


def test_undo_restores_then_walks_back(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    _, (s1, _s2, _s3) = builders.plan(store, coordinator, pid, store.clock.today())
    aid = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=1))
    plans.complete_step(store, coordinator, s1, 1)
    appointments.confirm_appointment(store, coordinator, aid, 1, Channel.PHONE)
    assert undo_last(store, coordinator).startswith("appointment confirmation for ")
    with store.reading() as s:
        appt = s.get(AppointmentRow, aid)
        assert appt is not None
        assert (appt.patient_status, appt.confirmation_method, appt.version) == (
            "needs-action",
            None,
            3,
        )
    assert undo_last(store, coordinator).startswith("step completed for ")
    with store.reading() as s:
        step = s.get(PlanStepRow, s1)
        assert step is not None and (step.status, step.completed_at) == ("requested", None)
        last = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc())).first()
        assert last is not None and last.action == "undo"
        assert json.loads(last.detail)["action"] == "plan_step.complete"


def test_undo_voids_what_was_created(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    note = communications.add_note(store, coordinator, pid, "wrong patient")
    undo_last(store, coordinator)
    with store.reading() as s:
        row = s.get(NoteRow, note)
        assert row is not None and row.status == "entered-in-error"
        assert row.void_reason == "undone by alex"


def test_undo_rename_reindexes_search(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    patients.update_patient(store, coordinator, pid, 1, {"family_name": "Nowak"})
    undo_last(store, coordinator)
    from pcc_tui.core.store.queries.search import search_patients

    with store.reading() as s:
        row = s.get(PatientRow, pid)
        assert row is not None and row.family_name == "Kowalski"
        assert [h.patient.id for h in search_patients(s, "kowalski")] == [pid]


def test_undo_refuses_over_someone_elses_change(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    _, (s1, _s2, _s3) = builders.plan(store, coordinator, pid, store.clock.today())
    plans.set_step_status(store, coordinator, s1, 1, business_status="faxed")
    other = Actor("sam", None, "coordinator", "Sam")
    plans.set_step_status(store, other, s1, 2, business_status="awaiting records")
    with pytest.raises(ConflictError):
        undo_last(store, coordinator)


def test_nothing_to_undo(store: Store, coordinator: Actor) -> None:
    with pytest.raises(DomainError, match="nothing of yours to undo"):
        undo_last(store, coordinator)


def test_undo_preview_names_the_change_and_the_patient(store: Store, coordinator: Actor) -> None:
    from pcc_tui.core.services.undo import preview_undo

    with pytest.raises(DomainError, match="nothing of yours to undo"):
        preview_undo(store, coordinator)
    pid = builders.patient(store, coordinator)
    communications.add_note(store, coordinator, pid, "called the daughter")
    preview = preview_undo(store, coordinator)
    assert preview.patient_id == pid and preview.words.startswith("note added for ")
    assert "note" not in preview.words.split(" for ")[1]  # masked name, no internal id
    with pytest.raises(DomainError, match="not the one shown"):
        undo_last(store, coordinator, expect_seq=preview.seq - 1)
    assert undo_last(store, coordinator, expect_seq=preview.seq) == preview.words

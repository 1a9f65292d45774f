"""Opening a patient in the cockpit: chart, timeline and coverage in one audited read that
also says who else has the patient open."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pcc_tui.core.errors import Forbidden
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.patient_view import view_patient
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow
from tests import builders
from tests.team.conftest import listen


def actions(store: Store, actor: str) -> list[AuditEventRow]:
    with store.reading() as s:
        return list(
            s.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.actor == actor)
                .order_by(AuditEventRow.seq)
            )
        )


def test_one_read_one_audit_row_naming_what_was_shown(
    store: Store, other_store: Store, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator)
    colleague = Actor("sam", None, "supervisor", "Sam Lee")
    assert view_patient(other_store, colleague, pid, announce=True).viewers == []
    before = len(actions(store, "alex"))
    feed = listen(other_store)  # Sam's cockpit hears of Alex opening the patient
    try:
        view = view_patient(store, coordinator, pid, announce=True)
        # Only presence changed: the other cockpits update "also open", nothing reloads.
        assert feed.next_change().tables == {"presence"}
    finally:
        feed.close()
    assert view.chart.patient.id == pid
    assert view.viewers == ["Sam Lee"]
    rows = actions(store, "alex")[before:]
    assert [(r.action, r.patient_id) for r in rows] == [("patient.chart.view", pid)]
    assert json.loads(rows[0].detail)["shown"] == ["chart", "timeline", "coverage"]
    # For a form (no presence): the same audited read, and "also open" is not asked.
    assert view_patient(store, coordinator, pid, announce=False).viewers == []


def test_a_viewer_opens_a_patient_and_still_changes_nothing(
    store: Store, coordinator: Actor
) -> None:
    """Saying "I have this patient open" is not a change to anyone's care."""
    pid = builders.patient(store, coordinator)
    viewer = Actor("vic", None, "viewer", "Vic Ng", None, "4 North")
    view = view_patient(store, viewer, pid, announce=True)
    assert view.chart.patient.id == pid
    with pytest.raises(Forbidden):
        add_note(store, viewer, pid, "a viewer writes nothing")

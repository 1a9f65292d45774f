"""The record's forms by keys only, at 80x24 and 160x48: a contact with consent (F), a later
decision (K), a contact changed and ended (U), coverage added and ended (I), a care-team
member added from outside and ended (T), problems added, resolved, marked in error (P).
Each change is one audited action, and `z` undoes the last as a correction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.store.tables import (
    CareTeamMemberRow,
    ConsentRow,
    ContactRow,
    CoverageRow,
    ProblemRow,
)
from pcc_tui.tui.screens.form import FormScreen
from tests.tui.conftest import SIZES, audit_actions, make_app, settle, shown
from tests.tui.test_actions import choose, type_into


async def _form(pilot: Any, key: str, title: str) -> FormScreen:
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, FormScreen), shown(pilot.app)
    assert title in shown(pilot.app)
    return pilot.app.screen


async def _save(pilot: Any, expect: str) -> None:
    await pilot.press("f2")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, FormScreen), shown(pilot.app)
    assert any(expect in n for n in pilot.app.notices), pilot.app.notices


def _rows(ward: Any, table: type, pid: int) -> list[Any]:
    store, _ = ward
    with store.reading() as s:
        return list(s.scalars(select(table).where(table.patient_id == pid).order_by(table.id)))


@pytest.mark.parametrize("size", SIZES)
async def test_contacts_and_consent(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        await _form(pilot, "F", "Add a family member or contact")
        await type_into(pilot, "name", "Maria Quinlan")
        await type_into(pilot, "relationship", "daughter")
        await choose(pilot, "decision", "agreed")
        await type_into(pilot, "scopes", "appoint, test")
        await type_into(pilot, "expires_on", "t+6m")
        await _save(pilot, "may hear about appointments, test results")
        maria = next(c for c in _rows(ward, ContactRow, pid) if c.name == "Maria Quinlan")
        form = await _form(pilot, "K", "Record the patient's consent")
        assert (
            "Maria Quinlan (daughter): may share: appointments, test results (verbal" in form.intro
        )
        await choose(pilot, "contact", str(maria.id))
        await choose(pilot, "decision", "withdrawn")
        await _save(pilot, "consent withdrawn: share nothing")
        await _form(pilot, "U", "Change or end a contact")
        await choose(pilot, "contact", str(maria.id))
        await type_into(pilot, "phone", "12")
        await pilot.press("f2")
        await settle(pilot)
        assert "New phone: the wrong number of digits" in shown(app)  # at its field, kept
        await type_into(pilot, "phone", "+44 20 7946 0018")
        await _save(pilot, "phone changed")
        await _form(pilot, "U", "Change or end a contact")
        await choose(pilot, "contact", str(maria.id))
        await choose(pilot, "end", "yes")
        await _save(pilot, "is no longer a contact")
    records = [c for c in _rows(ward, ConsentRow, pid) if c.contact_id == maria.id]
    assert [r.decision for r in records] == ["agreed", "withdrawn"]
    ended = next(c for c in _rows(ward, ContactRow, pid) if c.id == maria.id)
    assert (ended.status, ended.phone) == ("inactive", "+442079460018")
    actions = audit_actions(ward[0])
    assert actions.count("contact.add") == 1 and "consent.withdrawn" in actions


@pytest.mark.parametrize("size", SIZES)
async def test_coverage_care_team_and_problems(ward: Any, size: tuple[int, int]) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        await _form(pilot, "I", "Add a coverage")
        await type_into(pilot, "payer", "Cigna")
        await type_into(pilot, "member_id", "U77812345")
        await type_into(pilot, "subscriber", "Jan Quinlan")
        await choose(pilot, "relationship", "spouse")
        await type_into(pilot, "order", "2")
        await _save(pilot, "coverage with Cigna added (order 2)")
        await _form(pilot, "T", "Care team")
        await type_into(pilot, "provider", "Dr Ines Duarte (outside GP)")
        await type_into(pilot, "role", "GP")
        await _save(pilot, "Dr Ines Duarte (outside GP) (GP) added")
        outside = _rows(ward, CareTeamMemberRow, pid)[-1]
        await _form(pilot, "T", "Care team")
        await choose(pilot, "member", str(outside.id))
        await _save(pilot, "is no longer on the care team")
        await _form(pilot, "P", "Problems")
        await type_into(pilot, "display", "Influenza")
        await _save(pilot, "Influenza added to the problem list")
        flu = _rows(ward, ProblemRow, pid)[-1]
        await _form(pilot, "P", "Problems")
        await choose(pilot, "problem", str(flu.id))
        await _save(pilot, "Influenza resolved")
        await pilot.press("z")  # undo the last change: the problem is active again
        await settle(pilot)
        assert any("Undone: problem resolved" in n for n in app.notices), app.notices
    cov = _rows(ward, CoverageRow, pid)[-1]
    assert (cov.payer, cov.subscriber, cov.relationship, cov.order) == (
        "Cigna",
        "Jan Quinlan",
        "spouse",
        2,
    )
    assert _rows(ward, CareTeamMemberRow, pid)[-1].status == "inactive"
    flu_now = _rows(ward, ProblemRow, pid)[-1]
    assert (flu_now.clinical_status, flu_now.resolved_on) == ("active", None)

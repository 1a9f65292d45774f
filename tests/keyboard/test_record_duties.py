"""Keeping the record by keyboard alone, in the real `pcc` at 80x24 in a pseudo-terminal:
register a patient who looks like one already registered (offered the match), add a
daughter with consent for appointments only and then log a call to her about test results
(refused, the reason on screen), correct a phone number, add a coverage, end a care-team
member. Keys counted as in test_duties (typed text is not)."""

from __future__ import annotations

from sqlalchemy import func, select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.tables import (
    CareTeamMemberRow,
    CommunicationRow,
    ConsentRow,
    ContactRow,
    CoverageRow,
    PatientRow,
)
from tests.keyboard.conftest import Cockpit, quit_cleanly
from tests.keyboard.test_duties import mine, on_row, within


def _on_a_patient(c: Cockpit) -> int:
    item = mine(c, QueueKind.STEP)
    on_row(c, item)
    return item.patient.id


def _count(c: Cockpit, table: type) -> int:
    with c.store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_register_a_lookalike_is_offered_the_existing_record(cockpit: Cockpit) -> None:
    pid = _on_a_patient(cockpit)
    with cockpit.store.reading() as s:
        twin = s.get(PatientRow, pid)
    assert twin is not None
    before = _count(cockpit, PatientRow)
    cockpit.key("N")
    cockpit.type(twin.family_name)  # typed ahead, before the form is drawn: lands in it
    cockpit.wait("Register a patient")
    cockpit.key("tab")
    cockpit.type(twin.given_name)
    cockpit.key("tab")
    cockpit.type(twin.birth_date.isoformat())
    cockpit.key("f2")
    cockpit.wait("look")  # "This patient looks like the one you are registering"
    cockpit.wait(f"MRN {twin.mrn}")
    cockpit.key("enter")  # the default: open the existing record
    cockpit.wait(f"opened the existing record ({twin.mrn})")
    within(cockpit, 5)
    assert _count(cockpit, PatientRow) == before
    assert cockpit.audit("patient.duplicate-check") and not cockpit.audit("patient.register")
    quit_cleanly(cockpit)


def test_a_daughter_for_appointments_only_cannot_hear_test_results(cockpit: Cockpit) -> None:
    pid = _on_a_patient(cockpit)
    cockpit.key("F")
    cockpit.wait("Add a family member or contact")
    cockpit.type("Maria Quinlan")
    cockpit.key("tab")
    cockpit.type("daughter")
    cockpit.key("tab")
    cockpit.type("(202) 555-0143")
    cockpit.key("tab", "tab", "tab")  # past "Other phone" and "Prefers" to "Consent"
    cockpit.key("a")  # Agreed, and on to "May share"
    cockpit.type("appointments")
    cockpit.key("f2")
    cockpit.wait("Maria Quinlan (daughter) added; may hear about appointments")
    within(cockpit, 8)
    with cockpit.store.reading() as s:
        maria = s.scalar(select(ContactRow).where(ContactRow.name == "Maria Quinlan"))
        assert maria is not None and maria.patient_id == pid and maria.phone == "+12025550143"
        consent = s.scalar(select(ConsentRow).where(ConsentRow.contact_id == maria.id))
        assert consent is not None and consent.scopes == ["appointments"]
    calls = _count(cockpit, CommunicationRow)
    cockpit.counted.clear()
    cockpit.key("l")
    cockpit.wait("Log a call or message")
    cockpit.wait("Maria Quinlan: may share: appointments")
    contacts = view_chart(cockpit.store, cockpit.actor, pid).contacts
    # With: the letter picks the next contact starting with it; Maria is the newest.
    same_letter = [c for c in contacts if c.name.lower().startswith("m")]
    cockpit.key(*["m"] * (1 + same_letter.index(next(c for c in same_letter if c.id == maria.id))))
    cockpit.key("tab")  # past "Caller verified?" (No) to "About"
    cockpit.key("t")  # Test results
    cockpit.key("f2")
    cockpit.wait("has no consent to hear about test")
    screen = cockpit.screen()
    assert "may share: appointments (verbal" in screen
    assert _count(cockpit, CommunicationRow) == calls  # refused: nothing logged
    cockpit.key("escape")
    cockpit.wait("Discard what you typed?")
    cockpit.key("y")
    cockpit.wait("1 Queue")
    quit_cleanly(cockpit)


def test_correct_a_phone_number(cockpit: Cockpit) -> None:
    pid = _on_a_patient(cockpit)
    cockpit.key("2", "e")
    cockpit.wait("Edit the record")
    cockpit.key("tab", "tab", "tab", "tab")  # family, given, birth date, sex -> phone
    cockpit.key("ctrl+u")
    cockpit.type("(202) 555-0188")
    cockpit.key("f2")
    cockpit.wait("phone changed")
    within(cockpit, 8)
    with cockpit.store.reading() as s:
        row = s.get(PatientRow, pid)
    assert row is not None and row.phone == "+12025550188"
    assert cockpit.audit("patient.update")
    quit_cleanly(cockpit)


def test_add_a_coverage(cockpit: Cockpit) -> None:
    pid = _on_a_patient(cockpit)
    before = _count(cockpit, CoverageRow)
    cockpit.key("I")
    cockpit.wait("Add a coverage")
    cockpit.type("Cigna")
    cockpit.key("tab", "tab")  # past "Plan"
    cockpit.type("U77812345")
    cockpit.key("tab")
    cockpit.type("GRP-31")
    cockpit.key("f2")
    cockpit.wait("coverage with Cigna added")
    within(cockpit, 5)
    assert _count(cockpit, CoverageRow) == before + 1
    with cockpit.store.reading() as s:
        row = s.scalar(
            select(CoverageRow).where(CoverageRow.payer == "Cigna", CoverageRow.patient_id == pid)
        )
    assert row is not None and (row.member_id, row.group_id) == ("U77812345", "GRP-31")
    quit_cleanly(cockpit)


def test_end_a_care_team_member(cockpit: Cockpit) -> None:
    pid = _on_a_patient(cockpit)
    team = view_chart(cockpit.store, cockpit.actor, pid).care_team
    assert team, "the demo patient has a care team"
    first = team[0]
    cockpit.key("T")
    cockpit.wait("Care team")
    cockpit.key("e")  # Member: the first "End: ..." option
    cockpit.key("f2")
    cockpit.wait(f"{first.practitioner_name} is no longer on the care team")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        row = s.get(CareTeamMemberRow, first.member.id)
    assert row is not None and row.status == "inactive" and row.end is not None
    quit_cleanly(cockpit)

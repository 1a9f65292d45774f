"""A batch looks up together what its messages name (patients, stays, appointments,
providers) and knows what it registered has nothing yet. Whatever a patient's messages do —
register, add contacts, coverage and problems, transfer, discharge and cancel it, book and
miss appointments, merge, cancel an admission — sent in one batch they must leave the record
exactly as sent one message per batch. Both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text

from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.hl7_intake import Intake, Received, event_rules_and_pathways
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    ContactRow,
    CoverageRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    ProblemRow,
    StayRow,
    TransitionRow,
)
from tests import builders
from tests.hl7_builders import adt, siu

INTAKE = Actor("hl7-intake", None, "admin", "HL7 intake")
AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
NK1 = "NK1|1|Lee^{name}|SPO^Spouse|||(217)555-0101"
IN1 = "IN1|1|PLAN1^Gold|ACME|Acme Health" + "|" * 32 + "M-1"  # IN1-36: member id
DG1 = "DG1|{n}||{code}^{name}^I10"


def story(mrn: str) -> list[str]:
    """One patient's feed, every kind of step the batch's look-ups touch."""
    c = iter(range(100))

    def ctl() -> str:
        return f"{mrn}-{next(c)}"

    other = f"{mrn}X"
    return [
        adt(
            "A01",
            mrn,
            ctl(),
            extra=(
                NK1.format(name="Sam"),
                IN1,
                DG1.format(n=1, code="I50.9", name="Heart failure"),
            ),
        ),
        # Registered a moment ago in this batch: the same contact and coverage again are
        # not added twice, a second contact is.
        adt(
            "A08",
            mrn,
            ctl(),
            event_time="20261125091000",
            extra=(NK1.format(name="Sam"), NK1.format(name="Jo"), IN1),
        ),
        adt("A02", mrn, ctl(), event_time="20261125100000", ward="5 East", bed="3"),
        adt(
            "A03",
            mrn,
            ctl(),
            event_time="20261125110000",
            discharged="20261125110000",
            extra=(
                DG1.format(n=1, code="I50.9", name="Heart failure"),
                DG1.format(n=2, code="E11.9", name="Diabetes"),
            ),
        ),
        adt("A13", mrn, ctl(), event_time="20261125120000"),
        adt("A03", mrn, ctl(), event_time="20261125130000", discharged="20261125130000"),
        # A new visit, cancelled, admitted again: the void stay is not found again.
        adt("A01", mrn, ctl(), visit="V3", event_time="20261125131000"),
        adt("A11", mrn, ctl(), visit="V3", event_time="20261125132000"),
        adt("A01", mrn, ctl(), visit="V3", event_time="20261125133000", ward="6 West"),
        adt("A02", mrn, ctl(), visit="V3", event_time="20261125134000", ward="6 West", bed="9"),
        siu("S12", mrn, ctl(), appointment=f"APT-{mrn}", event_time="20261125140000"),
        # Booked again: the same appointment, found through the link written in this batch.
        siu(
            "S12",
            mrn,
            ctl(),
            appointment=f"APT-{mrn}",
            start="20261203110000",
            event_time="20261125141000",
        ),
        siu(
            "S26",
            mrn,
            ctl(),
            appointment=f"APT-{mrn}",
            start="20261203110000",
            event_time="20261125142000",
        ),
        adt("A01", other, ctl(), visit="V2", event_time="20261125150000"),
        adt("A40", mrn, ctl(), prior_mrn=other, cls=None, event_time="20261125160000"),
    ]


def record_of(store: Store, mrn: str) -> dict[str, Any]:
    """Everything the feed wrote for the patient, without ids."""
    with store.reading() as s:
        patient = s.scalars(select(PatientRow).where(PatientRow.mrn == mrn)).one()
        pid = patient.id

        def rows(*columns: Any) -> list[tuple[Any, ...]]:
            table = columns[0].class_
            found = s.execute(
                select(*columns).where(table.patient_id == pid).order_by(table.id)
            ).all()
            return [tuple(r) for r in found]

        return {
            "patient": (patient.ward, patient.bed, patient.status),
            "stays": rows(
                StayRow.visit_number,
                StayRow.status,
                StayRow.ward,
                StayRow.bed,
                StayRow.discharged_at,
            ),
            "contacts": rows(ContactRow.name, ContactRow.consent),
            "coverages": rows(CoverageRow.payer, CoverageRow.member_id),
            "problems": rows(ProblemRow.code, ProblemRow.display),
            "appointments": rows(
                AppointmentRow.status, AppointmentRow.start, AppointmentRow.practitioner_id
            ),
            "steps": rows(PlanStepRow.title, PlanStepRow.status, PlanStepRow.due_by),
            "transitions": rows(TransitionRow.status, TransitionRow.contact_due),
        }


def undo_of(store: Store, mrn: str) -> list[tuple[int, list[dict[str, Any]]]]:
    """Per message (by its number in the story), its audit row's undo payload."""
    with store.reading() as s:
        details = s.scalars(
            select(AuditEventRow.detail).where(AuditEventRow.entity_type == "hl7_message")
        ).all()
    found = []
    for raw in details:
        detail = json.loads(raw)
        control = str(detail.get("control_id", ""))
        if control.startswith(f"{mrn}-"):
            found.append((int(control.rsplit("-", 1)[1]), list(detail.get("undo", []))))
    return sorted(found, key=lambda pair: pair[0])


def what_changed(payloads: list[tuple[int, list[dict[str, Any]]]]) -> list[Any]:
    """Without ids and versions: the tables created and the fields changed, message by message."""
    return [
        (n, [(e["table"], e.get("created", False), sorted(e.get("before", {}))) for e in entries])
        for n, entries in payloads
    ]


def versions_hold(store: Store, payloads: list[tuple[int, list[dict[str, Any]]]]) -> None:
    """The last version each payload names for a row is the row's version now."""
    last: dict[tuple[str, int], int] = {}
    for _, entries in payloads:
        for e in entries:
            last[(e["table"], e["id"])] = e["version"]
    with store.reading() as s:
        for (table, row_id), version in last.items():
            stored = s.execute(
                text(f"SELECT version FROM {table} WHERE id = :id"), {"id": row_id}
            ).scalar_one()
            assert (table, row_id, stored) == (table, row_id, version)


def test_a_story_in_one_batch_leaves_what_it_leaves_message_by_message(store: Store) -> None:
    intake = Intake(store, INTAKE, *event_rules_and_pathways())
    batched = [r.outcome for r in intake.apply([Received(t, AT) for t in story("MRNA")])]
    one_by_one = [intake.apply([Received(t, AT)])[0].outcome for t in story("MRNB")]
    assert batched == one_by_one == ["AA"] * len(story("MRNA"))
    a, b = record_of(store, "MRNA"), record_of(store, "MRNB")
    assert a == b
    # And each message's audit row says the same of what it did (the rows it created and
    # changed), and the versions it names are the ones written.
    batched_undo, one_by_one_undo = undo_of(store, "MRNA"), undo_of(store, "MRNB")
    assert what_changed(batched_undo) == what_changed(one_by_one_undo)
    assert any(entries for _, entries in batched_undo)
    versions_hold(store, batched_undo)
    versions_hold(store, one_by_one_undo)
    # What the story must come to, so that "the same" is not "the same mistake".
    assert a["contacts"] == [("Sam Lee", "not-asked"), ("Jo Lee", "not-asked")]
    assert a["coverages"] == [("Acme Health", "M-1")]
    assert [code for code, _ in a["problems"]] == ["I50.9", "E11.9"]
    assert [(v, st) for v, st, *_ in a["stays"]] == [
        ("V1", "finished"),
        ("V3", "entered-in-error"),
        ("V3", "in-progress"),
        ("V2", "in-progress"),  # the merged patient's stay, moved
    ]
    assert a["patient"] == ("6 West", "9", "active")
    assert [status for status, *_ in a["appointments"]] == ["noshow"]
    assert [status for status, _ in a["transitions"]] == ["entered-in-error", "active"]


def test_stories_sent_side_by_side_leave_what_they_leave_message_by_message(
    store: Store,
) -> None:
    """Three connections at once: each batch holds the next message of each patient. Then
    the patients, stays and appointments a batch adds are flushed together at its end (one
    INSERT for the batch's new patients), and the record, the undo payloads and the versions
    they name are still those of one message per batch."""
    intake = Intake(store, INTAKE, *event_rules_and_pathways())
    mrns = ("MRNC", "MRND", "MRNE")
    stories = [story(mrn) for mrn in mrns]
    patient_inserts: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO patient "):
            patient_inserts[-1] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        for step in zip(*stories, strict=True):
            patient_inserts.append(0)
            outcomes = [r.outcome for r in intake.apply([Received(t, AT) for t in step])]
            assert outcomes == ["AA"] * len(mrns)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert patient_inserts[0] == 1  # the three registrations, flushed together
    one_by_one = [intake.apply([Received(t, AT)])[0].outcome for t in story("MRNB")]
    assert one_by_one == ["AA"] * len(one_by_one)
    expected, expected_undo = record_of(store, "MRNB"), what_changed(undo_of(store, "MRNB"))
    for mrn in mrns:
        assert record_of(store, mrn) == expected
        side_by_side = undo_of(store, mrn)
        assert what_changed(side_by_side) == expected_undo
        versions_hold(store, side_by_side)


def test_clinicians_are_read_as_id_family_given_and_a_provider_is_found(
    store: Store, coordinator: Actor
) -> None:
    """AIP-3 and PV1-7 are XCN (ID^family^given^middle): the provider is found by the name
    the batch looked up, and the attending is shown by name, not by number."""
    builders.practitioner(store, coordinator, "Dana J Smith")
    intake = Intake(store, INTAKE, *event_rules_and_pathways())
    booking = siu("S12", "MRNP", "P1", appointment="APT-P").replace(
        "AIL|1||", "AIP|1||D77^Smith^Dana^J^^^\rAIL|1||"
    )
    admission = adt("A01", "MRNP", "P2")  # PV1-7: 1234^House^Greg
    assert [r.outcome for r in intake.apply([Received(booking, AT), Received(admission, AT)])] == [
        "AA",
        "AA",
    ]
    with store.reading() as s:
        appointment = s.scalars(select(AppointmentRow)).one()
        who = s.get(PractitionerRow, appointment.practitioner_id)
        assert who is not None and who.name == "Dana J Smith"
        assert s.scalar(select(StayRow.attending)) == "Greg House"

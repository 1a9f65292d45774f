"""The HL7 v2 intake on both databases: the shared samples, duplicates, ordering, cancels,
merges, scheduling, the rules that make work, refusals that keep nothing, replay."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, func, select

from pcc_tui.core.domain.read_models import QueueKind, QueueScope
from pcc_tui.core.interop.hl7_files import read_messages
from pcc_tui.core.services import hl7_log, plans
from pcc_tui.core.services.context import Actor, Tx
from pcc_tui.core.services.hl7_intake import Intake, Received, event_rules_and_pathways
from pcc_tui.core.services.reads import view_chart, view_queue
from pcc_tui.core.services.record_history import record_history
from pcc_tui.core.services.reports import run_report
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    Hl7MessageRow,
    PatientRow,
    PlanStepRow,
    StayRow,
    TransitionRow,
)
from tests import builders
from tests.core.test_cli import pcc
from tests.hl7_builders import FIXTURES, SHARED, adt, sample_files, siu

INTAKE = Actor("hl7-intake", None, "admin", "HL7 intake")
AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def intake(store: Store) -> Intake:
    return Intake(store, INTAKE, *event_rules_and_pathways())


def send(intake: Intake, *texts: str) -> list[str]:
    return [r.outcome for r in intake.apply([Received(t, AT) for t in texts])]


def count(store: Store, table: type, *where: object) -> int:
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)


# What the MIT samples in fixtures/ must come to, file by file (in name order).
EXPECTED_REFUSED = {
    "Sample-ORM.txt": ("AR", "MSH-9"),
    "ORU-R01-01.hl7": ("AR", "MSH-9"),
    "ORU-R01-RMGEAD.hl7": ("AR", "MSH-9"),
    "REF-I12-01.hl7": ("AR", "MSH-9"),
    "orm-o01-order.hl7": ("AR", "MSH-9"),
    "edge-empty-segments.hl7": ("AE", "PID-3"),
    "invalid-segment-header-length.hl7": ("AR", None),
}


def test_every_sample_is_applied_or_refused_by_name(store: Store, intake: Intake) -> None:
    outcomes: dict[str, tuple[str, str | None]] = {}
    for path in sample_files():
        [text] = list(read_messages(path))
        [result] = intake.apply([Received(text, AT)])
        outcomes[path.name] = (result.code, result.where)
        assert result.ack.startswith("MSH|") and f"MSA|{result.code}|" in result.ack
        if result.code != "AA":
            assert f"|{result.where.split('-')[0]}^1^" in result.ack if result.where else True
            assert "ERR|" in result.ack
    refused = {name: o for name, o in outcomes.items() if o[0] != "AA"}
    assert refused == EXPECTED_REFUSED
    # One audit row per message, all in the log, nothing without its outcome.
    assert count(store, Hl7MessageRow) == len(outcomes)
    assert count(store, AuditEventRow, AuditEventRow.entity_type == "hl7_message") == len(outcomes)
    assert count(store, Hl7MessageRow, Hl7MessageRow.outcome == "pending") == 0
    # The Microsoft patient arrived, stayed, moved and left; the stay is on the record.
    assert count(store, PatientRow, PatientRow.mrn == "PATID1234") == 1
    assert count(store, StayRow) >= 1


def test_pcc_import_hl7_takes_every_sample_file_in_one_run(db_url: str) -> None:
    """`pcc import hl7 FOLDER` as a process: each refused message is named by file, number,
    log id and field, and the summary counts them all."""
    done = pcc("import", "hl7", str(FIXTURES), url=db_url)
    assert done.returncode == 1, done.stderr  # some samples are refused: not ADT/SIU, bad
    for name, (code, where) in EXPECTED_REFUSED.items():
        said = rf"{re.escape(name)}: message 1 \(log \d+\): {code}"
        assert re.search(said + (f" {where}:" if where else ":"), done.stderr), name
    total = len(sample_files())
    summary = re.search(
        rf"messages {total}: applied (\d+), held 0, duplicates 0, ignored (\d+),"
        rf" refused {len(EXPECTED_REFUSED)};",
        done.stdout,
    )
    assert summary, done.stdout  # ignored: events pcc does not act on (ACKed AA)
    assert int(summary[1]) + int(summary[2]) == total - len(EXPECTED_REFUSED)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            logged = conn.execute(select(func.count()).select_from(Hl7MessageRow)).scalar_one()
            patients = conn.execute(
                select(func.count()).select_from(PatientRow).where(PatientRow.mrn == "PATID1234")
            ).scalar_one()
    finally:
        engine.dispose()
    assert (logged, patients) == (total, 1)


@pytest.mark.skipif(
    not SHARED.is_dir() and not os.environ.get("PCC_SHARED_HL7V2"),
    reason="../shared/hl7v2 is not beside the project",
)
def test_the_whole_shared_set_never_crashes(store: Store, intake: Intake) -> None:
    assert SHARED.is_dir(), f"{SHARED} is not there"  # CI names it: required there
    for path in sample_files(SHARED):
        for text in read_messages(path):
            [result] = intake.apply([Received(text, AT)])
            assert result.code in ("AA", "AE", "AR"), path.name


def test_separators_and_encoding_characters_do_not_matter(store: Store, intake: Intake) -> None:
    plain = adt("A01", "MRN701", "K1")
    unix = adt("A01", "MRN702", "K2", sep="\n")
    windows = adt("A01", "MRN703", "K3", sep="\r\n")
    custom = adt("A01", "MRN704", "K4").replace("|", "#").replace("^", "$")
    custom = custom.replace("MSH#$~\\&", "MSH#$~\\&", 1)
    assert send(intake, plain, unix, windows, custom) == ["AA"] * 4
    with store.reading() as s:
        rows = s.execute(select(PatientRow.mrn, PatientRow.family_name, PatientRow.ward)).all()
    assert sorted(rows) == [(f"MRN70{n}", "Rivera", "4 North") for n in range(1, 5)]


def test_the_trigger_comes_from_msh_9_never_evn_1(store: Store, intake: Intake) -> None:
    wrong_evn = adt("A03", control="T1", discharged="20261125100000").replace("EVN|A03", "EVN|A01")
    assert send(intake, adt("A01", control="T0"), wrong_evn) == ["AA", "AA"]
    with store.reading() as s:
        assert s.scalar(select(StayRow.status)) == "finished"


def test_a_duplicate_is_acknowledged_and_not_applied_twice(store: Store, intake: Intake) -> None:
    admit = adt("A01", control="D1")
    # The same control id on another event (a cancel carrying its admission's id) is new.
    cancel = adt("A11", control="D1")
    assert send(intake, admit, admit, cancel, cancel) == ["AA", "duplicate", "AA", "duplicate"]
    assert count(store, StayRow) == 1
    again = intake.apply([Received(admit, AT)])[0]
    assert (again.code, again.outcome) == ("AA", "duplicate")


def test_admit_then_cancel_voids_the_stay_and_its_work(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700", ward=None, bed=None)
    assert send(intake, adt("A01", control="A1")) == ["AA"]
    with store.reading() as s:
        assert s.execute(select(PatientRow.ward, PatientRow.bed)).one() == ("4 North", "12")
        notice = s.scalar(select(PlanStepRow).where(PlanStepRow.title.like("Admitted to%")))
        assert notice is not None and notice.owner_id == coordinator.coordinator_id
    assert send(intake, adt("A11", control="A2")) == ["AA"]
    with store.reading() as s:
        assert s.execute(select(PatientRow.ward, PatientRow.bed)).one() == (None, None)
        assert s.scalar(select(StayRow.status)) == "entered-in-error"
        step = s.get(PlanStepRow, notice.id)
        assert step is not None and step.status == "entered-in-error"
        assert "A11" in (step.status_reason or "")


def test_discharge_cancel_discharge_leaves_one_transition(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700")
    out = send(
        intake,
        adt("A01", control="X1"),
        adt("A03", control="X2", discharged="20261125100000"),
        adt("A13", control="X3"),
        adt("A03", control="X4", discharged="20261125160000", event_time="20261125160000"),
    )
    assert out == ["AA"] * 4
    with store.reading() as s:
        statuses = s.scalars(select(TransitionRow.status).order_by(TransitionRow.id)).all()
        assert statuses == ["entered-in-error", "active"]
        assert s.scalar(select(StayRow.status)) == "finished"


def test_a_cancel_before_its_admission_is_held_then_applied(store: Store, intake: Intake) -> None:
    assert send(intake, adt("A11", control="O2")) == ["held"]
    assert count(store, Hl7MessageRow, Hl7MessageRow.outcome == "held") == 1
    assert send(intake, adt("A01", control="O1")) == ["AA"]
    assert count(store, Hl7MessageRow, Hl7MessageRow.outcome == "held") == 0
    with store.reading() as s:
        assert s.scalar(select(StayRow.status)) == "entered-in-error"


def test_transfer_moves_the_patient_and_its_cancel_moves_them_back(
    store: Store, intake: Intake
) -> None:
    assert send(
        intake, adt("A01", control="M1"), adt("A02", control="M2", ward="5 East", bed="3")
    ) == ["AA", "AA"]
    with store.reading() as s:
        assert s.execute(select(PatientRow.ward, PatientRow.bed)).one() == ("5 East", "3")
    assert send(intake, adt("A12", control="M3")) == ["AA"]
    with store.reading() as s:
        assert s.execute(select(PatientRow.ward, PatientRow.bed)).one() == ("4 North", "12")
        assert s.execute(select(StayRow.ward, StayRow.bed)).one() == ("4 North", "12")


def test_merge_moves_every_record_and_the_chart_says_so(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    keep = builders.patient(store, coordinator, mrn="MRN700")
    gone = builders.patient(store, coordinator, mrn="MRN799", given_name="Anna")
    builders.appointment(store, coordinator, gone, datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    assert send(intake, adt("A40", control="G1", prior_mrn="MRN799", cls=None)) == ["AA"]
    with store.reading() as s:
        assert s.scalar(select(AppointmentRow.patient_id)) == keep
        merged = s.get(PatientRow, gone)
        assert merged is not None and merged.status == "inactive"
        assert "MRN700" in (merged.void_reason or "")
    chart = view_chart(store, coordinator, keep)
    assert [m.merged_mrn for m in chart.merges] == ["MRN799"]
    audit = count(store, AuditEventRow, AuditEventRow.action == "hl7.adt-a40")
    assert audit == 1


def test_demographics_update_is_an_audited_change_with_history(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    pid = builders.patient(store, coordinator, mrn="MRN700", family_name="Rivera", given_name="Ana")
    assert send(intake, adt("A08", control="U1", family="Rivera-Lopez", cls=None)) == ["AA"]
    history = record_history(store, coordinator, pid)
    assert history[0].action == "patient.update"
    assert history[0].before.get("family_name") == "Rivera"


def test_a_refused_message_keeps_nothing_and_says_which_field(store: Store, intake: Intake) -> None:
    no_birth = adt("A01", "MRN750", "R1", birth="")
    bad_birth = adt("A01", "MRN751", "R2", birth="19501399")
    results = intake.apply(
        [Received(no_birth, AT), Received(bad_birth, AT), Received("garbage", AT)]
    )
    assert [(r.code, r.where) for r in results] == [("AE", "PID-7"), ("AE", "PID-7"), ("AR", "MSH")]
    assert count(store, PatientRow) == 0 and count(store, StayRow) == 0
    with store.reading() as s:
        errors = s.scalars(select(Hl7MessageRow.error)).all()
    assert all("Rivera" not in (e or "") and "1950" not in (e or "") for e in errors)


def test_a_batch_with_failures_keeps_the_good_ones_and_nothing_of_the_bad(
    store: Store, intake: Intake
) -> None:
    """A message failing part-way rolls back the straight-through attempt; the batch is then
    applied message by message: the good ones kept, the bad one leaving nothing, a held one
    released by its admission later in the same batch, every message logged once, in order,
    with one audit row."""
    texts = [
        adt("A01", "MRN800", "B1"),
        adt("A01", "MRN801", "B2", birth="19501399"),  # refused part-way (PID-7)
        adt("A11", "MRN802", "B3"),  # held: its admission comes next but one
        adt("A01", "MRN803", "B4"),
        adt("A01", "MRN802", "B5"),  # releases the held cancel
    ]
    results = intake.apply([Received(t, AT) for t in texts])
    assert [r.outcome for r in results] == ["AA", "AE", "held", "AA", "AA"]
    with store.reading() as s:
        assert sorted(s.scalars(select(PatientRow.mrn))) == ["MRN800", "MRN802", "MRN803"]
        logged = s.execute(
            select(Hl7MessageRow.control_id, Hl7MessageRow.outcome).order_by(Hl7MessageRow.id)
        ).all()
        stays = dict(
            s.execute(
                select(PatientRow.mrn, StayRow.status).join(
                    StayRow, StayRow.patient_id == PatientRow.id
                )
            ).all()
        )
    # The held cancel ran again once its admission was in: it is applied now.
    assert logged == [("B1", "AA"), ("B2", "AE"), ("B3", "AA"), ("B4", "AA"), ("B5", "AA")]
    assert stays == {"MRN800": "in-progress", "MRN802": "entered-in-error", "MRN803": "in-progress"}
    ids = [r.log_id for r in results]
    assert ids == sorted(ids)
    audited = count(store, AuditEventRow, AuditEventRow.entity_type == "hl7_message")
    assert audited == 6  # one per message, and one for the held cancel's second run


def test_a_held_message_is_released_by_a_batch_that_goes_straight_through(
    store: Store, intake: Intake
) -> None:
    assert send(intake, adt("A11", "MRN810", "H1")) == ["held"]
    assert send(intake, adt("A01", "MRN811", "H2"), adt("A01", "MRN810", "H3")) == ["AA", "AA"]
    assert count(store, Hl7MessageRow, Hl7MessageRow.outcome == "held") == 0
    with store.reading() as s:
        released = s.execute(
            select(Hl7MessageRow.outcome, Hl7MessageRow.attempts).where(
                Hl7MessageRow.control_id == "H1"
            )
        ).one()
    assert tuple(released) == ("AA", 2)


def test_a_duplicate_another_listener_applied_meanwhile_is_not_applied_twice(
    store: Store, intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two listeners on one database: the other one commits the same message after this
    batch looked for duplicates. The unique index on applied messages refuses the second
    log row; the batch is applied again message by message and that one is a duplicate."""
    assert send(intake, adt("A01", "MRN820", "L1")) == ["AA"]
    looked = hl7_log.start_batch
    monkeypatch.setattr(  # the other listener commits just after this batch looked
        hl7_log, "start_batch", lambda *a, **k: replace(looked(*a, **k), seen=set())
    )
    out = send(intake, adt("A01", "MRN821", "L2"), adt("A01", "MRN820", "L1"))
    assert out == ["AA", "duplicate"]
    with store.reading() as s:
        assert s.scalar(select(func.count()).select_from(StayRow)) == 2
    applied = count(store, Hl7MessageRow, Hl7MessageRow.outcome == "AA")
    assert applied == 2


def test_a_message_failing_after_its_log_row_was_written_is_still_logged(
    store: Store, intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Applied carefully, a message's log row is written inside its savepoint (so the unique
    index can refuse a duplicate); a failure after that takes the row back with the rest,
    and the refusal is then logged as a new row, not an update of a row that is gone."""
    real = Tx.undo_payload

    def fails_for_mrn_841(tx: Tx) -> list[dict[str, object]]:
        if tx.session.scalar(select(PatientRow.mrn).where(PatientRow.id == tx.patient_id)) == (
            "MRN841"
        ):
            raise RuntimeError("after the log row")
        return real(tx)

    monkeypatch.setattr(Tx, "undo_payload", fails_for_mrn_841)
    results = intake.apply(
        [Received(adt("A01", m, c), AT) for m, c in (("MRN840", "F1"), ("MRN841", "F2"))]
    )
    assert [(r.code, r.outcome) for r in results] == [("AA", "AA"), ("AE", "AE")]
    with store.reading() as s:
        logged = s.execute(
            select(Hl7MessageRow.control_id, Hl7MessageRow.outcome).order_by(Hl7MessageRow.id)
        ).all()
        kept = s.scalars(select(PatientRow.mrn)).all()
    assert logged == [("F1", "AA"), ("F2", "AE")]
    assert kept == ["MRN840"]


def test_replay_after_the_fix(store: Store, intake: Intake, coordinator: Actor) -> None:
    [refused] = intake.apply([Received(adt("A01", "MRN760", "P1", birth=""), AT)])
    assert refused.code == "AE" and refused.log_id is not None
    builders.patient(store, coordinator, mrn="MRN760")  # the record is registered by hand
    again = intake.replay(refused.log_id)
    assert again.code == "AA"
    with pytest.raises(ValueError):
        intake.replay(refused.log_id)  # applied: nothing to replay


def test_scheduling_books_reschedules_and_no_show_makes_a_task(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700")
    assert send(intake, siu("S13", control="S0", start="20261204100000")) == ["held"]
    assert send(intake, siu("S12", control="S1")) == ["AA"]
    with store.reading() as s:
        appt = s.scalars(select(AppointmentRow)).one()
        assert appt.start == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # the held S13, released
        assert appt.patient_status == "needs-action"  # the coordinator confirms it
    # Missed on Friday 4 Dec: the reschedule call is due the next business day, Monday.
    assert send(intake, siu("S26", control="S2", start="20261204100000")) == ["AA"]
    with store.reading() as s:
        assert s.scalar(select(AppointmentRow.status)) == "noshow"
        task = s.scalars(select(PlanStepRow).where(PlanStepRow.title.like("Missed%"))).one()
        assert task.due_by == date(2026, 12, 7) and task.owner_id == coordinator.coordinator_id


def test_discharge_home_starts_transitional_care_on_the_calendar(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700")
    # Discharged Wed 25 Nov 2026: Thursday is Thanksgiving, so the contact is due Monday.
    send(intake, adt("A01", control="H1"), adt("A03", control="H2", discharged="20261125100000"))
    builders.patient(store, coordinator, mrn="MRN701")
    send(
        intake,
        adt("A03", "MRN701", "H3", discharged="20261127100000", service="CAR", visit="V9"),
    )
    with store.reading() as s:
        rows = s.execute(
            select(
                TransitionRow.contact_due, TransitionRow.visit_due, TransitionRow.complexity
            ).order_by(TransitionRow.id)
        ).all()
    assert rows == [
        (date(2026, 11, 30), date(2026, 12, 9), "moderate"),
        (date(2026, 12, 1), date(2026, 12, 4), "high"),  # Fri 27 -> Tue 1; cardiology: 7 days
    ]


def test_ed_visit_makes_one_call_for_the_visit(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700")
    send(
        intake,
        adt("A04", control="E1", cls="E", admitted="20261120080000", visit="ED1"),
        adt("A03", control="E2", cls="E", discharged="20261120120000", visit="ED1"),
    )
    with store.reading() as s:
        calls = s.scalars(select(PlanStepRow).where(PlanStepRow.title.like("Call after%"))).all()
    assert [c.due_by for c in calls] == [date(2026, 11, 24)]  # Fri 20 Nov + 2 business days
    assert count(store, TransitionRow) == 0  # an ED visit is not an inpatient discharge


def test_the_transition_is_in_the_queue_with_its_clocks_and_the_contact_completes(
    store: Store, intake: Intake, coordinator: Actor
) -> None:
    builders.patient(store, coordinator, mrn="MRN700")
    send(intake, adt("A03", control="Q1", discharged="20260309100000", event_time="20260309100000"))
    queue = view_queue(store, coordinator, QueueScope.MINE)
    [item] = [i for i in queue.items if i.kind is QueueKind.TRANSITION]
    assert "contact by Wed 11 Mar (1 d left)" in item.title
    assert "face-to-face by Mon 23 Mar" in item.title
    assert not [i for i in queue.items if i.kind is QueueKind.STEP and "contact" in i.title]
    plans.complete_step(store, coordinator, item.entity_id, item.entity_version)
    [item] = [i for i in view_queue(store, coordinator).items if i.kind is QueueKind.TRANSITION]
    assert item.title.startswith("Transitional care: face-to-face by Mon 23 Mar")
    assert "done: contact" in item.title
    report = run_report(store, coordinator, "transitions")
    assert report.rows[0][5] == "on time" and report.rows[-1][5] == "100% on time"


def test_a_bad_rules_file_is_refused_with_its_name_and_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pcc_tui.core.libraries import TemplateFileError, load_event_rules

    (tmp_path / "ours.toml").write_text(
        '[[rules]]\nid = "x"\ntitle = "X"\nevents = ["ADT^Z99x"]\nthen = "task"\ntask = "T"\n'
    )
    with pytest.raises(TemplateFileError, match=r"ours.toml: rules.0.events"):
        load_event_rules(tmp_path)

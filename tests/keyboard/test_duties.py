"""Every everyday duty, by keyboard alone, in the real `pcc` at 80x24 in a pseudo-terminal.

Each test puts the queue cursor on a row (the `/` filter; not counted), performs the duty with
counted keystrokes, and asserts the screen, the database effect and its audit row. Every key
counts, a letter that picks an option included; only free text (a reason, a date) does not.
The budget per duty is the one issue 11 gives.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.codes import ConsentDecision, ShareScope, StepNeed
from pcc_tui.core.domain.read_models import QueueItem, QueueKind, QueueScope
from pcc_tui.core.services.reads import view_chart, view_coverage, view_queue, view_timeline
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CarePlanRow,
    CommunicationRow,
    EducationGivenRow,
    EligibilityCheckRow,
    HandoffRow,
    NoteRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
    SnoozeRow,
)
from pcc_tui.tui.panels.queue import KIND_LABEL, matches
from tests.keyboard.conftest import Cockpit, quit_cleanly, record_keys, start


def needle_for(c: Cockpit, item: QueueItem, *extra: str) -> str:
    """Filter words that make `item` the first row the queue shows."""
    queue = view_queue(c.store, c.actor, QueueScope.MINE)
    base = [item.patient.mrn.lower(), KIND_LABEL[item.kind], *extra]
    for n in range(len(item.title.split()) + 1):
        words = base + [w.lower() for w in item.title.split()[:n]]
        needle = " ".join(words)
        shown = [i for i in queue.items if matches(i, needle)]
        if shown and shown[0].entity_id == item.entity_id and shown[0].kind is item.kind:
            return needle
    raise AssertionError("no filter puts the item first")


def mine(c: Cockpit, kind: QueueKind, test: Any = lambda _i: True) -> QueueItem:
    queue = view_queue(c.store, c.actor, QueueScope.MINE)
    return next(i for i in queue.items if i.kind is kind and test(i))


def on_row(c: Cockpit, item: QueueItem) -> None:
    c.move_to(needle_for(c, item))
    c.screen()
    time.sleep(0.4)  # the debounced chart load of the row


def within(c: Cockpit, budget: int) -> None:
    record_keys(c.counted, budget)
    assert c.keystrokes <= budget, f"{c.keystrokes} keys: {c.counted} (budget {budget})"


def unconfirmed(i: QueueItem) -> bool:
    return "confirm with patient" in i.title


def test_confirm_by_phone_reached(cockpit: Cockpit) -> None:
    item = mine(cockpit, QueueKind.APPOINTMENT, unconfirmed)
    on_row(cockpit, item)
    cockpit.key("c")
    cockpit.wait("Confirm:")
    cockpit.wait(f"MRN{item.patient.mrn.removeprefix('MRN')}")  # the form names the patient
    cockpit.key("f2")
    cockpit.wait("confirmed by phone")
    within(cockpit, 2)
    with cockpit.store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and (row.patient_status, row.confirmation_method) == (
            "accepted",
            "phone",
        )
    assert [e.entity_id for e in cockpit.audit("appointment.confirm")] == [item.entity_id]
    quit_cleanly(cockpit)


def test_confirm_voicemail_next_attempt_tomorrow(cockpit: Cockpit) -> None:
    item = mine(cockpit, QueueKind.APPOINTMENT, unconfirmed)
    on_row(cockpit, item)
    cockpit.key("c")
    cockpit.wait("Outcome")
    cockpit.key("v")  # picks "voicemail" and moves on to "Try again"
    cockpit.type("t+1d 10")
    cockpit.key("f2")
    cockpit.wait("voicemail logged, not confirmed yet")
    within(cockpit, 4)
    tomorrow = date.today() + timedelta(days=1)
    with cockpit.store.reading() as s:
        comm = s.scalars(select(CommunicationRow).order_by(CommunicationRow.id.desc())).first()
        assert comm is not None and comm.outcome == "voicemail"
        assert comm.next_attempt_due is not None
        assert comm.next_attempt_due.astimezone().date() == tomorrow
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.patient_status == "needs-action"
    assert cockpit.audit("appointment.confirm_attempt")


def _family(c: Cockpit, scope: ShareScope | None = None) -> tuple[QueueItem, Any]:
    queue = view_queue(c.store, c.actor, QueueScope.MINE)
    for item in queue.items:
        chart = view_chart(c.store, c.actor, item.patient.id)
        for contact in chart.contacts:
            ok = contact.consent is ConsentDecision.AGREED
            if ok and (scope is None or scope in contact.share_scope):
                letter = contact.name[0].lower()
                others = [x.name for x in chart.contacts if x.name[0].lower() == letter]
                if letter != "p" and len(others) == 1:
                    return item, contact
    raise AssertionError("no patient with a consented family contact")


def test_log_a_family_call_with_the_caller_verified(cockpit: Cockpit) -> None:
    item, contact = _family(cockpit)
    on_row(cockpit, item)
    cockpit.key("l")
    cockpit.wait("Log a call or message")
    cockpit.wait(f"verify by {contact.verification_method}")  # how to check the caller
    cockpit.key(contact.name[0].lower())  # With: the contact (and on to the next field)
    cockpit.key("y")  # Caller verified? Yes
    cockpit.key("f2")
    cockpit.wait(f"call with {contact.name} logged (caller verified)")
    within(cockpit, 4)
    with cockpit.store.reading() as s:
        comm = s.scalars(select(CommunicationRow).order_by(CommunicationRow.id.desc())).first()
        assert comm is not None and comm.contact_id == contact.id
        assert comm.caller_verified is True and comm.verified_how == contact.verification_method
    assert cockpit.audit("communication.log")


def _open_step(c: Cockpit) -> QueueItem:
    return mine(c, QueueKind.STEP, lambda i: "waiting" not in i.title)


def test_complete_a_step(cockpit: Cockpit) -> None:
    item = _open_step(cockpit)
    on_row(cockpit, item)
    cockpit.key("d")
    cockpit.wait("completed")
    within(cockpit, 1)
    with cockpit.store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.status == "completed"
    assert [e.entity_id for e in cockpit.audit("plan_step.complete")] == [item.entity_id]


def test_put_a_step_on_hold_with_a_reason(cockpit: Cockpit) -> None:
    item = _open_step(cockpit)
    on_row(cockpit, item)
    cockpit.key("s")
    cockpit.wait("New status")
    cockpit.key("o")  # On hold, and on to the reason
    cockpit.type("patient in hospital")
    cockpit.key("f2")
    cockpit.wait("on hold")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and (row.status, row.status_reason) == (
            "on-hold",
            "patient in hospital",
        )
    assert cockpit.audit("plan_step.status")


def test_book_for_a_timeline_step(cockpit: Cockpit) -> None:
    queue = view_queue(cockpit.store, cockpit.actor, QueueScope.MINE)
    for item in queue.items:
        timeline = view_timeline(cockpit.store, cockpit.actor, item.patient.id)
        needing = [
            e
            for e in timeline.entries
            if not e.finished
            and StepNeed.APPOINTMENT in e.step.needs
            and e.step.appointment_id is None
        ]
        if needing:
            break
    else:
        raise AssertionError("no patient with a step that needs an appointment")
    step = needing[0].step
    on_row(cockpit, item)
    cockpit.key("3")  # the timeline; its cursor starts on the first open step
    open_ids = [e.step.id for e in timeline.entries if not e.finished]
    rows: list[int | None] = [e.step.id for e in timeline.entries]
    rows.insert(timeline.now_index, None)  # the "now" marker is a row too
    moves = rows.index(step.id) - rows.index(open_ids[0])
    cockpit.term.press(*(["j"] * moves if moves > 0 else ["k"] * -moves))  # onto the step
    cockpit.key("b")
    cockpit.wait("for the step:")
    cockpit.type("t+3d 10:30")
    cockpit.key("f2")
    cockpit.wait("booked")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        row = s.get(PlanStepRow, step.id)
        assert row is not None and row.appointment_id is not None
        appt = s.get(AppointmentRow, row.appointment_id)
        assert appt is not None
        local = appt.start.astimezone()
        assert (local.date(), local.hour, local.minute) == (
            date.today() + timedelta(days=3),
            10,
            30,
        )
    assert cockpit.audit("appointment.book")


def test_reschedule(cockpit: Cockpit) -> None:
    item = mine(cockpit, QueueKind.APPOINTMENT)
    on_row(cockpit, item)
    cockpit.key("r")
    cockpit.wait("Reschedule:")
    cockpit.type("t+2d 14")
    cockpit.key("f2")
    cockpit.wait("moved to")
    within(cockpit, 2)
    with cockpit.store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and row.start.astimezone().date() == date.today() + timedelta(2)
    assert cockpit.audit("appointment.reschedule")


def test_cancel_with_a_reason(cockpit: Cockpit) -> None:
    item = mine(cockpit, QueueKind.APPOINTMENT)
    on_row(cockpit, item)
    cockpit.key("x")
    cockpit.wait("Cancel:")
    cockpit.type("patient unwell")
    cockpit.key("f2")
    cockpit.wait("Cancel ")
    cockpit.key("y")  # "Cancel ... ?": yes (Enter or Esc would say No)
    cockpit.wait(" cancelled")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        row = s.get(AppointmentRow, item.entity_id)
        assert row is not None and (row.status, row.cancel_reason) == (
            "cancelled",
            "patient unwell",
        )
    assert cockpit.audit("appointment.cancelled")


def test_eligibility_not_eligible_with_a_note(cockpit: Cockpit) -> None:
    queue = view_queue(cockpit.store, cockpit.actor, QueueScope.MINE)
    item = next(
        i
        for i in queue.items
        if view_coverage(cockpit.store, cockpit.actor, i.patient.id).coverages
    )
    on_row(cockpit, item)
    cockpit.key("v")
    cockpit.wait("Eligibility check")
    cockpit.key("n")  # Not eligible, and on to the note
    cockpit.type("ref 4471, spoke to Dana")
    cockpit.key("f2")
    cockpit.wait("checked, not eligible")
    within(cockpit, 4)
    with cockpit.store.reading() as s:
        check = s.scalars(
            select(EligibilityCheckRow).order_by(EligibilityCheckRow.id.desc())
        ).first()
        assert check is not None and (check.result, check.note) == (
            "not-eligible",
            "ref 4471, spoke to Dana",
        )
    assert cockpit.audit("eligibility.check")


def _plain_patient(c: Cockpit) -> QueueItem:
    """A step row of a patient with no pending auth and no open referral."""
    queue = view_queue(c.store, c.actor, QueueScope.MINE)
    for item in queue.items:
        if item.kind is not QueueKind.STEP:
            continue
        cov = view_coverage(c.store, c.actor, item.patient.id)
        pended = [a for a in cov.auths if a.auth.decision.value == "pended"]
        referrals = [r for r in cov.referrals if r.referral.tracking.value != "reply-received"]
        if not pended and not referrals and cov.coverages:
            return item
    raise AssertionError("no plain patient")


def test_request_then_approve_a_prior_auth_before_its_due_day(cockpit: Cockpit) -> None:
    item = _plain_patient(cockpit)
    on_row(cockpit, item)
    cockpit.key("a")
    cockpit.wait("Request a prior authorisation")
    cockpit.type("Overnight sleep study")
    cockpit.key("f2")
    cockpit.wait("prior auth for Overnight sleep study requested")
    within(cockpit, 2)
    cockpit.counted.clear()
    cockpit.screen()
    time.sleep(0.5)
    cockpit.key("4", "a")
    cockpit.wait("Prior auth decision: Overnight sleep study")
    cockpit.key("a")  # Approved, and on to the units
    cockpit.type("6")
    cockpit.key("f2")
    cockpit.wait("prior auth approved, 6 units")
    within(cockpit, 4)
    with cockpit.store.reading() as s:
        auth = s.scalars(
            select(PriorAuthorizationRow).where(
                PriorAuthorizationRow.service == "Overnight sleep study"
            )
        ).one()
        assert (auth.decision, auth.units_approved) == ("approved", 6)
        assert auth.decided_at is not None and auth.decided_at < auth.decision_due
    assert cockpit.audit("prior_auth.request") and cockpit.audit("prior_auth.decide")


def test_new_referral_then_its_reply(cockpit: Cockpit) -> None:
    item = _plain_patient(cockpit)
    on_row(cockpit, item)
    cockpit.key("t")
    cockpit.wait("New referral")
    cockpit.type("Cardiology, Dr Park")
    cockpit.key("tab")
    cockpit.type("chest pain on exertion")
    cockpit.key("f2")
    cockpit.wait("referral to Cardiology, Dr Park sent")
    within(cockpit, 3)
    cockpit.counted.clear()
    time.sleep(0.5)
    cockpit.key("4", "t")
    cockpit.wait("Referral: Cardiology, Dr Park")
    cockpit.type("seen; start beta blocker")
    cockpit.key("f2")
    cockpit.wait("referral reply recorded, loop closed")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        ref = s.scalars(
            select(ReferralRow).where(ReferralRow.to_whom == "Cardiology, Dr Park")
        ).one()
        assert (ref.tracking, ref.reply) == ("reply-received", "seen; start beta blocker")
    assert cockpit.audit("referral.create") and cockpit.audit("referral.reply")


def test_snooze(cockpit: Cockpit) -> None:
    item = _open_step(cockpit)
    on_row(cockpit, item)
    cockpit.key("S")
    cockpit.wait("Snooze:")
    cockpit.type("t+3d")
    cockpit.key("tab")
    cockpit.type("waiting for lab results")
    cockpit.key("f2")
    cockpit.wait("aside?")
    cockpit.key("y")
    cockpit.wait("snoozed until")
    within(cockpit, 4)
    with cockpit.store.reading() as s:
        snooze = s.scalars(select(SnoozeRow)).one()
        assert (snooze.entity_type, snooze.entity_id) == ("plan_step", item.entity_id)
    assert cockpit.audit("queue.snooze")


def test_start_a_pathway_at_an_anchor_date(cockpit: Cockpit) -> None:
    item = mine(cockpit, QueueKind.STEP)
    on_row(cockpit, item)
    cockpit.key("p")
    cockpit.wait("Start a care pathway")
    cockpit.key("c")  # COPD exacerbation follow-up, and on to the anchor date
    cockpit.type("t-1d")
    cockpit.key("f2")
    cockpit.wait("COPD exacerbation follow-up started")
    within(cockpit, 3)
    with cockpit.store.reading() as s:
        plan = s.scalars(
            select(CarePlanRow).where(
                CarePlanRow.patient_id == item.patient.id,
                CarePlanRow.template == "copd-exacerbation",
            )
        ).one()
        assert plan.anchor_date == date.today() - timedelta(days=1)
    assert cockpit.audit("care_plan.start_pathway")


def test_explain_a_procedure_to_a_consented_family_member(cockpit: Cockpit) -> None:
    item, contact = _family(cockpit, ShareScope.CONDITION)
    on_row(cockpit, item)
    cockpit.key("i")
    cockpit.wait("Explain a procedure")
    cockpit.key("u")  # Using your inhaler well, and on to "Given to"
    cockpit.wait("Read out:")  # the plain-language text to read out
    cockpit.key(contact.name[0].lower())
    cockpit.key("f2")
    cockpit.wait(f"explained to {contact.name}")
    within(cockpit, 4)
    with cockpit.store.reading() as s:
        given = s.scalars(select(EducationGivenRow)).all()
        assert [(g.topic_id, g.contact_id) for g in given] == [("inhaler-technique", contact.id)]
    assert cockpit.audit("education.given")


def test_hand_a_patient_over_then_the_colleague_accepts(
    cockpit: Cockpit, seeded: Any, tmp_path: Path
) -> None:
    item = mine(cockpit, QueueKind.STEP)
    on_row(cockpit, item)
    cockpit.key("H")
    cockpit.wait("Hand over")
    cockpit.key("s")  # Sam Okafor, and on to the reason
    cockpit.type("annual leave from Monday")
    cockpit.key("f2")
    cockpit.wait("offered to Sam Okafor")
    within(cockpit, 4)
    quit_cleanly(cockpit)
    url, store, _actor = seeded
    sam = Cockpit(start(url, "sam", tmp_path), store, _actor)
    try:
        sam.key("h")
        sam.wait("Handoffs offered to you (1)")
        sam.key("a")
        sam.wait("handoff accepted")
        within(sam, 2)
        sam.term.press("escape")  # back to the cockpit, then quit
        sam.wait("1 Queue")
        quit_cleanly(sam)
    finally:
        sam.term.kill()
    with store.reading() as s:
        offer = s.scalars(select(HandoffRow)).one()
        patient = s.get(PatientRow, item.patient.id)
        assert offer.status == "completed" or offer.status == "accepted"
        assert patient is not None and patient.coordinator_id != cockpit.actor.coordinator_id
    assert cockpit.audit("handoff.offer") and cockpit.audit("handoff.accept")


def test_rounds_tick_two_save_next_bed(cockpit: Cockpit) -> None:
    cockpit.key("W")
    cockpit.wait("Checklist")
    cockpit.wait("Open items:")
    first = cockpit.screen().split("Open items: ")[1][:9]
    cockpit.key("1", "2")
    cockpit.wait("[x] 2 Mobilising")
    cockpit.key("s")
    cockpit.wait("checklist saved: 2 of 5")
    within(cockpit, 5)
    time.sleep(0.5)
    assert cockpit.screen().split("Open items: ")[1][:9] != first  # on to the next bed
    with cockpit.store.reading() as s:
        note = s.scalars(select(NoteRow).order_by(NoteRow.id.desc())).first()
        assert note is not None and "done: Pain controlled, Mobilising" in note.text
    assert cockpit.audit("rounds.checklist")


def test_open_a_report_and_a_patient_from_it(cockpit: Cockpit) -> None:
    cockpit.key("o")
    cockpit.wait("Shift handoff")
    cockpit.key("enter")  # the first report: my patients with something owed by tomorrow
    cockpit.wait("MRN")
    before = len(cockpit.audit("patient.chart.view"))
    cockpit.key("enter")  # its first row's patient, in the chart
    cockpit.wait("2 Chart")
    within(cockpit, 3)
    time.sleep(0.5)
    assert len(cockpit.audit("patient.chart.view")) > before
    assert cockpit.audit("report.run")
    chart = cockpit.audit("patient.chart.view")[-1]
    with cockpit.store.reading() as s:
        patient = s.get(PatientRow, chart.patient_id)
    assert patient is not None and patient.family_name.upper() in cockpit.screen()


def test_undo_my_last_change(cockpit: Cockpit) -> None:
    item = _open_step(cockpit)
    on_row(cockpit, item)
    cockpit.term.press("d")
    cockpit.wait("completed")
    time.sleep(0.5)
    cockpit.key("z")
    cockpit.wait("Undone: step completed for")
    within(cockpit, 1)
    with cockpit.store.reading() as s:
        row = s.get(PlanStepRow, item.entity_id)
        assert row is not None and row.status != "completed"
    assert cockpit.audit("undo")


def test_jump_to_a_patient_by_mrn_tail(cockpit: Cockpit) -> None:
    with cockpit.store.reading() as s:
        patient = s.scalars(select(PatientRow).order_by(PatientRow.id.desc())).first()
    assert patient is not None
    cockpit.key("colon")
    cockpit.type(patient.mrn[-4:])
    cockpit.wait(f"{patient.family_name}, {patient.given_name}")
    cockpit.term.press("enter")  # ends the typed text
    cockpit.wait(f"{patient.family_name.upper()}, {patient.given_name}")
    within(cockpit, 1)
    assert cockpit.audit("patient.search")


def test_f12_and_back(cockpit: Cockpit) -> None:
    time.sleep(0.5)
    shown = cockpit.screen()
    cockpit.key("f12")
    blank = cockpit.wait("Screen hidden")
    assert "Queue" not in blank and "MRN" not in blank
    cockpit.key("f12")
    cockpit.wait("1 Queue")
    within(cockpit, 2)
    assert "Chart" in shown


def test_type_ahead_d_j_completes_the_step_under_the_cursor_at_d(cockpit: Cockpit) -> None:
    queue = view_queue(cockpit.store, cockpit.actor, QueueScope.MINE)
    shown = [i for i in queue.items if matches(i, "step")]
    at = next(n for n, i in enumerate(shown[:-1]) if "waiting" not in i.title)
    first, second = shown[at], shown[at + 1]
    cockpit.move_to("step")
    cockpit.term.press(*["j"] * at)
    time.sleep(0.3)
    cockpit.term.burst("d", "j")  # one write, as over a slow link
    cockpit.wait("completed")
    time.sleep(0.5)
    with cockpit.store.reading() as s:
        done = s.get(PlanStepRow, first.entity_id)
        other = s.get(PlanStepRow, second.entity_id)
    assert done is not None and done.status == "completed"
    assert other is not None and other.status != "completed"
    assert [e.entity_id for e in cockpit.audit("plan_step.complete")] == [first.entity_id]

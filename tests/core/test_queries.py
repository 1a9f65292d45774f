"""Queue, chart, timeline, coverage checklist and search, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pcc_tui.core.clock import Clock
from pcc_tui.core.domain.codes import (
    PRIORITY_RANK,
    AppointmentStatus,
    AuthDecision,
    EligibilityResult,
)
from pcc_tui.core.domain.models import Communication, Contact, Coverage, Referral
from pcc_tui.core.domain.read_models import QueueKind, QueueScope, SearchMatch
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services import (
    appointments,
    communications,
    insurance,
    plans,
    record_changes,
    referrals,
)
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import search, view_chart, view_coverage, view_queue, view_timeline
from pcc_tui.core.store.database import Policy, Store
from tests import builders
from tests.conftest import FIXED_NOW


@pytest.fixture
def caseload(store: Store, coordinator: Actor) -> dict[str, int]:
    """One patient with one item of every queue kind, and a second patient on another ward."""
    today = store.clock.today()
    pid = builders.patient(store, coordinator)
    other = builders.patient(
        store,
        coordinator,
        "MRN200",
        family_name="Tran",
        given_name="Minh",
        ward="5 South",
        bed="01",
        birth_date=date(1990, 2, 3),
    )
    builders.plan(store, coordinator, pid, today)
    prac = builders.practitioner(store, coordinator)
    appt = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(hours=1), prac)
    builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=1), prac)
    communications.log_communication(
        store,
        coordinator,
        Communication(
            patient_id=pid,
            with_whom="patient",
            channel="phone",
            outcome="no-answer",
            sent_at=FIXED_NOW - timedelta(hours=5),
            next_attempt_due=FIXED_NOW - timedelta(hours=1),
        ),
    )
    auth = insurance.request_prior_auth(
        store,
        coordinator,
        pid,
        "Cardiac MRI",
        expedited=True,
        requested_at=FIXED_NOW - timedelta(hours=70),
    )
    referrals.create_referral(
        store,
        coordinator,
        Referral(
            patient_id=pid,
            to_whom="Dietetics",
            reason="Low sodium",
            priority="urgent",
            sent_on=today - timedelta(days=10),
            reply_due=today - timedelta(days=3),
        ),
    )
    return {"patient": pid, "other": other, "appointment": appt, "auth": auth}


def test_queue_has_every_kind_ranked(
    store: Store, coordinator: Actor, caseload: dict[str, int]
) -> None:
    queue = view_queue(store, coordinator, QueueScope.MINE)
    assert queue.counts == {
        QueueKind.APPOINTMENT: 2,  # today's, and tomorrow's still to confirm (2 days ahead)
        QueueKind.STEP: 2,  # overdue + due today; the pool step is due next week
        QueueKind.CALLBACK: 1,
        QueueKind.AUTH: 1,
        QueueKind.REFERRAL: 1,
        QueueKind.TRANSITION: 0,  # no discharge has come from the hospital feed
    }
    assert len(queue.items) == 7 and not queue.truncated
    keys = [(PRIORITY_RANK[i.priority], i.when) for i in queue.items]
    assert keys == sorted(keys)
    assert queue.items[0].kind is QueueKind.AUTH  # expedited: asap outranks urgent
    step = next(i for i in queue.items if i.kind is QueueKind.STEP and i.overdue)
    assert step.title == "Medication reconciliation" and step.entity_version == 1
    appt = next(i for i in queue.items if i.kind is QueueKind.APPOINTMENT)
    assert appt.entity_id == caseload["appointment"] and "confirm" in appt.title


def test_queue_scopes(store: Store, coordinator: Actor, caseload: dict[str, int]) -> None:
    ward = view_queue(store, coordinator, QueueScope.WARD)
    assert {i.patient.ward for i in ward.items} == {"4 North"}
    assert view_queue(store, coordinator, QueueScope.WARD, ward="5 South").items == []
    everyone = view_queue(store, coordinator, QueueScope.ALL)
    assert sum(everyone.counts.values()) >= sum(ward.counts.values())
    nobody = Actor("viewer", None, "viewer", "Viewer")
    with pytest.raises(DomainError, match="no caseload"):
        view_queue(store, nobody, QueueScope.MINE)


def test_done_steps_leave_the_queue(
    store: Store, coordinator: Actor, caseload: dict[str, int]
) -> None:
    step = next(i for i in view_queue(store, coordinator).items if i.kind is QueueKind.STEP)
    plans.complete_step(store, coordinator, step.entity_id, step.entity_version)
    queue = view_queue(store, coordinator)
    assert step.entity_id not in {i.entity_id for i in queue.items if i.kind is QueueKind.STEP}


def test_chart(store: Store, coordinator: Actor, caseload: dict[str, int]) -> None:
    pid = caseload["patient"]
    record_changes.add_contact(
        store,
        coordinator,
        Contact(
            patient_id=pid,
            name="Piotr K",
            relationship="son",
            consent="agreed",
            consent_on=date(2026, 1, 5),
            share_scope=["appointments"],
            verification_method="date of birth",
        ),
    )
    communications.add_note(store, coordinator, pid, "Prefers mornings")
    chart = view_chart(store, coordinator, pid)
    assert chart.patient.mrn == "MRN100" and chart.age == 77
    assert chart.coordinator_name == "Alex Morgan"
    assert [c.share_scope for c in chart.contacts] == [["appointments"]]
    assert [a.practitioner_name for a in chart.upcoming] == ["Dr Chen", "Dr Chen"]
    assert chart.notes[0].text == "Prefers mornings"
    assert chart.communications[0].outcome == "no-answer"


def test_timeline_marks_overdue_blocked_and_now(
    store: Store, coordinator: Actor, caseload: dict[str, int]
) -> None:
    timeline = view_timeline(store, coordinator, caseload["patient"])
    first, second, third = timeline.entries
    assert first.overdue and not first.finished and first.blocked_by == []
    assert second.blocked_by == [first.step.id] and second.step.depends_on == [first.step.id]
    assert timeline.now_index == 2 and third.owner_name is None
    plans.complete_step(store, coordinator, first.step.id, first.step.version)
    again = view_timeline(store, coordinator, caseload["patient"])
    assert again.entries[0].finished and again.entries[1].blocked_by == []


def test_coverage_checklist_names_what_is_missing(
    store: Store, coordinator: Actor, caseload: dict[str, int]
) -> None:
    pid = caseload["patient"]
    missing = view_coverage(store, coordinator, pid).missing
    assert any(m.startswith("No active coverage") for m in missing)
    assert "Appointment not booked for step 'Cardiology visit'" in missing
    cov = insurance.add_coverage(
        store, coordinator, Coverage(patient_id=pid, payer="Medicare", member_id="X1")
    )
    checklist = view_coverage(store, coordinator, pid)
    assert "Eligibility never verified: Medicare" in checklist.missing
    insurance.record_eligibility_check(
        store,
        coordinator,
        cov,
        EligibilityResult.ELIGIBLE,
        checked_at=FIXED_NOW - timedelta(days=45),
    )
    checklist = view_coverage(store, coordinator, pid)
    assert checklist.coverages[0].eligibility_stale
    assert any(m.startswith("Eligibility stale: Medicare") for m in checklist.missing)
    insurance.record_eligibility_check(store, coordinator, cov, EligibilityResult.ELIGIBLE)
    checklist = view_coverage(store, coordinator, pid)
    assert not any("Eligibility" in m for m in checklist.missing)
    assert checklist.next_appointment is not None
    [auth] = checklist.auths
    assert auth.auth.decision == AuthDecision.PENDED and not auth.decision_overdue
    [ref] = checklist.referrals
    assert ref.reply_overdue


@pytest.mark.parametrize(
    ("query", "expected", "match"),
    [
        ("kowal", "MRN100", SearchMatch.PREFIX),
        ("KOWALSKI", "MRN100", SearchMatch.EXACT),
        ("walsk", "MRN100", SearchMatch.SUBSTRING),
        ("kowlaski", "MRN100", SearchMatch.FUZZY),  # two letters swapped
        ("kowalsky", "MRN100", SearchMatch.FUZZY),
        ("agnieszka kowalski", "MRN100", SearchMatch.EXACT),
        ("Kowalski, Agn", "MRN100", SearchMatch.PREFIX),
        ("MRN200", "MRN200", SearchMatch.MRN),
        ("mrn20", "MRN200", SearchMatch.MRN),
        ("1990-02-03", "MRN200", SearchMatch.BIRTH_DATE),
        ("03.02.1990", "MRN200", SearchMatch.BIRTH_DATE),
        ("02/03/1990", "MRN200", SearchMatch.BIRTH_DATE),
        ("tran 1990-02-03", "MRN200", SearchMatch.EXACT),
    ],
)
def test_search(
    store: Store,
    coordinator: Actor,
    caseload: dict[str, int],
    query: str,
    expected: str,
    match: SearchMatch,
) -> None:
    hits = search(store, coordinator, query)
    assert [h.patient.mrn for h in hits] == [expected]
    assert hits[0].match is match


def test_search_finds_nothing_when_nothing_fits(
    store: Store, coordinator: Actor, caseload: dict[str, int]
) -> None:
    assert search(store, coordinator, "zzyzx") == []
    assert search(store, coordinator, "tran 1948-05-17") == []
    assert search(store, coordinator, "   ") == []


def test_demo_queue_invariants(demo: tuple[Store, Actor]) -> None:
    store, actor = demo
    queue = view_queue(store, actor)
    assert all(
        queue.counts[k] > 0 for k in (QueueKind.APPOINTMENT, QueueKind.STEP, QueueKind.CALLBACK)
    )
    today = store.clock.today()
    for item in queue.items:
        if item.kind is QueueKind.STEP:
            assert item.when.date() <= today
        if item.kind is QueueKind.APPOINTMENT:
            day = item.when.astimezone(store.clock.tz).date()
            # today's, or one of the next two business days' still to confirm
            assert day == today or (
                today < day <= Policy().calendar.add_business_days(today, 2)
                and "confirm with patient" in item.title
            )
    everyone = view_queue(store, actor, QueueScope.ALL)
    assert sum(everyone.counts.values()) > sum(queue.counts.values())


def test_confirm_ahead_counts_business_days_and_leaves_checked_in_alone(
    store: Store, coordinator: Actor
) -> None:
    """Friday: Monday's and Tuesday's unconfirmed appointments are in the queue, Wednesday's
    is not; a checked-in appointment is today's work but no longer "confirm"."""
    friday = datetime(2026, 3, 13, 14, 0, tzinfo=UTC)
    store = Store(store.engine, clock=Clock.fixed(friday), policy=store.policy)
    pid = builders.patient(store, coordinator)
    made = {
        name: builders.appointment(store, coordinator, pid, friday + timedelta(days=d, hours=h))
        for name, d, h in (("today", 0, 2), ("mon", 3, 0), ("tue", 4, 0), ("wed", 5, 0))
    }
    appointments.set_appointment_status(
        store, coordinator, made["today"], 1, AppointmentStatus.CHECKED_IN
    )
    items = {
        i.entity_id: i
        for i in view_queue(store, coordinator).items
        if i.kind is QueueKind.APPOINTMENT
    }
    assert set(items) == {made["today"], made["mon"], made["tue"]}
    assert "confirm" not in items[made["today"]].title
    assert all("confirm with patient" in items[made[d]].title for d in ("mon", "tue"))


def test_demo_chart_lists_are_complete_ordered_and_utc(demo: tuple[Store, Actor]) -> None:
    store, actor = demo
    for pid in (1, 2, 3, 17, 42):
        chart = view_chart(store, actor, pid)
        assert chart.patient.id == pid and len(chart.care_team) == 2
        assert chart.problems and all(p.display for p in chart.problems)
        assert all(m.practitioner_name.startswith("Dr ") for m in chart.care_team)
        starts = [a.appointment.start for a in chart.upcoming]
        assert starts == sorted(starts) and all(s.utcoffset() == timedelta(0) for s in starts)
        sent = [c.sent_at for c in chart.communications]
        assert sent == sorted(sent, reverse=True) and all(s.tzinfo is not None for s in sent)
        assert all(n.created_at is not None and n.created_at.tzinfo for n in chart.notes)
        assert all(p.version == 1 for p in chart.problems)

"""The coordinator's actions: pick the target, build the form, call the core service.

Each `*_form` returns a FormScreen (or None with a reason) for the App to push; the
`submit` closures run in the form's thread worker, so no database call is made on the UI
thread. Targets come from the queue cursor (or the rows marked with space), the timeline
cursor, or the patient shown in the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.codes import (
    AppointmentStatus,
    AuthDecision,
    Channel,
    ContactOutcome,
    Direction,
    EligibilityResult,
    ParticipationStatus,
    TaskStatus,
)
from pcc_tui.core.domain.lifecycle import TASK_TRANSITIONS
from pcc_tui.core.domain.models import Communication
from pcc_tui.core.domain.read_models import QueueItem, QueueKind, TimelineEntry
from pcc_tui.core.services import appointments, communications, insurance, plans
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp

CHANNELS = [
    ("Phone", "phone"),
    ("SMS", "sms"),
    ("Portal", "portal"),
    ("In person", "in-person"),
    ("Email", "email"),
    ("Letter", "letter"),
]
NO_YES = [("No", "no"), ("Yes", "yes")]
ATTEMPT_MISSES = (
    ContactOutcome.VOICEMAIL,
    ContactOutcome.NO_ANSWER,
    ContactOutcome.BUSY,
    ContactOutcome.WRONG_NUMBER,
    ContactOutcome.MESSAGE_SENT,
)  # risky choices: No comes first and is the default


class NoTarget(Exception):
    """The action has nothing to act on here; the message says what to select."""


@dataclass(frozen=True)
class Target:
    entity_id: int
    version: int
    label: str


def form(
    app: PccApp, title: str, fields: list[FormField], submit: Any, intro: str = ""
) -> FormScreen:
    return FormScreen(
        title, fields, submit, now=app.store.clock.now(), tz=app.store.clock.tz, intro=intro
    )


def appointment_targets(app: PccApp) -> list[Target]:
    marked = [i for i in app.queue_panel.marked_items() if i.kind is QueueKind.APPOINTMENT]
    if marked:
        return [Target(i.entity_id, i.entity_version, i.title) for i in marked]
    item = app.queue_panel.current_item()
    if (
        item is not None
        and item.kind is QueueKind.APPOINTMENT
        and (app.patient_id in (None, item.patient.id))
    ):
        return [Target(item.entity_id, item.entity_version, item.title)]
    if app.chart is not None:
        for entry in app.chart.upcoming:
            a = entry.appointment
            if a.patient_status == ParticipationStatus.NEEDS_ACTION and a.id is not None:
                return [Target(a.id, a.version, a.reason or "appointment")]
        if app.chart.upcoming and app.chart.upcoming[0].appointment.id is not None:
            a = app.chart.upcoming[0].appointment
            return [Target(a.id or 0, a.version, a.reason or "appointment")]
    raise NoTarget("select an appointment in the queue, or a patient with one coming up")


def step_targets(app: PccApp) -> list[Target]:
    if app.focused_panel() == "timeline":
        entry = app.timeline_panel.current_entry()
        if entry is not None and entry.step.id is not None:
            return [Target(entry.step.id, entry.step.version, entry.step.title)]
    marked = [i for i in app.queue_panel.marked_items() if i.kind is QueueKind.STEP]
    if marked:
        return [Target(i.entity_id, i.entity_version, i.title) for i in marked]
    item = app.queue_panel.current_item()
    if item is not None and item.kind is QueueKind.STEP:
        return [Target(item.entity_id, item.entity_version, item.title)]
    raise NoTarget("select a plan step in the queue or the timeline")


def _one(targets: list[Target], version: int | None) -> list[Target]:
    if version is None:
        return targets
    return [Target(targets[0].entity_id, version, targets[0].label)]


def confirm_form(app: PccApp) -> FormScreen:
    targets = appointment_targets(app)

    def submit(values: dict[str, Any], version: int | None) -> str:
        outcome = ContactOutcome(values["outcome"])
        for t in _one(targets, version):
            appointments.confirm_appointment(
                app.store,
                app.actor,
                t.entity_id,
                t.version,
                Channel(values["method"]),
                outcome=outcome,
                next_attempt_due=values["next_attempt_due"],
            )
        if outcome is not ContactOutcome.REACHED:
            return f"Attempt logged ({outcome.value}); not confirmed yet"
        return f"Confirmed {len(targets)} appointment(s) by {values['method']}"

    what = targets[0].label if len(targets) == 1 else f"{len(targets)} marked appointments"
    return form(
        app,
        f"Confirm: {what}",
        [
            FormField("method", "Confirmed by", "choice", CHANNELS, "phone", True),
            FormField(
                "outcome",
                "Outcome",
                "choice",
                [("Reached: confirmed", "reached")]
                + [(o.value.replace("-", " "), o.value) for o in ATTEMPT_MISSES],
                "reached",
                True,
            ),
            FormField("next_attempt_due", "Try again", "datetime", placeholder="if missed: now+2h"),
        ],
        submit,
        intro="Every attempt is logged as a communication with the patient.",
    )


def reschedule_form(app: PccApp) -> FormScreen:
    [target] = appointment_targets(app)[:1]

    def submit(values: dict[str, Any], version: int | None) -> str:
        start = values["start"]
        end = start + timedelta(minutes=values["minutes"] or 30)
        appointments.reschedule_appointment(
            app.store, app.actor, target.entity_id, version or target.version, start, end
        )
        return f"Rescheduled to {start:%a %d %b %H:%M}; ask the patient to confirm"

    return form(
        app,
        f"Reschedule: {target.label}",
        [
            FormField(
                "start", "New start", "datetime", required=True, placeholder="mon 9:30, t+3d 14"
            ),
            FormField("minutes", "Minutes", "int", value="30"),
        ],
        submit,
    )


def cancel_form(app: PccApp) -> FormScreen:
    [target] = appointment_targets(app)[:1]

    def submit(values: dict[str, Any], version: int | None) -> str:
        if values["sure"] != "yes":
            raise FieldErrors({"sure": "choose Yes to go ahead"})
        status = AppointmentStatus(values["status"])
        appointments.set_appointment_status(
            app.store,
            app.actor,
            target.entity_id,
            version or target.version,
            status,
            values["reason"],
        )
        return f"Appointment marked {status.value}"

    return form(
        app,
        f"Cancel or no-show: {target.label}",
        [
            FormField(
                "status",
                "Outcome",
                "choice",
                [("Cancelled", "cancelled"), ("No-show", "noshow")],
                "cancelled",
                True,
            ),
            FormField("reason", "Reason", required=True, placeholder="patient unwell"),
            FormField("sure", "Really?", "choice", NO_YES, "no", True),
        ],
        submit,
    )


def complete_steps(app: PccApp, version: int | None = None) -> str:
    """Runs in a worker: complete the selected (or marked) steps."""
    targets = _one(step_targets(app), version)
    for t in targets:
        plans.complete_step(app.store, app.actor, t.entity_id, t.version)
    return f"Completed {len(targets)} step(s)" if len(targets) > 1 else f"Done: {targets[0].label}"


def step_status_form(app: PccApp) -> FormScreen:
    [target] = step_targets(app)[:1]
    entry: TimelineEntry | None = None
    if app.timeline is not None:
        entry = next((e for e in app.timeline.entries if e.step.id == target.entity_id), None)
    current = entry.step.status.value if entry else None
    allowed = (
        [str(s) for s in TASK_TRANSITIONS.get(current, ())]
        if current
        else [s.value for s in TaskStatus]
    )

    def submit(values: dict[str, Any], version: int | None) -> str:
        status = TaskStatus(values["status"]) if values["status"] else None
        plans.set_step_status(
            app.store,
            app.actor,
            target.entity_id,
            version or target.version,
            status=status,
            business_status=values["business_status"],
            status_reason=values["reason"],
        )
        return f"Updated: {target.label}"

    return form(
        app,
        f"Step status: {target.label}" + (f" ({current})" if current else ""),
        [
            FormField("status", "New status", "choice", [(s, s) for s in allowed]),
            FormField(
                "business_status",
                "Business status",
                value=(entry.step.business_status or "") if entry else "",
                placeholder="left voicemail, awaiting records",
            ),
            FormField("reason", "Reason", placeholder="needed for cancel, fail, hold"),
        ],
        submit,
    )


def patient_id(app: PccApp) -> int:
    if app.patient_id is None:
        raise NoTarget("select a patient first (queue cursor, or : to find one)")
    return app.patient_id


def note_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)

    def submit(values: dict[str, Any], version: int | None) -> str:
        communications.add_note(app.store, app.actor, pid, values["text"])
        return "Note added"

    return form(app, "Note", [FormField("text", "Note", required=True)], submit)


def _callback_item(app: PccApp, pid: int) -> QueueItem | None:
    item = app.queue_panel.current_item()
    if item is not None and item.kind is QueueKind.CALLBACK and item.patient.id == pid:
        return item
    return None


def contact_choices(app: PccApp) -> tuple[list[tuple[str, str]], list[str]]:
    """Who one may talk to about the patient, and what the patient agreed each may hear and
    how to verify the caller: shown before anything is shared."""
    contacts = app.chart.contacts if app.chart else []
    who = [("Patient", "patient")]
    lines = []
    for c in contacts:
        tag = c.consent.value
        if tag == "objected":
            who.append((f"{c.name} ({c.relationship}) - OBJECTED", str(c.id)))
            lines.append(f"{c.name}: patient OBJECTED - share nothing")
        else:
            who.append((f"{c.name} ({c.relationship})", str(c.id)))
            scope = ", ".join(s.value for s in c.share_scope) or "nothing (consent not asked)"
            lines.append(
                f"{c.name}: may share {scope}; verify by {c.verification_method or 'not set'}"
            )
    return who, lines


def log_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)
    who, lines = contact_choices(app)
    callback = _callback_item(app, pid)

    def submit(values: dict[str, Any], version: int | None) -> str:
        contact_id = None if values["who"] == "patient" else int(values["who"])
        label = next(label for label, value in who if value == values["who"])
        comm = Communication(
            patient_id=pid,
            contact_id=contact_id,
            with_whom=label.split(" - ")[0],
            channel=Channel(values["channel"]),
            direction=Direction(values["direction"]),
            outcome=ContactOutcome(values["outcome"]),
            note=values["note"],
            sent_at=app.store.clock.now(),
            next_attempt_due=values["next_attempt_due"],
        )
        closes = (callback.entity_id, version or callback.entity_version) if callback else None
        communications.log_communication(app.store, app.actor, comm, closes_callback=closes)
        return "Communication logged" + (" (callback closed)" if callback else "")

    return form(
        app,
        "Log a communication",
        [
            FormField("who", "With", "choice", who, "patient", True),
            FormField("channel", "Channel", "choice", CHANNELS, "phone", True),
            FormField(
                "direction",
                "Direction",
                "choice",
                [("Outbound", "outbound"), ("Inbound", "inbound")],
                "outbound",
                True,
            ),
            FormField(
                "outcome",
                "Outcome",
                "choice",
                [(o.value.replace("-", " "), o.value) for o in ContactOutcome],
                "",
                True,
            ),
            FormField("note", "Note"),
            FormField(
                "next_attempt_due", "Next attempt", "datetime", placeholder="now+2h, t+1d 10"
            ),
        ],
        submit,
        intro="\n".join(lines),
    )


def eligibility_form(app: PccApp) -> FormScreen:
    if app.coverage is None or not app.coverage.coverages:
        raise NoTarget("this patient has no coverage on file")
    choices = [
        (f"{e.coverage.order}. {e.coverage.payer} {e.coverage.plan or ''}", str(e.coverage.id))
        for e in app.coverage.coverages
    ]

    def submit(values: dict[str, Any], version: int | None) -> str:
        insurance.record_eligibility_check(
            app.store,
            app.actor,
            int(values["coverage"]),
            EligibilityResult(values["result"]),
            values["note"],
        )
        return "Eligibility recorded"

    return form(
        app,
        "Eligibility check",
        [
            FormField("coverage", "Coverage", "choice", choices, choices[0][1], True),
            FormField(
                "result",
                "Result",
                "choice",
                [
                    ("Eligible", "eligible"),
                    ("Not eligible", "not-eligible"),
                    ("Error / no answer", "error"),
                ],
                "eligible",
                True,
            ),
            FormField("note", "Note", placeholder="reference number, who you spoke to"),
        ],
        submit,
    )


def prior_auth_form(app: PccApp) -> FormScreen:
    item = app.queue_panel.current_item()
    if item is not None and item.kind is QueueKind.AUTH:
        return _decide_form(app, item)
    pid = patient_id(app)
    coverages = app.coverage.coverages if app.coverage else []
    choices = [
        (f"{e.coverage.payer} {e.coverage.plan or ''}", str(e.coverage.id)) for e in coverages
    ]

    def submit(values: dict[str, Any], version: int | None) -> str:
        insurance.request_prior_auth(
            app.store,
            app.actor,
            pid,
            values["service"],
            coverage_id=int(values["coverage"]) if values["coverage"] else None,
            expedited=values["expedited"] == "yes",
        )
        return "Prior authorisation requested"

    return form(
        app,
        "Request prior authorisation",
        [
            FormField("service", "Service", required=True, placeholder="Cardiac MRI"),
            FormField("coverage", "Coverage", "choice", choices, choices[0][1] if choices else ""),
            FormField("expedited", "Expedited (72 h)?", "choice", NO_YES, "no", True),
        ],
        submit,
    )


def _decide_form(app: PccApp, item: QueueItem) -> FormScreen:
    def submit(values: dict[str, Any], version: int | None) -> str:
        insurance.decide_prior_auth(
            app.store,
            app.actor,
            item.entity_id,
            version or item.entity_version,
            decision=AuthDecision(values["decision"]),
            auth_number=values["auth_number"],
            units_approved=values["units_approved"],
            valid_from=values["valid_from"],
            valid_to=values["valid_to"],
        )
        return f"Prior auth {values['decision']}"

    return form(
        app,
        f"Decision: {item.title}",
        [
            FormField(
                "decision",
                "Decision",
                "choice",
                [("Approved", "approved"), ("Partly approved", "partial"), ("Denied", "denied")],
                "",
                True,
            ),
            FormField("auth_number", "Auth number"),
            FormField("units_approved", "Units approved", "int"),
            FormField("valid_from", "Valid from", "date", placeholder="t"),
            FormField("valid_to", "Valid to", "date", placeholder="t+3m"),
        ],
        submit,
    )

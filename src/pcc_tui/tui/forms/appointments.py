"""Appointments: confirm (`c`), reschedule (`r`), cancel or no-show (`x`), book (`b`) and the
day-of-visit statuses (`f`). Targets come from the frozen Selection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pcc_tui.core.domain.codes import (
    AppointmentStatus,
    Channel,
    ContactOutcome,
    ParticipationStatus,
    StepNeed,
)
from pcc_tui.core.domain.models import Appointment
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import appointments
from pcc_tui.tui.forms.base import CHANNELS, NO_YES, FormEnv, NoTarget, form, need_patient, when
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

ATTEMPT_MISSES = (
    ContactOutcome.VOICEMAIL,
    ContactOutcome.NO_ANSWER,
    ContactOutcome.BUSY,
    ContactOutcome.WRONG_NUMBER,
    ContactOutcome.MESSAGE_SENT,
)
PROGRESS = [
    ("Checked in", AppointmentStatus.CHECKED_IN.value),
    ("Arrived", AppointmentStatus.ARRIVED.value),
    ("Fulfilled (seen)", AppointmentStatus.FULFILLED.value),
]
PAST_WORDS = "that time has passed: choose 'record a past visit' to enter one"


@dataclass(frozen=True)
class Target:
    entity_id: int
    version: int
    label: str  # "Physiotherapy with Dr Park, Tue 01 Dec 12:30"


def appointment_targets(env: FormEnv, sel: Selection) -> list[Target]:
    marked = sel.marked_of(QueueKind.APPOINTMENT)
    if marked:
        return [Target(i.entity_id, i.entity_version, _item_label(env, i)) for i in marked]
    item = sel.item_of(QueueKind.APPOINTMENT)
    if item is not None:
        return [Target(item.entity_id, item.entity_version, _item_label(env, item))]
    if sel.chart is not None and sel.chart.patient.id == sel.patient_id:
        upcoming = sel.chart.upcoming
        waiting = [
            e for e in upcoming if e.appointment.patient_status == ParticipationStatus.NEEDS_ACTION
        ]
        for entry in waiting or upcoming:
            a = entry.appointment
            if a.id is not None:
                who = f" with {entry.practitioner_name}" if entry.practitioner_name else ""
                label = f"{a.reason or 'Appointment'}{who}, {when(env, a.start)}"
                return [Target(a.id, a.version, label)]
    raise NoTarget("select an appointment in the queue, or a patient with one coming up")


def _item_label(env: FormEnv, item: Any) -> str:
    title = str(item.title).removesuffix(" - confirm with patient")
    return f"{title}, {when(env, item.when)}"


def _one(targets: list[Target], version: int | None) -> list[Target]:
    if version is None:
        return targets
    return [Target(targets[0].entity_id, version, targets[0].label)]


def _what(targets: list[Target]) -> str:
    return targets[0].label if len(targets) == 1 else f"{len(targets)} marked appointments"


def confirm_form(env: FormEnv, sel: Selection) -> FormScreen:
    targets = appointment_targets(env, sel)
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        outcome = ContactOutcome(values["outcome"])
        for t in _one(targets, version):
            appointments.confirm_appointment(
                env.store,
                env.actor,
                t.entity_id,
                t.version,
                Channel(values["method"]),
                outcome=outcome,
                next_attempt_due=values["next_attempt_due"],
            )
        if outcome is not ContactOutcome.REACHED:
            again = values["next_attempt_due"]
            later = f"; next try {when(env, again)}" if again else ""
            return f"{who}: {outcome.value.replace('-', ' ')} logged, not confirmed yet{later}"
        return f"{who}: confirmed by {values['method']}: {_what(targets)}"

    return form(
        env,
        sel,
        f"Confirm: {_what(targets)}",
        [
            FormField(
                "outcome",
                "Outcome",
                "choice",
                [("Reached: confirmed", "reached")]
                + [(o.value.replace("-", " "), o.value) for o in ATTEMPT_MISSES],
                "reached",
                True,
            ),
            FormField("next_attempt_due", "Try again", "datetime", example="t+1d 10, now+2h"),
            FormField("method", "By", "choice", CHANNELS, "phone", True),
        ],
        submit,
        intro="Every attempt is logged as a communication with the patient.",
    )


def _refuse_past(env: FormEnv, start: datetime, values: dict[str, Any]) -> None:
    if start < env.now() and values.get("past") != "yes":
        raise FieldErrors({"start": PAST_WORDS})


def reschedule_form(env: FormEnv, sel: Selection) -> FormScreen:
    [target] = appointment_targets(env, sel)[:1]
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        start = values["start"]
        _refuse_past(env, start, values)
        end = start + timedelta(minutes=values["minutes"] or 30)
        appointments.reschedule_appointment(
            env.store, env.actor, target.entity_id, version or target.version, start, end
        )
        return f"{who}: moved to {when(env, start)}; ask the patient to confirm"

    return form(
        env,
        sel,
        f"Reschedule: {target.label}",
        [
            FormField("start", "New start", "datetime", required=True, example="mon 9:30, t+3d 14"),
            FormField("minutes", "Minutes", "int", value="30"),
            FormField("past", "Past visit?", "choice", NO_YES, "no", True),
        ],
        submit,
    )


def cancel_form(env: FormEnv, sel: Selection) -> FormScreen:
    [target] = appointment_targets(env, sel)[:1]
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        status = AppointmentStatus(values["status"])
        appointments.set_appointment_status(
            env.store,
            env.actor,
            target.entity_id,
            version or target.version,
            status,
            values["reason"],
        )
        word = "cancelled" if status is AppointmentStatus.CANCELLED else "marked no-show"
        return f"{who}: {word}: {target.label}"

    return form(
        env,
        sel,
        f"Cancel: {target.label}",
        [
            FormField("reason", "Reason", required=True, example="patient unwell"),
            FormField(
                "status",
                "As",
                "choice",
                [("Cancelled", "cancelled"), ("No-show", "noshow")],
                "cancelled",
                True,
            ),
        ],
        submit,
        confirm=f"Cancel {target.label} for {who}?",
    )


def _step_needing_appointment(sel: Selection) -> tuple[int, int, str] | None:
    """The timeline step under the cursor, if it needs an appointment and has none yet."""
    entry = sel.step
    if entry is None or entry.finished or entry.step.id is None:
        return None
    step = entry.step
    if StepNeed.APPOINTMENT not in step.needs or step.appointment_id is not None:
        return None
    return entry.step.id, step.version, step.title


def book_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)
    team = sel.chart.care_team if sel.chart else []
    providers = [("(none)", "")] + [
        (
            f"{t.practitioner_name}" + (f" ({t.specialty})" if t.specialty else ""),
            str(t.member.practitioner_id),
        )
        for t in team
    ]
    step = _step_needing_appointment(sel)

    def submit(values: dict[str, Any], version: int | None) -> str:
        start = values["start"]
        _refuse_past(env, start, values)
        new = Appointment(
            patient_id=patient.id,
            practitioner_id=int(values["provider"]) if values["provider"] else None,
            location=values["location"] or None,
            start=start,
            end=start + timedelta(minutes=values["minutes"] or 30),
            reason=values["reason"] or (step[2] if step else None),
        )
        link = (step[0], version or step[1]) if step else None
        appointments.book_appointment(env.store, env.actor, new, for_step=link)
        return f"{who}: booked {when(env, start)}" + (f" for '{step[2]}'" if step else "")

    return form(
        env,
        sel,
        "Book an appointment" + (f" for the step: {step[2]}" if step else ""),
        [
            FormField("start", "Starts", "datetime", required=True, example="t+7d 9:30"),
            FormField("minutes", "Minutes", "int", value="30"),
            FormField("provider", "Provider", "choice", providers, ""),
            FormField("location", "Location", example="Outpatient Clinic B"),
            FormField("reason", "Reason", example="Follow-up visit"),
            FormField("past", "Past visit?", "choice", NO_YES, "no", True),
        ],
        submit,
        intro="A clash with the patient's or the provider's other appointments is refused.",
    )


def progress_form(env: FormEnv, sel: Selection) -> FormScreen:
    [target] = appointment_targets(env, sel)[:1]
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        status = AppointmentStatus(values["status"])
        appointments.set_appointment_status(
            env.store, env.actor, target.entity_id, version or target.version, status
        )
        return f"{who}: now {status.value}: {target.label}"

    return form(
        env,
        sel,
        f"Visit: {target.label}",
        [FormField("status", "Now", "choice", PROGRESS, AppointmentStatus.CHECKED_IN.value, True)],
        submit,
    )

"""Booking (`b`) and the day-of-visit statuses (`f`: checked in, arrived, fulfilled)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.codes import AppointmentStatus, StepNeed
from pcc_tui.core.domain.models import Appointment
from pcc_tui.core.services import appointments
from pcc_tui.tui.actions import appointment_targets, form, patient_id
from pcc_tui.tui.screens.form import FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp

PROGRESS = [
    ("Checked in", AppointmentStatus.CHECKED_IN.value),
    ("Arrived", AppointmentStatus.ARRIVED.value),
    ("Fulfilled (seen)", AppointmentStatus.FULFILLED.value),
]


def _step_needing_appointment(app: PccApp) -> tuple[int, int, str] | None:
    """The timeline step under the cursor, if it needs an appointment and has none yet."""
    if app.focused_panel() != "timeline":
        return None
    entry = app.timeline_panel.current_entry()
    if entry is None or entry.finished:
        return None
    step = entry.step
    if step.id is None:
        return None
    if StepNeed.APPOINTMENT not in step.needs or step.appointment_id is not None:
        return None
    return step.id, step.version, step.title


def book_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)
    team = app.chart.care_team if app.chart else []
    providers = [("(none)", "")] + [
        (
            f"{t.practitioner_name}" + (f" ({t.specialty})" if t.specialty else ""),
            str(t.member.practitioner_id),
        )
        for t in team
    ]
    step = _step_needing_appointment(app)

    def submit(values: dict[str, Any], version: int | None) -> str:
        start = values["start"]
        new = Appointment(
            patient_id=pid,
            practitioner_id=int(values["provider"]) if values["provider"] else None,
            location=values["location"] or None,
            start=start,
            end=start + timedelta(minutes=values["minutes"] or 30),
            reason=values["reason"] or (step[2] if step else None),
        )
        link = (step[0], version or step[1]) if step else None
        appointments.book_appointment(app.store, app.actor, new, for_step=link)
        return f"Booked {start:%a %d %b %H:%M}" + (f" for '{step[2]}'" if step else "")

    return form(
        app,
        "Book an appointment" + (f" for: {step[2]}" if step else ""),
        [
            FormField("start", "Starts", "datetime", required=True, placeholder="t+7d 9:30"),
            FormField("minutes", "Minutes", "int", value="30"),
            FormField("provider", "Provider", "choice", providers, ""),
            FormField("location", "Location", placeholder="Outpatient Clinic B"),
            FormField("reason", "Reason", placeholder="Follow-up visit"),
        ],
        submit,
        intro="A clash with the patient's or the provider's other appointments is refused.",
    )


def progress_form(app: PccApp) -> FormScreen:
    [target] = appointment_targets(app)[:1]

    def submit(values: dict[str, Any], version: int | None) -> str:
        status = AppointmentStatus(values["status"])
        appointments.set_appointment_status(
            app.store, app.actor, target.entity_id, version or target.version, status
        )
        return f"Appointment {status.value}"

    return form(
        app,
        f"Visit: {target.label}",
        [FormField("status", "Now", "choice", PROGRESS, AppointmentStatus.CHECKED_IN.value, True)],
        submit,
    )

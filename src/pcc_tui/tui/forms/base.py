"""What every form builder shares: the environment it acts in, and how it names its target."""

from __future__ import annotations

from datetime import datetime

from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.tui.forms.env import FormEnv as FormEnv  # re-exported: what every form acts in
from pcc_tui.tui.forms.env import NoTarget as NoTarget
from pcc_tui.tui.screens.form import FormField, FormScreen, Submit
from pcc_tui.tui.selection import Selection, patient_label

CHANNELS = [
    ("Phone", "phone"),
    ("SMS", "sms"),
    ("Portal", "portal"),
    ("In person", "in-person"),
    ("Email", "email"),
    ("Letter", "letter"),
]
NO_YES = [("No", "no"), ("Yes", "yes")]  # risky choices: No first, and the default


def need_patient(sel: Selection) -> PatientRef:
    if sel.patient is None:
        raise NoTarget("select a patient first (queue cursor, or : to find one)")
    return sel.patient


def form(
    env: FormEnv,
    sel: Selection,
    title: str,
    fields: list[FormField],
    submit: Submit,
    intro: str = "",
    confirm: str = "",
) -> FormScreen:
    clock = env.store.clock
    label = patient_label(sel.patient, env.mask, clock.today()) if sel.patient else ""
    return FormScreen(
        title,
        fields,
        submit,
        now=clock.now(),
        tz=clock.tz,
        patient=label,
        intro=intro,
        confirm=confirm,
    )


def when(env: FormEnv, at: datetime) -> str:
    return at.astimezone(env.store.clock.tz).strftime("%a %d %b %H:%M")

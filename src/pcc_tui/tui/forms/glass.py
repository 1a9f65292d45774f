"""`!`: break the glass — open a record outside one's caseload, with a reason (audited)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.services.access import break_glass
from pcc_tui.tui.forms.base import FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import Selection


def break_glass_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)

    def submit(values: dict[str, Any], _version: int | None) -> str:
        until = break_glass(env.store, env.actor, patient.id, values["reason"])
        local = until.astimezone(env.store.clock.tz).strftime("%H:%M")
        return f"{env.who(patient)}: access until {local}, audited as break the glass"

    return form(
        env,
        sel,
        "Break the glass",
        [
            FormField(
                "reason", "Why you need it", "note", required=True, example="covering for Sam today"
            )
        ],
        submit,
        intro="This patient is outside your caseload and ward. Your reason, the time "
        "and your terminal are recorded; supervisors review every access.",
    )

"""The care team (`T`): add a member (a practitioner pcc knows, by name, or any outside
provider in free text), or end one's membership."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.models import CareTeamMember
from pcc_tui.core.services import record_changes
from pcc_tui.tui.forms.base import FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

NEW = "new"


def care_team_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)
    team = sel.chart.care_team if sel.chart is not None else []
    members = [(f"End: {e.practitioner_name} ({e.member.role})", str(e.member.id)) for e in team]

    def submit(values: dict[str, Any], version: int | None) -> str:
        if values["member"] != NEW:
            entry = next(e for e in team if str(e.member.id) == values["member"])
            record_changes.end_care_team_member(
                env.store,
                env.actor,
                entry.member.id or 0,
                version or entry.member.version,
                values["on"] or env.store.clock.today(),
            )
            return f"{who}: {entry.practitioner_name} is no longer on the care team"
        if not values["provider"] or not values["role"]:
            raise FieldErrors({"provider": "name the provider and their role"})
        record_changes.add_care_team_member(
            env.store,
            env.actor,
            CareTeamMember(
                patient_id=patient.id,
                provider_name=values["provider"],
                role=values["role"],
                start=values["on"] or env.store.clock.today(),
            ),
        )
        return f"{who}: {values['provider']} ({values['role']}) added to the care team"

    return form(
        env,
        sel,
        "Care team",
        [
            FormField("member", "Member", "choice", [("Add a member", NEW), *members], NEW, True),
            FormField("provider", "Provider", example="Dr Ines Duarte, Elm St Practice"),
            FormField("role", "Role", example="GP, home nurse, social worker"),
            FormField("on", "From / until", "date", value="t"),
        ],
        submit,
        intro="Add: name the provider (anyone, inside or outside the hospital) and their role."
        " End: choose the member; the date is their last day.",
    )

"""Problems (`P`): add one to the list, resolve one (with the date), or mark one entered in
error (with the reason: nothing is deleted)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.models import Problem
from pcc_tui.core.services import record_changes
from pcc_tui.core.services.patients import add_problem
from pcc_tui.tui.forms.base import FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

NEW = "new"
ACTIONS = [("Resolved", "resolve"), ("Entered in error", "error")]


def problems_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)
    listed = sel.chart.problems if sel.chart is not None else []
    choices = [("Add a problem", NEW), *((p.display, str(p.id)) for p in listed)]

    def submit(values: dict[str, Any], version: int | None) -> str:
        on = values["on"] or env.store.clock.today()
        if values["problem"] == NEW:
            if not values["display"]:
                raise FieldErrors({"display": "name the problem"})
            add_problem(
                env.store,
                env.actor,
                Problem(patient_id=patient.id, display=values["display"], onset=values["on"]),
            )
            return f"{who}: {values['display']} added to the problem list"
        current = next(p for p in listed if str(p.id) == values["problem"])
        v = version or current.version
        if values["action"] == "error":
            reason = values["reason"] or ""
            record_changes.problem_entered_in_error(
                env.store, env.actor, current.id or 0, v, reason
            )
            return f"{who}: {current.display} marked entered in error"
        record_changes.resolve_problem(env.store, env.actor, current.id or 0, v, on)
        return f"{who}: {current.display} resolved {on:%d %b %Y}"

    return form(
        env,
        sel,
        "Problems",
        [
            FormField("problem", "Problem", "choice", choices, NEW, True),
            FormField("display", "New problem", example="Type 2 diabetes"),
            FormField("action", "Listed one is", "choice", ACTIONS, "resolve", True),
            FormField("on", "Onset / resolved", "date", example="t-3y, or empty"),
            FormField("reason", "Error reason", example="recorded on the wrong patient"),
        ],
        submit,
        intro="Add: choose 'Add a problem' and name it. A listed one: choose it, then"
        " Resolved (on the date) or Entered in error (say why).",
    )

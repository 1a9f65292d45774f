"""`H`: offer this patient, the selected plan or the selected step to a colleague or a pool."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.handoffs import offer_handoff
from pcc_tui.tui.forms.base import FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

Colleague = tuple[str, str, str | None]  # user name, display name, pool


def _what(env: FormEnv, sel: Selection) -> list[tuple[str, str]]:
    patient = need_patient(sel)
    choices = [(f"The patient ({env.who(patient)}) and my open steps", f"patient:{patient.id}")]
    entry = sel.step if sel.panel == "timeline" else None
    if entry is not None and entry.step.id is not None:
        choices.append((f"Plan: {entry.plan_title}", f"care_plan:{entry.step.care_plan_id}"))
        choices.append((f"Step: {entry.step.title}", f"plan_step:{entry.step.id}"))
    item = sel.item_of(QueueKind.STEP)
    if entry is None and item is not None:
        choices.append((f"Step: {item.title}", f"plan_step:{item.entity_id}"))
    return choices


def offer_form(env: FormEnv, sel: Selection, colleagues: list[Colleague]) -> FormScreen:
    what = _what(env, sel)
    who = env.who(sel.patient)
    people = [
        (f"{name} ({user})", user) for user, name, _pool in colleagues if user != env.actor.username
    ]
    pools = sorted({pool for _u, _n, pool in colleagues if pool})
    to = people + [(f"Pool: {p}", f"pool:{p}") for p in pools]
    if not to:
        raise NoTarget("no colleague or pool to hand over to")
    names = dict((value, label) for label, value in to)

    def submit(values: dict[str, Any], version: int | None) -> str:
        scope, _, raw_id = values["what"].partition(":")
        target = values["to"]
        if scope == "patient" and target.startswith("pool:"):
            raise FieldErrors({"to": "a patient goes to a coordinator, not a pool"})
        offer_handoff(
            env.store,
            env.actor,
            scope,
            int(raw_id),
            reason=values["reason"],
            to_coordinator=None if target.startswith("pool:") else target,
            to_pool=target.removeprefix("pool:") if target.startswith("pool:") else None,
        )
        return f"{who}: offered to {names[target]}; it changes hands when they accept"

    return form(
        env,
        sel,
        "Hand over",
        [
            FormField("to", "To", "choice", to, "", True),
            FormField("reason", "Reason", required=True, example="annual leave from Monday"),
            FormField("what", "What", "choice", what, what[0][1], True),
        ],
        submit,
        intro="The receiver sees a packet of the patient's open items and accepts or declines.",
    )

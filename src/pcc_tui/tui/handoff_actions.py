"""`H`: offer this patient, the selected plan or the selected step to a colleague or a pool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services.handoffs import offer_handoff
from pcc_tui.tui.actions import NoTarget, form, patient_id
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp

Colleague = tuple[str, str, str | None]


def _what(app: PccApp) -> list[tuple[str, str]]:
    pid = patient_id(app)
    name = app.chart.patient.family_name if app.chart else "this patient"
    choices = [(f"The patient ({name}) and my open steps for them", f"patient:{pid}")]
    entry = app.timeline_panel.current_entry() if app.focused_panel() == "timeline" else None
    if entry is not None and entry.step.id is not None:
        choices.append((f"Plan: {entry.plan_title}", f"care_plan:{entry.step.care_plan_id}"))
        choices.append((f"Step: {entry.step.title}", f"plan_step:{entry.step.id}"))
    item = app.queue_panel.current_item()
    if entry is None and item is not None and item.kind is QueueKind.STEP:
        choices.append((f"Step: {item.title}", f"plan_step:{item.entity_id}"))
    return choices


def offer_form(app: PccApp, colleagues: list[Colleague]) -> FormScreen:
    what = _what(app)
    people = [
        (f"{name} ({user})", user) for user, name, _pool in colleagues if user != app.actor.username
    ]
    pools = sorted({pool for _u, _n, pool in colleagues if pool})
    to = people + [(f"Pool: {p}", f"pool:{p}") for p in pools]
    if not to:
        raise NoTarget("no colleague or pool to hand over to")

    def submit(values: dict[str, Any], version: int | None) -> str:
        scope, _, raw_id = values["what"].partition(":")
        target = values["to"]
        if scope == "patient" and target.startswith("pool:"):
            raise FieldErrors({"to": "a patient goes to a coordinator, not a pool"})
        offer_handoff(
            app.store,
            app.actor,
            scope,
            int(raw_id),
            reason=values["reason"],
            to_coordinator=None if target.startswith("pool:") else target,
            to_pool=target.removeprefix("pool:") if target.startswith("pool:") else None,
        )
        return "Handoff offered: it changes hands when they accept"

    return form(
        app,
        "Hand over",
        [
            FormField("what", "What", "choice", what, what[0][1], True),
            FormField("to", "To", "choice", to, "", True),
            FormField("reason", "Reason", required=True, placeholder="annual leave from Monday"),
        ],
        submit,
        intro="The receiver sees a packet of the patient's open items and accepts or declines.",
    )

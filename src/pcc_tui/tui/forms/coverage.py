"""Coverage (`I`): add one, or, with a coverage picked in the coverage panel (4), change
its details or end it (its period closes; a cancelled coverage is marked so)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import SubscriberRelationship
from pcc_tui.core.domain.models import Coverage
from pcc_tui.core.services import insurance, record_changes
from pcc_tui.tui.forms.base import FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

RELATIONSHIPS = [(r.value.capitalize(), r.value) for r in SubscriberRelationship]
ENDINGS = [("No: keep it", "no"), ("Ends on the date below", "end"), ("Cancelled", "cancel")]
DETAILS = ("payer", "plan", "member_id", "group_id", "subscriber", "relationship", "order")


def coverage_form(env: FormEnv, sel: Selection) -> FormScreen:
    picked = sel.coverage_pick("coverage")
    if picked is not None and sel.coverage is not None:
        entry = next((e for e in sel.coverage.coverages if e.coverage.id == picked), None)
        if entry is not None:
            return _change_form(env, sel, entry.coverage)
    return _add_form(env, sel)


def _fields(c: Coverage | None) -> list[FormField]:
    def now(name: str) -> str:
        value = getattr(c, name, None) if c is not None else None
        return "" if value is None else str(getattr(value, "value", value))

    return [
        FormField("payer", "Payer", value=now("payer"), required=True, example="Aetna"),
        FormField("plan", "Plan", value=now("plan"), example="Choice POS II"),
        FormField("member_id", "Member id", value=now("member_id"), required=True),
        FormField("group_id", "Group", value=now("group_id"), example="GRP-4471"),
        FormField(
            "subscriber", "Subscriber", value=now("subscriber"), example="empty: the patient"
        ),
        FormField(
            "relationship", "Patient is", "choice", RELATIONSHIPS, now("relationship") or "self"
        ),
        FormField("order", "Order", "int", value=now("order") or "1", required=True),
    ]


def _add_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        start = values.pop("period_start") or env.store.clock.today()
        insurance.add_coverage(
            env.store,
            env.actor,
            Coverage(patient_id=patient.id, period_start=start, **values),
        )
        return f"{who}: coverage with {values['payer']} added (order {values['order']})"

    fields = [*_fields(None), FormField("period_start", "Starts", "date", value="t")]
    return form(env, sel, "Add a coverage", fields, submit)


def _change_form(env: FormEnv, sel: Selection, current: Coverage) -> FormScreen:
    who = env.who(sel.patient)
    cid = current.id or 0

    def submit(values: dict[str, Any], version: int | None) -> str:
        v = version or current.version
        ending, on = values.pop("ending"), values.pop("end_on") or env.store.clock.today()
        if ending == "cancel":
            record_changes.cancel_coverage(env.store, env.actor, cid, v)
            return f"{who}: coverage with {current.payer} cancelled"
        changes = {k: values[k] for k in DETAILS if values[k] != getattr(current, k)}
        if ending == "end":
            changes["period_end"] = on
        if not changes:
            raise FieldErrors({"form": "nothing changed"})
        record_changes.edit_coverage(env.store, env.actor, cid, v, changes)
        if ending == "end":
            return f"{who}: coverage with {current.payer} ends {on:%a %d %b %Y}"
        return f"{who}: coverage with {current.payer}: {', '.join(changes)} changed"

    fields = [
        *_fields(current),
        FormField("ending", "End it?", "choice", ENDINGS, "no", True),
        FormField("end_on", "Ends on", "date", value="t"),
    ]
    return form(env, sel, f"Coverage: {current.payer} {current.plan or ''}".strip(), fields, submit)

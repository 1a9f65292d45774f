"""Edit the record (`e` on the chart): the patient's demographics and contact details, each
field prefilled; only what was changed is saved (one audited change, its old values kept),
with the version check and the conflict view of every other form."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import AdministrativeGender
from pcc_tui.core.domain.phones import show_phone
from pcc_tui.core.errors import BadField
from pcc_tui.core.services.patients import update_patient
from pcc_tui.tui.forms.base import NO_YES, FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

SEX = [(g.value.capitalize(), g.value) for g in AdministrativeGender]
LABELS = {
    "family_name": "family name",
    "given_name": "given name",
    "birth_date": "birth date",
    "preferred_language": "language",
    "phone_other": "other phone",
}


def edit_record_form(env: FormEnv, sel: Selection) -> FormScreen:
    need_patient(sel)
    if sel.chart is None:
        raise NoTarget("the chart is still loading: press e again")
    p = sel.chart.patient
    region = env.store.policy.phone_region
    shown = {
        "family_name": p.family_name,
        "given_name": p.given_name,
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex.value,
        "phone": show_phone(p.phone, region),
        "phone_other": show_phone(p.phone_other, region),
        "address": p.address or "",
        "preferred_language": p.preferred_language or "",
        "interpreter": "yes" if "interpreter" in p.flags else "no",
        "ward": p.ward or "",
        "bed": p.bed or "",
    }
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        changes: dict[str, Any] = {}
        for name, before in shown.items():
            typed = values[name]
            now = typed.isoformat() if hasattr(typed, "isoformat") else (typed or "")
            if now != before:
                changes[name] = typed
        if "interpreter" in changes:
            rest = [f for f in p.flags if f != "interpreter"]
            changes["flags"] = (
                [*rest, "interpreter"] if changes.pop("interpreter") == "yes" else rest
            )
        if not changes:
            raise FieldErrors({"form": "nothing changed"})
        try:
            update_patient(env.store, env.actor, p.id or 0, version or p.version, changes)
        except BadField as exc:
            raise FieldErrors({exc.field: str(exc)}) from None
        named = ", ".join(LABELS.get(k, k) for k in changes)
        return f"{who}: {named} changed (the old values are in the record's history)"

    fields = [
        FormField("family_name", "Family name", value=shown["family_name"], required=True),
        FormField("given_name", "Given name(s)", value=shown["given_name"], required=True),
        FormField("birth_date", "Birth date", "date", value=shown["birth_date"], required=True),
        FormField("sex", "Sex/gender", "choice", SEX, shown["sex"], True),
        FormField("phone", "Phone", value=shown["phone"], example="(555) 201-4477"),
        FormField("phone_other", "Other phone", value=shown["phone_other"]),
        FormField("address", "Address", value=shown["address"]),
        FormField("preferred_language", "Language", value=shown["preferred_language"]),
        FormField("interpreter", "Interpreter?", "choice", NO_YES, shown["interpreter"], True),
        FormField("ward", "Ward", value=shown["ward"]),
        FormField("bed", "Bed", value=shown["bed"]),
    ]
    return form(
        env,
        sel,
        "Edit the record",
        fields,
        submit,
        intro="Change what is wrong and press F2: only the changed fields are saved, and the"
        " old values stay in the record's history (E).",
    )

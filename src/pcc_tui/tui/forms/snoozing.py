"""`S`: put the selected (or marked) queue items aside until a date, with a reason."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.services.snoozing import snooze_item
from pcc_tui.tui.forms.base import FormEnv, NoTarget, form
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import Selection


def snooze_form(env: FormEnv, sel: Selection) -> FormScreen:
    items = list(sel.marked) or ([sel.item] if sel.item is not None else [])
    if not items:
        raise NoTarget("select a queue item (or mark several with space) to snooze")
    who = env.who(sel.patient) if len(items) == 1 else f"{len(items)} items"

    def submit(values: dict[str, Any], version: int | None) -> str:
        for it in items:
            snooze_item(
                env.store,
                env.actor,
                it.entity_type,
                it.entity_id,
                values["until"],
                values["reason"],
            )
        return f"{who}: snoozed until {values['until']:%a %d %b}"

    what = items[0].title if len(items) == 1 else f"{len(items)} marked items"
    return form(
        env,
        sel,
        f"Snooze: {what}",
        [
            FormField("until", "Until", "date", required=True, example="t+3d, mon"),
            FormField("reason", "Reason", required=True, example="waiting for lab results"),
        ],
        submit,
        intro="It comes back to the queue on that day; the snooze is kept on record.",
        confirm=f"Put {what} aside?",
    )

"""`i`: give a plain-language explanation from the library and record who was given it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.codes import Channel
from pcc_tui.core.libraries import TemplateFileError, load_education
from pcc_tui.core.services.education import record_education
from pcc_tui.tui.actions import CHANNELS, NoTarget, contact_choices, form, patient_id
from pcc_tui.tui.screens.form import FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp


def education_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)
    try:
        topics = load_education()
    except TemplateFileError as exc:
        raise NoTarget(f"education library refused: {exc}") from exc
    who, lines = contact_choices(app)

    def submit(values: dict[str, Any], version: int | None) -> str:
        topic = topics[values["topic"]]
        contact = None if values["who"] == "patient" else int(values["who"])
        record_education(
            app.store,
            app.actor,
            pid,
            topic,
            Channel(values["channel"]),
            contact_id=contact,
            note=values["note"],
        )
        return f"Recorded: '{topic.title}' given"

    return form(
        app,
        "Patient education",
        [
            FormField("topic", "Explanation", "choice", [(t.title, t.id) for t in topics.values()]),
            FormField("who", "Given to", "choice", who, "patient", True),
            FormField("channel", "How", "choice", CHANNELS, "in-person", True),
            FormField("note", "Note", placeholder="questions asked, leaflet given"),
        ],
        submit,
        intro="\n".join(lines),
    )

"""`i`: read a plain-language explanation from the library out, and record who was given it
(a family member only with the patient's consent to hear about the condition)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import Channel
from pcc_tui.core.libraries import TemplateFileError, load_education
from pcc_tui.core.services.education import record_education
from pcc_tui.tui.forms.base import CHANNELS, FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.forms.communications import contact_choices, contacts_of
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import Selection


def education_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who_word = env.who(patient)
    try:
        topics = load_education()
    except TemplateFileError as exc:
        raise NoTarget(f"education library refused: {exc}") from exc
    if not topics:
        raise NoTarget("no explanations are installed")
    who, lines = contact_choices(env, sel)
    names = {str(c.id): c.name for c in contacts_of(sel)}

    def submit(values: dict[str, Any], version: int | None) -> str:
        topic = topics[values["topic"]]
        contact = None if values["who"] in (None, "patient") else int(values["who"])
        record_education(
            env.store,
            env.actor,
            patient.id,
            topic,
            Channel(values["channel"]),
            contact_id=contact,
            note=values["note"],
        )
        to = "the patient" if contact is None else names.get(str(contact), "the contact")
        return f"{who_word}: '{topic.title}' explained to {to}"

    screen = form(
        env,
        sel,
        "Explain a procedure",
        [
            FormField(
                "topic",
                "Explanation",
                "choice",
                [(t.title, t.id) for t in topics.values()],
                required=True,
            ),
            FormField("who", "Given to", "choice", who, "patient", True),
            FormField("channel", "How", "choice", CHANNELS, "in-person", True),
            FormField("note", "Note", "note", example="questions asked, leaflet given"),
        ],
        submit,
        intro="\n".join(lines) or "No family contacts on file.",
    )
    screen.reading = {t.id: t.text for t in topics.values()}  # shown as the topic is chosen
    return screen

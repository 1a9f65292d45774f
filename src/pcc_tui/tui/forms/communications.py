"""Notes (`n`) and calls or messages (`l`): who may hear what, how the caller was verified,
and an explicit override (default No) before talking to a contact the patient objected to."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import Channel, ContactOutcome, Direction
from pcc_tui.core.domain.models import Communication, Contact
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import communications
from pcc_tui.tui.forms.base import CHANNELS, NO_YES, FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection


def note_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        communications.add_note(env.store, env.actor, patient.id, values["text"])
        return f"{who}: note added"

    return form(
        env,
        sel,
        "Add a note",
        [FormField("text", "Note", "note", required=True, example="daughter will drive her")],
        submit,
    )


def contacts_of(sel: Selection) -> list[Contact]:
    if sel.chart is None or sel.chart.patient.id != sel.patient_id:
        return []
    return list(sel.chart.contacts)


def contact_choices(sel: Selection) -> tuple[list[tuple[str, str]], list[str]]:
    """Who one may talk to about the patient, what the patient agreed each may hear (and
    since when), and how to verify the caller: shown before anything is shared."""
    who = [("Patient", "patient")]
    lines = []
    for c in contacts_of(sel):
        since = f" (since {c.consent_on:%d %b %Y})" if c.consent_on else ""
        if c.consent.value == "objected":
            who.append((f"{c.name} ({c.relationship}) - OBJECTED", str(c.id)))
            lines.append(f"{c.name}: the patient OBJECTED{since} - share nothing")
        else:
            who.append((f"{c.name} ({c.relationship})", str(c.id)))
            scope = ", ".join(s.value for s in c.share_scope) or "nothing (consent not asked)"
            lines.append(
                f"{c.name}: may hear {scope}{since}; verify by "
                f"{c.verification_method or 'nothing agreed: ask the patient'}"
            )
    return who, lines


def log_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who_word = env.who(patient)
    who, lines = contact_choices(sel)
    contacts = {str(c.id): c for c in contacts_of(sel)}
    objected = any(c.consent.value == "objected" for c in contacts.values())
    callback = sel.item_of(QueueKind.CALLBACK)
    # Calling back a family contact: the call is with them, not the patient.
    owed = next(
        (
            c
            for c in (sel.chart.communications if sel.chart else [])
            if callback and c.id == callback.entity_id
        ),
        None,
    )
    with_first = str(owed.contact_id) if owed and str(owed.contact_id) in contacts else "patient"

    def submit(values: dict[str, Any], version: int | None) -> str:
        contact = contacts.get(values["who"] or "patient")
        verified = values["verified"] == "yes"
        override = None
        if contact is not None and contact.consent.value == "objected":
            if values.get("override") != "yes":
                raise FieldErrors({"override": "objected: choose Yes to override"})
            if not values.get("override_reason"):
                raise FieldErrors({"override_reason": "say why the objection is overridden"})
            override = values["override_reason"]
        label = next(label for label, value in who if value == (values["who"] or "patient"))
        comm = Communication(
            patient_id=patient.id,
            contact_id=contact.id if contact else None,
            with_whom=label.split(" - ")[0],
            channel=Channel(values["channel"]),
            direction=Direction(values["direction"]),
            outcome=ContactOutcome(values["outcome"]),
            note=values["note"],
            sent_at=env.now(),
            next_attempt_due=values["next_attempt_due"],
            caller_verified=verified if contact is not None else None,
            verified_how=(contact.verification_method if contact and verified else None),
            override_reason=override,
        )
        closes = (callback.entity_id, version or callback.entity_version) if callback else None
        communications.log_communication(env.store, env.actor, comm, closes_callback=closes)
        with_whom = "the patient" if contact is None else contact.name
        checked = " (caller verified)" if contact is not None and verified else ""
        closed = "; callback closed" if callback else ""
        return f"{who_word}: call with {with_whom} logged{checked}{closed}"

    fields = [
        FormField("who", "With", "choice", who, with_first, True),
        FormField("verified", "Caller verified?", "choice", NO_YES, "no", True),
        FormField(
            "outcome",
            "Outcome",
            "choice",
            [(o.value.replace("-", " ").capitalize(), o.value) for o in ContactOutcome],
            ContactOutcome.REACHED.value,
            True,
        ),
        FormField("note", "Note", "note", example="questions about the discharge date"),
        FormField(
            "direction",
            "Direction",
            "choice",
            [("Outbound", "outbound"), ("Inbound", "inbound")],
            "outbound",
            True,
        ),
        FormField("channel", "Channel", "choice", CHANNELS, "phone", True),
        FormField("next_attempt_due", "Next attempt", "datetime", example="now+2h, t+1d 10"),
    ]
    if objected:
        fields += [
            FormField("override", "Override objection?", "choice", NO_YES, "no", True),
            FormField("override_reason", "Why", example="safeguarding duty"),
        ]
    intro = "\n".join(lines) or "No family contacts on file: calls are with the patient."
    return form(env, sel, "Log a call or message", fields, submit, intro=intro)

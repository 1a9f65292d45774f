"""Notes (`n`) and calls or messages (`l`): who may hear what (the consent in force today),
how the caller was verified, what was discussed, and an explicit override (default No, with
the reason) before talking to a contact beyond what the patient consented to."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import Channel, ContactOutcome, Direction, ShareScope
from pcc_tui.core.domain.consent_rules import SCOPE_WORDS, InForce, in_force
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


TOPICS = [(SCOPE_WORDS[s].removeprefix("the ").capitalize(), s.value) for s in ShareScope]


def contacts_of(sel: Selection) -> list[Contact]:
    if sel.chart is None or sel.chart.patient.id != sel.patient_id:
        return []
    return list(sel.chart.contacts)


def contact_choices(env: FormEnv, sel: Selection) -> tuple[list[tuple[str, str]], list[str]]:
    """Who one may talk to about the patient, what the patient agreed each may hear (and
    since when), and how to verify the caller: shown before anything is shared."""
    who = [("Patient", "patient")]
    lines = []
    for c in contacts_of(sel):
        held = held_for(env, sel, c)
        if denied(held):
            who.append((f"{c.name} ({c.relationship}) - SHARE NOTHING", str(c.id)))
            lines.append(f"{c.name}: {held.words()}")
        else:
            who.append((f"{c.name} ({c.relationship})", str(c.id)))
            lines.append(
                f"{c.name}: {held.words()}; verify by "
                f"{held.verification or 'nothing agreed: ask the patient'}"
            )
    return who, lines


def held_for(env: FormEnv, sel: Selection, contact: Contact) -> InForce:
    """The consent in force today, by the store's clock."""
    assert sel.chart is not None
    return in_force(sel.chart.consents, contact, env.store.clock.today())


def denied(held: InForce) -> bool:
    return held.decision.value in ("objected", "withdrawn") or held.expired


def log_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who_word = env.who(patient)
    who, lines = contact_choices(env, sel)
    contacts = {str(c.id): c for c in contacts_of(sel)}
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
        if contact is not None and values.get("override") == "yes":
            if not values.get("override_reason"):
                raise FieldErrors({"override_reason": "say why consent is overridden"})
            override = values["override_reason"]
        if contact is not None and denied(held_for(env, sel, contact)) and override is None:
            raise FieldErrors({"override": "the patient shares nothing with them: Yes overrides"})
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
            topic=ShareScope(values["topic"]) if values["topic"] else None,
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
        # What was discussed: with a contact, checked against the consent in force.
        FormField("topic", "About", "choice", TOPICS, ""),
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
    if contacts:
        fields += [
            FormField("override", "Override consent?", "choice", NO_YES, "no", True),
            FormField("override_reason", "Why", example="safeguarding duty"),
        ]
    intro = "\n".join(lines) or "No family contacts on file: calls are with the patient."
    return form(env, sel, "Log a call or message", fields, submit, intro=intro)

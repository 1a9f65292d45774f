"""Family and other contacts, and what the patient consented to share with each:
`F` adds a contact (with the patient's first decision about them, if given), `K` records a
new decision for a contact (agreed, objected, or withdrawn: always a new record), `U`
changes a contact's details or ends them as a contact."""

from __future__ import annotations

from datetime import date
from typing import Any

from pcc_tui.core.domain.codes import Channel, ConsentDecision, ConsentGiven, ShareScope
from pcc_tui.core.domain.consent_rules import SCOPE_WORDS, in_force
from pcc_tui.core.domain.models import Consent, Contact
from pcc_tui.core.errors import BadField
from pcc_tui.core.services import record_changes
from pcc_tui.core.services.consent import record_decision
from pcc_tui.tui.forms.base import CHANNELS, NO_YES, FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection

DECISIONS = [
    ("Agreed: may share what is listed", ConsentDecision.AGREED.value),
    ("Objected: share nothing", ConsentDecision.OBJECTED.value),
    ("Withdrawn: an earlier agreement ends", ConsentDecision.WITHDRAWN.value),
]
GIVEN = [
    ("Verbal", ConsentGiven.VERBAL.value),
    ("Written", ConsentGiven.WRITTEN.value),
    ("Portal", ConsentGiven.PORTAL.value),
    ("Proxy or legal authority", ConsentGiven.PROXY.value),
]
SCOPES_EXAMPLE = "appointments, test results (or: condition, medications, discharge, billing)"


def parse_scopes(text: str | None) -> list[ShareScope]:
    """`appointments, test results` -> scopes; each word may be the start of one."""
    out: list[ShareScope] = []
    for part in (text or "").replace(";", ",").split(","):
        word = part.strip().lower().replace(" ", "-")
        if not word:
            continue
        hits = [s for s in ShareScope if s.value.startswith(word) or word in s.value]
        if len(hits) != 1:
            known = ", ".join(s.value.replace("-", " ") for s in ShareScope)
            raise FieldErrors({"scopes": f"{part.strip()!r} is not one of: {known}"})
        if hits[0] not in out:
            out.append(hits[0])
    return out


def _consent(env: FormEnv, pid: int, contact_id: int, values: dict[str, Any]) -> Consent:
    decision = ConsentDecision(values["decision"])
    scopes = parse_scopes(values["scopes"]) if decision is ConsentDecision.AGREED else []
    if decision is ConsentDecision.AGREED and not scopes:
        raise FieldErrors({"scopes": "name what may be shared (e.g. appointments)"})
    given_on: date = values["given_on"] or env.store.clock.today()
    return Consent(
        patient_id=pid,
        contact_id=contact_id,
        decision=decision,
        scopes=scopes,
        given_how=ConsentGiven(values["given_how"]),
        given_on=given_on,
        expires_on=values["expires_on"],
        verification=values["verification"],
        recorded_by=env.actor.username,
    )


def _consent_fields(optional: bool) -> list[FormField]:
    decisions = DECISIONS[:2] if optional else DECISIONS
    return [
        FormField("decision", "Consent", "choice", decisions, "" if optional else "agreed"),
        FormField("scopes", "May share", example=SCOPES_EXAMPLE),
        FormField("given_how", "Given", "choice", GIVEN, ConsentGiven.VERBAL.value, True),
        FormField("given_on", "Given on", "date", value="t"),
        FormField("expires_on", "Expires", "date", example="t+6m (empty: no end)"),
        FormField("verification", "Caller proves", example="date of birth and postcode"),
    ]


def add_contact_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        new = Contact(
            patient_id=patient.id,
            name=values["name"],
            relationship=values["relationship"],
            phone=values["phone"],
            phone_other=values["phone_other"],
            preferred_channel=Channel(values["channel"]) if values["channel"] else None,
        )
        consent = _consent(env, patient.id, 0, values) if values["decision"] else None
        try:
            record_changes.add_contact(env.store, env.actor, new, consent)
        except BadField as exc:
            raise FieldErrors({exc.field: str(exc)}) from None
        told = f"; {_words(consent)}" if consent else "; consent not asked yet"
        return f"{who}: {values['name']} ({values['relationship']}) added{told}"

    fields = [
        FormField("name", "Name", required=True, example="Maria Kowalska"),
        FormField("relationship", "Relationship", required=True, example="daughter"),
        FormField("phone", "Phone", example="(202) 555-0143"),
        FormField("phone_other", "Other phone", example="a mobile, or work"),
        FormField("channel", "Prefers", "choice", CHANNELS, ""),
        *_consent_fields(optional=True),
    ]
    return form(
        env,
        sel,
        "Add a family member or contact",
        fields,
        submit,
        intro="Consent is optional here: leave it empty if the patient has not been asked."
        " It is kept as its own dated record (K records a later decision).",
    )


def consent_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    contacts = _contacts(sel)
    who = env.who(patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        new = _consent(env, patient.id, int(values["contact"]), values)
        record_decision(env.store, env.actor, new)
        return f"{who}: {_name(sel, new.contact_id)}: {_words(new)}"

    return form(
        env,
        sel,
        "Record the patient's consent for a contact",
        [
            FormField("contact", "Contact", "choice", contacts, contacts[0][1], True),
            *_consent_fields(optional=False),
        ],
        submit,
        intro=_now_in_force(env, sel)
        + "\nA decision is never edited: this adds a new record, dated as given.",
    )


def change_contact_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    contacts = _contacts(sel)
    who = env.who(patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        cid = int(values["contact"])
        current = next(c for c in sel.chart.contacts if c.id == cid)  # type: ignore[union-attr]
        v = version or current.version
        if values["end"] == "yes":
            record_changes.end_contact(env.store, env.actor, cid, v, env.store.clock.today())
            return f"{who}: {current.name} is no longer a contact (kept, with what they heard)"
        changes: dict[str, Any] = {
            k: values[k] for k in ("name", "relationship", "phone", "phone_other") if values[k]
        }
        if values["channel"]:
            changes["preferred_channel"] = values["channel"]
        if not changes:
            raise FieldErrors({"form": "type what changes, or choose to end the contact"})
        try:
            record_changes.edit_contact(env.store, env.actor, cid, v, changes)
        except BadField as exc:
            raise FieldErrors({exc.field: str(exc)}) from None
        return f"{who}: {current.name}: {', '.join(changes)} changed"

    return form(
        env,
        sel,
        "Change or end a contact",
        [
            FormField("contact", "Contact", "choice", contacts, contacts[0][1], True),
            FormField("name", "New name", example="empty: unchanged"),
            FormField("relationship", "New relation", example="empty: unchanged"),
            FormField("phone", "New phone", example="empty: unchanged"),
            FormField("phone_other", "New other phone", example="empty: unchanged"),
            FormField("channel", "Prefers", "choice", CHANNELS, ""),
            FormField("end", "End contact?", "choice", NO_YES, "no", True),
        ],
        submit,
        intro="Only what you type changes. Ending keeps the contact and what they were told.",
    )


def _contacts(sel: Selection) -> list[tuple[str, str]]:
    chart = sel.chart
    if chart is None or not chart.contacts:
        raise NoTarget("this patient has no contacts yet: F adds one")
    return [(f"{c.name} ({c.relationship})", str(c.id)) for c in chart.contacts]


def _name(sel: Selection, contact_id: int) -> str:
    assert sel.chart is not None
    return next(f"{c.name} ({c.relationship})" for c in sel.chart.contacts if c.id == contact_id)


def _now_in_force(env: FormEnv, sel: Selection) -> str:
    assert sel.chart is not None
    today = env.store.clock.today()
    lines = [
        f"{c.name} ({c.relationship}): {in_force(sel.chart.consents, c, today).words()}"
        for c in sel.chart.contacts
    ]
    return "In force today:\n" + "\n".join(lines)


def _words(consent: Consent | None) -> str:
    if consent is None:
        return ""
    if consent.decision is ConsentDecision.AGREED:
        return "may hear about " + ", ".join(SCOPE_WORDS[s] for s in consent.scopes)
    return f"consent {consent.decision.value}: share nothing"

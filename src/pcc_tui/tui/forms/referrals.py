"""Referrals (`t`): a new one, or the progress and reply of an open one at any time (the
queue row, or the referral picked in the coverage panel, 4)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import ReferralTracking, RequestPriority
from pcc_tui.core.domain.models import Referral
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import referrals
from pcc_tui.tui.forms.base import FormEnv, form, need_patient
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.selection import Selection


def referral_form(env: FormEnv, sel: Selection) -> FormScreen:
    picked = sel.coverage_pick("referral")
    if picked is not None and sel.coverage is not None:
        entry = next((r for r in sel.coverage.referrals if r.referral.id == picked), None)
        if entry is not None and entry.referral.tracking is not ReferralTracking.REPLY_RECEIVED:
            ref = entry.referral
            return _track_form(env, sel, picked, ref.version, f"{ref.to_whom}: {ref.reason}")
    item = sel.item_of(QueueKind.REFERRAL) if sel.panel == "queue" else None
    if item is not None:
        return _track_form(env, sel, item.entity_id, item.entity_version, item.title)
    return _create_form(env, sel)


def _create_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)
    policy = env.store.policy

    def submit(values: dict[str, Any], version: int | None) -> str:
        internal = values["internal"] == "yes"
        sent_on = values["sent_on"] or env.store.clock.today()
        due = values["reply_due"] or referrals.default_reply_due(sent_on, internal, policy)
        referrals.create_referral(
            env.store,
            env.actor,
            Referral(
                patient_id=patient.id,
                to_whom=values["to_whom"],
                reason=values["reason"],
                priority=RequestPriority(values["priority"]),
                internal=internal,
                sent_on=sent_on,
                reply_due=due,
            ),
        )
        return f"{who}: referral to {values['to_whom']} sent; reply due {due:%a %d %b}"

    return form(
        env,
        sel,
        "New referral",
        [
            FormField("to_whom", "To", required=True, example="Cardiology, Dr Park"),
            FormField("reason", "Reason", required=True, example="chest pain on exertion"),
            FormField(
                "internal", "In-house?", "choice", [("Yes", "yes"), ("No", "no")], "yes", True
            ),
            FormField(
                "priority",
                "Priority",
                "choice",
                [(p.value.capitalize(), p.value) for p in RequestPriority],
                RequestPriority.ROUTINE.value,
                True,
            ),
            FormField("sent_on", "Sent on", "date", value="t"),
            FormField("reply_due", "Reply due", "date", example="t+5d (empty: the site's rule)"),
        ],
        submit,
        intro=f"Reply due by default: {policy.referral_reply_business_days_internal} business "
        f"days in-house, {policy.referral_reply_days_external} days external.",
    )


def _track_form(
    env: FormEnv, sel: Selection, ref_id: int, ref_version: int, label: str
) -> FormScreen:
    who = env.who(sel.patient)
    steps = [
        ("Accepted by the receiver", ReferralTracking.ACCEPTED.value),
        ("Scheduled", ReferralTracking.SCHEDULED.value),
    ]

    def submit(values: dict[str, Any], version: int | None) -> str:
        v = version or ref_version
        if values["reply"]:
            received = values["received_on"] or env.store.clock.today()
            referrals.record_referral_reply(
                env.store, env.actor, ref_id, v, received, values["reply"]
            )
            return f"{who}: referral reply recorded, loop closed"
        if not values["tracking"]:
            raise FieldErrors({"reply": "type the reply, or choose the progress below"})
        to = ReferralTracking(values["tracking"])
        referrals.advance_referral(env.store, env.actor, ref_id, v, to)
        return f"{who}: referral now {to.value}"

    return form(
        env,
        sel,
        f"Referral: {label}",
        [
            FormField(
                "reply", "Reply", "note", example="seen; start beta blocker; review 3 months"
            ),
            FormField("received_on", "Received on", "date", value="t"),
            FormField("tracking", "Or progress", "choice", steps, ""),
        ],
        submit,
        intro="A reply closes the loop. No reply yet: leave it empty and choose the progress.",
    )

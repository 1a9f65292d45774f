"""Referrals (`t`: create one, or track the one under the queue cursor) and snoozing (`S`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.codes import ReferralTracking, RequestPriority
from pcc_tui.core.domain.models import Referral
from pcc_tui.core.domain.read_models import QueueItem, QueueKind
from pcc_tui.core.services import referrals
from pcc_tui.core.services.snoozing import snooze_item
from pcc_tui.tui.actions import NO_YES, NoTarget, form, patient_id
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp


def referral_form(app: PccApp) -> FormScreen:
    item = app.queue_panel.current_item()
    if item is not None and item.kind is QueueKind.REFERRAL:
        return _track_form(app, item)
    return _create_form(app)


def _create_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)
    policy = app.store.policy

    def submit(values: dict[str, Any], version: int | None) -> str:
        internal = values["internal"] == "yes"
        sent_on = values["sent_on"] or app.store.clock.today()
        due = values["reply_due"] or referrals.default_reply_due(sent_on, internal, policy)
        referrals.create_referral(
            app.store,
            app.actor,
            Referral(
                patient_id=pid,
                to_whom=values["to_whom"],
                reason=values["reason"],
                priority=RequestPriority(values["priority"]),
                internal=internal,
                sent_on=sent_on,
                reply_due=due,
            ),
        )
        return f"Referral to {values['to_whom']} sent; reply due {due:%a %d %b}"

    return form(
        app,
        "New referral",
        [
            FormField("to_whom", "To", required=True, placeholder="Cardiology, Dr Park"),
            FormField("reason", "Reason", required=True, placeholder="Chest pain on exertion"),
            FormField(
                "priority",
                "Priority",
                "choice",
                [(p.value, p.value) for p in RequestPriority],
                RequestPriority.ROUTINE.value,
                True,
            ),
            FormField("internal", "In-house?", "choice", [("Yes", "yes"), ("No", "no")], "yes"),
            FormField("sent_on", "Sent on", "date", value="t"),
            FormField("reply_due", "Reply due", "date", placeholder="blank: site default"),
        ],
        submit,
        intro=f"Reply due by default: {policy.referral_reply_business_days_internal} business "
        f"days in-house, {policy.referral_reply_days_external} days external.",
    )


def _track_form(app: PccApp, item: QueueItem) -> FormScreen:
    steps = [
        ("Accepted by the receiver", ReferralTracking.ACCEPTED.value),
        ("Scheduled", ReferralTracking.SCHEDULED.value),
        ("Reply received (closes the loop)", ReferralTracking.REPLY_RECEIVED.value),
    ]

    def submit(values: dict[str, Any], version: int | None) -> str:
        to = ReferralTracking(values["tracking"])
        v = version or item.entity_version
        if to is ReferralTracking.REPLY_RECEIVED:
            if not values["reply"]:
                raise FieldErrors({"reply": "summarise the reply to close the loop"})
            received = values["received_on"] or app.store.clock.today()
            referrals.record_referral_reply(
                app.store, app.actor, item.entity_id, v, received, values["reply"]
            )
            return "Referral closed: reply recorded"
        referrals.advance_referral(app.store, app.actor, item.entity_id, v, to)
        return f"Referral now {to.value}"

    return form(
        app,
        f"Track: {item.title}",
        [
            FormField("tracking", "Now", "choice", steps, "", True),
            FormField("reply", "Reply", placeholder="seen; start beta blocker; review 3 months"),
            FormField("received_on", "Received on", "date", placeholder="t"),
        ],
        submit,
    )


def snooze_form(app: PccApp) -> FormScreen:
    items = app.queue_panel.marked_items()
    current = app.queue_panel.current_item()
    if not items and current is not None:
        items = [current]
    if not items:
        raise NoTarget("select a queue item (or mark several with space) to snooze")

    def submit(values: dict[str, Any], version: int | None) -> str:
        if values["sure"] != "yes":
            raise FieldErrors({"sure": "choose Yes to put these aside"})
        for it in items:
            snooze_item(
                app.store,
                app.actor,
                it.entity_type,
                it.entity_id,
                values["until"],
                values["reason"],
            )
        return f"Snoozed {len(items)} item(s) until {values['until']:%a %d %b}"

    what = items[0].title if len(items) == 1 else f"{len(items)} marked items"
    return form(
        app,
        f"Snooze: {what}",
        [
            FormField("until", "Until", "date", required=True, placeholder="t+3d, mon"),
            FormField("reason", "Reason", required=True, placeholder="waiting for lab results"),
            FormField("sure", "Put aside?", "choice", NO_YES, "no", True),
        ],
        submit,
        intro="It comes back to the queue on that day; the snooze is kept on record.",
    )

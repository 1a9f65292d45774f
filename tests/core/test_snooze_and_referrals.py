"""Snoozed queue items come back on their day; referral reply dates default by site policy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pcc_tui.core.clock import Clock
from pcc_tui.core.domain.models import Referral
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services import referrals
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_queue
from pcc_tui.core.services.snoozing import snooze_item
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Policy, Store
from pcc_tui.core.store.tables import SnoozeRow
from tests import builders
from tests.conftest import FIXED_NOW


@pytest.mark.parametrize(
    ("sent", "internal", "due"),
    [
        (date(2026, 3, 6), True, date(2026, 3, 11)),  # Friday + 3 business days: Wednesday
        (date(2026, 3, 9), True, date(2026, 3, 12)),  # Monday: Thursday
        (date(2026, 3, 6), False, date(2026, 3, 13)),  # external: 7 calendar days
    ],
)
def test_reply_due_defaults(sent: date, internal: bool, due: date) -> None:
    assert referrals.default_reply_due(sent, internal, Policy()) == due


def test_reply_due_follows_site_policy() -> None:
    site = Policy(referral_reply_business_days_internal=5, referral_reply_days_external=14)
    assert referrals.default_reply_due(date(2026, 3, 6), True, site) == date(2026, 3, 13)
    assert referrals.default_reply_due(date(2026, 3, 6), False, site) == date(2026, 3, 20)


def _referral_items(store: Store, actor: Actor) -> list[int]:
    queue = view_queue(store, actor)
    return [i.entity_id for i in queue.items if i.kind is QueueKind.REFERRAL]


def test_a_snoozed_item_comes_back_on_its_day(
    store: Store, coordinator: Actor, db_url: str
) -> None:
    today = store.clock.today()
    pid = builders.patient(store, coordinator)
    ref = referrals.create_referral(
        store,
        coordinator,
        Referral(
            patient_id=pid,
            to_whom="Dietetics",
            reason="Low sodium",
            sent_on=today - timedelta(days=10),
            reply_due=today - timedelta(days=2),
        ),
    )
    assert _referral_items(store, coordinator) == [ref]
    with pytest.raises(DomainError, match="a day after today"):
        snooze_item(store, coordinator, "referral", ref, today, "waiting")
    with pytest.raises(DomainError, match="needs a reason"):
        snooze_item(store, coordinator, "referral", ref, today + timedelta(days=2), "  ")
    with pytest.raises(DomainError, match="cannot be snoozed"):
        snooze_item(store, coordinator, "patient", pid, today + timedelta(days=2), "x")

    snooze_item(store, coordinator, "referral", ref, today + timedelta(days=2), "they called")
    queue = view_queue(store, coordinator)
    assert _referral_items(store, coordinator) == [] and queue.counts[QueueKind.REFERRAL] == 0
    with store.reading() as s:
        kept = s.scalars(select(SnoozeRow)).one()
        assert (kept.reason, kept.created_by, kept.patient_id) == ("they called", "alex", pid)

    later = Store.open(db_url, clock=Clock.fixed(FIXED_NOW + timedelta(days=2)))
    try:
        assert _referral_items(later, coordinator) == [ref]  # its day has come
    finally:
        later.close()

    assert undo_last(store, coordinator).startswith("snooze")  # or undo it today
    assert _referral_items(store, coordinator) == [ref]

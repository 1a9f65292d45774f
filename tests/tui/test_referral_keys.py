"""Referrals (`t`) and snoozing (`S`) by keyboard, with the database effect and audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.store.tables import ReferralRow, SnoozeRow
from pcc_tui.tui.panels.queue import item_key
from tests.tui.conftest import SIZES, audit_actions, go_to, make_app, settle, shown
from tests.tui.test_actions import type_into


@pytest.mark.parametrize("size", SIZES)
async def test_new_referral_gets_the_default_reply_date(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await go_to(pilot, lambda i: i.kind is not QueueKind.REFERRAL)
        pid = app.cockpit.patient_id
        await pilot.press("t")
        await pilot.pause()
        assert "New referral" in shown(app) and "3 business days in-house" in shown(app)
        await type_into(pilot, "to_whom", "Podiatry")
        await type_into(pilot, "reason", "Diabetic foot check")
        await pilot.press("f2")
        await settle(pilot)
        # Sent Tue 10 Mar 2026 (the fixed clock): three business days later is Fri 13 Mar.
        assert "referral to Podiatry sent; reply due Fri 13 Mar" in shown(app)
    with store.reading() as s:
        row = s.scalars(
            select(ReferralRow).where(ReferralRow.reason == "Diabetic foot check")
        ).one()
    assert row.patient_id == pid and row.reply_due == store.clock.today() + timedelta(days=3)
    assert "referral.create" in audit_actions(store)


@pytest.mark.parametrize("size", SIZES)
async def test_track_then_snooze_from_the_queue(ward: Any, size: tuple[int, int]) -> None:
    store, _ = ward
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("1", "e")  # everyone's queue: the demo ward has overdue referrals
        await settle(pilot)
        item = await go_to(pilot, lambda i: i.kind is QueueKind.REFERRAL)
        await pilot.press("t")
        await pilot.pause()
        assert "Referral: Referral reply overdue" in shown(app)
        await pilot.press("f2")
        await pilot.pause()
        assert "type the reply, or choose the progress" in shown(app)  # refused, form kept
        await type_into(pilot, "reply", "Seen; no change to treatment")
        await pilot.press("f2")
        await settle(pilot)
        assert "referral reply recorded, loop closed" in shown(app)
        assert item_key(item) not in app.cockpit.queue_panel.items

        other = await go_to(pilot, lambda i: i.kind is QueueKind.STEP)
        await pilot.press("S")
        await pilot.pause()
        await type_into(pilot, "until", "t+3d")
        await type_into(pilot, "reason", "waiting for lab results")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("y")  # "Put ... aside?"
        await settle(pilot)
        assert "snoozed until Fri 13 Mar" in shown(app)
        assert item_key(other) not in app.cockpit.queue_panel.items
    with store.reading() as s:
        ref = s.get(ReferralRow, item.entity_id)
        assert ref is not None and (ref.tracking, ref.status) == ("reply-received", "completed")
        snooze = s.scalars(select(SnoozeRow)).one()
    assert (snooze.entity_type, snooze.entity_id) == ("plan_step", other.entity_id)
    actions = audit_actions(store)
    assert "referral.reply" in actions and "queue.snooze" in actions

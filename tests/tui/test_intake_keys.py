"""The hospital feed in the cockpit by keys only, at 80x24 and 160x48: a stay from the feed
shows in the chart's Hospital section; `O` opens the intake log for a supervisor (refused
and held messages say the field and why) and is refused, with the reason, to a coordinator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.hl7_intake import Intake, Received, event_rules_and_pathways
from pcc_tui.core.store.tables import CoordinatorRow, PatientRow
from pcc_tui.tui.screens.intake_log import IntakeLogScreen
from tests.hl7_builders import adt
from tests.tui.conftest import SIZES, make_app, settle, shown

AT = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def _feed(ward: Any, mrn: str) -> None:
    store, _ = ward
    intake = Intake(store, Actor("hl7-intake", None, "admin", "HL7"), *event_rules_and_pathways())
    results = intake.apply(
        [
            Received(adt("A01", mrn, "TUI-1", ward="4 North", bed="22"), AT),
            Received(adt("A01", "MRN-NEW", "TUI-2", birth=""), AT),  # refused: PID-7
        ]
    )
    assert [r.code for r in results] == ["AA", "AE"]


@pytest.mark.parametrize("size", SIZES)
async def test_a_supervisor_reads_the_intake_log_and_the_chart_shows_the_stay(
    ward: Any, size: tuple[int, int]
) -> None:
    app = make_app(ward)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pid = app.cockpit.patient_id
        assert pid is not None
        store, _ = ward
        with store.reading() as s:
            row = s.get(PatientRow, pid)
        assert row is not None
        _feed(ward, row.mrn)
        await pilot.press("R")  # reload (the live feed would do it too)
        await settle(pilot)
        await pilot.press("2", "plus")  # the chart, zoomed
        await settle(pilot)
        text = shown(app)
        assert "Hospital" in text and "admitted (inpatient) to 4 North 22" in text
        await pilot.press("escape", "O")
        await settle(pilot)
        assert isinstance(app.screen, IntakeLogScreen), shown(app)
        text = shown(app)
        assert "Intake log" in text and "PID-7" in text and "TUI-1" in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeLogScreen)


async def test_a_coordinator_is_told_the_log_is_not_theirs(ward: Any) -> None:
    store, _ = ward
    with store.reading() as s:
        name = s.scalar(
            select(CoordinatorRow.username).where(CoordinatorRow.role == "coordinator").limit(1)
        )
    assert name is not None
    app = make_app((store, resolve_actor(store, name)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("O")
        await settle(pilot)
        assert not isinstance(app.screen, IntakeLogScreen)
        assert any("supervisors and admins" in n for n in app.notices), app.notices

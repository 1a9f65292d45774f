"""Snapshots of the main screens at 80x24 and 160x48, fixed clock and seed.

Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import SIZES, make_app, settle


async def ready(pilot: Pilot[Any]) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_cockpit(ward: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(ward), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_timeline_and_coverage(ward: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_panels(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause(0.2)

    assert snap_compare(make_app(ward), terminal_size=size, run_before=open_panels)


@pytest.mark.parametrize("size", SIZES)
def test_log_form(ward: Any, snap_compare: Any, size: tuple[int, int]) -> None:
    async def open_form(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause(0.2)

    assert snap_compare(make_app(ward), terminal_size=size, run_before=open_form)


def test_ascii_high_contrast(ward: Any, snap_compare: Any) -> None:
    app = make_app(ward, ascii_only=True, theme="high-contrast")
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)

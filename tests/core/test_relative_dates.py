"""Relative date input: every form the cockpit accepts, and clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pcc_tui.core.domain.relative_dates import (
    BadDate,
    describe,
    parse_date,
    parse_datetime,
    parse_when,
)

NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t", date(2026, 3, 10)),
        ("T", date(2026, 3, 10)),
        ("today", date(2026, 3, 10)),
        ("t+3d", date(2026, 3, 13)),
        ("t+3", date(2026, 3, 13)),
        ("t-1w", date(2026, 3, 3)),
        ("t+1m", date(2026, 4, 10)),
        ("t+1y", date(2027, 3, 10)),
        ("tomorrow", date(2026, 3, 11)),
        ("yesterday", date(2026, 3, 9)),
        ("mon", date(2026, 3, 16)),
        ("tue", date(2026, 3, 17)),  # today is Tuesday: the next one
        ("wed", date(2026, 3, 11)),
        ("friday", date(2026, 3, 13)),
        ("2026-04-01", date(2026, 4, 1)),
        ("01.04.2026", date(2026, 4, 1)),
        ("04/01/2026", date(2026, 4, 1)),
        ("now+2h", datetime(2026, 3, 10, 16, 5, tzinfo=UTC)),
        ("now-30min", datetime(2026, 3, 10, 13, 35, tzinfo=UTC)),
        ("now", NOW),
        ("mon 9:30", datetime(2026, 3, 16, 9, 30, tzinfo=UTC)),
        ("t+1d 14", datetime(2026, 3, 11, 14, 0, tzinfo=UTC)),
    ],
)
def test_parse(text: str, expected: date | datetime) -> None:
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "t+3x", "now+1m3", "mon 25:00", "t+2h", "2026-02-30", "mon 9 extra"]
)
def test_refused_with_a_hint(text: str) -> None:
    with pytest.raises(BadDate):
        parse_when(text, NOW)


def test_date_and_datetime_views() -> None:
    assert parse_date("now+2h", NOW) == date(2026, 3, 10)
    assert parse_datetime("mon", NOW) == datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
    assert describe(date(2026, 3, 16)) == "Mon 16 Mar 2026"
    assert describe(datetime(2026, 3, 16, 9, 30, tzinfo=UTC), UTC) == "Mon 16 Mar 2026 09:30"

"""No string crashes the relative-date parser: it parses, or raises its own BadDate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcc_tui.core.domain.relative_dates import BadDate, parse_date, parse_datetime, parse_when

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
UNITS = st.sampled_from(["", "d", "w", "m", "mo", "y", "h", "min"])
BASES = st.sampled_from(["t", "today", "now", "n"])


def _outcome(text: str) -> date | datetime | None:
    try:
        return parse_when(text, NOW)
    except BadDate as exc:
        assert str(exc)  # says what was wrong
        return None


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=40))
def test_any_text(text: str) -> None:
    _outcome(text)


@settings(max_examples=3000, deadline=None)
@given(BASES, st.sampled_from(["+", "-"]), st.integers(0, 10**30), UNITS, st.booleans())
def test_any_offset(base: str, sign: str, amount: int, unit: str, with_time: bool) -> None:
    text = f"{base}{sign}{amount}{unit}" + (" 14:30" if with_time else "")
    found = _outcome(text)
    if found is not None:
        day = found.date() if isinstance(found, datetime) else found
        assert date(1900, 1, 1) <= day <= date(2199, 12, 31)


@pytest.mark.parametrize(
    "text", ["t+99999999d", "t+8000y", "now+99999999999w", "t-5000y", "t+" + "9" * 5000 + "d"]
)
def test_the_inputs_that_crashed_the_cockpit(text: str) -> None:
    with pytest.raises(BadDate, match="out of range"):
        parse_when(text, NOW)
    with pytest.raises(BadDate):
        parse_date(text, NOW)
    with pytest.raises(BadDate):
        parse_datetime(text, NOW)

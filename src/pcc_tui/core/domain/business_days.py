"""Business days: Monday to Friday. (Holidays and site closures arrive with issue 14's
calendar; every clock that counts business days goes through here so it changes in one place.)"""

from __future__ import annotations

from datetime import date, timedelta


def add_business_days(day: date, n: int) -> date:
    """The date `n` business days after `day` (n=0: `day` itself)."""
    due, left = day, n
    while left > 0:
        due += timedelta(days=1)
        if due.weekday() < 5:
            left -= 1
    return due

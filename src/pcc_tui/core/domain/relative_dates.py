"""Relative date and time input, the way the old VA terminal systems (FileMan) took it.

    t, today, tomorrow, yesterday      t+3d  t-1w  t+2m (months)
    now  now+2h  now-30min             mon .. sun (the next one after today)
    2026-03-14  14.03.2026  03/14/2026  and any of the above followed by a time: 14:30, 9

Pure functions: the TUI shows the resolved value beside the field as the user types.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta, tzinfo

from pcc_tui.core.errors import DomainError

_WEEKDAYS = {name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_OFFSET = re.compile(r"^(t|today|now|n)\s*(?:([+-])\s*(\d+)\s*(min|mo|m|h|d|w|y)?)?$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y")


class BadDate(DomainError):
    pass


EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # what a care record can mean


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _parse_time(text: str) -> time:
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise BadDate(f"not a time: {text!r} (use 14:30 or 9)")
    return time(int(m.group(1)), int(m.group(2) or 0))


def _parse_day(word: str, now: datetime) -> date | datetime:
    today = now.date()
    if word in ("tomorrow", "tom"):
        return today + timedelta(days=1)
    if word in ("yesterday", "yes"):
        return today - timedelta(days=1)
    if word[:3] in _WEEKDAYS and word.isalpha():
        ahead = (_WEEKDAYS[word[:3]] - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    m = _OFFSET.match(word)
    if m:
        base, sign, amount, unit = m.groups()
        is_now = base in ("now", "n")
        n = int(amount or 0) * (-1 if sign == "-" else 1)
        unit = unit or ("h" if is_now else "d")
        if is_now:
            delta = {
                "min": timedelta(minutes=n),
                "m": timedelta(minutes=n),
                "h": timedelta(hours=n),
                "d": timedelta(days=n),
                "w": timedelta(weeks=n),
            }
            if unit not in delta:
                raise BadDate(f"{word!r}: with 'now' use min, h, d or w")
            return now + delta[unit]
        if unit in ("m", "mo"):
            return _add_months(today, n)
        if unit == "y":
            return _add_months(today, 12 * n)
        if unit == "min" or unit == "h":
            raise BadDate(f"{word!r}: hours and minutes go with 'now', e.g. now+2h")
        return today + timedelta(days=n * (7 if unit == "w" else 1))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(word, fmt).date()
        except ValueError:
            continue
    raise BadDate(
        f"not a date: {word!r} (try t, t+3d, t-1w, now+2h, mon, 2026-03-14 or 14.03.2026)"
    )


def parse_when(text: str, now: datetime) -> date | datetime:
    """A date, or a datetime in `now`'s zone when a time was given (or 'now' used). Any
    string either parses or raises BadDate naming what to type (t+99999999d included)."""
    try:
        found = _parse_when(text, now)
    except (OverflowError, ValueError):  # t+99999999d, t+8000y, a 5,000-digit number
        raise BadDate(_out_of_range(text)) from None
    day = found.date() if isinstance(found, datetime) else found
    if not EARLIEST <= day <= LATEST:
        raise BadDate(_out_of_range(text))
    return found


def _out_of_range(text: str) -> str:
    shown = text.strip()[:20]
    return f"{shown!r} is out of range: dates run from {EARLIEST.year} to {LATEST.year}"


def _parse_when(text: str, now: datetime) -> date | datetime:
    words = text.strip().lower().split()
    if not words:
        raise BadDate("empty: type a date such as t, t+3d or mon")
    when = _parse_day(words[0], now)
    if len(words) == 1:
        return when
    if len(words) > 2:
        raise BadDate(f"too many parts in {text!r}: a date and an optional time")
    at = _parse_time(words[1])
    day = when.date() if isinstance(when, datetime) else when
    return datetime.combine(day, at, tzinfo=now.tzinfo)


def parse_date(text: str, now: datetime) -> date:
    when = parse_when(text, now)
    return when.date() if isinstance(when, datetime) else when


def parse_datetime(text: str, now: datetime, default_time: time = time(9, 0)) -> datetime:
    when = parse_when(text, now)
    if isinstance(when, datetime):
        return when
    return datetime.combine(when, default_time, tzinfo=now.tzinfo)


def describe(value: date | datetime, tz: tzinfo | None = None) -> str:
    """How the TUI shows a resolved value beside the field: 'Mon 16 Mar 2026 14:30'."""
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz else value
        return local.strftime("%a %d %b %Y %H:%M")
    return value.strftime("%a %d %b %Y")


def short_day(day: date, today: date, *, weekday: bool = True) -> str:
    """A day in a list: 'Thu 13 Oct' in this year; '13 Oct 1983' in any other (an imported
    record's 1983 is not this October)."""
    if day.year == today.year:
        return day.strftime("%a %d %b" if weekday else "%d %b")
    return day.strftime("%d %b %Y")


def short_time(at: datetime, today: date, tz: tzinfo) -> str:
    """A moment in a list: '13 Oct 14:30' in this year; '13 Oct 1983' in another (its hour
    says nothing then, and a list column has room for the year or the time)."""
    local = at.astimezone(tz)
    if local.year == today.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%d %b %Y")

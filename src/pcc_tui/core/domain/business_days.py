"""The one business-day calendar every clock counts on: Monday to Friday, minus the public
holidays of the site's country (and subdivision) from the `holidays` package, minus the
site's own closures. Referral replies, "confirm ahead", pathway offsets written `"2bd"` and
the transitional-care clocks all go through `BusinessCalendar`, so they agree.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class BusinessCalendar:
    country: str | None = "US"  # ISO 3166-1; None: weekends only
    subdivision: str | None = None  # ISO 3166-2 part, e.g. "CA"
    closures: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _holidays(self) -> Any:
        if self.country is None:
            return {}
        import holidays  # loaded on the first date asked, not at start

        one_country_at_a_time()
        return holidays.country_holidays(self.country, subdiv=self.subdivision)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closures and day not in self._holidays

    def closed_because(self, day: date) -> str | None:
        """Why `day` is not a business day (for the form and the chart), or None."""
        if day.weekday() >= 5:
            return "weekend"
        if day in self.closures:
            return "site closure"
        name = self._holidays.get(day) if self.country else None
        return str(name) if name else None

    def add_business_days(self, day: date, n: int) -> date:
        """The date `n` business days after `day` (n=0: `day` itself; negative: before)."""
        step = timedelta(days=1 if n >= 0 else -1)
        due, left = day, abs(n)
        while left > 0:
            due += step
            if self.is_business_day(due):
                left -= 1
        return due

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count


def one_country_at_a_time() -> None:
    """Let `holidays` load only the countries asked for.

    Its `holidays.countries` package imports all of its ~250 countries to offer them as
    attributes (0.14 s and 7 MiB in every session), although holidays' own lazy loader
    imports each country's module by name and needs only the package's path. Registering
    the package without running its `__init__` keeps that loader working, one module each.
    """
    if "holidays.countries" in sys.modules:
        return
    spec = importlib.util.find_spec("holidays.countries")
    if spec is not None and spec.submodule_search_locations:
        sys.modules["holidays.countries"] = importlib.util.module_from_spec(spec)


WEEKDAYS = BusinessCalendar(country=None)  # for code that has no site policy at hand


def supported(country: str, subdivision: str | None) -> str | None:
    """None if the holidays package knows the country (and subdivision), else why not."""
    import holidays

    one_country_at_a_time()
    known = holidays.list_supported_countries()
    if country not in known:
        return f"{country!r} is not a country the holidays package knows (ISO 3166-1 alpha-2)"
    if subdivision is not None and subdivision not in known[country]:
        some = ", ".join(known[country][:8])
        return f"{subdivision!r} is not a subdivision of {country} (some: {some})"
    return None

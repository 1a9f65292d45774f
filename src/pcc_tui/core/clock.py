"""Time in one place, so tests and demos can fix it. All stored times are UTC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def _system_tz() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    return tz if tz is not None else UTC


@dataclass(frozen=True)
class Clock:
    """`now()` in UTC; `today()` and day boundaries in the coordinator's local zone."""

    tz: tzinfo = field(default_factory=_system_tz)
    source: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.source().astimezone(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def day_bounds(self, day: date | None = None) -> tuple[datetime, datetime]:
        """UTC [start, end) of a local calendar day."""
        day = day or self.today()
        start = datetime.combine(day, time.min, tzinfo=self.tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=self.tz)
        return start, end.astimezone(UTC)

    @classmethod
    def fixed(cls, at: datetime, tz: tzinfo = UTC) -> Clock:
        return cls(tz=tz, source=lambda: at)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

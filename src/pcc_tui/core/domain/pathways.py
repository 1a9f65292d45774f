"""Care-pathway templates: a plan's steps as day offsets from an anchor event.

Templates are TOML files (shipped in fixtures/pathways, site ones in the config folder's
`pathways/`), validated here so a bad file is refused with the step and field named.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pcc_tui.core.domain.business_days import BusinessCalendar
from pcc_tui.core.domain.codes import AnchorKind, RequestPriority, StepNeed

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]


class TemplateStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    day: int = Field(ge=-365, le=730, description="days from the anchor; negative: before it")
    # `day = "2bd"` in a file: business days on the site calendar, not calendar days.
    business: bool = False
    window: int = Field(default=0, ge=0, le=90, description="days before `day` it may be done")
    priority: RequestPriority = RequestPriority.ROUTINE
    pool: Annotated[str, StringConstraints(min_length=1, max_length=60)] | None = Field(
        default=None, description="owning pool; none: the patient's coordinator"
    )
    after: list[Slug] = []
    needs: list[StepNeed] = []

    @model_validator(mode="before")
    @classmethod
    def _business_days(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("day"), str):
            found = re.fullmatch(r"\s*(-?\d{1,3})\s*bd\s*", data["day"])
            if found is None:
                raise ValueError(
                    f'day {data["day"]!r}: a whole number of days, or business days as "2bd"'
                )
            if data.get("business") is False:
                raise ValueError("day is written in business days but business = false")
            data = {**data, "day": int(found.group(1)), "business": True}
        return data

    def due(self, anchor: date, calendar: BusinessCalendar) -> tuple[date | None, date]:
        if self.business:
            due_by = calendar.add_business_days(anchor, self.day)
        else:
            due_by = anchor + timedelta(days=self.day)
        return (due_by - timedelta(days=self.window) if self.window else None), due_by


class PathwayTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    anchor: AnchorKind
    description: str = ""
    steps: list[TemplateStep] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _dependencies(self) -> Self:
        seen: set[str] = set()
        for step in self.steps:
            if step.key in seen:
                raise ValueError(f"step key {step.key!r} is used twice")
            for dep in step.after:
                if dep not in seen:
                    # Only earlier steps: this keeps every template free of cycles.
                    raise ValueError(
                        f"step {step.key!r} comes after {dep!r}, which is not an earlier step"
                    )
            seen.add(step.key)
        return self

    def position(self, key: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.key == key)

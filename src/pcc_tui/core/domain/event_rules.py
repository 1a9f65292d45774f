"""Rules that turn hospital events into work: "a discharge home starts transitional care",
"a no-show needs a reschedule call". Shipped in fixtures/event-rules, a site adds or
replaces rules (same `id`) with TOML files in `event-rules/` beside its config; a file that
does not validate is refused with its name and the field.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from pcc_tui.core.domain.codes import RequestPriority

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]
EVENT = re.compile(r"^(ADT\^A\d\d|SIU\^S\d\d)$")
# Placeholders a task title may use, filled from the event.
PLACEHOLDERS = frozenset({"ward", "bed", "room", "class", "event", "service"})


class EventRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    events: list[str] = Field(min_length=1, max_length=20)
    # PV1-2 patient class (HL7 table 0004) or PV1-18 patient type; empty: any.
    classes: list[Annotated[str, StringConstraints(min_length=1, max_length=10)]] = []
    patient_types: list[Annotated[str, StringConstraints(min_length=1, max_length=10)]] = []
    # PV1-36 discharge disposition codes (HL7 table 0112); "" matches a disposition not sent.
    dispositions: list[Annotated[str, StringConstraints(max_length=20)]] = []
    # Only for patients who have a coordinator (their caseload), e.g. admission notices.
    caseload_only: bool = False
    then: Literal["transition", "task"]
    # transition: the pathway by complexity (moderate: face-to-face within 14 days; high: 7).
    pathway: Slug | None = None
    complexity: Literal["moderate", "high"] = "moderate"
    # PV1-10 hospital services whose discharges are high complexity (pathway_high is used).
    high_services: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = []
    pathway_high: Slug | None = None
    # task: what the step says and when it is due: "0bd" (the event's day, or the next
    # business day), "2bd", or calendar days "3".
    task: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    due: str = "0bd"
    priority: RequestPriority = RequestPriority.ROUTINE
    # Who owns the work when the patient has no coordinator.
    pool: Annotated[str, StringConstraints(min_length=1, max_length=60)] = "care-transitions"

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        for event in value:
            if not EVENT.fullmatch(event):
                raise ValueError(f'{event!r} is not an event like "ADT^A03" or "SIU^S26"')
        return value

    @field_validator("due")
    @classmethod
    def _due(cls, value: str) -> str:
        if not re.fullmatch(r"\d{1,3}(bd)?", value):
            raise ValueError(f'{value!r}: business days as "2bd", or calendar days as "3"')
        return value

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.then == "transition" and self.pathway is None:
            raise ValueError("a transition rule names its pathway")
        if self.high_services and self.pathway_high is None:
            raise ValueError("high_services needs pathway_high")
        if self.then == "task":
            if self.task is None:
                raise ValueError("a task rule names its task")
            unknown = set(re.findall(r"\{(\w+)\}", self.task)) - PLACEHOLDERS
            if unknown:
                raise ValueError(
                    f"task: unknown placeholder {{{sorted(unknown)[0]}}} "
                    f"(known: {', '.join(sorted(PLACEHOLDERS))})"
                )
        return self

    @property
    def due_days(self) -> tuple[int, bool]:
        """(days, business)"""
        return int(self.due.removesuffix("bd")), self.due.endswith("bd")

    def matches(
        self,
        event: str,
        patient_class: str | None,
        patient_type: str | None,
        disposition: str | None,
        has_coordinator: bool,
    ) -> bool:
        if event not in self.events:
            return False
        if self.caseload_only and not has_coordinator:
            return False
        if (self.classes or self.patient_types) and not (
            (patient_class or "") in self.classes or (patient_type or "") in self.patient_types
        ):
            return False
        return not self.dispositions or (disposition or "") in self.dispositions


# Steps of a transitional-care pathway that carry its clocks (the queue shows them).
CONTACT_STEP, VISIT_STEP, MEDREC_STEP = "contact", "face-to-face", "med-rec"

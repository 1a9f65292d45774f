"""What a key acts on, fixed when it is pressed.

`Selection` is built on the UI thread at the key press from the cockpit's widgets and
handed to forms and workers, which never read a widget or the App: a key typed ahead over a
slow link acts on what was under the cursor when it was pressed, not after the cursor moved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from pcc_tui.core.clock import age_on
from pcc_tui.core.domain.read_models import (
    CoverageChecklist,
    PatientChart,
    PatientRef,
    QueueItem,
    QueueKind,
    Timeline,
    TimelineEntry,
)


@dataclass(frozen=True)
class Selection:
    panel: str  # the focused panel: queue, chart, timeline, coverage
    patient: PatientRef | None  # the patient the key acts on
    item: QueueItem | None = None  # the queue row under the cursor (same patient)
    marked: tuple[QueueItem, ...] = ()  # rows marked with space
    step: TimelineEntry | None = None  # the timeline row under the cursor (timeline focused)
    chart: PatientChart | None = None  # the patient's details, when loaded for this patient
    timeline: Timeline | None = None
    coverage: CoverageChecklist | None = None
    on_coverage: str | None = None  # the coverage panel row under its cursor: "auth:12"

    @property
    def patient_id(self) -> int | None:
        return self.patient.id if self.patient else None

    @property
    def has_details(self) -> bool:
        return self.patient is None or self.chart is not None

    def with_details(
        self, chart: PatientChart, timeline: Timeline, coverage: CoverageChecklist
    ) -> Selection:
        return replace(self, chart=chart, timeline=timeline, coverage=coverage)

    def coverage_pick(self, kind: str) -> int | None:
        """The id of the `kind` row (auth, referral, coverage) picked in the coverage panel."""
        if self.panel != "coverage" or not self.on_coverage:
            return None
        row_kind, _, raw = self.on_coverage.partition(":")
        return int(raw) if row_kind == kind and raw.isdigit() else None

    def item_of(self, kind: QueueKind) -> QueueItem | None:
        return self.item if self.item is not None and self.item.kind is kind else None

    def marked_of(self, kind: QueueKind) -> list[QueueItem]:
        return [i for i in self.marked if i.kind is kind]


def patient_label(patient: PatientRef, mask: str, today: date) -> str:
    """Two identifiers, the name as the display policy allows: 'AB  MRN 10000033  63y (04 Mar
    1961)'. Lists mask the name; a form is about one patient, so its MRN is shown whole."""
    if mask == "name":
        name = f"{patient.family_name.upper()}, {patient.given_name}"
    else:
        name = f"{patient.given_name[:1]}{patient.family_name[:1]}".upper()
    born = patient.birth_date
    mrn = patient.mrn if patient.mrn.upper().startswith("MRN") else f"MRN {patient.mrn}"
    return f"{name}  {mrn}  {age_on(born, today)}y (born {born:%d %b %Y})"

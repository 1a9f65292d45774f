"""Messages workers post to the UI thread (plain pydantic payloads, never ORM objects)."""

from __future__ import annotations

from textual.message import Message

from pcc_tui.core.domain.read_models import CoverageChecklist, PatientChart, Queue, Timeline


class QueueLoaded(Message):
    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.queue = queue


class PatientLoaded(Message):
    """Chart, timeline and coverage of one patient, loaded together in one worker."""

    def __init__(
        self, chart: PatientChart, timeline: Timeline, coverage: CoverageChecklist
    ) -> None:
        super().__init__()
        self.chart = chart
        self.timeline = timeline
        self.coverage = coverage


class ActionDone(Message):
    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


class WorkFailed(Message):
    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error
